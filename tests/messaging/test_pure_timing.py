"""Quiet hours in the patient's time zone, across midnight and DST changes (SMS.md)."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.timing import in_quiet_hours, quiet_hours_end

# Dates and times: run at each hour and DST day of tests/conftest.py's ANY_HOUR.
pytestmark = pytest.mark.any_hour

NEW_YORK = ZoneInfo("America/New_York")
NIGHT = (time(21, 0), time(8, 0))  # the default window, wrapping midnight
LUNCH = (time(12, 0), time(14, 0))  # a same-day window


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (time(12, 0), False),
        (time(20, 59), False),
        (time(20, 59, 59, 999999), False),
        (time(21, 0), True),  # start is inclusive
        (time(23, 59, 59), True),
        (time(0, 0), True),
        (time(3, 0), True),
        (time(7, 59), True),
        (time(7, 59, 59, 999999), True),
        (time(8, 0), False),  # end is exclusive
        (time(8, 1), False),
    ],
)
def test_in_quiet_hours_wrapping_midnight(local: time, quiet: bool) -> None:
    assert in_quiet_hours(local, *NIGHT) is quiet


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (time(11, 59), False),
        (time(12, 0), True),
        (time(13, 59), True),
        (time(14, 0), False),
        (time(0, 0), False),
        (time(23, 0), False),
    ],
)
def test_in_quiet_hours_same_day_window(local: time, quiet: bool) -> None:
    assert in_quiet_hours(local, *LUNCH) is quiet


@pytest.mark.parametrize("local", [time(0, 0), time(8, 59), time(9, 0), time(9, 1), time(23, 59)])
def test_start_equal_to_end_is_never_quiet(local: time) -> None:
    assert in_quiet_hours(local, time(9, 0), time(9, 0)) is False


@given(
    local=st.times(),
    start=st.times(),
    end=st.times(),
)
def test_swapping_start_and_end_gives_the_complementary_window(
    local: time, start: time, end: time
) -> None:
    if start != end:
        assert in_quiet_hours(local, start, end) is not in_quiet_hours(local, end, start)
    else:
        assert in_quiet_hours(local, start, end) is False


@pytest.mark.parametrize(
    ("now", "window", "end"),
    [
        # Ordinary summer night, EDT (UTC-4): 23:00 local ends the next morning at 08:00.
        (datetime(2026, 7, 1, 3, 0, tzinfo=UTC), NIGHT, datetime(2026, 7, 1, 12, 0, tzinfo=UTC)),
        # Winter, EST (UTC-5): 23:00 on the 14th ends on the 15th at 08:00 = 13:00 UTC.
        (datetime(2026, 1, 15, 4, 0, tzinfo=UTC), NIGHT, datetime(2026, 1, 15, 13, 0, tzinfo=UTC)),
        # Exactly at the start (21:00 EDT) and just before the end (07:59 EDT).
        (datetime(2026, 7, 2, 1, 0, tzinfo=UTC), NIGHT, datetime(2026, 7, 2, 12, 0, tzinfo=UTC)),
        (datetime(2026, 7, 2, 11, 59, tzinfo=UTC), NIGHT, datetime(2026, 7, 2, 12, 0, tzinfo=UTC)),
        # Spring forward 2026-03-08 at 02:00: 01:00 EST ends at 08:00 EDT = 12:00 UTC, not 13:00.
        (datetime(2026, 3, 8, 6, 0, tzinfo=UTC), NIGHT, datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
        # ... and from 21:00 EST the evening before.
        (datetime(2026, 3, 8, 2, 0, tzinfo=UTC), NIGHT, datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
        # A window ending at 02:30, which does not exist that night: just after the gap, 03:30 EDT.
        (
            datetime(2026, 3, 8, 6, 0, tzinfo=UTC),
            (time(21, 0), time(2, 30)),
            datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
        ),
        # Fall back 2026-11-01 (01:00-02:00 repeats): a window ending 01:30 ends at the first
        # 01:30 (EDT, 05:30 UTC), asked at 00:00 EDT.
        (
            datetime(2026, 11, 1, 4, 0, tzinfo=UTC),
            (time(21, 0), time(1, 30)),
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        ),
        # The night of the fall back with the default window: 22:00 EDT → 08:00 EST = 13:00 UTC.
        (datetime(2026, 11, 1, 2, 0, tzinfo=UTC), NIGHT, datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
        # Same-day window: 12:30 EDT ends at 14:00 EDT the same day.
        (datetime(2026, 7, 1, 16, 30, tzinfo=UTC), LUNCH, datetime(2026, 7, 1, 18, 0, tzinfo=UTC)),
        pytest.param(
            # 01:10 EST is the second pass through 01:00-02:00 and still quiet by the wall clock;
            # the end must be the 01:30 still ahead (06:30 UTC), not the first one, already past.
            datetime(2026, 11, 1, 6, 10, tzinfo=UTC),
            (time(21, 0), time(1, 30)),
            datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        ),
    ],
)
def test_quiet_hours_end_in_new_york(
    now: datetime, window: tuple[time, time], end: datetime
) -> None:
    result = quiet_hours_end(now, NEW_YORK, *window)

    assert result == end
    assert result is not None
    assert result.utcoffset() == end.utcoffset()
    assert result > now


@pytest.mark.parametrize(
    ("now", "window"),
    [
        (datetime(2026, 7, 1, 18, 0, tzinfo=UTC), NIGHT),  # 14:00 EDT
        (datetime(2026, 7, 1, 0, 59, tzinfo=UTC), NIGHT),  # 20:59 EDT
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), NIGHT),  # 08:00 EDT, the end itself
        (datetime(2026, 3, 8, 12, 0, tzinfo=UTC), NIGHT),  # 08:00 EDT after spring forward
        (datetime(2026, 11, 1, 5, 45, tzinfo=UTC), (time(21, 0), time(1, 30))),  # 01:45 EDT
        (datetime(2026, 7, 1, 15, 59, tzinfo=UTC), LUNCH),  # 11:59 EDT
        (datetime(2026, 7, 1, 18, 0, tzinfo=UTC), LUNCH),  # 14:00 EDT
        (datetime(2026, 7, 1, 3, 0, tzinfo=UTC), (time(9, 0), time(9, 0))),  # start == end
    ],
)
def test_quiet_hours_end_is_none_outside_quiet_hours(
    now: datetime, window: tuple[time, time]
) -> None:
    assert quiet_hours_end(now, NEW_YORK, *window) is None
