"""Working days for objection windows: Monday to Friday. Public holidays and the swapped
working weekends of the Chinese calendar are not modelled."""

from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted):
    published on Monday with 5 days, the window runs to the next Monday inclusive."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
