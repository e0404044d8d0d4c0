"""POST /hooks/twilio/status/: monotonic, idempotent, signed."""

from typing import Any

import pytest
from django.test import Client

from accounts.models import Patient
from messaging.models import Message, Status
from messaging.outbox import message_queue, message_send
from tests.messaging.helpers import STATUS_PATH, post_signed, sign


@pytest.fixture
def sent(patient: Patient) -> Message:
    message = message_queue(patient=patient, text="opt_out_intent")
    message_send(message_id=message.pk)
    message.refresh_from_db()
    return message


def callback(client: Client, message: Message, status: str, **extra: str) -> Any:
    path = f"{STATUS_PATH}?m={message.pk}"
    params = {"MessageSid": message.provider_sid or "", "MessageStatus": status, **extra}
    return post_signed(client, path, params)


def test_statuses_move_forward_and_keep_their_history(client: Client, sent: Message) -> None:
    for status in ["sending", "sent", "delivered"]:
        assert callback(client, sent, status).status_code == 200

    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED
    history = [(e.status, e.source) for e in sent.status_events.all()]
    assert history[-3:] == [
        ("sending", "provider"),
        ("sent", "provider"),
        ("delivered", "provider"),
    ]


def test_a_late_sent_never_overwrites_delivered(client: Client, sent: Message) -> None:
    callback(client, sent, "delivered")
    callback(client, sent, "sent")
    callback(client, sent, "queued")

    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED
    assert [e.status for e in sent.status_events.all()][-1] == "delivered"


def test_sent_can_still_become_undelivered(client: Client, sent: Message) -> None:
    callback(client, sent, "sent")
    callback(client, sent, "undelivered", ErrorCode="30003")

    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == (Status.UNDELIVERED, 30003)


def test_duplicate_callbacks_are_200_and_change_nothing(client: Client, sent: Message) -> None:
    callback(client, sent, "delivered")
    events = sent.status_events.count()

    assert callback(client, sent, "delivered").status_code == 200
    assert sent.status_events.count() == events


def test_unknown_messages_are_answered_200(client: Client, db: Any) -> None:
    params = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"}
    assert post_signed(client, f"{STATUS_PATH}?m=999999", params).status_code == 200
    assert post_signed(client, STATUS_PATH, params).status_code == 200


def test_a_bad_signature_is_403_and_changes_nothing(client: Client, sent: Message) -> None:
    path = f"{STATUS_PATH}?m={sent.pk}"
    params = {"MessageSid": sent.provider_sid, "MessageStatus": "failed"}
    signature = sign(f"{STATUS_PATH}?m={sent.pk + 1}", params)  # signed for another URL

    assert client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    assert client.post(path, params).status_code == 403
    sent.refresh_from_db()
    assert sent.status == Status.QUEUED


def test_a_callback_reconciles_a_send_whose_answer_we_never_recorded(
    client: Client, patient: Patient
) -> None:
    message = message_queue(patient=patient, text="opt_out_intent")
    Message.objects.filter(pk=message.pk).update(status=Status.SUBMITTING)  # worker died mid-call

    callback(client, message, "sent", MessageSid="SM" + "a" * 32)

    message.refresh_from_db()
    assert (message.status, message.provider_sid) == (Status.SENT, "SM" + "a" * 32)


def test_21610_in_a_callback_marks_the_patient_carrier_opted_out(
    client: Client, sent: Message, patient: Patient
) -> None:
    callback(client, sent, "failed", ErrorCode="21610")

    patient.refresh_from_db()
    assert patient.sms_consent == "carrier_opted_out"
