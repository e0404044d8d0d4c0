"""Time-driven escalations: re-screen at two weeks, non-response, referral clocks, re-notifying."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Patient
from checkins.models import Checkin
from escalations.models import Escalation, Notification, ReferralClock
from escalations.rules import Clock, Hit, Severity
from escalations.services import clock_dismiss, clock_record_referral, clock_start, escalate
from escalations.sweeps import emails_sweep, escalations_sweep
from selfcare.clock import day_start, local_today

# Dates and times: run at each hour and DST day of tests/conftest.py's ANY_HOUR.
pytestmark = pytest.mark.any_hour


def sweep() -> dict[str, int]:
    """The tick's escalation steps: the sweep, then the email notices it queued."""
    counts = escalations_sweep()
    counts["emails_sent"] = emails_sweep()
    return counts


def test_r13_re_screen_is_raised_once_at_two_weeks(patient: Patient) -> None:
    zone = ZoneInfo(patient.timezone)  # two weeks of the patient's days
    day_14 = day_start(local_today(patient.created_at, zone) + timedelta(days=14), zone)
    with time_machine.travel(day_14 - timedelta(minutes=1), tick=False):
        escalations_sweep()
    assert not Escalation.objects.filter(rule="R13").exists()

    with time_machine.travel(day_14, tick=False):
        escalations_sweep()
        escalations_sweep()
    escalation = Escalation.objects.get(rule="R13")
    assert escalation.severity == "routine"
    with time_machine.travel(patient.created_at + timedelta(days=30), tick=False):
        escalations_sweep()
    assert Escalation.objects.filter(rule="R13").count() == 1


def test_r19_after_three_check_ins_expire_in_a_row(patient: Patient) -> None:
    Patient.objects.filter(pk=patient.pk).update(created_at=timezone.now() - timedelta(days=30))
    for days_ago in (3, 2, 1):
        started = timezone.now() - timedelta(days=days_ago, hours=3)
        Checkin.objects.create(
            patient=patient,
            kind="full",
            status="expired",
            started_at=started,
            expires_at=started + timedelta(hours=48),
            ended_at=timezone.now() - timedelta(hours=1),
        )

    escalations_sweep()

    assert Escalation.objects.get(rule="R19").severity == "routine"


def test_r19_not_after_two_expired_and_a_recent_reply(patient: Patient, client: Any) -> None:
    from tests.messaging.helpers import text_in

    Patient.objects.filter(pk=patient.pk).update(created_at=timezone.now() - timedelta(days=30))
    text_in(client, sender=str(patient.phone), body="hello")
    for days_ago in (2, 1):
        started = timezone.now() - timedelta(days=days_ago, hours=3)
        Checkin.objects.create(
            patient=patient,
            kind="full",
            status="expired",
            started_at=started,
            expires_at=started,
            ended_at=timezone.now() - timedelta(hours=1),
        )

    escalations_sweep()

    assert not Escalation.objects.filter(rule="R19").exists()


def test_referral_clock_reminds_at_half_time_and_escalates_at_the_deadline(
    patient: Patient,
) -> None:
    Patient.objects.filter(pk=patient.pk).update(
        onset_date=date(2026, 5, 20), presentation_date=date(2026, 6, 10)
    )
    patient.refresh_from_db()
    clock = clock_start(patient=patient, kind=Clock.TWO_WEEKS, rule="R8", now=timezone.now())
    assert clock.deadline == datetime(2026, 6, 24, tzinfo=UTC)
    assert clock.remind_at == datetime(2026, 6, 17, tzinfo=UTC)
    assert (
        clock_start(patient=patient, kind=Clock.TWO_WEEKS, rule="R9", now=timezone.now()) == clock
    )

    with time_machine.travel(datetime(2026, 6, 17, 1, tzinfo=UTC), tick=False):
        sweep()
        sweep()
    assert Notification.objects.filter(clock=clock).count() == 1
    assert "half time" in mail.outbox[-1].subject

    with time_machine.travel(datetime(2026, 6, 24, 1, tzinfo=UTC), tick=False):
        sweep()
    overdue = Escalation.objects.get(rule="R8")
    assert overdue.severity == "same_day"
    assert "deadline" in overdue.reason


def test_a_recorded_referral_stops_the_clock(patient: Patient, clinician: Any) -> None:
    clock = clock_start(patient=patient, kind=Clock.THREE_MONTHS, rule="R10", now=timezone.now())
    clock_record_referral(
        clock=clock,
        user=clinician.user,
        referral_type="spinal surgery",
        referral_date=date(2026, 6, 15),
    )

    with time_machine.travel(clock.deadline + timedelta(days=1), tick=False):
        escalations_sweep()

    assert not Escalation.objects.filter(rule="R10").exists()
    clock.refresh_from_db()
    assert (clock.stop_reason, clock.referral_type) == ("referred", "spinal surgery")


def test_dismissing_a_clock_needs_a_reason(patient: Patient, clinician: Any) -> None:
    import pytest

    clock = clock_start(patient=patient, kind=Clock.TWO_WEEKS, rule="R9", now=timezone.now())

    with pytest.raises(ValueError, match="reason"):
        clock_dismiss(clock=clock, user=clinician.user, reason="  ")
    clock_dismiss(clock=clock, user=clinician.user, reason="Symptoms resolved on review")
    clock.refresh_from_db()
    assert clock.stop_reason == "dismissed"


def test_a_hit_with_a_clock_starts_it(patient: Patient) -> None:
    escalate(patient=patient, hit=Hit("R9", Severity.H24, "numb", clock=Clock.TWO_WEEKS))

    assert ReferralClock.objects.get().kind == "2w"


def test_overdue_urgent_escalations_are_notified_again_hourly(
    patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(patient=patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))
    assert len(mail.outbox) == 1

    with time_machine.travel(escalation.due_at + timedelta(minutes=5), tick=False):
        sweep()
        sweep()
    assert len(mail.outbox) == 2
    with time_machine.travel(escalation.due_at + timedelta(minutes=70), tick=False):
        sweep()
    assert len(mail.outbox) == 3


def test_an_urgent_notification_lost_with_the_broker_is_sent_by_the_next_sweep(
    patient: Patient, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from escalations.tasks import notify_clinician_task

    def broker_down(*args: Any) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(notify_clinician_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        escalation = escalate(patient=patient, hit=Hit("R1", Severity.EMERGENCY, "ces"))
    assert mail.outbox == []
    monkeypatch.undo()

    sweep()
    assert mail.outbox == []  # within a minute: the task may still be on its way
    with time_machine.travel(escalation.created_at + timedelta(minutes=2), tick=False):
        monkeypatch.setattr(notify_clinician_task, "delay", broker_down)
        assert sweep()["chain_steps"] == 0  # refused again: the claim is undone
        monkeypatch.undo()
        assert sweep()["chain_steps"] == 1
        assert sweep()["chain_steps"] == 0

    assert len(mail.outbox) == 1
    assert Notification.objects.filter(escalation=escalation, channel="sms").count() == 1


def test_routine_escalations_are_not_notified_at_once(patient: Patient) -> None:
    escalation = escalate(patient=patient, hit=Hit("R19", Severity.ROUTINE, "silence"))

    with time_machine.travel(escalation.created_at + timedelta(minutes=2), tick=False):
        assert escalations_sweep()["chain_steps"] == 0
    assert mail.outbox == []


def test_r19_is_not_raised_again_right_after_it_was_resolved(
    patient: Patient, clinician: Any
) -> None:
    from escalations.services import escalation_resolve

    Patient.objects.filter(pk=patient.pk).update(created_at=timezone.now() - timedelta(days=30))
    escalations_sweep()
    first = Escalation.objects.get(rule="R19")
    escalation_resolve(escalation=first, user=clinician.user, note="Phoned; all well")

    escalations_sweep()
    assert Escalation.objects.filter(rule="R19").count() == 1

    with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
        escalations_sweep()
    assert Escalation.objects.filter(rule="R19").count() == 2


def test_r19_is_not_held_back_by_other_open_escalations(patient: Patient, clinician: Any) -> None:
    from escalations.services import escalation_resolve

    Patient.objects.filter(pk=patient.pk).update(created_at=timezone.now() - timedelta(days=30))
    old = escalate(patient=patient, hit=Hit("R19", Severity.ROUTINE, "silence"))
    Escalation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=20))
    old.refresh_from_db()
    escalation_resolve(escalation=old, user=clinician.user, note="done")
    escalate(patient=patient, hit=Hit("R23", Severity.H72, "wants contact"))  # another, open

    escalations_sweep()

    assert Escalation.objects.filter(rule="R19", status="open").exists()


def test_one_failing_tick_step_does_not_stop_the_others(
    patient: Patient, monkeypatch: Any, caplog: Any
) -> None:
    from care.tasks import tick

    def broken(**kwargs: Any) -> int:
        raise RuntimeError("nudges broke")

    monkeypatch.setattr("programs.nudges.nudges_send_due", broken)
    zone = ZoneInfo(patient.timezone)
    day_14 = day_start(local_today(patient.created_at, zone) + timedelta(days=14), zone)
    with time_machine.travel(day_14 + timedelta(minutes=1), tick=False):
        counts = tick()

    assert counts["nudged_failed"] == 1
    assert "tick: nudged failed; the other steps go on" in caplog.text
    assert Escalation.objects.filter(rule="R13").exists()  # the later steps still ran


def test_one_failing_referral_clock_does_not_stop_the_others(
    clinician: Any, monkeypatch: Any
) -> None:
    from tests.factories import make_patient

    first = make_patient(clinician=clinician).patient
    second = make_patient(clinician=clinician).patient
    clocks = [
        clock_start(patient=p, kind=Clock.TWO_WEEKS, rule="R8", now=timezone.now())
        for p in (first, second)
    ]
    real_escalate = escalate
    calls: list[int] = []

    def escalate_failing_first(*, patient: Patient, **kwargs: Any) -> Any:
        calls.append(patient.pk)
        if patient.pk == first.pk:
            raise RuntimeError("this one row is broken")
        return real_escalate(patient=patient, **kwargs)

    monkeypatch.setattr("escalations.sweeps.escalate", escalate_failing_first)
    with time_machine.travel(max(c.deadline for c in clocks) + timedelta(minutes=1), tick=False):
        assert sweep()["clocks_overdue"] == 1

    assert set(calls) == {first.pk, second.pk}  # (R13 is due for both too)
    assert Escalation.objects.filter(patient=second, rule="R8").exists()
    first_clock = ReferralClock.objects.get(patient=first)
    assert first_clock.overdue_at is None  # not recorded: the next tick tries it again
