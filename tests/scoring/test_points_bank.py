"""Method ``points_bank`` (SCHEMES.md "积分制"): each rule with a worked example."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from scoring.engine import compute_period, points_bank
from scoring.engine.common import counting_records
from scoring.engine.types import (
    DEDUCTION,
    RESPONSIBILITY_MANAGEMENT,
    Participant,
    ParticipantResult,
    Period,
    Record,
    Unit,
)
from tests.scoring.builders import bonus, complaint, d, deduction, inputs, participant

MANAGEMENT = RESPONSIBILITY_MANAGEMENT
YEAR = Period("2026", date(2026, 1, 1), date(2026, 12, 31))

SCHEME = {
    "code": "bank-yearly-points",
    "name": "文明优质服务积分",
    "period": "yearly",
    "method": "points_bank",
    "applies_to": {"positions": ["柜员", "大堂经理", "科长"]},
    "base": 12,
    "items": [
        {"code": "P-LATE", "name": "迟到早退或离岗未登记", "points": 1, "fine": 100},
        {"code": "P-TABOO", "name": "使用服务禁语或禁用手势", "points": 1, "fine": 100},
        {"code": "P-CHAT", "name": "营业期间串岗聊天", "points": 2, "fine": 200},
        {"code": "P-QUARREL", "name": "与客户发生争吵", "points": 3, "fine": 300},
    ],
    "bonus_items": [
        {"code": "P-STAR", "name": "月度服务明星", "add": 1, "reward": 100},
        {"code": "P-PRAISE-CITY", "name": "市级表扬或报道", "add": 2},
    ],
    "repeat": {"window_days": 30, "multiplier": 2},
    "retraining": {"at_or_below": 0, "violations": 3, "window_days": 30},
    "manager_liability": {"management": d("1.0"), "staff": d("0.5")},
    "grade_scale": ["A+", "A", "B", "C", "D"],
    "grade_caps": [
        {"points_below": 6, "complaints_above": 3, "grade": "D"},
        {"points_at_most": 6, "complaints_at_least": 3, "grade": "C"},
        {"points_at_most": 8, "complaints_at_least": 2, "grade": "B"},
        {"points_at_most": 10, "complaints_at_least": 1, "grade": "B"},
    ],
}

# Staff 1, 2 are 柜员 in 一支行/营业室 (head: 10); 10 heads 营业室; 20 heads 一支行.
BRANCH, COUNTER = "一支行", "一支行/营业室"
UNITS = {BRANCH: Unit(BRANCH, 20), COUNTER: Unit(COUNTER, 10)}


def person(staff_id: int, unit: str = COUNTER) -> Participant:
    return participant(staff_id, unit_path=unit)


def score(
    records: list[Record],
    people: tuple[Participant, ...] = (),
    scheme: dict | None = None,
    units: dict | None = None,
) -> dict[int, ParticipantResult]:
    year = inputs(scheme or SCHEME, people or (person(1),), records, period=YEAR, units=units)
    return points_bank.score_participants(year, counting_records(year))


def without(key: str) -> dict:
    return {k: v for k, v in SCHEME.items() if k != key}


def deductions(result: ParticipantResult) -> list[Decimal]:
    return [e.points for e in result.effects if e.kind == DEDUCTION]


# --- balance --------------------------------------------------------------------------------


def test_no_records_balance_is_base():
    result = score([])[1]
    assert result.score == result.raw_score == 12
    assert result.parts == {
        "balance": 12,
        "fines": 0,
        "rewards": 0,
        "grade_cap": None,
        "retraining_date": None,
        "derived": [],
    }


def test_balance_is_base_minus_deductions_plus_bonuses():
    # 12 − 1 (P-LATE) + 1 (P-STAR) − 3 (P-QUARREL) + 2 (P-PRAISE-CITY) = 11
    records = [
        deduction(1, "P-LATE", on=date(2026, 2, 3)),
        bonus(1, "P-STAR", on=date(2026, 3, 1)),
        deduction(1, "P-QUARREL", on=date(2026, 5, 9)),
        bonus(1, "P-PRAISE-CITY", on=date(2026, 6, 1)),
    ]
    result = score(records)[1]
    assert result.score == result.parts["balance"] == 11
    assert [e.points for e in result.effects] == [-1, 1, -3, 2]


def test_balance_can_go_negative():
    # five quarrels more than 30 days apart (no doubling): 12 − 5 × 3 = −3
    days = [date(2026, m, 5) for m in (1, 3, 5, 7, 9)]
    result = score([deduction(1, "P-QUARREL", on=day) for day in days])[1]
    assert result.score == -3


def test_bonus_value_is_its_count():
    # P-STAR × 2 → +2 points, reward 200
    result = score([bonus(1, "P-STAR", 2, on=date(2026, 4, 1))])[1]
    assert (result.score, result.parts["rewards"]) == (14, 200)


def test_records_outside_the_period_do_not_change_the_balance():
    records = [
        deduction(1, "P-QUARREL", on=date(2025, 12, 30)),
        bonus(1, "P-STAR", on=date(2025, 12, 31)),
    ]
    result = score(records)[1]
    assert result.score == 12
    assert result.effects == []


def test_effects_in_date_order_whatever_the_record_ids():
    # record ids follow entry order, not dates: the June record has the smaller id
    june = deduction(1, "P-LATE", on=date(2026, 6, 1), record_id=1)
    january = deduction(1, "P-CHAT", on=date(2026, 1, 2), record_id=2)
    assert [e.record_id for e in score([june, january])[1].effects] == [2, 1]


def test_counted_records_without_points_get_a_zero_line():
    valid = complaint(1, on=date(2026, 3, 3))
    result = score([valid])[1]
    assert [(e.record_id, e.points) for e in result.effects] == [(valid.id, 0)]


# --- repeats (重犯加倍) ---------------------------------------------------------------------


def test_record_value_is_occurrence_count_and_later_ones_are_repeats():
    # P-LATE × 3 on one day: 1 + 2 + 2 = 5 points, fines 100 + 200 + 200 = 500
    result = score([deduction(1, "P-LATE", 3, on=date(2026, 3, 3))])[1]
    assert deductions(result) == [-1, -2, -2]
    assert [e.note for e in result.effects] == ["", "重犯加倍", "重犯加倍"]
    assert (result.score, result.parts["fines"]) == (7, 500)


def test_repeat_exactly_window_days_before_is_doubled():
    # 1 March → 31 March is 30 days: inclusive, so −2
    records = [
        deduction(1, "P-LATE", on=date(2026, 3, 1)),
        deduction(1, "P-LATE", on=date(2026, 3, 31)),
    ]
    assert deductions(score(records)[1]) == [-1, -2]


def test_repeat_31_days_before_is_not_doubled():
    records = [
        deduction(1, "P-LATE", on=date(2026, 3, 1)),
        deduction(1, "P-LATE", on=date(2026, 4, 1)),
    ]
    assert deductions(score(records)[1]) == [-1, -1]


def test_repeat_looks_back_into_the_previous_year():
    # 20 Dec 2025 (history) → 10 Jan 2026 is 21 days: doubled; the history itself costs nothing
    records = [
        deduction(1, "P-LATE", on=date(2025, 12, 20)),
        deduction(1, "P-LATE", on=date(2026, 1, 10)),
    ]
    result = score(records)[1]
    assert deductions(result) == [-2]
    assert (result.score, result.parts["fines"]) == (10, 200)


def test_multiplier_never_compounds():
    # three within the window: 1, 2, 2 (not 4) → 12 − 5 = 7
    days = [date(2026, 5, 1), date(2026, 5, 10), date(2026, 5, 20)]
    result = score([deduction(1, "P-LATE", on=day) for day in days])[1]
    assert deductions(result) == [-1, -2, -2]
    assert result.score == 7


def test_repeat_window_counts_from_the_latest_occurrence():
    # 1 Jan, 25 Jan, 20 Feb: the third is 26 days after the second (50 after the first)
    days = [date(2026, 1, 1), date(2026, 1, 25), date(2026, 2, 20)]
    result = score([deduction(1, "P-LATE", on=day) for day in days])[1]
    assert deductions(result) == [-1, -2, -2]


def test_same_item_twice_on_one_day_the_later_record_is_a_repeat():
    # 0 days apart is within the window; records of one day apply in id order
    records = [deduction(1, "P-LATE", on=date(2026, 5, 1)) for _ in range(2)]
    result = score(records)[1]
    assert [(e.record_id, e.points) for e in result.effects] == [
        (records[0].id, -1),
        (records[1].id, -2),
    ]


def test_repeat_is_per_item():
    records = [
        deduction(1, "P-LATE", on=date(2026, 5, 1)),
        deduction(1, "P-TABOO", on=date(2026, 5, 2)),
    ]
    assert deductions(score(records)[1]) == [-1, -1]


def test_without_repeat_block_repeats_are_not_doubled():
    records = [
        deduction(1, "P-LATE", on=date(2026, 5, 1)),
        deduction(1, "P-LATE", on=date(2026, 5, 2)),
    ]
    assert deductions(score(records, scheme=without("repeat"))[1]) == [-1, -1]


# --- retraining (下岗培训) ------------------------------------------------------------------


def test_retraining_when_end_of_day_balance_reaches_zero():
    # quarrels 36+ days apart (no doubling, no 3-in-30): 12 → 9 → 6 → 3 → 0 on 25 April
    days = [date(2026, 1, 5), date(2026, 2, 10), date(2026, 3, 20), date(2026, 4, 25)]
    result = score([deduction(1, "P-QUARREL", on=day) for day in days])[1]
    assert result.score == 0
    assert result.parts["retraining_date"] == date(2026, 4, 25)


def test_retraining_balance_uses_end_of_day_balance():
    # the 25 April quarrel takes the balance to 0, but a P-STAR the same day ends it at 1
    days = [date(2026, 1, 5), date(2026, 2, 10), date(2026, 3, 20), date(2026, 4, 25)]
    records = [deduction(1, "P-QUARREL", on=day) for day in days]
    records.append(bonus(1, "P-STAR", on=date(2026, 4, 25)))
    assert score(records)[1].parts["retraining_date"] is None


def test_retraining_after_three_violations_of_any_items_within_30_days():
    # 1 Jan, 15 Jan, 31 Jan: first and last 30 days apart → flagged on 31 Jan (balance 8)
    records = [
        deduction(1, "P-LATE", on=date(2026, 1, 1)),
        deduction(1, "P-TABOO", on=date(2026, 1, 15)),
        deduction(1, "P-CHAT", on=date(2026, 1, 31)),
    ]
    result = score(records)[1]
    assert result.score == 8
    assert result.parts["retraining_date"] == date(2026, 1, 31)


def test_no_retraining_when_three_violations_span_31_days():
    records = [
        deduction(1, "P-LATE", on=date(2026, 1, 1)),
        deduction(1, "P-TABOO", on=date(2026, 1, 15)),
        deduction(1, "P-CHAT", on=date(2026, 2, 1)),
    ]
    assert score(records)[1].parts["retraining_date"] is None


def test_record_with_count_three_is_three_violations():
    assert score([deduction(1, "P-LATE", 3, on=date(2026, 7, 7))])[1].parts[
        "retraining_date"
    ] == date(2026, 7, 7)


def test_retraining_count_includes_previous_year_occurrences():
    # "30天内连续违规三次": 20 Dec, 28 Dec 2025 and 10 Jan 2026 lie 21 days apart
    records = [
        deduction(1, "P-LATE", on=date(2025, 12, 20)),
        deduction(1, "P-TABOO", on=date(2025, 12, 28)),
        deduction(1, "P-CHAT", on=date(2026, 1, 10)),
    ]
    assert score(records)[1].parts["retraining_date"] == date(2026, 1, 10)


def test_retraining_date_is_the_earliest_trigger():
    # 3 violations in 30 days on 31 Jan (12 − 3 − 1 − 2 = 6 left); quarrels on 20 Mar and
    # 30 Apr (no repeats: 78 and 41 days apart) take the balance to 0: the flag keeps 31 Jan
    records = [
        deduction(1, "P-QUARREL", on=date(2026, 1, 1)),
        deduction(1, "P-LATE", on=date(2026, 1, 31)),
        deduction(1, "P-CHAT", on=date(2026, 1, 31)),
        deduction(1, "P-QUARREL", on=date(2026, 3, 20)),
        deduction(1, "P-QUARREL", on=date(2026, 4, 30)),
    ]
    result = score(records)[1]
    assert result.score == 0
    assert result.parts["retraining_date"] == date(2026, 1, 31)


def test_retraining_with_only_at_or_below_has_no_violations_trigger():
    scheme = {**SCHEME, "retraining": {"at_or_below": 0}}
    records = [deduction(1, "P-LATE", 3, on=date(2026, 7, 7))]  # 3 violations, balance 7
    assert score(records, scheme=scheme)[1].parts["retraining_date"] is None


def test_retraining_with_only_violations_has_no_balance_trigger():
    # five quarrels 36+ days apart: balance −3, never 3 within 30 days
    scheme = {**SCHEME, "retraining": {"violations": 3, "window_days": 30}}
    days = [date(2026, m, 5) for m in (1, 3, 5, 7, 9)]
    result = score([deduction(1, "P-QUARREL", on=day) for day in days], scheme=scheme)[1]
    assert result.score == -3
    assert result.parts["retraining_date"] is None


def test_without_retraining_block_no_flag():
    records = [deduction(1, "P-LATE", 3, on=date(2026, 7, 7))]
    assert score(records, scheme=without("retraining"))[1].parts["retraining_date"] is None


# --- manager liability (管理责任连带) ---------------------------------------------------------

HEAD, TOP = person(10), person(20, BRANCH)


def test_management_fault_head_takes_the_full_points_and_fine():
    quarrel = deduction(1, "P-QUARREL", on=date(2026, 4, 1), responsibility=MANAGEMENT)
    results = score([quarrel], people=(person(1), HEAD), units=UNITS)
    head = results[10]
    assert (head.score, head.parts["fines"]) == (9, 300)  # 12 − 3 × 1.0
    assert results[1].score == 9  # the offender keeps their own deduction
    (effect,) = head.effects
    assert (effect.record_id, effect.derived_from, effect.points) == (None, quarrel.id, -3)
    assert "管理责任连带" in effect.label
    assert head.parts["derived"] == [
        {
            "record_id": quarrel.id,
            "staff_id": 1,
            "date": date(2026, 4, 1),
            "code": "P-QUARREL",
            "responsibility": MANAGEMENT,
            "points": d(3),
            "fine": d(300),
        }
    ]


def test_staff_fault_head_takes_half():
    # staff fault is the default: 3 × 0.5 = 1.5 points, 300 × 0.5 = 150 fine
    records = [deduction(1, "P-QUARREL", on=date(2026, 4, 1))]
    head = score(records, people=(person(1), HEAD), units=UNITS)[10]
    assert (head.score, head.parts["fines"]) == (d("10.5"), 150)


def test_liability_follows_the_repeat_doubling():
    # offender: P-LATE 1 Apr (1) and 5 Apr (repeat, 2); head at 0.5: 0.5 then 1 → 10.5
    records = [
        deduction(1, "P-LATE", on=date(2026, 4, 1)),
        deduction(1, "P-LATE", on=date(2026, 4, 5)),
    ]
    head = score(records, people=(person(1), HEAD), units=UNITS)[10]
    assert [e.points for e in head.effects] == [d("-0.5"), -1]
    assert [e.derived_from for e in head.effects] == [r.id for r in records]
    assert head.score == d("10.5")


def test_liability_of_a_record_with_count_takes_all_its_occurrences():
    # P-LATE × 2, management: offender 1 + 2 = 3 → head 3 × 1.0, one derived line
    records = [deduction(1, "P-LATE", 2, on=date(2026, 4, 1), responsibility=MANAGEMENT)]
    head = score(records, people=(person(1), HEAD), units=UNITS)[10]
    assert [e.points for e in head.effects] == [-3]


def test_derived_deductions_are_not_doubled_as_the_heads_repeats():
    # staff 1 and 2 each P-LATE (management) within days: head gets 1 and 1, not 1 and 2;
    # the head's own P-LATE right after is a first occurrence: −1, not −2
    records = [
        deduction(1, "P-LATE", on=date(2026, 4, 1), responsibility=MANAGEMENT),
        deduction(2, "P-LATE", on=date(2026, 4, 2), responsibility=MANAGEMENT),
        deduction(10, "P-LATE", on=date(2026, 4, 3)),
    ]
    head = score(records, people=(person(1), person(2), HEAD), units=UNITS)[10]
    assert [e.points for e in head.effects] == [-1, -1, -1]
    assert head.score == 9


def test_derived_deductions_are_not_the_heads_violations():
    # head: two own violations + one derived within 30 days → no 3-in-30 flag
    records = [
        deduction(10, "P-LATE", on=date(2026, 4, 1)),
        deduction(10, "P-TABOO", on=date(2026, 4, 2)),
        deduction(1, "P-CHAT", on=date(2026, 4, 3), responsibility=MANAGEMENT),
    ]
    head = score(records, people=(person(1), HEAD), units=UNITS)[10]
    assert head.score == 8  # 12 − 1 − 1 − 2
    assert head.parts["retraining_date"] is None


def test_derived_deductions_count_towards_the_heads_balance_trigger():
    # head at 3 after own quarrels (36+ days apart); staff quarrel on 30 Apr, management → 0
    own = [date(2026, 1, 5), date(2026, 2, 10), date(2026, 3, 20)]
    records = [deduction(10, "P-QUARREL", on=day) for day in own]
    records.append(deduction(1, "P-QUARREL", on=date(2026, 4, 30), responsibility=MANAGEMENT))
    head = score(records, people=(person(1), HEAD), units=UNITS)[10]
    assert head.score == 0
    assert head.parts["retraining_date"] == date(2026, 4, 30)


def test_liability_walks_up_when_the_offender_heads_the_unit():
    # staff 10 heads 营业室: the head of 一支行 (20) takes it
    quarrel = deduction(10, "P-QUARREL", on=date(2026, 4, 1), responsibility=MANAGEMENT)
    results = score([quarrel], people=(HEAD, TOP), units=UNITS)
    assert (results[10].score, results[20].score) == (9, 9)
    assert results[20].effects[0].derived_from == quarrel.id


def test_liability_walks_up_when_the_unit_has_no_head():
    units = {BRANCH: Unit(BRANCH, 20), COUNTER: Unit(COUNTER, None)}
    records = [deduction(1, "P-QUARREL", on=date(2026, 4, 1))]
    results = score(records, people=(person(1), TOP), units=units)
    assert results[20].score == d("10.5")


def test_liability_walks_up_past_a_unit_missing_from_units():
    records = [deduction(1, "P-QUARREL", on=date(2026, 4, 1))]
    results = score(records, people=(person(1), TOP), units={BRANCH: Unit(BRANCH, 20)})
    assert results[20].score == d("10.5")


def test_no_head_anywhere_no_liability():
    records = [deduction(1, "P-QUARREL", on=date(2026, 4, 1))]
    results = score(records, people=(person(1), TOP), units={BRANCH: Unit(BRANCH)})
    assert results[20].score == 12


def test_head_not_taking_part_drops_the_derived_deduction_without_passing_it_up():
    # head 10 is not a participant: nobody gets the derived line, not even the next head up
    records = [deduction(1, "P-QUARREL", on=date(2026, 4, 1))]
    results = score(records, people=(person(1), TOP), units=UNITS)
    assert results[20].score == 12
    assert results[1].score == 9
    assert all(e.derived_from is None for r in results.values() for e in r.effects)


def test_history_records_give_the_head_nothing():
    records = [deduction(1, "P-QUARREL", on=date(2025, 12, 30))]
    assert score(records, people=(person(1), HEAD), units=UNITS)[10].score == 12


def test_without_manager_liability_block_heads_take_nothing():
    records = [deduction(1, "P-QUARREL", on=date(2026, 4, 1), responsibility=MANAGEMENT)]
    scheme = without("manager_liability")
    assert score(records, people=(person(1), HEAD), scheme=scheme, units=UNITS)[10].score == 12


# --- fines and rewards -------------------------------------------------------------------------


def test_fines_and_rewards_are_summed():
    # fines: P-LATE 100 + repeat 200 + P-CHAT 200 = 500; rewards: P-STAR 100 + CITY (none) 0
    records = [
        deduction(1, "P-LATE", on=date(2026, 2, 1)),
        deduction(1, "P-LATE", on=date(2026, 2, 11)),
        deduction(1, "P-CHAT", on=date(2026, 6, 1)),
        bonus(1, "P-STAR", on=date(2026, 7, 1)),
        bonus(1, "P-PRAISE-CITY", on=date(2026, 8, 1)),
    ]
    parts = score(records)[1].parts
    assert (parts["fines"], parts["rewards"]) == (500, 100)


# --- grade caps (最高可评等级) -------------------------------------------------------------

MARCH_1 = date(2026, 3, 1)


def capped(base, valid: int, invalid: int = 0, levels=("网点",)) -> str | None:
    scheme = copy.deepcopy(SCHEME)
    scheme["base"] = base
    records = [complaint(1, level=levels[i % len(levels)], on=MARCH_1) for i in range(valid)]
    records += [complaint(1, valid=False, on=MARCH_1) for _ in range(invalid)]
    return score(records, scheme=scheme)[1].parts["grade_cap"]


@pytest.mark.parametrize(
    ("points", "complaints", "cap"),
    [
        (5, 4, "D"),  # below 6 and above 3
        (d("5.5"), 4, "D"),
        (6, 4, "C"),  # strict D rule: exactly 6 is not below 6 → C (≤ 6, ≥ 3)
        (5, 3, "C"),  # exactly 3 is not above 3 → C
        (6, 3, "C"),
        (7, 3, "B"),  # ≤ 8 and ≥ 2
        (8, 2, "B"),
        (9, 2, "B"),  # ≤ 10 and ≥ 1
        (10, 1, "B"),
        (11, 5, None),  # above 10: no rule holds
        (10, 0, None),  # no complaint
        (2, 0, None),
    ],
)
def test_grade_caps(points, complaints, cap):
    assert capped(points, complaints) == cap


def test_grade_cap_counts_complaints_unweighted_by_level_and_only_valid():
    # 4 valid complaints of levels 网点/分行/媒体 count 4, not their weights; 5 invalid count 0
    assert capped(5, 4, invalid=5, levels=("网点", "分行", "媒体")) == "D"
    assert capped(5, 0, invalid=5) is None


def test_grade_cap_uses_only_the_periods_complaints():
    records = [complaint(1, on=date(2025, 12, 1)) for _ in range(3)]
    assert score(records)[1].parts["grade_cap"] is None


def test_grade_cap_from_the_balance_after_deductions():
    # 12 − 3 − 3 (two quarrels 40 days apart) = 6, 2 complaints → B (≤ 8, ≥ 2)
    records = [
        deduction(1, "P-QUARREL", on=date(2026, 2, 1)),
        deduction(1, "P-QUARREL", on=date(2026, 3, 13)),
        complaint(1, on=date(2026, 4, 1)),
        complaint(1, on=date(2026, 4, 2)),
    ]
    result = score(records)[1]
    assert (result.score, result.parts["grade_cap"]) == (6, "B")


def test_no_grade_caps_no_cap():
    records = [complaint(1, on=date(2026, 3, 1)) for _ in range(9)]
    assert score(records, scheme=without("grade_caps"))[1].parts["grade_cap"] is None


# --- end to end through compute_period -----------------------------------------------------


def test_compute_period_ranks_balances_with_derived_deductions():
    # staff 1: P-LATE (staff fault) → 11; head 10: 0.5 of it → 11.5; staff 2: an unknown code
    # does not count → 12
    records = [
        deduction(1, "P-LATE", on=date(2026, 5, 5)),
        deduction(2, "X-UNKNOWN", on=date(2026, 5, 5)),
    ]
    year = inputs(SCHEME, (person(1), person(2), HEAD), records, period=YEAR, units=UNITS)
    outcome = compute_period(year)
    assert [(r.staff_id, r.rank, r.score) for r in outcome.results] == [
        (2, 1, 12),
        (10, 2, d("11.5")),
        (1, 3, 11),
    ]
    assert outcome.results[0].effects == []
