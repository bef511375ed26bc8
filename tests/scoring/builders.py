"""Small builders for scoring-engine test data (plain data, no database).

Shared by every engine test module: keep these signatures stable. Record ids come from a
module-wide counter unless given, so records built in any order stay distinct.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from scoring.engine.numbers import to_decimal
from scoring.engine.types import (
    BONUS,
    COMPLAINT,
    COMPLAINT_INVALID,
    COMPLAINT_VALID,
    DEDUCTION,
    INCIDENT,
    METRIC,
    RATING,
    RESPONSIBILITY_STAFF,
    SCORE,
    WARNING,
    Inputs,
    Participant,
    Period,
    Record,
    Unit,
)

NOVEMBER = Period("2026-11", date(2026, 11, 1), date(2026, 11, 30))
WEEK_47 = Period("2026-W47", date(2026, 11, 16), date(2026, 11, 22))
IN_NOVEMBER = date(2026, 11, 10)

_record_ids = itertools.count(1)


def period(key: str = "2026-11", start: date = NOVEMBER.start, end: date = NOVEMBER.end) -> Period:
    return Period(key, start, end)


def participant(
    staff_id: int,
    *,
    employee_no: str | None = None,
    name: str | None = None,
    unit_path: str = "一支行/营业室",
    position: str = "柜员",
    hire_date: date = date(2020, 1, 1),
    certificates: Iterable[str] = (),
) -> Participant:
    return Participant(
        staff_id=staff_id,
        employee_no=employee_no if employee_no is not None else f"E{staff_id:03d}",
        name=name if name is not None else f"员工{staff_id}",
        unit_path=unit_path,
        position=position,
        hire_date=hire_date,
        certificates=frozenset(certificates),
    )


def record(
    staff_id: int,
    kind: str,
    code: str,
    value: object = None,
    *,
    on: date = IN_NOVEMBER,
    record_id: int | None = None,
    responsibility: str = RESPONSIBILITY_STAFF,
    batch: str = "",
    level: str = "",
    inspector: str = "",
    note: str = "",
) -> Record:
    return Record(
        id=record_id if record_id is not None else next(_record_ids),
        staff_id=staff_id,
        date=on,
        kind=kind,
        code=code,
        value=None if value is None else to_decimal(value),
        responsibility=responsibility,
        batch=batch,
        level=level,
        inspector=inspector,
        note=note,
    )


def deduction(staff_id: int, code: str, value: object = None, **options) -> Record:
    return record(staff_id, DEDUCTION, code, value, **options)


def warning(staff_id: int, code: str, value: object = None, **options) -> Record:
    return record(staff_id, WARNING, code, value, **options)


def bonus(staff_id: int, code: str, value: object = None, **options) -> Record:
    return record(staff_id, BONUS, code, value, **options)


def metric(staff_id: int, name: str, value: object, **options) -> Record:
    return record(staff_id, METRIC, name, value, **options)


def score(staff_id: int, source: str, value: object, **options) -> Record:
    return record(staff_id, SCORE, source, value, **options)


def rating(staff_id: int, code: str, count: object = None, **options) -> Record:
    return record(staff_id, RATING, code, count, **options)


def complaint(staff_id: int, *, valid: bool = True, level: str = "", **options) -> Record:
    code = COMPLAINT_VALID if valid else COMPLAINT_INVALID
    return record(staff_id, COMPLAINT, code, level=level, **options)


def incident(staff_id: int, name: str, **options) -> Record:
    return record(staff_id, INCIDENT, name, **options)


def scheme(method: str, *, positions: Iterable[str] = ("柜员",), **fields) -> dict:
    """A scheme dict as the YAML gives it; ``fields`` are the method's keys and any of
    grades, veto, eligibility, award, unit_rollup."""
    return {
        "code": "test-scheme",
        "name": "测试方案",
        "period": "monthly",
        "method": method,
        "applies_to": {"positions": list(positions)},
        **fields,
    }


def inputs(
    scheme: dict,
    participants: Iterable[Participant],
    records: Iterable[Record] = (),
    *,
    period: Period = NOVEMBER,
    units: dict[str, Unit] | None = None,
    prior_wins: dict[int, int] | None = None,
    prior_promotions: Iterable[int] = (),
) -> Inputs:
    return Inputs(
        scheme=scheme,
        period=period,
        participants=tuple(participants),
        records=tuple(records),
        units=units or {},
        prior_wins=prior_wins or {},
        prior_promotions=frozenset(prior_promotions),
    )


def d(text: str | int) -> Decimal:
    """Decimal shorthand for expected values: d("96.5")."""
    return Decimal(str(text))
