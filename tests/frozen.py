"""A frozen wall clock in Asia/Shanghai (time_machine) for tests that walk through periods.
Import ``clock`` into a conftest or test module to use it as a fixture."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = date(2026, 3, 2)  # a Monday (ISO week 2026-W10)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


class Clock:
    def __init__(self, traveller):
        self._traveller = traveller

    def move_to(self, day: date, hour: int = 10, minute: int = 0) -> None:
        self._traveller.move_to(at(day, hour, minute))


@pytest.fixture
def clock():
    """Starts on Monday 2 March 2026, 08:00; ``clock.move_to(day, hour, minute)``."""
    traveller = time_machine.travel(at(START, 8), tick=False)
    yield Clock(traveller.start())
    traveller.stop()
