"""The pain chart's geometry: the patient's page reads only the lines and the grid; the
clinicians' record adds dates under the axis, the baseline and the 30% line."""

from datetime import date
from typing import cast

import pytest

from checkins.progress import CHART_PAD, Point, chart, day_words, tick_indices

POINTS = [Point(date(2026, 6, d), 6, 4) for d in (1, 8, 15)]


@pytest.mark.parametrize(
    ("count", "ticks", "expected"),
    [
        (0, 4, []),
        (5, 0, []),
        (1, 4, [0]),
        (3, 4, [0, 1, 2]),
        (4, 4, [0, 1, 2, 3]),
        (10, 4, [0, 3, 6, 9]),
        (60, 4, [0, 20, 39, 59]),
        (9, 1, [0]),
    ],
)
def test_ticks_are_spread_and_keep_the_first_and_last(
    count: int, ticks: int, expected: list[int]
) -> None:
    assert tick_indices(count, ticks) == expected


def test_the_patient_page_chart_is_unchanged_without_the_extras() -> None:
    drawn = chart(POINTS)

    assert drawn["back"] == "24.0,68.8 160.0,68.8 296.0,68.8"  # 6 of 10: 40% down from the top
    assert drawn["ticks"] == []
    assert drawn["target"] is None


def test_the_record_chart_has_dates_the_baseline_and_the_target_line() -> None:
    drawn = chart(POINTS, target=3.5, target_label="30% better than baseline", ticks=4)

    ticks = cast(list[dict[str, object]], drawn["ticks"])
    assert [t["label"] for t in ticks] == ["1 Jun", "8 Jun", "15 Jun"]
    assert drawn["target"] == {
        "y": 96.8,  # 3.5 of 10
        "label": "30% better than baseline",
    }
    assert drawn["baseline"] == {"x": CHART_PAD, "back_y": 68.8, "leg_y": 91.2}


def test_dates_in_words() -> None:
    assert day_words(date(2026, 6, 5)) == "5 Jun"


def test_answers_read_in_words_on_every_clinician_page() -> None:
    from checkins.models import Answer
    from checkins.words import answer_words

    def said(value: object, raw: str = "", late: bool = False) -> str:
        return answer_words(Answer(question="x", value=value, raw=raw, late=late))

    assert said(True) == "Yes"
    assert said(False) == "No"
    assert said(7) == "7 out of 10"
    assert said(["lower_back", "burning"]) == "Lower back, Burning"
    assert said([]) == "None of these"
    assert said(None) == "Not answered"
    assert said(None, raw="dunno") == 'No readable answer (they replied "dunno")'
    assert said(6, late=True) == "6 out of 10 (late, not applied)"
