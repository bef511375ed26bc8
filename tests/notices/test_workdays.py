from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notices.workdays import add_working_days, is_working_day

MONDAY = date(2026, 3, 9)


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (MONDAY, 5, date(2026, 3, 16)),  # Tue..Fri, then Monday
        (MONDAY, 1, date(2026, 3, 10)),
        (date(2026, 3, 13), 1, date(2026, 3, 16)),  # Friday → Monday
        (date(2026, 3, 14), 1, date(2026, 3, 16)),  # Saturday → Monday
        (date(2026, 3, 15), 5, date(2026, 3, 20)),  # Sunday → Friday
        (date(2026, 3, 13), 10, date(2026, 3, 27)),
    ],
)
def test_add_working_days_skips_weekends(start, days, end):
    assert add_working_days(start, days) == end


def test_zero_days_is_refused():
    with pytest.raises(ValueError):
        add_working_days(MONDAY, 0)


@given(start=st.dates(date(2000, 1, 1), date(2100, 1, 1)), days=st.integers(1, 60))
def test_result_is_a_working_day_with_exactly_n_working_days_after_start(start, days):
    end = add_working_days(start, days)
    assert end > start
    assert is_working_day(end)
    between = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(is_working_day(day) for day in between) == days
