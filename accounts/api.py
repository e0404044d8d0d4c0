"""API tokens for integrations (issued to a clinician for a password *and* a TOTP code, stored
hashed by django-rest-knox, expiring after API_TOKEN_TTL, revocable); care teams and the
clinician's own away setting."""

import logging
from typing import Any, cast

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp import devices_for_user
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from knox.models import AuthToken
from knox.settings import knox_settings
from knox.views import LogoutView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.drf import StrictCharField, StrictInputSerializer
from accounts.models import CareTeam, Clinician, User
from accounts.services import clinician_set_away, team_set_on_call

logger = logging.getLogger(__name__)

REFUSED = "These sign-in details are not right, or this account may not have API tokens."

TOO_MANY = "This account already has as many live API tokens as it may; revoke one first."


class TokenCreateApi(APIView):
    """Exchange a clinician's username, password and current authenticator code for a token."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="ApiTokenCredentials")
    class InputSerializer(StrictInputSerializer):
        username = StrictCharField(max_length=150)
        password = StrictCharField(max_length=128, trim_whitespace=False)
        otp = StrictCharField(
            max_length=16, help_text="The 6-digit code from the clinician's authenticator app."
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer(
                "ApiToken",
                {"token": serializers.CharField(), "expiry": serializers.DateTimeField()},
            ),
            429: OpenApiResponse(description="Too many failed sign-ins: wait 15 minutes."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Through authenticate(): django-axes counts failures per username and client address.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        device = _verified_device(user, data["otp"]) if user is not None else None
        if user is None or device is None or not _may_have_tokens(user):
            raise serializers.ValidationError({"non_field_errors": [REFUSED]})
        live = AuthToken.objects.filter(user=user, expiry__gt=timezone.now())
        if live.count() >= knox_settings.TOKEN_LIMIT_PER_USER:
            raise serializers.ValidationError({"non_field_errors": [TOO_MANY]})
        instance, token = AuthToken.objects.create(user=user)
        logger.info("api token %s issued to user %s", instance.token_key, user.pk)
        return Response({"token": token, "expiry": instance.expiry})


class TokenRevokeApi(LogoutView):
    """Revoke the token this request is made with (answers 204)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, format: Any = None) -> Response:
        return super().post(request, format)


def _verified_device(user: Any, code: str) -> Any:
    """The user's confirmed authenticator that accepts `code` now (django-otp throttles
    repeated failures per device), or None."""
    for device in devices_for_user(user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(code):
            return device
    return None


def _may_have_tokens(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and hasattr(user, "clinician"))


# --- care teams and the clinician's own settings -------------------------------------------------


class TeamOutputSerializer(serializers.ModelSerializer[CareTeam]):
    lead = serializers.SerializerMethodField()
    on_call = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta:
        model = CareTeam
        fields = ["id", "name", "lead", "on_call", "members"]

    def get_lead(self, team: CareTeam) -> str | None:
        return team.lead.user.username if team.lead else None

    def get_on_call(self, team: CareTeam) -> str | None:
        return team.on_call.user.username if team.on_call else None

    def get_members(self, team: CareTeam) -> list[str]:
        return [member.user.username for member in team.members.all()]


def _teams(user: Any) -> Any:
    """The teams `user` belongs to (every team, for an operator)."""
    teams = CareTeam.objects.select_related("lead__user", "on_call__user").prefetch_related(
        Prefetch("members", Clinician.objects.select_related("user").order_by("user__username"))
    )
    if user.is_superuser:
        return teams
    return teams.filter(members__user=user)


class TeamListApi(APIView):
    """Your care teams: their members, lead and who is on call."""

    @extend_schema(responses=TeamOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(TeamOutputSerializer(_teams(request.user), many=True).data)


class TeamDetailApi(APIView):
    """One of your care teams; its lead sets who is on call."""

    class OnCallSerializer(StrictInputSerializer):
        on_call = StrictCharField(
            allow_null=True, help_text="The username of a member of the team, or null."
        )

    @extend_schema(responses=TeamOutputSerializer)
    def get(self, request: Request, team_id: int) -> Response:
        return Response(
            TeamOutputSerializer(get_object_or_404(_teams(request.user), pk=team_id)).data
        )

    @extend_schema(
        request=OnCallSerializer,
        responses={200: TeamOutputSerializer, 403: OpenApiResponse(description="Not the lead")},
    )
    def patch(self, request: Request, team_id: int) -> Response:
        team = get_object_or_404(_teams(request.user), pk=team_id)
        data = self.OnCallSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["on_call"]
        member = None
        if username is not None:
            member = Clinician.objects.filter(team=team, user__username=username).first()
            if member is None:
                raise serializers.ValidationError({"on_call": ["Not a member of this team."]})
        try:
            team_set_on_call(team=team, member=member, actor=cast(User, request.user))
        except ValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from invalid
        return Response(
            TeamOutputSerializer(get_object_or_404(_teams(request.user), pk=team_id)).data
        )


class ClinicianOutputSerializer(serializers.ModelSerializer[Clinician]):
    username = serializers.CharField(source="user.username")
    team = serializers.CharField(source="team.name", allow_null=True, default=None)

    class Meta:
        model = Clinician
        fields = ["username", "team", "away_until"]


class ClinicianMeApi(APIView):
    """You, as a clinician: while `away_until` is in the future, your patients' alerts go to
    your team's on-call member."""

    class AwaySerializer(StrictInputSerializer):
        away_until = serializers.DateTimeField(
            allow_null=True, help_text="ISO 8601 with a time zone, or null: back now."
        )

    def _me(self, request: Request) -> Clinician:
        return get_object_or_404(
            Clinician.objects.select_related("user", "team"), user=request.user
        )

    @extend_schema(responses=ClinicianOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(ClinicianOutputSerializer(self._me(request)).data)

    @extend_schema(request=AwaySerializer, responses=ClinicianOutputSerializer)
    def patch(self, request: Request) -> Response:
        me = self._me(request)
        data = self.AwaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            clinician_set_away(
                clinician=me,
                until=data.validated_data["away_until"],
                actor=cast(User, request.user),
            )
        except ValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from invalid
        return Response(ClinicianOutputSerializer(me).data)
