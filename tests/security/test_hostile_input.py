"""Finding 6: hostile input gets a 4xx, never a 500, and nothing it carried is lost (an
unreadable inbound text is still stored and set aside for review)."""

from typing import Any

import pytest
from django.test import Client

from accounts.models import Patient
from messaging.models import Message, ReviewItem
from tests.messaging.helpers import SMS_PATH, STATUS_PATH, inbound_params, post_signed


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/admin/accounts/patient/abc/change/"),
        ("get", "/admin/accounts/patient/abc/history/"),
        ("post", "/admin/accounts/patient/abc/act/checkin/"),
        ("get", "/admin/escalations/escalation/abc/change/"),
        ("get", "/admin/accounts/patient/99999999999999999999/change/"),
    ],
)
def test_admin_urls_with_ids_that_are_not_numbers_are_404_not_500(
    admin_client_for: Any, clinician: Any, method: str, url: str
) -> None:
    response = getattr(admin_client_for(clinician), method)(url)

    assert response.status_code == 404


@pytest.mark.parametrize(
    "overrides",
    [
        {"From": "+1" + "2" * 40},  # longer than any number
        {"From": "+1201555\x000100"},  # a NUL in the sender
        {"MessageSid": "SM" + "a" * 70},  # longer than any Twilio id
    ],
)
def test_a_malformed_sender_or_id_is_a_400_and_the_text_is_kept_for_review(
    client: Client, db: Any, overrides: dict[str, str]
) -> None:
    params = {**inbound_params(sender="+12015550100", body="I can't pee"), **overrides}

    response = post_signed(client, SMS_PATH, params)
    again = post_signed(client, SMS_PATH, params)  # Twilio retries: still one row

    assert response.status_code == 400
    assert again.status_code == 200
    inbound = Message.objects.get(direction="in")
    assert inbound.body == "I can't pee"
    assert inbound.processed_at is not None
    assert ReviewItem.objects.get(message=inbound).reason == "not_handled"


def test_a_status_callback_with_an_impossible_error_code_is_a_400_and_keeps_the_status(
    client: Client, patient: Patient
) -> None:
    from messaging.outbox import message_queue

    message = message_queue(patient=patient, text="help")
    params = {"MessageSid": "SM" + "b" * 32, "MessageStatus": "failed", "ErrorCode": "99999999999"}
    path = f"{STATUS_PATH}?m={message.pk}"

    response = post_signed(client, path, params)

    assert response.status_code == 400
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.error_code is None
