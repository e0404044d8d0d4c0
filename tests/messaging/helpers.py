"""Signed Twilio webhook requests, as Twilio would send them."""

from itertools import count
from typing import Any

from django.http import QueryDict
from django.test import Client
from django.utils import timezone
from twilio.request_validator import RequestValidator

from messaging.inbound import INBOUND_GRACE, inbound_drain
from messaging.models import Message
from tests.conftest import PUBLIC_BASE_URL, TWILIO_TEST_TOKEN

_sid = count(1)
SMS_PATH = "/hooks/twilio/sms/"
STATUS_PATH = "/hooks/twilio/status/"


def conversation() -> Any:
    """The messages of the test's own exchange: all but the welcome SMS sent at enrollment."""
    return Message.objects.exclude(template="welcome")


def new_sid() -> str:
    return f"SM{next(_sid):032x}"


def sign(path: str, params: dict[str, Any], *, base: str = PUBLIC_BASE_URL) -> str:
    """The X-Twilio-Signature Twilio would send; list values are repeated fields."""
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return RequestValidator(TWILIO_TEST_TOKEN).compute_signature(f"{base}{path}", query)


def inbound_params(
    *, sender: str, body: str, sid: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "MessageSid": sid or new_sid(),
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
        **extra,
    }


def post_signed(client: Client, path: str, params: dict[str, Any], **headers: Any) -> Any:
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=sign(path, params), **headers)


def text_in(client: Client, *, sender: str, body: str, sid: str | None = None) -> Any:
    """A patient (or anyone) texts SelfCare: a signed POST to the inbound webhook."""
    return post_signed(client, SMS_PATH, inbound_params(sender=sender, body=body, sid=sid))


def drain_inbound() -> int:
    """What a worker does every 2 s: handle the texts the webhook left for later."""
    return inbound_drain(now=timezone.now() + 2 * INBOUND_GRACE)
