"""POST /hooks/twilio/sms/: signature, persistence, duplicates, unknown senders, ordering."""

import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client

from accounts.models import Patient
from checkins.services import checkin_start
from messaging import inbound
from messaging.backends import locmem
from messaging.inbound import inbound_drain, inbound_process, inbound_store
from messaging.models import Message, ReviewItem, Status
from tests.messaging.helpers import (
    SMS_PATH,
    conversation,
    drain_inbound,
    inbound_params,
    new_sid,
    post_signed,
    sign,
    text_in,
)


def test_a_signed_message_is_stored_and_answered_with_twiml(
    client: Client, patient: Patient
) -> None:
    response = text_in(client, sender=str(patient.phone), body="hello")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content.decode().endswith("<Response></Response>")
    message = conversation().get()
    assert (message.direction, message.patient, message.body) == ("in", patient, "hello")


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl"])
def test_missing_or_bad_signature_is_403_and_stores_nothing(
    client: Client, patient: Patient, signature: str | None
) -> None:
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}

    response = client.post(
        SMS_PATH, inbound_params(sender=str(patient.phone), body="STOP"), **headers
    )

    assert response.status_code == 403
    assert not conversation().exists()
    patient.refresh_from_db()
    assert patient.sms_consent == "active"


def test_a_tampered_body_fails_the_signature(client: Client, patient: Patient) -> None:
    params = inbound_params(sender=str(patient.phone), body="7")
    signature = sign(SMS_PATH, params)
    params["Body"] = "STOP"

    response = client.post(SMS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)

    assert response.status_code == 403
    assert not conversation().exists()


def test_signature_is_checked_against_the_public_url_behind_a_proxy(
    client: Client, patient: Patient
) -> None:
    params = inbound_params(sender=str(patient.phone), body="hi")
    # The proxy forwards to http://internal:8000; Twilio signed the public https URL.
    response = client.post(
        SMS_PATH, params, HTTP_X_TWILIO_SIGNATURE=sign(SMS_PATH, params), HTTP_HOST="testserver"
    )
    assert response.status_code == 200

    internal = inbound_params(sender=str(patient.phone), body="hi")
    signed_for_internal = sign(SMS_PATH, internal, base="http://testserver")
    response = client.post(SMS_PATH, internal, HTTP_X_TWILIO_SIGNATURE=signed_for_internal)
    assert response.status_code == 403


def test_a_signature_with_the_explicit_443_port_validates(client: Client, patient: Patient) -> None:
    params = inbound_params(sender=str(patient.phone), body="hi")
    signature = sign(SMS_PATH, params, base="https://selfcare.example.org:443")

    assert client.post(SMS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200


def test_extra_and_multi_valued_parameters_validate_and_are_stored_raw(
    client: Client, patient: Patient
) -> None:
    params = inbound_params(
        sender=str(patient.phone),
        body="photo",
        NumMedia="2",
        MediaUrl0="https://api.twilio.com/m/1",
        NewTwilioField="whatever",
        OptOutType=["HELP", "HELP2"],
    )
    response = post_signed(client, SMS_PATH, params)

    assert response.status_code == 200
    raw = conversation().get().raw
    assert raw["NewTwilioField"] == "whatever"
    assert raw["OptOutType"] == ["HELP", "HELP2"]
    assert raw["MediaUrl0"] == "https://api.twilio.com/m/1"


def test_a_duplicate_delivery_is_200_with_no_second_effect(
    client: Client, patient: Patient
) -> None:
    sid = new_sid()
    first = text_in(client, sender=str(patient.phone), body="HELP", sid=sid)
    second = text_in(client, sender=str(patient.phone), body="HELP", sid=sid)

    assert (first.status_code, second.status_code) == (200, 200)
    assert Message.objects.filter(direction="in").count() == 1
    assert conversation().filter(direction="out").count() == 1
    assert len(locmem.outbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicates_store_one_row_and_answer_200(patient: Patient) -> None:
    sid = new_sid()
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(
                text_in(Client(), sender=str(patient.phone), body="HELP", sid=sid).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [200, 200, 200, 200]
    assert Message.objects.filter(direction="in").count() == 1
    assert Message.objects.filter(direction="out", template="help").count() == 1
    help_replies = [m for m in locmem.outbox if "emergency department" in m.body]
    assert [m.to for m in help_replies] == [str(patient.phone)]


def test_an_unknown_sender_is_stored_flagged_and_told_nothing_about_patients(
    client: Client, patient: Patient
) -> None:
    response = text_in(client, sender="+12025550999", body="is this Alma's clinic?")

    assert response.status_code == 200
    received = Message.objects.get(direction="in")
    assert received.patient is None
    assert ReviewItem.objects.get().reason == "unknown_sender"
    [reply] = locmem.outbox
    assert reply.to == "+12025550999"
    assert "Alma" not in reply.body
    assert str(patient.phone) not in reply.body
    assert "911" in reply.body


def test_a_sender_in_another_format_is_matched_in_e164(client: Client, patient: Patient) -> None:
    national = str(patient.phone).removeprefix("+1")

    text_in(client, sender=national, body="hello")

    message = Message.objects.get(direction="in")
    assert message.patient == patient
    assert message.phone == str(patient.phone)


@pytest.mark.parametrize(
    "body",
    ["😀 ok 👍", "dolor — siete", "ñ" * 5000, "", "line\nbreak\r\n", "\u0000nul"],
    ids=["emoji", "ucs2", "very-long", "empty", "newlines", "nul"],
)
def test_any_body_is_stored_intact_and_never_a_500(
    client: Client, patient: Patient, body: str
) -> None:
    params = inbound_params(sender=str(patient.phone), body=body)

    response = post_signed(client, SMS_PATH, params)

    assert response.status_code == 200
    # NUL, which PostgreSQL cannot store, is kept as a visible replacement character.
    assert Message.objects.get(direction="in").body == body.replace("\u0000", "\ufffd")


def test_a_message_without_messagesid_is_400(client: Client, patient: Patient) -> None:
    params = inbound_params(sender=str(patient.phone), body="x")
    del params["MessageSid"]

    assert post_signed(client, SMS_PATH, params).status_code == 400
    assert not conversation().exists()


def test_replies_from_one_patient_are_handled_in_arrival_order(patient: Patient) -> None:
    stop, _ = inbound_store(params=_query(inbound_params(sender=str(patient.phone), body="STOP")))
    help_, _ = inbound_store(params=_query(inbound_params(sender=str(patient.phone), body="HELP")))

    # The second webhook's processing runs first (the first one's was slow or failed): it
    # handles the earlier STOP before its own HELP, so no help text goes to an opted-out patient.
    inbound_process(message_id=help_.pk)

    stop.refresh_from_db()
    help_.refresh_from_db()
    assert stop.processed_at is not None
    assert help_.processed_at is not None
    assert stop.processed_at <= help_.processed_at
    patient.refresh_from_db()
    assert patient.sms_consent == "opted_out"
    assert not Message.objects.filter(direction="out", status=Status.PENDING).exists()
    assert ReviewItem.objects.get().reason == "after_opt_out"
    assert inbound_process(message_id=stop.pk) == []  # already handled: nothing twice


def test_processing_failure_still_answers_200_and_the_drain_finishes_the_job(
    client: Client, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(message: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(inbound, "_handle_inbound", broken)
    response = text_in(client, sender=str(patient.phone), body="HELP")
    assert response.status_code == 200
    message = Message.objects.get(direction="in")
    assert message.processed_at is None
    monkeypatch.undo()

    assert drain_inbound() == 1

    message.refresh_from_db()
    assert message.processed_at is not None
    assert [m.template for m in conversation().filter(direction="out")] == ["help"]


def test_a_text_that_keeps_failing_goes_to_a_person_and_holds_up_nothing(
    client: Client, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = inbound._handle_inbound

    def fails_on_one_text(message: Any) -> Any:
        if message.body == "the text that breaks it":
            raise RuntimeError("bug")
        return handle(message)

    monkeypatch.setattr(inbound, "_handle_inbound", fails_on_one_text)
    text_in(client, sender=str(patient.phone), body="the text that breaks it")
    # A later HELP from the same patient is answered in its request all the same.
    assert text_in(client, sender=str(patient.phone), body="HELP").status_code == 200
    assert [m.template for m in conversation().filter(direction="out")] == ["help"]
    broken = Message.objects.get(body="the text that breaks it")
    assert (broken.attempts, broken.processed_at) == (1, None)

    drain_inbound()
    drain_inbound()

    broken.refresh_from_db()
    assert broken.attempts == 3
    assert broken.processed_at is not None  # no more retries
    review = ReviewItem.objects.get(reason="not_handled")
    assert (review.message, review.patient) == (broken, patient)
    assert drain_inbound() == 0


def _query(params: dict[str, Any]) -> Any:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def test_a_remark_with_no_checkin_open_is_answered_at_once_and_handled_by_the_drain(
    client: Client, patient: Patient
) -> None:
    response = text_in(client, sender=str(patient.phone), body="feeling a bit better today")

    assert response.status_code == 200
    message = Message.objects.get(direction="in")
    assert message.processed_at is None  # nothing to answer: left for the worker
    assert inbound_drain() == 0  # not within a second: the webhook may still be on it
    assert drain_inbound() == 1
    message.refresh_from_db()
    assert message.processed_at is not None


@pytest.mark.parametrize("body", ["HELP", "STOP", "I want to end it all", "please stop texting"])
def test_keywords_and_safety_words_are_handled_in_the_request(
    client: Client, patient: Patient, body: str
) -> None:
    text_in(client, sender=str(patient.phone), body=body)

    assert Message.objects.get(direction="in").processed_at is not None


def test_an_answer_to_an_open_checkin_gets_its_next_question_in_the_request(
    client: Client, patient: Patient
) -> None:
    checkin = checkin_start(patient=patient)
    first = checkin.pending_question

    text_in(client, sender=str(patient.phone), body="4")

    checkin.refresh_from_db()
    assert checkin.answers.get().question == first
    assert checkin.pending_question not in ("", first)
    reply = Message.objects.filter(direction="out", in_reply_to__isnull=False).get()
    assert reply.template == f"q_{checkin.pending_question}"
    assert reply.status == Status.QUEUED  # handed to the provider before the response


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_drain_skips_a_patient_someone_else_holds_and_comes_back(patient: Patient) -> None:
    import time

    remark, _ = inbound_store(params=_query(inbound_params(sender=str(patient.phone), body="ok")))
    locked, release = threading.Event(), threading.Event()

    def another_drain() -> None:
        try:
            with transaction.atomic():
                Patient.objects.select_for_update().get(pk=patient.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=another_drain)
    holder.start()
    assert locked.wait(timeout=10)
    started = time.monotonic()
    drain_inbound()
    waited = time.monotonic() - started
    remark.refresh_from_db()
    release.set()
    holder.join(timeout=10)

    assert waited < 2  # it did not queue behind the other holder
    assert remark.processed_at is None
    drain_inbound()
    remark.refresh_from_db()
    assert remark.processed_at is not None


def test_with_a_checkin_open_a_text_no_question_could_take_is_re_asked_by_the_drain(
    client: Client, patient: Patient
) -> None:
    checkin = checkin_start(patient=patient)
    first = checkin.pending_question

    text_in(client, sender=str(patient.phone), body="what do you mean?")
    assert not Message.objects.filter(direction="out", in_reply_to__isnull=False).exists()

    drain_inbound()

    checkin.refresh_from_db()
    assert (checkin.pending_question, checkin.reprompts) == (first, 1)
    reprompt = Message.objects.get(direction="out", in_reply_to__isnull=False)
    assert reprompt.template.startswith("reprompt_")
