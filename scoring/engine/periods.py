"""Period keys and bounds: weekly 2026-W47 (ISO), monthly 2026-11, quarterly 2026-Q4,
half-yearly 2026-H2, yearly 2026."""

import re
from datetime import date, timedelta

from scoring.engine.types import Period

WEEKLY, MONTHLY, QUARTERLY, HALF_YEAR, YEARLY = (
    "weekly",
    "monthly",
    "quarterly",
    "half_year",
    "yearly",
)

_PATTERNS = {
    WEEKLY: re.compile(r"^(\d{4})-W(\d{2})$"),
    MONTHLY: re.compile(r"^(\d{4})-(\d{2})$"),
    QUARTERLY: re.compile(r"^(\d{4})-Q([1-4])$"),
    HALF_YEAR: re.compile(r"^(\d{4})-H([12])$"),
    YEARLY: re.compile(r"^(\d{4})$"),
}
_EXAMPLES = {
    WEEKLY: "2026-W47",
    MONTHLY: "2026-11",
    QUARTERLY: "2026-Q4",
    HALF_YEAR: "2026-H2",
    YEARLY: "2026",
}


class PeriodKeyError(ValueError):
    pass


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _months(year: int, first_month: int, count: int) -> tuple[date, date]:
    last_month = first_month + count - 1
    return date(year, first_month, 1), _month_end(year, last_month)


def period_for_date(kind: str, day: date) -> Period:
    if kind == WEEKLY:
        iso_year, iso_week, _weekday = day.isocalendar()
        monday = day - timedelta(days=day.weekday())
        return Period(f"{iso_year}-W{iso_week:02d}", monday, monday + timedelta(days=6))
    if kind == MONTHLY:
        start, end = _months(day.year, day.month, 1)
        return Period(f"{day.year}-{day.month:02d}", start, end)
    if kind == QUARTERLY:
        quarter = (day.month - 1) // 3 + 1
        start, end = _months(day.year, 3 * quarter - 2, 3)
        return Period(f"{day.year}-Q{quarter}", start, end)
    if kind == HALF_YEAR:
        half = 1 if day.month <= 6 else 2
        start, end = _months(day.year, 6 * half - 5, 6)
        return Period(f"{day.year}-H{half}", start, end)
    if kind == YEARLY:
        return Period(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))
    raise PeriodKeyError(f"unknown period kind {kind!r}")


def parse_period_key(kind: str, key: str) -> Period:
    pattern = _PATTERNS.get(kind)
    if pattern is None:
        raise PeriodKeyError(f"unknown period kind {kind!r}")
    match = pattern.match(key.strip())
    if not match:
        raise PeriodKeyError(f"{key!r} is not a {kind} period; expected e.g. {_EXAMPLES[kind]}")
    year = int(match.group(1))
    number = int(match.group(2)) if match.lastindex and match.lastindex > 1 else 0
    try:
        if kind == WEEKLY:
            anchor = date.fromisocalendar(year, number, 1)
        elif kind == MONTHLY:
            anchor = date(year, number, 1)
        elif kind == QUARTERLY:
            anchor = date(year, 3 * number - 2, 1)
        elif kind == HALF_YEAR:
            anchor = date(year, 6 * number - 5, 1)
        else:
            anchor = date(year, 1, 1)
    except ValueError:
        raise PeriodKeyError(f"{key!r} is not a {kind} period that exists") from None
    return period_for_date(kind, anchor)


def periods_between(kind: str, start: date, end: date) -> list[Period]:
    """Every period of ``kind`` that overlaps [start, end], in order."""
    periods = []
    current = period_for_date(kind, start)
    while current.start <= end:
        periods.append(current)
        current = period_for_date(kind, current.end + timedelta(days=1))
    return periods
