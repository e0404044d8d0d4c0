"""The check-in schedule: per-tier cadence, DST, and each slot run exactly once."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Clinician, Patient
from care.tasks import tick
from checkins.catalogue import Kind
from checkins.models import Checkin, CheckinSlot
from checkins.schedule import due_instant, kind_on, next_slot
from checkins.services import slot_start, slots_claim, slots_plan
from messaging.backends import locmem
from programs.services import enrollment_pause
from tests.factories import HIGH_ANSWERS, MEDIUM_ANSWERS, make_patient

# Dates and times: run at each hour and DST day of tests/conftest.py's ANY_HOUR.
pytestmark = pytest.mark.any_hour

ENROLLED = date(2026, 6, 1)
CHICAGO = ZoneInfo("America/Chicago")


def week_of(tier: str) -> list[tuple[int, str]]:
    days = [
        (d, kind_on(enrolled_on=ENROLLED, tier=tier, day=ENROLLED + timedelta(days=d)))
        for d in range(0, 36)
    ]
    return [(d, k.value) for d, k in days if k is not None]


def test_cadence_per_tier() -> None:
    assert week_of("low") == [(7, "full"), (14, "full"), (21, "full"), (28, "full"), (35, "full")]
    assert week_of("medium")[:4] == [(3, "short"), (7, "full"), (10, "short"), (14, "full")]
    high = week_of("high")
    assert high[:3] == [(2, "short"), (4, "short"), (7, "full")]
    assert (30, "short") not in high
    assert (32, "short") not in high
    assert (35, "full") in high


def test_next_slot_is_strictly_after() -> None:
    assert next_slot(enrolled_on=ENROLLED, tier="low", after=ENROLLED + timedelta(days=7)) == (
        ENROLLED + timedelta(days=14),
        Kind.FULL,
    )


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        (date(2026, 6, 8), datetime(2026, 6, 8, 15, 0, tzinfo=UTC)),  # 10:00 CDT
        (date(2026, 12, 7), datetime(2026, 12, 7, 16, 0, tzinfo=UTC)),  # 10:00 CST
    ],
)
def test_check_ins_go_out_at_ten_local_summer_and_winter(day: date, expected_utc: datetime) -> None:
    assert (
        due_instant(day=day, at=time(10), zone=CHICAGO, quiet_start=time(21), quiet_end=time(8))
        == expected_utc
    )


def test_a_check_in_time_inside_quiet_hours_moves_to_their_end() -> None:
    due = due_instant(
        day=date(2026, 6, 8), at=time(7), zone=CHICAGO, quiet_start=time(21), quiet_end=time(8)
    )

    assert due == datetime(2026, 6, 8, 13, 0, tzinfo=UTC)  # 08:00 CDT


@pytest.mark.parametrize(
    ("day", "at", "expected_utc"),
    [
        (date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 8, 30, tzinfo=UTC)),  # gap → 03:30 CDT
        (date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),  # first 01:30
    ],
)
def test_dst_gap_and_repeat_without_quiet_hours(
    day: date, at: time, expected_utc: datetime
) -> None:
    assert (
        due_instant(day=day, at=at, zone=CHICAGO, quiet_start=time(0), quiet_end=time(0))
        == expected_utc
    )


def test_each_slot_runs_exactly_once_with_two_schedulers(patient: Patient) -> None:
    slots_plan()
    slot = CheckinSlot.objects.get(patient=patient)
    with time_machine.travel(slot.due_at + timedelta(minutes=1), tick=False):
        first = slots_claim()
        second = slots_claim()  # a second scheduler in the same minute
        assert (first, second) == ([slot.pk], [])
        assert slot_start(slot_id=slot.pk) is not None
        assert slot_start(slot_id=slot.pk) is None  # the task redelivered
    assert Checkin.objects.filter(patient=patient).count() == 1


def test_a_claim_left_by_a_dead_worker_is_retried(patient: Patient) -> None:
    slots_plan()
    slot = CheckinSlot.objects.get(patient=patient)
    with time_machine.travel(slot.due_at, tick=False):
        assert slots_claim() == [slot.pk]  # ...and the worker dies before starting it
    with time_machine.travel(slot.due_at + timedelta(minutes=11), tick=False):
        assert slots_claim() == [slot.pk]
        slot_start(slot_id=slot.pk)
    assert Checkin.objects.filter(patient=patient).count() == 1


def test_the_tick_starts_due_check_ins_and_plans_the_next(
    clinician: Clinician, django_capture_on_commit_callbacks: Any
) -> None:
    low = make_patient(clinician=clinician).patient
    medium = make_patient(clinician=clinician, startback=MEDIUM_ANSWERS).patient
    high = make_patient(clinician=clinician, startback=HIGH_ANSWERS).patient
    tick()
    due = {s.patient_id: s for s in CheckinSlot.objects.all()}
    assert {p: s.kind for p, s in due.items()} == {
        low.pk: "full",
        medium.pk: "short",
        high.pk: "short",
    }

    latest = max(s.due_at for s in due.values())
    with (
        time_machine.travel(latest + timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        counts = tick()
    assert counts["claimed"] == 3
    assert Checkin.objects.filter(status="open").count() == 3
    assert sorted(m.to for m in locmem.outbox) == sorted(str(p.phone) for p in (low, medium, high))
    started = {s.patient_id: s.local_date for s in CheckinSlot.objects.filter(status="started")}
    with time_machine.travel(latest + timedelta(minutes=2), tick=False):
        tick()
    for patient in (low, medium, high):  # each has its next check-in planned, later than the last
        later = CheckinSlot.objects.filter(patient=patient, local_date__gt=started[patient.pk])
        assert later.exists()


def test_no_slots_for_web_only_or_paused_patients(clinician: Clinician) -> None:
    make_patient(clinician=clinician, sms_consent=False)
    paused = make_patient(clinician=clinician)
    enrollment_pause(
        enrollment=paused.enrollment, today=paused.enrollment.started_on, actor=clinician.user
    )

    assert slots_plan() == 0
