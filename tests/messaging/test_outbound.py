"""The outbox: sending once, retries, permanent failures, expiry, quiet hours, stale numbers."""

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import Patient
from messaging.backends import locmem
from messaging.backends.base import PermanentSendError, TransientSendError
from messaging.models import Message, Priority, ReviewItem, Status
from messaging.outbox import message_queue, message_send, outbox_sweep
from messaging.tasks import message_send_task


def queue(patient: Patient, **kwargs: Any) -> Message:
    return message_queue(patient=patient, text="opt_out_intent", **kwargs)


def test_a_queued_message_is_sent_after_commit_with_our_id_in_the_callback_url(
    patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(patient)
    assert len(locmem.outbox) == 1  # sent by the worker task after the commit, not before

    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.provider_sid.startswith("SMlocmem")
    [request] = locmem.outbox
    assert request.to == str(patient.phone)
    assert request.status_callback == (
        f"https://selfcare.example.org/hooks/twilio/status/?m={message.pk}"
    )
    assert [e.status for e in message.status_events.all()] == ["pending", "submitting", "queued"]


def test_nothing_is_sent_before_the_transaction_commits(
    patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(patient)

    assert len(callbacks) == 1
    assert locmem.outbox == []


def test_a_redelivered_task_makes_no_second_provider_call(patient: Patient) -> None:
    message = queue(patient)

    assert message_send_task(message.pk) == Status.QUEUED
    assert message_send_task(message.pk) == "not_due"
    assert len(locmem.outbox) == 1


@pytest.mark.parametrize("code", [20429, 30003, None])
def test_transient_errors_retry_with_backoff_at_most_three_attempts(
    patient: Patient, code: int | None
) -> None:
    message = queue(patient)
    locmem.fail_next(*[TransientSendError("busy", code=code, http_status=429)] * 3)
    start = timezone.now()

    first = message_send(message_id=message.pk, now=start)
    assert first.status == Status.PENDING
    assert first.retry_at is not None
    assert first.retry_at - start >= timedelta(seconds=25)
    assert message_send(message_id=message.pk, now=start).status == "not_due"  # not yet

    second = message_send(message_id=message.pk, now=first.retry_at)
    assert second.status == Status.PENDING
    assert second.retry_at is not None
    assert second.retry_at - first.retry_at > first.retry_at - start  # backs off

    third = message_send(message_id=message.pk, now=second.retry_at)
    assert third.status == Status.FAILED
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error_code) == (Status.FAILED, 3, code)
    assert locmem.outbox == []


def test_a_transient_error_then_success_sends_once(patient: Patient) -> None:
    message = queue(patient)
    locmem.fail_next(TransientSendError("timeout"))

    retry_at = message_send(message_id=message.pk).retry_at
    assert retry_at is not None
    assert message_send(message_id=message.pk, now=retry_at).status == Status.QUEUED
    assert len(locmem.outbox) == 1


@pytest.mark.parametrize("code", [21211, 21614, 30005, 30006])
def test_permanent_errors_fail_at_once_and_flag_the_number(patient: Patient, code: int) -> None:
    message, later = queue(patient), queue(patient)
    locmem.fail_next(PermanentSendError("bad number", code=code, http_status=400))

    assert message_send(message_id=message.pk).status == Status.FAILED

    patient.refresh_from_db()
    assert patient.sms_undeliverable_code == code
    review = ReviewItem.objects.get()
    assert (review.reason, review.patient) == ("number_undeliverable", patient)
    assert message_send(message_id=later.pk).status == Status.SUPPRESSED  # no more to that number
    later.refresh_from_db()
    assert later.suppressed_reason == "number_flagged"


def test_a_message_past_its_not_after_expires_unsent(patient: Patient) -> None:
    message = queue(patient, not_after=timezone.now() + timedelta(hours=1))

    outcome = message_send(message_id=message.pk, now=timezone.now() + timedelta(hours=2))

    assert outcome.status == Status.EXPIRED
    assert locmem.outbox == []


def test_the_sweeper_expires_stale_rows_without_sending(patient: Patient) -> None:
    message = queue(patient, not_after=timezone.now() + timedelta(minutes=5))

    outbox_sweep(now=timezone.now() + timedelta(minutes=10))

    message.refresh_from_db()
    assert message.status == Status.EXPIRED
    assert locmem.outbox == []


def test_a_changed_number_gets_none_of_the_stale_messages(patient: Patient) -> None:
    message = queue(patient)
    Patient.objects.filter(pk=patient.pk).update(phone="+12025550111")

    assert message_send(message_id=message.pk).status == Status.CANCELLED
    message.refresh_from_db()
    assert message.suppressed_reason == "number_changed"
    assert locmem.outbox == []


def test_a_discharged_patient_gets_none_of_the_queued_messages(patient: Patient) -> None:
    message = queue(patient)
    Patient.objects.filter(pk=patient.pk).update(status="discharged")

    assert message_send(message_id=message.pk).status == Status.CANCELLED
    assert locmem.outbox == []


def test_a_broker_outage_keeps_the_row_and_the_sweeper_sends_it(
    patient: Patient, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(message_send_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(patient)  # robust on_commit: the failure is logged, not raised
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert locmem.outbox == []
    monkeypatch.undo()

    counts = outbox_sweep()

    assert counts["enqueued"] == 1
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert len(locmem.outbox) == 1
    outbox_sweep()
    assert len(locmem.outbox) == 1  # both paths fired: still one send


def test_a_worker_that_died_mid_send_is_recovered_by_the_sweeper(patient: Patient) -> None:
    message = queue(patient)
    Message.objects.filter(pk=message.pk).update(status=Status.SUBMITTING, attempts=1)
    outbox_sweep()
    message.refresh_from_db()
    assert message.status == Status.SUBMITTING  # not yet: the worker may still be on it

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        outbox_sweep()

    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert len(locmem.outbox) == 1


def test_identical_auto_replies_are_capped_at_three_in_five_minutes(patient: Patient) -> None:
    inbound = Message.objects.create(
        direction="in",
        patient=patient,
        phone=str(patient.phone),
        provider_sid="SMx",
        status="received",
    )

    replies = [
        message_queue(patient=patient, text="opt_out_intent", in_reply_to=inbound) for _ in range(5)
    ]

    assert [r.status for r in replies] == ["pending"] * 3 + ["suppressed"] * 2
    assert replies[-1].suppressed_reason == "auto_reply_cap"
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        later = message_queue(patient=patient, text="opt_out_intent", in_reply_to=inbound)
    assert later.status == "pending"


# --- quiet hours, in the patient's time zone (America/Chicago) --------------------------------


def at(local: str) -> datetime:
    """A Chicago wall-clock time as UTC."""
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("America/Chicago")).astimezone(UTC)


def test_bulk_in_quiet_hours_waits_for_morning_and_replies_do_not(patient: Patient) -> None:
    with time_machine.travel(at("2026-06-15T22:30"), tick=False):
        bulk = queue(patient)
        reply = queue(patient, priority=Priority.EMERGENCY)

        deferred = message_send(message_id=bulk.pk)
        assert message_send(message_id=reply.pk).status == Status.QUEUED

    assert deferred.status == Status.PENDING
    assert deferred.retry_at == at("2026-06-16T08:00")
    assert len(locmem.outbox) == 1
    with time_machine.travel(at("2026-06-16T07:59"), tick=False):
        assert message_send(message_id=bulk.pk).status == "not_due"
    with time_machine.travel(at("2026-06-16T08:00"), tick=False):
        assert message_send(message_id=bulk.pk).status == Status.QUEUED
    assert len(locmem.outbox) == 2


@pytest.mark.parametrize(
    ("queued_at", "window", "expected"),
    [
        # Spring forward (2026-03-08, 02:00 → 03:00): the morning send is at 08:00 CDT.
        ("2026-03-07T23:00", (time(21), time(8)), "2026-03-08T08:00"),
        # The quiet hours end at 02:30, which does not exist that night: sent just after the gap.
        ("2026-03-07T23:00", (time(22), time(2, 30)), "2026-03-08T03:30"),
        # Fall back (2026-11-01, 01:00–02:00 twice): quiet until 08:00 CST.
        ("2026-10-31T23:00", (time(21), time(8)), "2026-11-01T08:00"),
    ],
)
def test_quiet_hours_across_dst_give_exactly_one_send_at_the_right_local_time(
    patient: Patient, queued_at: str, window: tuple[time, time], expected: str
) -> None:
    Patient.objects.filter(pk=patient.pk).update(
        quiet_hours_start=window[0], quiet_hours_end=window[1]
    )
    with time_machine.travel(at(queued_at), tick=False):
        message = queue(patient)
        first = message_send(message_id=message.pk)
    assert first.retry_at == at(expected)

    # The sweeper ticks every 30 minutes through the night; exactly one send, at the right time.
    sent_at = None
    tick = at(queued_at)
    while tick < at(queued_at) + timedelta(hours=14):
        with time_machine.travel(tick, tick=False):
            outbox_sweep()
            if locmem.outbox and sent_at is None:
                sent_at = tick
        tick += timedelta(minutes=30)
    assert len(locmem.outbox) == 1
    assert sent_at is not None
    assert at(expected) <= sent_at < at(expected) + timedelta(minutes=30)
