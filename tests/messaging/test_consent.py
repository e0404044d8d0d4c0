"""Consent: STOP and START, opted-out patients, opt-out intent, carrier opt-out."""

from typing import Any

import pytest
from django.test import Client

from accounts.models import ConsentEvent, Patient
from messaging.backends import locmem
from messaging.backends.base import PermanentSendError
from messaging.models import Message, Priority, ReviewItem, Status
from messaging.outbox import message_queue, message_send
from tests.factories import make_patient
from tests.messaging.helpers import drain_inbound, text_in

STOP_WORDS = ["STOP", "stop", " Stop ", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
              "REVOKE", "OPTOUT", "ALTO", "parar", "Cancelar"]  # fmt: skip


def queue_nudge(patient: Patient) -> Message:
    return message_queue(patient=patient, text="opt_out_intent", priority=Priority.BULK)


@pytest.mark.parametrize("word", STOP_WORDS)
def test_stop_revokes_consent_at_once_and_cancels_pending_sends(
    client: Client, patient: Patient, word: str
) -> None:
    pending = queue_nudge(patient)
    assert pending.status == Status.PENDING

    response = text_in(client, sender=str(patient.phone), body=word)

    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.sms_consent == "opted_out"
    event = patient.consent_events.first()
    assert (event.state, event.source) == ("opted_out", "sms_keyword")
    pending.refresh_from_db()
    assert pending.status == Status.CANCELLED
    assert locmem.outbox == []  # and nothing is sent in answer: the carrier confirms STOP


def test_nothing_is_sent_after_stop(client: Client, patient: Patient) -> None:
    text_in(client, sender=str(patient.phone), body="STOP")

    later = queue_nudge(patient)

    assert later.status == Status.SUPPRESSED
    assert later.suppressed_reason == "opted_out"
    assert locmem.outbox == []


@pytest.mark.parametrize("word", ["START", "unstop", "Start!"])
def test_start_restores_consent_with_a_confirmation(
    client: Client, patient: Patient, word: str
) -> None:
    text_in(client, sender=str(patient.phone), body="STOP")

    text_in(client, sender=str(patient.phone), body=word)

    patient.refresh_from_db()
    assert patient.sms_consent == "active"
    assert [e.state for e in patient.consent_events.order_by("occurred_at", "pk")] == [
        "active",
        "opted_out",
        "active",
    ]
    [confirmation] = locmem.outbox
    assert "STOP" in confirmation.body
    assert confirmation.to == str(patient.phone)


@pytest.mark.parametrize("body", ["YES", "7", "hello?", "HELP", "stop texting me"])
def test_other_texts_from_an_opted_out_patient_are_stored_but_restore_nothing(
    client: Client, patient: Patient, body: str
) -> None:
    text_in(client, sender=str(patient.phone), body="STOP")

    response = text_in(client, sender=str(patient.phone), body=body)
    drain_inbound()

    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.sms_consent == "opted_out"
    assert Message.objects.filter(direction="in", body=body).exists()
    assert ReviewItem.objects.filter(reason="after_opt_out", patient=patient).count() == 1
    assert locmem.outbox == []


@pytest.mark.parametrize(
    "body", ["stop texting me please", "Please don’t text me anymore", "no más mensajes"]
)
def test_free_text_opt_out_opens_a_review_item_and_explains_stop(
    client: Client, patient: Patient, body: str
) -> None:
    text_in(client, sender=str(patient.phone), body=body)

    patient.refresh_from_db()
    assert patient.sms_consent == "active"  # a person confirms; it is not a keyword
    assert ReviewItem.objects.get().reason == "opt_out_intent"
    [reply] = locmem.outbox
    assert "reply STOP" in reply.body


def test_i_cant_stop_the_pain_is_not_an_opt_out(client: Client, patient: Patient) -> None:
    text_in(client, sender=str(patient.phone), body="I can't stop the pain")

    patient.refresh_from_db()
    assert patient.sms_consent == "active"
    assert not ReviewItem.objects.exists()


def test_a_web_only_patient_is_never_texted(db: Any, clinician: Any) -> None:
    web_only = make_patient(clinician=clinician, sms_consent=False).patient

    message = queue_nudge(web_only)

    assert message.status == Status.SUPPRESSED
    assert message.suppressed_reason == "no_consent"
    assert message_send(message_id=message.pk).status == "not_due"
    assert locmem.outbox == []


def test_consent_withdrawn_after_queueing_is_checked_again_at_send_time(patient: Patient) -> None:
    message = queue_nudge(patient)
    Patient.objects.filter(pk=patient.pk).update(sms_consent="opted_out")

    outcome = message_send(message_id=message.pk)

    assert outcome.status == Status.SUPPRESSED
    assert locmem.outbox == []


def test_error_21610_marks_the_patient_carrier_opted_out(patient: Patient) -> None:
    first, second = queue_nudge(patient), queue_nudge(patient)
    locmem.fail_next(PermanentSendError("unsubscribed", code=21610, http_status=400))

    assert message_send(message_id=first.pk).status == Status.FAILED

    patient.refresh_from_db()
    assert patient.sms_consent == "carrier_opted_out"
    event = patient.consent_events.first()
    assert (event.state, event.source) == ("carrier_opted_out", "carrier")
    second.refresh_from_db()
    assert second.status == Status.CANCELLED
    first.refresh_from_db()
    assert first.error_code == 21610


def test_every_consent_change_is_a_dated_event(client: Client, patient: Patient) -> None:
    text_in(client, sender=str(patient.phone), body="STOP")
    text_in(client, sender=str(patient.phone), body="START")

    events = list(ConsentEvent.objects.filter(patient=patient).order_by("occurred_at", "pk"))
    assert [(e.state, e.source) for e in events] == [
        ("active", "enrollment"),
        ("opted_out", "sms_keyword"),
        ("active", "sms_keyword"),
    ]
    assert all(e.occurred_at is not None for e in events)
    # The patient's own history records each change too.
    assert list(patient.history.values_list("sms_consent", flat=True)[:3]) == [
        "active",
        "opted_out",
        "active",
    ]
