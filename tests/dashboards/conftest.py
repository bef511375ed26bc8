"""The property schemes (weekly stars, monthly quality) with a frozen clock on Wednesday
18 November 2026 (week 2026-W47), and helpers to write records and grow a team."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from evaluations.ledger import RecordDraft, record_create, records_bulk_create
from evaluations.models import Record
from scoring.signals import ledger_epoch_bump
from tests.factories import StaffFactory
from tests.frozen import at
from tests.schemes import import_template

TODAY = date(2026, 11, 18)  # Wednesday of 2026-W47, in 2026-11
STARS = "property-weekly-stars"
QUALITY = "property-monthly-quality"
POINTS = "bank-yearly-points"


@pytest.fixture
def frozen():
    with time_machine.travel(at(TODAY), tick=False):
        yield


@pytest.fixture
def schemes(frozen, org):
    return {code: import_template(code) for code in (STARS, QUALITY)}


def add(person, kind: str, code: str, value=None, *, day: date = TODAY, **extra) -> Record:
    """Write a record and move the ledger epoch at once (the test's transaction never
    commits, so the on-commit bump would not run)."""
    record = record_create(
        draft=RecordDraft(
            staff_id=person.pk,
            date=day,
            kind=kind,
            code=code,
            value=None if value is None else Decimal(str(value)),
            **extra,
        )
    )
    ledger_epoch_bump()
    return record


def team(unit, position, count: int) -> list:
    """``count`` more people in ``unit``, each with a warning, a metric and a deduction of
    the monthly scheme, so every page has something to show for each of them."""
    people = [StaffFactory(unit=unit, position=position) for _ in range(count)]
    drafts = []
    for index, person in enumerate(people):
        drafts += [
            RecordDraft(person.pk, TODAY, "warning", "PATROL-LATE", inspector_name="值班经理"),
            RecordDraft(person.pk, TODAY, "metric", "free_card_signups", Decimal(index % 7)),
            RecordDraft(
                person.pk, date(2026, 11, 3), "deduction", "CLEAN-01", inspector_name="周检查"
            ),
        ]
    records_bulk_create(drafts=drafts)
    ledger_epoch_bump()
    return people
