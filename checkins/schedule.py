"""Check-in cadence per tier (pure): which local dates get a check-in, and at what instant.

CLINICAL.md defaults: low, one full check-in a week; medium, full weekly plus a short mid-week
check; high, full weekly plus short checks on two more days in the first four weeks. Days are
counted from the enrollment date; check-ins go out at a sensible local time, moved out of the
patient's quiet hours if those are set unusually.

A patient may choose their own weekdays, as many as their tier's cadence has in a week (low
one, medium two, high three): the first of them in the week (Monday first) carries the full
check-in, the others the short ones, and a high-tier patient's short days still end after the
first four weeks. A choice that no longer fits the cadence (the tier changed) falls back to
the tier's days until the patient chooses again. They may choose their time too, never inside
their quiet hours.
"""

from collections.abc import Sequence
from datetime import date, time, timedelta

from checkins.catalogue import Kind
from messaging.timing import in_quiet_hours
from messaging.timing import local_instant as due_instant
from programs.stratification import RiskGroup

__all__ = [
    "choice_problem",
    "due_instant",
    "fitting_days",
    "kind_on",
    "next_slot",
    "tier_days",
    "times_outside_quiet_hours",
]

WEEK = 7
MEDIUM_SHORT_DAY = 3  # mid-week
HIGH_SHORT_DAYS = (2, 4)
HIGH_SHORT_WEEKS = 4
LOOKAHEAD_DAYS = 14
# Check-in days in a week of each tier's cadence: the full one and its short ones.
DAYS_PER_WEEK = {
    RiskGroup.LOW: 1,
    RiskGroup.MEDIUM: 2,
    RiskGroup.HIGH: 1 + len(HIGH_SHORT_DAYS),
}
TIME_CHOICE_STEP = timedelta(minutes=30)


def tier_days(*, enrolled_on: date, tier: str) -> tuple[int, ...]:
    """The weekdays of the tier's own cadence, full day first (counted from enrollment)."""
    offsets = {RiskGroup.MEDIUM: (MEDIUM_SHORT_DAY,), RiskGroup.HIGH: HIGH_SHORT_DAYS}
    full = enrolled_on.weekday()  # the full check-in comes every 7 days from enrollment
    return (full, *((full + offset) % WEEK for offset in offsets.get(RiskGroup(tier), ())))


def fitting_days(days: Sequence[int], tier: str) -> tuple[int, ...]:
    """The patient's chosen weekdays in week order if they fit the tier's cadence, else ()."""
    chosen = tuple(sorted(set(days)))
    return chosen if len(chosen) == DAYS_PER_WEEK[RiskGroup(tier)] else ()


def choice_problem(
    *, tier: str, days: Sequence[int], at: time | None, quiet_start: time, quiet_end: time
) -> str | None:
    """Why a patient's choice cannot be kept ("days_count", "quiet_hours"), or None. No days
    and no time mean the tier's own, which always fit."""
    if days and not fitting_days(days, tier):
        return "days_count"
    if at is not None and in_quiet_hours(at, quiet_start, quiet_end):
        return "quiet_hours"
    return None


def times_outside_quiet_hours(quiet_start: time, quiet_end: time) -> list[time]:
    """Every half hour of the day a patient may choose: those outside their quiet hours."""
    slots = (time(minutes // 60, minutes % 60) for minutes in range(0, 24 * 60, 30))
    return [at for at in slots if not in_quiet_hours(at, quiet_start, quiet_end)]


def _kind_on_chosen(*, offset: int, tier: str, day: date, days: tuple[int, ...]) -> Kind | None:
    if day.weekday() not in days:
        return None
    if day.weekday() == days[0]:
        return Kind.FULL
    if tier == RiskGroup.HIGH and offset > HIGH_SHORT_WEEKS * WEEK:
        return None
    return Kind.SHORT


def kind_on(*, enrolled_on: date, tier: str, day: date, days: Sequence[int] = ()) -> Kind | None:
    """The check-in due on `day` (local), if any: on the patient's chosen `days` when they
    fit the tier, else on the tier's own."""
    offset = (day - enrolled_on).days
    if offset <= 0:
        return None
    if chosen := fitting_days(days, tier):
        return _kind_on_chosen(offset=offset, tier=tier, day=day, days=chosen)
    if offset % WEEK == 0:
        return Kind.FULL
    if tier == RiskGroup.MEDIUM and offset % WEEK == MEDIUM_SHORT_DAY:
        return Kind.SHORT
    if (
        tier == RiskGroup.HIGH
        and offset <= HIGH_SHORT_WEEKS * WEEK
        and offset % WEEK in HIGH_SHORT_DAYS
    ):
        return Kind.SHORT
    return None


def next_slot(
    *, enrolled_on: date, tier: str, after: date, days: Sequence[int] = ()
) -> tuple[date, Kind]:
    """The first check-in date strictly after `after` (every tier has one within a week)."""
    day = after
    for _ in range(LOOKAHEAD_DAYS):
        day += timedelta(days=1)
        if (kind := kind_on(enrolled_on=enrolled_on, tier=tier, day=day, days=days)) is not None:
            return day, kind
    raise AssertionError("every tier has a weekly check-in")  # pragma: no cover
