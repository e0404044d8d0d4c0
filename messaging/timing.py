"""Quiet hours in the patient's own time zone (pure).

Quiet hours run from `start` to `end` local time and may wrap midnight (21:00–08:00). The end
is computed as a local wall-clock time and only then converted to UTC, so daylight-saving
changes overnight give the right instant: a local time that does not exist (spring forward) is
read as the moment after the gap, and one that happens twice (fall back) as its first occurrence.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _next_wall_clock(day: date, at: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The first instant after `after` at which the clock in `zone` shows `at` on `day`, in UTC.

    A time in a spring-forward gap reads as just after the gap; in the repeated hour of a fall
    back, the first occurrence unless that is already past (we are inside the repeat).
    """
    first = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
    if first > after:
        return first
    return datetime.combine(day, at, tzinfo=zone).replace(fold=1).astimezone(UTC)


def quiet_hours_end(now: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """When the quiet hours `now` falls in end (UTC), or None when `now` is not in them."""
    local = now.astimezone(zone)
    if not in_quiet_hours(local.time().replace(tzinfo=None), start, end):
        return None
    day = local.date()
    if start > end and local.time().replace(tzinfo=None) >= start:
        day += timedelta(days=1)
    return _next_wall_clock(day, end, zone, now)


def local_instant(
    *, day: date, at: time, zone: ZoneInfo, quiet_start: time, quiet_end: time
) -> datetime:
    """`at` local on `day` in UTC (a time in a DST gap reads as just after it; a repeated time
    as its first occurrence), moved to the end of quiet hours if it falls inside them."""
    instant = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
    return quiet_hours_end(instant, zone, quiet_start, quiet_end) or instant
