"""Properties of ``stars`` and ``points_bank`` over generated records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import points_bank, stars
from scoring.engine.common import counting_records
from scoring.engine.numbers import ZERO
from scoring.engine.types import (
    BONUS,
    COMPLAINT,
    COMPLAINT_VALID,
    DEDUCTION,
    METRIC,
    RESPONSIBILITY_MANAGEMENT,
    RESPONSIBILITY_STAFF,
    WARNING,
    Inputs,
    Record,
)
from tests.scoring import test_points_bank as bank
from tests.scoring import test_stars as weekly
from tests.scoring.builders import WEEK_47, inputs, record

STAFF = (1, 2, 3, 10)
halves = st.integers(min_value=0, max_value=8).map(lambda n: Decimal(n) / 2)
counts = st.integers(min_value=0, max_value=4).map(Decimal)


def with_ids(drawn: list[tuple]) -> list[Record]:
    """Records from (staff, kind, code, value, day, responsibility) with distinct ids."""
    return [
        record(staff, kind, code, value, on=day, record_id=rid, responsibility=responsibility)
        for rid, (staff, kind, code, value, day, responsibility) in enumerate(drawn, start=1)
    ]


def shuffled(data: st.DataObject, inputs_: Inputs) -> dict[int, list[Record]]:
    """The counting records per participant, participants and records in a drawn order."""
    groups = data.draw(st.permutations(list(counting_records(inputs_).items())))
    return {staff_id: data.draw(st.permutations(records)) for staff_id, records in groups}


# --- stars ---------------------------------------------------------------------------------

week_days = st.dates(min_value=date(2026, 11, 14), max_value=date(2026, 11, 24))
staff_ids = st.sampled_from(STAFF)
star_record = st.one_of(
    st.tuples(
        staff_ids,
        st.sampled_from([WARNING, DEDUCTION]),
        st.sampled_from(["PATROL", "PATROL-LATE", "PATROL-DRESS"]),
        st.one_of(st.none(), counts),
        week_days,
        st.just(RESPONSIBILITY_STAFF),
    ),
    st.tuples(
        staff_ids,
        st.just(METRIC),
        st.sampled_from(["exam_score", "free_card_signups"]),
        st.integers(min_value=-3, max_value=12).map(Decimal),
        week_days,
        st.just(RESPONSIBILITY_STAFF),
    ),
    st.tuples(
        staff_ids,
        st.just(BONUS),
        st.just("TEAM"),
        st.one_of(st.none(), halves),
        week_days,
        st.just(RESPONSIBILITY_STAFF),
    ),
    st.tuples(
        staff_ids,
        st.just(COMPLAINT),
        st.just(COMPLAINT_VALID),
        st.none(),
        week_days,
        st.just(RESPONSIBILITY_STAFF),
    ),
)


def week_inputs(drawn: list[tuple]) -> Inputs:
    return inputs(weekly.SCHEME, [weekly.clerk(s) for s in STAFF], with_ids(drawn), period=WEEK_47)


@settings(deadline=None)
@given(st.lists(star_record, max_size=25))
def test_stars_red_green_never_negative_and_net_is_red_minus_green(drawn):
    week = week_inputs(drawn)
    for result in stars.score_participants(week, counting_records(week)).values():
        red, green = result.parts["red"], result.parts["green"]
        assert red >= 0 and green >= 0
        assert all(value >= 0 for value in result.parts["components"].values())
        assert red == sum(result.parts["components"].values(), ZERO)
        assert result.score == result.raw_score == red - green


@settings(deadline=None)
@given(st.lists(star_record, max_size=25))
def test_stars_effects_add_up_to_the_net_from_full_conduct(drawn):
    week = week_inputs(drawn)
    for result in stars.score_participants(week, counting_records(week)).values():
        assert 3 + sum((e.points for e in result.effects), ZERO) == result.score


@settings(deadline=None)
@given(st.lists(star_record, max_size=25), st.data())
def test_stars_same_records_in_any_order_same_results(drawn, data):
    week = week_inputs(drawn)
    expected = stars.score_participants(week, counting_records(week))
    assert stars.score_participants(week, shuffled(data, week)) == expected


# --- points_bank ---------------------------------------------------------------------------

year_days = st.dates(min_value=date(2025, 11, 20), max_value=date(2026, 12, 31))
bank_record = st.one_of(
    st.tuples(
        staff_ids,
        st.just(DEDUCTION),
        st.sampled_from(["P-LATE", "P-TABOO", "P-CHAT", "P-QUARREL"]),
        st.one_of(st.none(), counts),
        year_days,
        st.sampled_from([RESPONSIBILITY_STAFF, RESPONSIBILITY_MANAGEMENT]),
    ),
    st.tuples(
        staff_ids,
        st.just(BONUS),
        st.sampled_from(["P-STAR", "P-PRAISE-CITY"]),
        st.one_of(st.none(), counts),
        year_days,
        st.just(RESPONSIBILITY_STAFF),
    ),
    st.tuples(
        staff_ids,
        st.just(COMPLAINT),
        st.just(COMPLAINT_VALID),
        st.none(),
        year_days,
        st.just(RESPONSIBILITY_STAFF),
    ),
)


def year_inputs(drawn: list[tuple]) -> Inputs:
    people = [bank.person(s) for s in STAFF]
    return inputs(bank.SCHEME, people, with_ids(drawn), period=bank.YEAR, units=bank.UNITS)


@settings(deadline=None)
@given(st.lists(bank_record, max_size=30))
def test_points_bank_balance_is_base_minus_deductions_plus_bonuses(drawn):
    year = year_inputs(drawn)
    for result in points_bank.score_participants(year, counting_records(year)).values():
        deducted = -sum((e.points for e in result.effects if e.kind == DEDUCTION), ZERO)
        added = sum((e.points for e in result.effects if e.kind == BONUS), ZERO)
        assert deducted >= 0 and added >= 0
        assert result.score == result.parts["balance"] == 12 - deducted + added


@settings(deadline=None)
@given(st.lists(bank_record, max_size=30))
def test_points_bank_own_deductions_lie_between_single_and_doubled_points(drawn):
    year = year_inputs(drawn)
    points = {item["code"]: item["points"] for item in bank.SCHEME["items"]}
    for staff_id, result in points_bank.score_participants(year, counting_records(year)).items():
        own = [
            r
            for r in year.records
            if r.staff_id == staff_id and r.kind == DEDUCTION and r.date.year == 2026
        ]
        single = sum((points[r.code] * (1 if r.value is None else r.value) for r in own), ZERO)
        charged = -sum(
            (e.points for e in result.effects if e.kind == DEDUCTION and e.derived_from is None),
            ZERO,
        )
        assert single <= charged <= 2 * single


@settings(deadline=None)
@given(st.lists(bank_record, max_size=30), st.data())
def test_points_bank_same_records_in_any_order_same_results(drawn, data):
    year = year_inputs(drawn)
    expected = points_bank.score_participants(year, counting_records(year))
    assert points_bank.score_participants(year, shuffled(data, year)) == expected
