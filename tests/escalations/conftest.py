from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

MIDDAY = datetime(2026, 6, 15, 17, 0, tzinfo=UTC)  # a Monday, midday in America/Chicago


@pytest.fixture(autouse=True)
def _daytime() -> Iterator[None]:
    with time_machine.travel(MIDDAY, tick=True):
        yield
