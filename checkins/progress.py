"""Progress: the pain points of a patient's check-ins and the chart drawn from them (read by
the patient's progress page and the clinicians' patient record alike)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from accounts.models import Patient
from checkins.models import Answer

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 160, 24
MAX_POINTS = 60  # the last two months or so of check-ins


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
