"""Has a pain score improved enough to matter? The responder status of one 0–10 score against
its baseline, in words a clinician reads at a glance (pure: no ORM, no clock).

The pre-visit summary prints `RULE` beside each verdict, so the reader knows what "responder"
means without looking it up; the thresholds live with the others in escalations.rules.
"""

from dataclasses import dataclass

from escalations.rules import RESPONDER_MIN_PERCENT, RESPONDER_MIN_POINTS

RULE = (
    f"Responder (Ostelo 2008): pain at least {RESPONDER_MIN_PERCENT}% or "
    f"{RESPONDER_MIN_POINTS} points lower than at baseline."
)


@dataclass(frozen=True)
class PainChange:
    """A score now against its baseline. `points` is latest − baseline (negative is better);
    `percent` is that as a share of the baseline, None without pain at baseline (no share of
    nothing); `responder` is None when there is nothing to judge."""

    baseline: int | None
    latest: float | None
    points: float | None
    percent: float | None
    responder: bool | None


def pain_change(baseline: int | None, latest: float | None) -> PainChange:
    """Compare exactly: `latest` may be a mean of two scores (x.5), so the 30% test is done in
    whole numbers rather than with a float ratio that could miss the boundary."""
    if baseline is None or latest is None:
        return PainChange(baseline, latest, None, None, None)
    points = latest - baseline
    if baseline == 0:
        return PainChange(baseline, latest, points, None, None)
    better = -points
    responder = better >= RESPONDER_MIN_POINTS or better * 100 >= RESPONDER_MIN_PERCENT * baseline
    return PainChange(baseline, latest, points, 100 * points / baseline, responder)


def verdict(change: PainChange) -> str:
    """One phrase: responder, not a responder, or why it cannot be said."""
    if change.baseline is None:
        return "no baseline recorded"
    if change.latest is None:
        return "no check-ins yet"
    if change.responder is None:
        return "no pain at baseline"
    return "responder" if change.responder else "not a responder"


def change_words(change: PainChange) -> str:
    """As "down 3 points (30%)", "up 1 point (13%)" or "no change"; without pain at baseline only
    the points ("up 3 points"); empty when there is nothing to compare."""
    if change.points is None:
        return ""
    if change.points == 0:
        return "no change"
    direction = "down" if change.points < 0 else "up"
    size = abs(change.points)
    words = f"{direction} {number(size)} point{'' if size == 1 else 's'}"
    if change.percent is None:
        return words
    return f"{words} ({abs(change.percent):.0f}%)"


def number(value: float) -> str:
    """A score as people write it: 6, 6.5 (never 6.0)."""
    return f"{value:g}"
