from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

# Midday in every demo and test time zone (America/*): bulk sends are outside quiet hours.
MIDDAY = datetime(2026, 6, 15, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _daytime() -> Iterator[None]:
    """Run SMS tests at a fixed daytime instant (the clock still ticks); tests about quiet
    hours travel elsewhere themselves."""
    with time_machine.travel(MIDDAY, tick=True):
        yield
