"""API tokens for integrations: issued to a clinician for a password *and* a TOTP code,
stored hashed (django-rest-knox), expiring after API_TOKEN_TTL, revocable."""

import logging
from typing import Any

from django.contrib.auth import authenticate
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
