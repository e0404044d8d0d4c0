"""Pacing per sender, shared by every worker through the database."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from messaging.models import Priority
from messaging.pacing import reserve

NOW = datetime(2026, 6, 15, 17, 0, tzinfo=UTC)


@pytest.fixture
def one_per_second(settings: Any) -> None:
    settings.SMS_RATE_PER_SECOND = 1


def test_reservations_are_spaced_at_the_configured_rate(db: Any, one_per_second: None) -> None:
    waits = [
        reserve(sender="+1", segments=1, priority=Priority.REPLY, now=NOW).wait_seconds
        for _ in range(4)
    ]

    assert waits == [0.0, 1.0, 2.0, 3.0]


def test_a_two_segment_message_costs_two_slots(db: Any, one_per_second: None) -> None:
    reserve(sender="+1", segments=2, priority=Priority.REPLY, now=NOW)

    assert reserve(sender="+1", segments=1, priority=Priority.REPLY, now=NOW).wait_seconds == 2.0


def test_senders_are_paced_separately(db: Any, one_per_second: None) -> None:
    reserve(sender="+1", segments=1, priority=Priority.REPLY, now=NOW)

    assert reserve(sender="+2", segments=1, priority=Priority.REPLY, now=NOW).wait_seconds == 0.0


def test_bulk_backs_off_while_replies_hold_the_next_slots(db: Any, one_per_second: None) -> None:
    for _ in range(3):
        reserve(sender="+1", segments=1, priority=Priority.EMERGENCY, now=NOW)

    bulk = reserve(sender="+1", segments=1, priority=Priority.BULK, now=NOW)
    reply = reserve(sender="+1", segments=1, priority=Priority.REPLY, now=NOW)

    assert (bulk.reserved, bulk.wait_seconds) == (False, 3.0)
    assert (reply.reserved, reply.wait_seconds) == (True, 3.0)  # replies queue ahead of bulk


def test_a_free_sender_lets_bulk_through(db: Any, one_per_second: None) -> None:
    first = reserve(sender="+1", segments=1, priority=Priority.BULK, now=NOW)
    later = reserve(sender="+1", segments=1, priority=Priority.BULK, now=NOW + timedelta(seconds=1))

    assert (first.reserved, later.reserved) == (True, True)


def test_rate_zero_means_unpaced(db: Any, settings: Any) -> None:
    settings.SMS_RATE_PER_SECOND = 0

    slots = [reserve(sender="+1", segments=1, priority=Priority.BULK, now=NOW) for _ in range(10)]

    assert all(slot.reserved and slot.wait_seconds == 0 for slot in slots)
