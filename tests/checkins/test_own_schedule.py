"""The patient's own check-in schedule: within the tier's cadence, never in quiet hours, and a
change re-plans only the slot not yet due."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEvent, Clinician, Patient
from checkins.catalogue import Kind
from checkins.models import Checkin, CheckinSlot
from checkins.own_schedule import ScheduleRefused, patient_schedule_set, record_words
from checkins.schedule import choice_problem, kind_on, times_outside_quiet_hours
from checkins.services import checkin_start, slot_start, slots_claim, slots_plan
from programs.services import enrollment_change_tier
from tests.factories import HIGH_ANSWERS, MEDIUM_ANSWERS, make_patient

ENROLLED = date(2026, 6, 1)  # a Monday
CHICAGO = ZoneInfo("America/Chicago")
MON, TUE, WED, THU, FRI = range(5)


def chosen(tier: str, days: tuple[int, ...], weeks: int = 6) -> list[tuple[int, str]]:
    found = [
        (d, kind_on(enrolled_on=ENROLLED, tier=tier, day=ENROLLED + timedelta(days=d), days=days))
        for d in range(weeks * 7)
    ]
    return [(d, k.value) for d, k in found if k is not None]


def test_a_low_tier_patient_gets_one_full_check_in_on_their_day() -> None:
    assert chosen("low", (THU,), weeks=3) == [(3, "full"), (10, "full"), (17, "full")]


def test_a_medium_tier_patient_gets_full_on_their_first_day_and_short_on_the_other() -> None:
    assert chosen("medium", (FRI, TUE), weeks=2) == [
        (1, "full"),
        (4, "short"),
        (8, "full"),
        (11, "short"),
    ]


def test_a_high_tier_patient_keeps_short_check_ins_for_the_first_four_weeks_only() -> None:
    days = chosen("high", (MON, WED, FRI))
    assert days[:3] == [(2, "short"), (4, "short"), (7, "full")]  # never on enrollment day
    assert (25, "short") in days
    assert [d for d in days if d[0] > 28] == [(35, "full")]


def test_days_that_no_longer_fit_the_tier_fall_back_to_the_tiers_own() -> None:
    assert chosen("low", (MON, THU), weeks=2) == chosen("low", (), weeks=2)
    assert chosen("medium", (TUE,), weeks=2) == chosen("medium", (), weeks=2)


@pytest.mark.parametrize(
    ("tier", "days", "at", "problem"),
    [
        ("low", (), None, None),
        ("low", (MON,), time(19), None),
        ("low", (MON, THU), None, "days_count"),
        ("medium", (MON,), None, "days_count"),
        ("medium", (MON, THU), None, None),
        ("high", (MON, WED, FRI), None, None),
        ("high", (MON, WED), None, "days_count"),
        ("low", (), time(8), None),
        ("low", (), time(20, 59), None),
        ("low", (), time(21), "quiet_hours"),
        ("low", (), time(7, 59), "quiet_hours"),
        ("low", (), time(0), "quiet_hours"),
    ],
)
def test_a_choice_fits_the_cadence_and_stays_out_of_quiet_hours(
    tier: str, days: tuple[int, ...], at: time | None, problem: str | None
) -> None:
    assert (
        choice_problem(tier=tier, days=days, at=at, quiet_start=time(21), quiet_end=time(8))
        == problem
    )


def test_the_times_offered_are_every_half_hour_outside_quiet_hours() -> None:
    times = times_outside_quiet_hours(time(21), time(8))

    assert (times[0], times[-1], len(times)) == (time(8), time(20, 30), 26)
    assert times_outside_quiet_hours(time(8), time(21)) == [
        *[time(h, m) for h in range(8) for m in (0, 30)],
        time(21),
        time(21, 30),
        time(22),
        time(22, 30),
        time(23),
        time(23, 30),
    ]


# --- the service (at MIDDAY: Monday 15 June 2026, 12:00 in Chicago) ------------------------------


def due_slots(patient: Patient) -> list[tuple[date, str, datetime]]:
    return [
        (s.local_date, s.kind, s.due_at)
        for s in CheckinSlot.objects.filter(patient=patient, status="due")
    ]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHICAGO).astimezone(UTC)


def test_a_new_day_and_time_move_the_next_slot(patient: Patient) -> None:
    slots_plan()
    assert due_slots(patient) == [(date(2026, 6, 22), "full", local(date(2026, 6, 22), 10))]

    patient_schedule_set(patient=patient, days=(THU,), at=time(19))

    assert due_slots(patient) == [(date(2026, 6, 18), "full", local(date(2026, 6, 18), 19))]
    patient.refresh_from_db()
    assert (patient.checkin_days, patient.checkin_time) == ([THU], time(19))


def test_the_change_is_audited_and_in_the_patients_history(patient: Patient) -> None:
    patient_schedule_set(patient=patient, days=(THU,), at=time(19))

    event = AuditEvent.objects.get(patient=patient, what="check-in times")
    assert (event.action, event.detail) == ("change", "Thursdays at 19:00 (patient's choice)")
    latest = patient.history.first()
    assert latest is not None
    assert (latest.checkin_days, latest.checkin_time) == ([THU], time(19))


def test_a_time_in_quiet_hours_is_refused_and_nothing_changes(patient: Patient) -> None:
    slots_plan()
    before = due_slots(patient)

    with pytest.raises(ScheduleRefused) as refused:
        patient_schedule_set(patient=patient, days=(), at=time(22))

    assert refused.value.reason == "quiet_hours"
    patient.refresh_from_db()
    assert patient.checkin_time is None
    assert due_slots(patient) == before


def test_more_days_than_the_cadence_has_are_refused(patient: Patient) -> None:
    with pytest.raises(ScheduleRefused) as refused:
        patient_schedule_set(patient=patient, days=(MON, THU), at=None)

    assert refused.value.reason == "days_count"


def test_a_slot_already_due_and_an_open_check_in_are_kept(patient: Patient) -> None:
    slots_plan()
    slot = CheckinSlot.objects.get(patient=patient)
    with time_machine.travel(slot.due_at + timedelta(minutes=1), tick=False):
        patient_schedule_set(patient=patient, days=(THU,), at=time(19))  # due, not yet claimed

        assert list(CheckinSlot.objects.filter(patient=patient)) == [slot]
        assert slots_claim() == [slot.pk]
        checkin = slot_start(slot_id=slot.pk)
        assert checkin is not None

        patient_schedule_set(patient=patient, days=(TUE,), at=time(9))

        checkin.refresh_from_db()
        assert checkin.status == Checkin.Status.OPEN
        assert CheckinSlot.objects.get(pk=slot.pk).status == CheckinSlot.Status.STARTED
        assert due_slots(patient) == [(date(2026, 6, 23), "full", local(date(2026, 6, 23), 9))]


def test_an_open_check_in_asked_for_now_survives_a_change(patient: Patient) -> None:
    checkin = checkin_start(patient=patient)

    patient_schedule_set(patient=patient, days=(WED,), at=time(18, 30))

    assert Checkin.objects.get(pk=checkin.pk).status == Checkin.Status.OPEN


def test_a_change_never_starts_a_check_in_at_once(clinician: Clinician) -> None:
    medium = make_patient(clinician=clinician, startback=MEDIUM_ANSWERS).patient
    Patient.objects.filter(pk=medium.pk).update(created_at=timezone.now() - timedelta(days=14))
    medium.refresh_from_db()

    patient_schedule_set(patient=medium, days=(MON, THU), at=time(9))  # today 09:00 is past

    assert due_slots(medium) == [(date(2026, 6, 18), "short", local(date(2026, 6, 18), 9))]


def test_a_high_tier_patient_chooses_three_days(clinician: Clinician) -> None:
    high = make_patient(clinician=clinician, startback=HIGH_ANSWERS).patient

    patient_schedule_set(patient=high, days=(TUE, THU, FRI), at=None)

    assert due_slots(high) == [(date(2026, 6, 16), "full", local(date(2026, 6, 16), 10))]


def test_after_a_tier_change_days_that_no_longer_fit_are_set_aside(
    clinician: Clinician, patient: Patient
) -> None:
    patient_schedule_set(patient=patient, days=(THU,), at=None)
    assert record_words(patient, tier="low") == "Thursdays at 10:00 (patient's choice of days)"

    enrollment_change_tier(patient=patient, tier="medium", actor=clinician.user)

    assert record_words(patient, tier="medium") == "Tier default"

    # A medium patient with one chosen day (Friday) is on the tier's own days: not Friday.
    def medium_on(day: date) -> Kind | None:
        return kind_on(enrolled_on=ENROLLED, tier="medium", day=day, days=[FRI])

    assert (medium_on(date(2026, 6, 4)), medium_on(date(2026, 6, 5))) == (Kind.SHORT, None)


def test_the_schedule_in_the_record_says_whose_choice_it_is(patient: Patient) -> None:
    assert record_words(patient, tier="low") == "Tier default"
    patient_schedule_set(patient=patient, days=(), at=time(19))

    assert record_words(patient, tier="low") == "Mondays at 19:00 (patient's choice of time)"


def test_planning_follows_the_choice_across_time_zones(patient: Patient) -> None:
    Patient.objects.filter(pk=patient.pk).update(timezone="Europe/Madrid")
    patient.refresh_from_db()

    patient_schedule_set(patient=patient, days=(FRI,), at=time(8, 30))

    madrid = ZoneInfo("Europe/Madrid")
    ((day, kind, due),) = due_slots(patient)
    assert (day, kind) == (date(2026, 6, 19), "full")
    assert due.astimezone(madrid).time() == time(8, 30)


@pytest.mark.any_hour
def test_at_any_hour_the_next_slot_is_ahead_on_a_chosen_day_at_the_chosen_time(
    clinician: Clinician,
) -> None:
    medium = make_patient(clinician=clinician, startback=MEDIUM_ANSWERS).patient
    Patient.objects.filter(pk=medium.pk).update(created_at=timezone.now() - timedelta(days=30))
    medium.refresh_from_db()
    now = timezone.now()

    patient_schedule_set(patient=medium, days=(TUE, FRI), at=time(20, 30))

    ((day, kind, due),) = due_slots(medium)
    assert due > now
    assert day.weekday() in (TUE, FRI)
    assert kind == ("full" if day.weekday() == TUE else "short")
    assert due.astimezone(CHICAGO).time() == time(20, 30)
    assert due - now <= timedelta(days=4)
