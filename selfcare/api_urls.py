"""/api/v1/: the REST API, its OpenAPI schema and its docs."""

from django.urls import path, register_converter
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts import api as accounts_api
from checkins import api as checkins_api
from escalations import api as escalations_api
from messaging import api as messaging_api
from programs import api as programs_api


class IdConverter:
    """Database ids: at most 18 digits, so a huge number is a 404, not an overflow (a 500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request: Request) -> Response:
    """Links to the API's resources, its schema and its docs."""
    return Response(
        {
            name: reverse(name, request=request)
            for name in (
                "patient-list",
                "escalation-list",
                "team-list",
                "clinician-me",
                "api-token",
                "api-schema",
                "api-docs",
            )
        }
    )


urlpatterns = [
    path("", api_root, name="api-root"),
    path("auth/token/", accounts_api.TokenCreateApi.as_view(), name="api-token"),
    path("auth/token/revoke/", accounts_api.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("patients/", programs_api.PatientListApi.as_view(), name="patient-list"),
    path(
        "patients/<id:patient_id>/",
        programs_api.PatientDetailApi.as_view(),
        name="patient-detail",
    ),
    path(
        "patients/<id:patient_id>/messages/",
        messaging_api.PatientMessagesApi.as_view(),
        name="patient-messages",
    ),
    path(
        "patients/<id:patient_id>/checkins/",
        checkins_api.PatientCheckinsApi.as_view(),
        name="patient-checkins",
    ),
    path("escalations/", escalations_api.EscalationListApi.as_view(), name="escalation-list"),
    path(
        "escalations/<id:escalation_id>/",
        escalations_api.EscalationDetailApi.as_view(),
        name="escalation-detail",
    ),
    path(
        "escalations/<id:escalation_id>/acknowledge/",
        escalations_api.EscalationAcknowledgeApi.as_view(),
        name="escalation-acknowledge",
    ),
    path(
        "escalations/<id:escalation_id>/resolve/",
        escalations_api.EscalationResolveApi.as_view(),
        name="escalation-resolve",
    ),
    path("teams/", accounts_api.TeamListApi.as_view(), name="team-list"),
    path("teams/<id:team_id>/", accounts_api.TeamDetailApi.as_view(), name="team-detail"),
    path("clinicians/me/", accounts_api.ClinicianMeApi.as_view(), name="clinician-me"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
]
