"""The week's pain beside the baseline: the averages of the last 7 days, rounded as people
round, in words ("down from 7"), the 30% mark, and the closing text that carries them within
its budget in both languages."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Patient
from care.week import (
    PainChange,
    Trend,
    WeekSummary,
    change_words,
    summarise,
    week_context,
    week_summary,
)
from checkins.models import Answer, Checkin
from messaging.segments import Encoding, analyse
from messaging.texts import budget_problems, render


@pytest.mark.parametrize(
    ("values", "average"),
    [
        ([4], 4),
        ([4, 5], 5),  # 4.5: half up, as a patient would round it (not to even)
        ([3, 4], 4),  # 3.5
        ([4, 4, 5], 4),  # 4.33
        ([4, 5, 5], 5),  # 4.67
        ([0, 0, 1], 0),
        ([10, 10], 10),
    ],
)
def test_the_average_is_rounded_to_a_whole_number_half_up(values: list[int], average: int) -> None:
    summary = summarise(values, [], baseline_back=7, baseline_leg=0)

    assert summary is not None
    assert summary.back == PainChange(average, 7)


@pytest.mark.parametrize(
    ("now", "baseline", "en", "es"),
    [
        (4, 7, "down from 7 when you started", "por debajo del 7 del inicio"),
        (5, 3, "up from 3 when you started", "por encima del 3 del inicio"),
        (4, 4, "the same as when you started", "igual que al inicio"),
        (2, 0, "up from 0 when you started", "por encima del 0 del inicio"),
    ],
)
def test_the_change_in_words(now: int, baseline: int, en: str, es: str) -> None:
    change = PainChange(now, baseline)

    assert change_words(change, "en") == en
    assert change_words(change, "es") == es


def test_a_second_line_need_not_say_when_again() -> None:
    assert change_words(PainChange(2, 5), "en", since=False) == "down from 5"
    assert change_words(PainChange(6, 5), "es", since=False) == "por encima del 5"
    assert change_words(PainChange(5, 5), "en", since=False) == "the same as when you started"


@pytest.mark.parametrize(
    ("now", "baseline", "trend", "percent", "reached", "away"),
    [
        (4, 7, Trend.DOWN, 43, True, 0),  # 42.9% lower
        (5, 7, Trend.DOWN, 29, False, 1),  # the mark is 4.9: one point more
        (7, 10, Trend.DOWN, 30, True, 0),  # exactly 30% is reached
        (8, 10, Trend.DOWN, 20, False, 1),
        (6, 6, Trend.SAME, 0, False, 2),  # the mark is 4.2
        (5, 4, Trend.UP, 25, False, 3),  # the mark is 2.8
        (0, 0, Trend.SAME, None, False, 0),  # no pain at the start: no percentage, no mark
        (3, 0, Trend.UP, None, False, 0),
    ],
)
def test_the_percentage_and_the_30_percent_mark(
    now: int,
    baseline: int,
    trend: Trend,
    percent: int | None,
    reached: bool,
    away: int,
) -> None:
    change = PainChange(now, baseline)

    assert (change.trend, change.percent, change.reached, change.points_away) == (
        trend,
        percent,
        reached,
        away,
    )


@pytest.mark.parametrize(
    ("legs", "baseline_leg", "leg"),
    [
        ([], 0, None),  # no leg pain at the start nor this week: the line is left out
        ([0, 0], 0, None),
        ([0, 1], 0, PainChange(1, 0)),  # leg pain this week
        ([0, 0], 4, PainChange(0, 4)),  # leg pain at the start, gone now
        ([], 4, None),  # no leg answer this week
    ],
)
def test_the_leg_line_only_when_there_is_leg_pain_to_speak_of(
    legs: list[int], baseline_leg: int, leg: PainChange | None
) -> None:
    summary = summarise([4], legs, baseline_back=7, baseline_leg=baseline_leg)

    assert summary == WeekSummary(PainChange(4, 7), leg)


def test_nothing_to_summarise_without_answers() -> None:
    assert summarise([], [], baseline_back=7, baseline_leg=5) is None


def _answered(patient: Patient, *, days_ago: float, kind: str = "full", **pain: int) -> None:
    at = timezone.now() - timedelta(days=days_ago)
    checkin = Checkin.objects.create(
        patient=patient, kind=kind, expires_at=at, status="completed", started_at=at
    )
    for question, value in pain.items():
        Answer.objects.create(
            checkin=checkin, patient=patient, question=question, value=value, answered_at=at
        )


def test_only_the_last_7_days_count_short_and_web_check_ins_included(
    patient: Patient, django_assert_num_queries: Any
) -> None:
    Patient.objects.filter(pk=patient.pk).update(baseline_back_pain=7, baseline_leg_pain=5)
    patient.refresh_from_db()
    _answered(patient, days_ago=8, back_pain=10, leg_pain=10)  # more than a week ago
    _answered(patient, days_ago=6.9, kind="short", back_pain=5, leg_pain=3)
    _answered(patient, days_ago=2, back_pain=4, leg_pain=2)
    _answered(patient, days_ago=0, back_pain=3, leg_pain=1)
    late = Checkin.objects.create(patient=patient, kind="full", expires_at=timezone.now())
    Answer.objects.create(checkin=late, patient=patient, question="back_pain", value=10, late=True)

    with django_assert_num_queries(1):
        summary = week_summary(patient, timezone.now())

    assert summary == WeekSummary(PainChange(4, 7), PainChange(2, 5))


def test_a_week_with_no_check_in_has_no_summary(patient: Patient) -> None:
    _answered(patient, days_ago=9, back_pain=3, leg_pain=1)

    assert week_summary(patient, timezone.now()) is None


LINES = [
    WeekSummary(PainChange(back, 10 - back), PainChange(leg, 10 - leg) if leg is not None else None)
    for back in (0, 4, 10)
    for leg in (None, 0, 10)
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("summary", LINES)
def test_every_closing_text_fits_its_budget_and_goes_as_gsm_7(
    summary: WeekSummary, language: str
) -> None:
    body = render("checkin_week", language, week_context(summary, language))

    assert budget_problems("checkin_week", language, body) == []
    assert analyse(body).encoding == Encoding.GSM7  # the Spanish too: no á, í, ó or ú
    assert "emergency department" in body or "urgencias" in body


def test_the_closing_text_reads_as_the_patient_gets_it() -> None:
    summary = WeekSummary(PainChange(4, 7), PainChange(2, 5))

    assert render("checkin_week", "en", week_context(summary, "en")) == (
        "Thank you, that is your check-in done. Your back pain averaged 4 this week, down from 7 "
        "when you started. Leg pain averaged 2, down from 5. If new numbness between your legs, "
        "bladder or bowel changes, or weaker legs start, go to the emergency department."
    )
    assert render("checkin_week", "es", week_context(summary, "es")) == (
        "Gracias, ha completado su control. Su dolor de espalda esta semana fue de 4 en "
        "promedio, por debajo del 7 del inicio. Dolor de pierna: 2 en promedio, por debajo del "
        "5. Si aparece adormecimiento nuevo entre las piernas, cambios al orinar o defecar, o si "
        "sus piernas se debilitan, vaya a urgencias."
    )


def test_without_a_leg_line_the_text_goes_from_back_to_the_red_flags() -> None:
    summary = WeekSummary(PainChange(3, 3), None)

    assert render("checkin_week", "en", week_context(summary, "en")) == (
        "Thank you, that is your check-in done. Your back pain averaged 3 this week, the same as "
        "when you started. If new numbness between your legs, bladder or bowel changes, or "
        "weaker legs start, go to the emergency department."
    )
