"""Twilio: the only module that imports the twilio package.

Sends through the REST API and validates webhook signatures. Error codes are classified as
permanent (do not retry; flag the number) or transient (retry with backoff); see SMS.md.
"""

from collections.abc import Mapping
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from messaging.backends.base import (
    BaseBackend,
    PermanentSendError,
    SendRequest,
    SendResult,
    TransientSendError,
)

# 30003 (handset unreachable) is often temporary: Twilio suggests trying again later.
TRANSIENT_CODES = frozenset({20429, 30001, 30003, 30008, 30022, 30500, 21611})
PERMANENT_CODES = frozenset({21211, 21408, 21610, 21614, 30005, 30006, 30007, 30032, 30034})
REQUEST_TIMEOUT_SECONDS = 10


def is_transient(*, http_status: int | None, code: int | None) -> bool:
    if code in PERMANENT_CODES:
        return False
    if code in TRANSIENT_CODES:
        return True
    # 401/403: our credentials, not the message, are wrong; an operator can fix them while the
    # message waits, so it is not failed at once.
    return http_status is not None and (http_status in (401, 403, 429) or http_status >= 500)


class TwilioBackend(BaseBackend):
    def __init__(self, http_client: HttpClient | None = None) -> None:
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise ImproperlyConfigured(
                "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
            )
        if not (settings.TWILIO_MESSAGING_SERVICE_SID or settings.TWILIO_FROM_NUMBER):
            raise ImproperlyConfigured(
                "SMS_BACKEND=twilio needs TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"
            )
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=http_client or TwilioHttpClient(timeout=REQUEST_TIMEOUT_SECONDS),
        )
        self.sender_key = settings.TWILIO_MESSAGING_SERVICE_SID or settings.TWILIO_FROM_NUMBER
        self.sender: dict[str, Any] = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )

    def send(self, request: SendRequest) -> SendResult:
        try:
            message = self.client.messages.create(
                to=request.to,
                body=request.body,
                status_callback=request.status_callback or None,
                **self.sender,
            )
        except (TwilioRestException, TwilioServiceException) as error:
            # Without a Twilio error code in the body, the SDK puts the HTTP status in `code`.
            code = (
                error.code if isinstance(error.code, int) and error.code != error.status else None
            )
            kind = (
                TransientSendError
                if is_transient(http_status=error.status, code=code)
                else PermanentSendError
            )
            raise kind(
                f"Twilio refused the message ({error.status})", code=code, http_status=error.status
            ) from error
        except requests.RequestException as error:  # timeouts and connection failures
            raise TransientSendError(f"Twilio unreachable: {type(error).__name__}") from error
        segments = int(message.num_segments) if message.num_segments else None
        return SendResult(
            provider_sid=str(message.sid), status=str(message.status), segments=segments
        )


def signature_is_valid(url: str, params: Mapping[str, Any], signature: str) -> bool:
    """Check X-Twilio-Signature for `url` (the public URL Twilio called) and the POST fields.

    `params` must be the QueryDict itself, so that repeated fields validate.
    """
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    return bool(RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature))
