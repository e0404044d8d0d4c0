"""Check-in cadence per tier (pure): which local dates get a check-in, and at what instant.

CLINICAL.md defaults: low, one full check-in a week; medium, full weekly plus a short mid-week
check; high, full weekly plus short checks on two more days in the first four weeks. Days are
counted from the enrollment date; check-ins go out at a sensible local time, moved out of the
patient's quiet hours if those are set unusually.
"""

from datetime import date, timedelta

from checkins.catalogue import Kind
from messaging.timing import local_instant as due_instant
from programs.stratification import RiskGroup

__all__ = ["due_instant", "kind_on", "next_slot"]

WEEK = 7
MEDIUM_SHORT_DAY = 3  # mid-week
HIGH_SHORT_DAYS = (2, 4)
HIGH_SHORT_WEEKS = 4
LOOKAHEAD_DAYS = 14


def kind_on(*, enrolled_on: date, tier: str, day: date) -> Kind | None:
    """The check-in due on `day` (local), if any."""
    offset = (day - enrolled_on).days
    if offset <= 0:
        return None
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


def next_slot(*, enrolled_on: date, tier: str, after: date) -> tuple[date, Kind]:
    """The first check-in date strictly after `after` (every tier has one within a week)."""
    day = after
    for _ in range(LOOKAHEAD_DAYS):
        day += timedelta(days=1)
        if (kind := kind_on(enrolled_on=enrolled_on, tier=tier, day=day)) is not None:
            return day, kind
    raise AssertionError("every tier has a weekly check-in")  # pragma: no cover
