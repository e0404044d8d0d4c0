"""Progress: the pain points of a patient's check-ins and the chart drawn from them (read by
the patient's progress page and the clinicians' patient record alike), and the week's pain
beside the baseline (the weekly closing text, the web check-in's end and the progress page)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from math import ceil, floor
from zoneinfo import ZoneInfo

from accounts.models import Patient
from checkins.models import Answer

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 160, 24
MAX_POINTS = 60  # the last two months or so of check-ins
# A fall in pain of 30% from baseline is the change that matters to patients with back pain
# (Ostelo 2008): the mark on the patient's chart and the clinicians' record, and what R20 asks.
MEANINGFUL_FALL = Fraction(3, 10)
WEEK = timedelta(days=7)
PAIN_QUESTIONS = ("back_pain", "leg_pain")


@dataclass(frozen=True)
class Point:
    day: date
    back: int | None
    leg: int | None


def pain_points(patient: Patient) -> list[Point]:
    """Baseline, then each check-in's back and leg pain (one query, bounded)."""
    rows = (
        Answer.objects.filter(
            patient=patient, question__in=("back_pain", "leg_pain"), late=False, value__isnull=False
        )
        .order_by("-answered_at")
        .values_list("checkin_id", "question", "value", "answered_at")[: MAX_POINTS * 2]
    )
    zone = ZoneInfo(patient.timezone)  # the patient's day, on their page and their record
    days: dict[int, date] = {}
    scores: dict[int, dict[str, int]] = {}
    for checkin_id, question, value, answered_at in rows:
        days.setdefault(checkin_id, answered_at.astimezone(zone).date())
        if isinstance(value, int):
            scores.setdefault(checkin_id, {})[question] = value
    baseline = Point(
        patient.created_at.astimezone(zone).date(),
        patient.baseline_back_pain,
        patient.baseline_leg_pain,
    )
    later = [
        Point(days[c], scores.get(c, {}).get("back_pain"), scores.get(c, {}).get("leg_pain"))
        for c in sorted(days, key=lambda c: days[c])
    ]
    return [baseline, *later]


def chart(
    points: list[Point], *, target: float | None = None, target_label: str = "", ticks: int = 0
) -> dict[str, object]:
    """Polyline coordinates for a 0–10 chart, evenly spaced by check-in.

    The clinicians' record asks for more than the patient's page: `ticks` dates under the x
    axis, the baseline (the first point) marked, and a `target` level of back pain drawn
    across with its label (the improvement the care team hopes for)."""
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    step = inner_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return CHART_PAD + i * step

    def y(level: float) -> float:
        return CHART_PAD + inner_h * (1 - level / 10)

    def line(values: list[int | None]) -> str:
        return " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values) if v is not None)

    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": CHART_PAD,
        "back": line([p.back for p in points]),
        "leg": line([p.leg for p in points]),
        "grid": [{"y": y(level), "label": level} for level in (0, 5, 10)],
        "right": CHART_WIDTH - CHART_PAD,
        "ticks": [
            {"x": round(x(i), 1), "label": day_words(points[i].day)}
            for i in tick_indices(len(points), ticks)
        ],
        "tick_y": CHART_HEIGHT - CHART_PAD / 3,
        "baseline": _baseline_marks(points[0], y) if points else None,
        "target": (
            {"y": round(y(target), 1), "label": target_label} if target is not None else None
        ),
    }


def day_words(day: date) -> str:
    """A date as a clinician writes it on a chart: "15 Jun"."""
    return f"{day.day} {day:%b}"


def tick_indices(count: int, ticks: int) -> list[int]:
    """Up to `ticks` evenly spread indices of `count` points, always the first and the last."""
    if ticks <= 0 or count == 0:
        return []
    if count <= ticks:
        return list(range(count))
    if ticks == 1:
        return [0]
    return sorted({round(k * (count - 1) / (ticks - 1)) for k in range(ticks)})


def _baseline_marks(baseline: Point, y: Callable[[float], float]) -> dict[str, float | None]:
    return {
        "x": CHART_PAD,
        "back_y": round(y(baseline.back), 1) if baseline.back is not None else None,
        "leg_y": round(y(baseline.leg), 1) if baseline.leg is not None else None,
    }


# --- the week beside the baseline ------------------------------------------------------------


class Trend(StrEnum):
    DOWN = "down"
    UP = "up"
    SAME = "same"


@dataclass(frozen=True)
class PainChange:
    """One pain's average over the last week (rounded to a whole number, as a patient reads
    it) beside its baseline at enrollment."""

    now: int
    baseline: int

    @property
    def trend(self) -> Trend:
        if self.now < self.baseline:
            return Trend.DOWN
        return Trend.UP if self.now > self.baseline else Trend.SAME

    @property
    def percent(self) -> int | None:
        """How far from the baseline, in whole percent of it; None from a baseline of 0 (no
        pain at the start: no percentage of nothing)."""
        if self.baseline == 0:
            return None
        return half_up(Fraction(abs(self.baseline - self.now) * 100, self.baseline))

    @property
    def mark(self) -> Fraction | None:
        """The level 30% under the baseline; None from a baseline of 0."""
        return fall_mark(self.baseline)

    @property
    def reached(self) -> bool:
        """Whether the pain has fallen 30% or more from the baseline."""
        return self.mark is not None and self.now <= self.mark

    @property
    def points_away(self) -> int:
        """The whole points the pain has still to fall to reach the mark (0 once reached)."""
        return 0 if self.mark is None else max(ceil(self.now - self.mark), 0)


@dataclass(frozen=True)
class WeekSummary:
    """Back and leg pain over the last 7 days beside the baseline. `leg` is None when the
    patient had no leg pain at baseline nor this week (nothing to say), either is None when
    the week holds no answer to it."""

    back: PainChange | None
    leg: PainChange | None


def fall_mark(baseline: int) -> Fraction | None:
    """The pain level 30% under `baseline` (the dashed line on the patient's chart); None from
    a baseline of 0, which nothing can fall from."""
    return baseline * (1 - MEANINGFUL_FALL) if baseline else None


def half_up(value: Fraction) -> int:
    """A non-negative number rounded to a whole one as people do (4.5 is 5), not to even."""
    return floor(value + Fraction(1, 2))


def pain_change(values: Iterable[int], baseline: int) -> PainChange | None:
    """The average of `values` beside `baseline`; None without values."""
    scores = list(values)
    if not scores:
        return None
    return PainChange(half_up(Fraction(sum(scores), len(scores))), baseline)


def summarise(
    back: Iterable[int], leg: Iterable[int], *, baseline_back: int, baseline_leg: int
) -> WeekSummary | None:
    """The week's summary from its back and leg pain answers (pure); None when there is
    nothing to say."""
    legs = list(leg)
    back_change = pain_change(back, baseline_back)
    leg_change = None if baseline_leg == 0 and not any(legs) else pain_change(legs, baseline_leg)
    if back_change is None and leg_change is None:
        return None
    return WeekSummary(back_change, leg_change)


def week_summary(patient: Patient, now: datetime) -> WeekSummary | None:
    """The patient's back and leg pain of the 7 days up to `now` (every check-in counts, short
    or full, by SMS or on the web; answers not applied do not) beside their baseline. One
    query. Answers just recorded are in, even a moment after `now`."""
    rows = Answer.objects.filter(
        patient=patient,
        question__in=PAIN_QUESTIONS,
        late=False,
        value__isnull=False,
        answered_at__gt=now - WEEK,
    ).values_list("question", "value")
    scores: dict[str, list[int]] = {key: [] for key in PAIN_QUESTIONS}
    for question, value in rows:
        if isinstance(value, int) and not isinstance(value, bool):
            scores[question].append(value)
    return summarise(
        scores["back_pain"],
        scores["leg_pain"],
        baseline_back=patient.baseline_back_pain,
        baseline_leg=patient.baseline_leg_pain,
    )


# The change in words, as the closing text and the patient's pages say it. The Spanish keeps
# to GSM-7 (no á, í, ó, ú), so a closing text that carries it costs no more than English.
CHANGE_WORDS = {
    "en": {
        Trend.DOWN: "down from {baseline}",
        Trend.UP: "up from {baseline}",
        Trend.SAME: "the same as when you started",
        "since": " when you started",
    },
    "es": {
        Trend.DOWN: "por debajo del {baseline}",
        Trend.UP: "por encima del {baseline}",
        Trend.SAME: "igual que al inicio",
        "since": " del inicio",
    },
}


def change_words(change: PainChange, language: str, *, since: bool = True) -> str:
    """ "down from 7 when you started", "up from 3", "the same as when you started". `since`
    says when the baseline was, which a second line beside a first need not repeat."""
    words = CHANGE_WORDS["es" if language == "es" else "en"]
    text = words[change.trend].format(baseline=change.baseline)
    return text + words["since"] if since and change.trend != Trend.SAME else text


def week_context(summary: WeekSummary, language: str) -> dict[str, object]:
    """The closing text's context (`checkin_week`): each pain's average and its change in
    words, or "" for a line left out."""
    back, leg = summary.back, summary.leg
    return {
        "back": back.now if back else "",
        "back_change": change_words(back, language) if back else "",
        "leg": leg.now if leg else "",
        "leg_change": change_words(leg, language, since=back is None) if leg else "",
    }
