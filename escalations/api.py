"""REST API: escalations of your patients; acknowledge and resolve them."""

from typing import Any, cast

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.drf import StrictCharField, StrictInputSerializer, paginated
from accounts.models import User
from accounts.services import audit
from escalations.models import Escalation, Notification
from escalations.rules import Severity
from escalations.services import escalation_acknowledge, escalation_resolve

STATUSES = list(Escalation.Status.values)  # the API's choices, as the schema names them
MAX_ID = 2**63 - 1  # a database bigint; larger ids would overflow the query, not miss


class EscalationOutputSerializer(serializers.ModelSerializer[Escalation]):
    patient = serializers.IntegerField(source="patient_id")
    severity = serializers.ChoiceField(choices=[s.value for s in Severity])
    status = serializers.ChoiceField(choices=STATUSES)

    class Meta:
        model = Escalation
        fields = [
            "id", "patient", "rule", "severity", "status", "due_at", "created_at", "reason",
            "evidence_count", "acknowledged_at", "resolved_at", "resolution_note",
        ]  # fmt: skip


class EscalationListApi(APIView):
    """Escalations of your patients, soonest due first. Filters: status, severity, patient."""

    class Pagination(PageNumberPagination):
        page_size = 50
        max_page_size = 200
        page_size_query_param = "page_size"

    class FilterSerializer(serializers.Serializer[dict[str, Any]]):
        status = serializers.ChoiceField(choices=STATUSES, required=False)
        severity = serializers.ChoiceField(choices=[s.value for s in Severity], required=False)
        patient = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

        def to_internal_value(self, data: Any) -> dict[str, Any]:
            # A filter given empty (?status=) is a mistake, not "no filter".
            empty = [n for n in list(self.fields.keys()) if n in data and data.get(n) == ""]
            if empty:
                raise serializers.ValidationError({name: ["Must not be empty."] for name in empty})
            return dict(super().to_internal_value(data))

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=STATUSES),
            OpenApiParameter("severity", enum=[s.value for s in Severity]),
            OpenApiParameter(
                "patient",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                description="A patient id (1 or more).",
            ),
        ],
        responses=paginated(EscalationOutputSerializer, "EscalationPage"),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        escalations = Escalation.objects.visible_to(request.user).filter(
            **{key: value for key, value in filters.validated_data.items()}
        )
        paginator = self.Pagination()
        page = paginator.paginate_queryset(escalations.order_by("due_at", "pk"), request, view=self)
        rows = EscalationOutputSerializer(page, many=True)
        return paginator.get_paginated_response(rows.data)


def _escalation(request: Request, escalation_id: int) -> Escalation:
    return get_object_or_404(Escalation.objects.visible_to(request.user), pk=escalation_id)


class NotificationOutputSerializer(serializers.ModelSerializer[Notification]):
    clinician = serializers.CharField(source="clinician.user.username", allow_null=True)

    class Meta:
        model = Notification
        fields = ["clinician", "channel", "sent_at", "step"]


class EscalationDetailOutputSerializer(EscalationOutputSerializer):
    notifications = serializers.SerializerMethodField()

    class Meta(EscalationOutputSerializer.Meta):
        fields = [*EscalationOutputSerializer.Meta.fields, "chain_step", "notifications"]

    @extend_schema_field(NotificationOutputSerializer(many=True))
    def get_notifications(self, escalation: Escalation) -> Any:
        """Who was told, how and when, at each step of the chain (email: once sent)."""
        notices = (
            escalation.notifications.filter(clinician__isnull=False)
            .select_related("clinician__user")
            .order_by("created_at", "pk")
        )
        return NotificationOutputSerializer(notices, many=True).data


class EscalationDetailApi(APIView):
    """One escalation, with who was notified at each step of the chain."""

    @extend_schema(operation_id="escalations_detail", responses=EscalationDetailOutputSerializer)
    def get(self, request: Request, escalation_id: int) -> Response:
        escalation = _escalation(request, escalation_id)
        audit(
            actor=request.user,
            patient=escalation.patient,
            action="view",
            what=f"escalation {escalation.pk} (API)",
        )
        return Response(EscalationDetailOutputSerializer(escalation).data)


class EscalationAcknowledgeApi(APIView):
    """Acknowledge: you have seen it and are acting on it."""

    @extend_schema(request=None, responses=EscalationOutputSerializer)
    def post(self, request: Request, escalation_id: int) -> Response:
        escalation = escalation_acknowledge(
            escalation=_escalation(request, escalation_id), user=cast(User, request.user)
        )
        return Response(EscalationOutputSerializer(escalation).data)


class EscalationResolveApi(APIView):
    """Resolve with a note saying what was done."""

    class InputSerializer(StrictInputSerializer):
        note = StrictCharField(max_length=2000, help_text="What was done.")

    @extend_schema(request=InputSerializer, responses=EscalationOutputSerializer)
    def post(self, request: Request, escalation_id: int) -> Response:
        escalation = _escalation(request, escalation_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = escalation_resolve(
            escalation=escalation, user=cast(User, request.user), note=data.validated_data["note"]
        )
        return Response(EscalationOutputSerializer(escalation).data)
