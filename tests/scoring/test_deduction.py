"""Method ``deduction`` — 百分制扣分. The scheme is the SCHEMES.md example: STD (20, items),
UP (30, indicators), CMP (20, complaints), SAT (30, satisfaction) and bonus B-01 (+1)."""

from datetime import date

import pytest

from scoring.engine import compute_period
from scoring.engine.types import (
    FLAG_MISSING_DATA,
    FLAG_NO_INSPECTIONS,
    FLAG_NO_RATINGS,
    ParticipantResult,
)
from tests.scoring.builders import (
    bonus,
    complaint,
    d,
    deduction,
    inputs,
    metric,
    participant,
    rating,
    scheme,
)

STD = {
    "code": "STD",
    "name": "标准服务",
    "max": 20,
    "items": [
        {"code": "STD-01", "name": "卷烟陈列不整齐", "deduct": 1},
        {"code": "STD-02", "name": "库存记录缺失", "deduct": 2},
        {"code": "STD-03", "name": "服务忌语", "deduct": {"min": 2, "max": 5}},
    ],
}
UP = {
    "code": "UP",
    "name": "提升服务",
    "max": 30,
    "indicators": [
        {
            "code": "UP-01",
            "name": "平均经营毛利率",
            "metric": "margin_rate",
            "target": 10,
            "direction": "at_least",
            "deduct_per_unit": 2,
        },
        {
            "code": "UP-02",
            "name": "存销比",
            "metric": "stock_ratio",
            "target": 1.2,
            "direction": "at_most",
            "deduct_per_unit": 2,
            "unit": 0.1,
        },
    ],
}
CMP = {"code": "CMP", "name": "客户投诉", "max": 20, "complaints": {"deduct_per_valid": 2}}
SAT = {
    "code": "SAT",
    "name": "满意度",
    "max": 30,
    "satisfaction": {"target_rate": 90, "deduct_per_point": 2},
}
BONUS_ITEMS = [{"code": "B-01", "name": "表扬信", "add": 1}]


def plan(*categories: dict, **fields) -> dict:
    fields.setdefault("bonus_items", BONUS_ITEMS)
    return scheme("deduction", categories=list(categories or (STD, UP, CMP, SAT)), **fields)


def result_of(records, *, scheme_: dict | None = None) -> ParticipantResult:
    outcome = compute_period(inputs(scheme_ or plan(), [participant(1)], records))
    return outcome.results[0]


def on_target(*records):
    """The records plus indicator values and ratings that keep UP and SAT whole."""
    return [*records, metric(1, "margin_rate", 12), metric(1, "stock_ratio", 1), rating(1, "满意")]


def categories(result: ParticipantResult) -> dict:
    return result.parts["categories"]


# --- items ---


def test_a_fixed_item_deducts_deduct_times_count():
    # STD-01 ×3 at 1 point and STD-02 ×1 at 2 points → STD 20 − 5 = 15.
    result = result_of(on_target(deduction(1, "STD-01", 3), deduction(1, "STD-02")))
    assert categories(result)["STD"] == d(15)
    assert result.score == d(95)


@pytest.mark.parametrize("points", ["2", "3.5", "5"])
def test_a_range_item_takes_the_records_value_as_points(points):
    result = result_of(on_target(deduction(1, "STD-03", points)))
    assert categories(result)["STD"] == d(20) - d(points)


@pytest.mark.parametrize("points", ["1.99", "6", None])
def test_a_range_item_value_outside_the_range_is_an_error(points):
    bad = deduction(1, "STD-03", points)
    with pytest.raises(ValueError, match=f"record {bad.id}: item STD-03 .* outside that range"):
        result_of([bad])


def test_category_is_floored_at_zero():
    # STD-02 ×13 = 26 points off a max of 20 → STD 0 ("扣完为止"), not −6.
    result = result_of(on_target(deduction(1, "STD-02", 13)))
    assert categories(result)["STD"] == d(0)
    assert result.score == d(80)
    floor_line = next(e for e in result.effects if e.note == "扣完为止")
    assert (floor_line.code, floor_line.points) == ("STD", d(6))


def test_bonus_adds_below_full_marks():
    # 97 after 3 points off, +1 表扬信 → 98.
    result = result_of(on_target(deduction(1, "STD-01", 3), bonus(1, "B-01")))
    assert result.score == d(98)
    assert result.parts["bonus"] == d(1)


def test_total_is_capped_at_the_sum_of_category_maxes():
    # Nothing off, +2 表扬信 → 100, not 102.
    result = result_of(on_target(bonus(1, "B-01", 2)))
    assert result.score == d(100)
    assert result.parts["bonus"] == d(2)
    cap = next(e for e in result.effects if e.label == "满分封顶")
    assert cap.points == d(-2)


# --- indicators ---


def test_indicator_at_least_deducts_in_proportion():
    # margin 8.5 vs target 10 at 2/point → 1.5 × 2 = 3 points off → UP 27.
    result = result_of([metric(1, "margin_rate", "8.5"), metric(1, "stock_ratio", 1)])
    assert categories(result)["UP"] == d(27)
    line = next(e for e in result.effects if e.code == "UP-01")
    assert (line.record_id, line.value, line.points) == (None, d("8.5"), d(-3))


def test_indicator_at_most_with_unit_0_1():
    # stock ratio 1.35 vs at most 1.2: 0.15 over = 1.5 units of 0.1 × 2 → 3 off → UP 27.
    result = result_of([metric(1, "margin_rate", 12), metric(1, "stock_ratio", "1.35")])
    assert categories(result)["UP"] == d(27)


def test_indicator_met_deducts_nothing():
    result = result_of([metric(1, "margin_rate", 10), metric(1, "stock_ratio", "1.2")])
    assert categories(result)["UP"] == d(30)


def test_indicator_uses_the_mean_of_the_periods_values():
    # margin 8 and 9 → mean 8.5 → 3 off; a September value is only history.
    result = result_of(
        [
            metric(1, "margin_rate", 8),
            metric(1, "margin_rate", 9),
            metric(1, "margin_rate", 0, on=date(2026, 9, 30)),
            metric(1, "stock_ratio", 1),
        ]
    )
    assert categories(result)["UP"] == d(27)


def test_indicator_may_say_aggregate_last():
    up = {**UP, "indicators": [{**UP["indicators"][0], "aggregate": "last"}]}
    records = [
        metric(1, "margin_rate", 5, on=date(2026, 11, 1)),
        metric(1, "margin_rate", 10, on=date(2026, 11, 30)),
    ]
    assert categories(result_of(records, scheme_=plan(up)))["UP"] == d(30)


def test_indicator_without_a_value_deducts_nothing_and_flags_missing_data():
    result = result_of([metric(1, "margin_rate", 12), rating(1, "满意")])
    assert categories(result)["UP"] == d(30)
    assert result.flags == [FLAG_MISSING_DATA]


# --- complaints ---


def test_complaints_deduct_per_valid_complaint():
    # 3 valid × 2 = 6 → CMP 14; the invalid one and October's do not count.
    records = [
        complaint(1),
        complaint(1),
        complaint(1),
        complaint(1, valid=False),
        complaint(1, on=date(2026, 10, 31)),
    ]
    assert categories(result_of(on_target(*records)))["CMP"] == d(14)


def test_complaint_levels_deduct_their_own_points():
    # 网点 2 + 媒体 10 + unlisted level at deduct_per_valid 2 = 14 → CMP 6.
    cmp = {
        **CMP,
        "complaints": {"deduct_per_valid": 2, "levels": {"网点": 2, "分行": 5, "媒体": 10}},
    }
    records = [complaint(1, level="网点"), complaint(1, level="媒体"), complaint(1, level="街道")]
    result = result_of(records, scheme_=plan(cmp))
    assert categories(result)["CMP"] == d(6)
    assert [e.points for e in result.effects] == [d(-2), d(-10), d(-2)]


# --- satisfaction ---


def test_satisfaction_below_target_deducts_per_point():
    # 17 满意 of 20 ratings = 85%, 5 points under 90% at 2 → 10 off → SAT 20.
    records = [rating(1, "满意", 17), rating(1, "基本满意", 2), rating(1, "不满意")]
    result = result_of(records, scheme_=plan(SAT))
    assert categories(result)["SAT"] == d(20)
    line = next(e for e in result.effects if e.code == "SAT")
    assert (line.value, line.points) == (d(85), d(-10))


def test_satisfaction_at_or_above_target_deducts_nothing():
    records = [rating(1, "满意", 9), rating(1, "不满意")]  # 90%
    assert categories(result_of(records, scheme_=plan(SAT)))["SAT"] == d(30)


def test_satisfaction_of_two_thirds_keeps_the_exact_rate():
    # 2 of 3 = 66.67%: (90 − 66.666…) × 1 = 23.333… off 30 → 6.67.
    sat = {**SAT, "satisfaction": {"target_rate": 90, "deduct_per_point": 1}}
    records = [rating(1, "满意", 2), rating(1, "不满意")]
    result = result_of(records, scheme_=plan(sat))
    assert categories(result)["SAT"] == d("6.67")


def test_no_ratings_deducts_nothing_and_flags_no_ratings():
    result = result_of([], scheme_=plan(SAT))
    assert categories(result)["SAT"] == d(30)
    assert result.flags == [FLAG_NO_RATINGS]


# --- per-inspection average (按照抽查户数求平均数) ---


def inspected(*categories_: dict) -> dict:
    return plan(*(categories_ or (STD,)), aggregation="per_inspection_average")


def test_per_inspection_average_by_batch():
    # Batch A: 3 off → 17; batch B: a clean visit (count 0) → 20; batch C: 26 off → 0, not −6.
    # STD = (17 + 20 + 0) / 3 = 12.333… → 12.33.
    records = [
        deduction(1, "STD-01", 1, batch="A"),
        deduction(1, "STD-02", 1, batch="A"),
        deduction(1, "STD-01", 0, batch="B"),
        deduction(1, "STD-02", 13, batch="C"),
    ]
    result = result_of(records, scheme_=inspected())
    assert categories(result)["STD"] == d("12.33")
    line = next(e for e in result.effects if e.note == "按3次抽查平均")
    # Σ record lines −29, averaging line +21.33: 20 − 29 + 21.33 = 12.33.
    assert line.points == d("21.33")


def test_per_inspection_average_with_blank_batch_groups_by_date():
    # 11-03: 2 + 1 off in one visit → 17; 11-05: 1 off → 19; mean 18.
    records = [
        deduction(1, "STD-02", on=date(2026, 11, 3)),
        deduction(1, "STD-01", on=date(2026, 11, 3)),
        deduction(1, "STD-01", on=date(2026, 11, 5)),
    ]
    assert categories(result_of(records, scheme_=inspected()))["STD"] == d(18)


def test_per_inspection_average_batches_and_dates_mix():
    # Batch X spans two days (one visit, 2 off → 18); a blank-batch row on 11-03 is its own
    # visit (1 off → 19); mean 18.5.
    records = [
        deduction(1, "STD-01", on=date(2026, 11, 3), batch="X"),
        deduction(1, "STD-01", on=date(2026, 11, 4), batch="X"),
        deduction(1, "STD-01", on=date(2026, 11, 3)),
    ]
    assert categories(result_of(records, scheme_=inspected()))["STD"] == d("18.5")


def test_per_inspection_average_every_category_averages_over_all_inspections():
    # Visit A: STD 2 off; visit B: TIDY 4 off. STD = (18 + 20)/2 = 19; TIDY = (10 + 6)/2 = 8.
    tidy = {
        "code": "TIDY",
        "name": "整洁",
        "max": 10,
        "items": [{"code": "T-1", "name": "脏", "deduct": 4}],
    }
    records = [deduction(1, "STD-02", batch="A"), deduction(1, "T-1", batch="B")]
    result = result_of(records, scheme_=inspected(STD, tidy))
    assert categories(result) == {"STD": d(19), "TIDY": d(8)}


def test_per_inspection_average_applies_other_deductions_once_then_floors():
    # Items: visits 16 and 20 → 18; complaints 2 × 10 = 20 once → 18 − 20 → floored at 0.
    mixed = {**STD, "complaints": {"deduct_per_valid": 10}}
    records = [
        deduction(1, "STD-02", 2, batch="A"),
        deduction(1, "STD-01", 0, batch="B"),
        complaint(1),
        complaint(1),
    ]
    assert categories(result_of(records, scheme_=inspected(mixed)))["STD"] == d(0)


def test_per_inspection_average_adds_bonus_once():
    records = [
        deduction(1, "STD-02", batch="A"),
        deduction(1, "STD-02", batch="B"),
        bonus(1, "B-01"),
    ]
    result = result_of(records, scheme_=inspected())
    assert result.score == d(19)  # (18 + 18) / 2 + 1


def test_per_inspection_average_counts_inspections_from_item_deductions_only():
    # A rating and a complaint on other days are no visit: one inspection, STD 18 — not
    # (18 + 20 + 20) / 3.
    records = [
        deduction(1, "STD-02", on=date(2026, 11, 3)),
        rating(1, "满意", on=date(2026, 11, 4)),
        complaint(1, valid=False, on=date(2026, 11, 5)),
    ]
    assert categories(result_of(records, scheme_=inspected()))["STD"] == d(18)


def test_per_inspection_a_zero_count_item_deduction_records_a_clean_visit():
    # Visit A: 4 off → 16; visit B recorded as STD-01 with 数值 0 → 20. Mean 18, no 无抽查.
    records = [deduction(1, "STD-02", 2, batch="A"), deduction(1, "STD-01", 0, batch="B")]
    result = result_of(records, scheme_=inspected())
    assert categories(result)["STD"] == d(18)
    assert result.flags == []


def test_per_inspection_average_without_inspections_keeps_items_at_max_and_flags():
    result = result_of([], scheme_=inspected())
    assert categories(result)["STD"] == d(20)
    assert result.flags == [FLAG_NO_INSPECTIONS]


# --- the result as a whole ---


def test_every_rule_together_on_the_schemes_md_example():
    # STD: 1 + 2×2 = 5 off → 15. UP: margin 8.5 → 3 off; stock 1.35 → 3 off → 24.
    # CMP: 1 valid → 18. SAT: 17/20 = 85% → 10 off → 20. Bonus +1. Total 15+24+18+20+1 = 78.
    records = [
        deduction(1, "STD-01"),
        deduction(1, "STD-02", 2),
        metric(1, "margin_rate", "8.5"),
        metric(1, "stock_ratio", "1.35"),
        complaint(1),
        rating(1, "满意", 17),
        rating(1, "不满意", 3),
        bonus(1, "B-01"),
    ]
    result = result_of(records)
    assert result.parts == {
        "categories": {"STD": d(15), "UP": d(24), "CMP": d(18), "SAT": d(20)},
        "bonus": d(1),
    }
    assert (result.score, result.raw_score) == (d(78), d(78))


def test_one_effect_per_counting_record_then_computed_lines():
    records = [
        deduction(1, "STD-03", 4),
        metric(1, "margin_rate", 9),
        rating(1, "满意", 8),
        rating(1, "不满意", 2),
        complaint(1, valid=False),
        bonus(1, "B-01"),
    ]
    result = result_of(records)
    by_record = [(e.record_id, e.label, e.points) for e in result.effects if e.record_id]
    assert by_record == [
        (records[0].id, "服务忌语", d(-4)),
        (records[1].id, "平均经营毛利率", d(0)),
        (records[2].id, "满意", d(0)),
        (records[3].id, "不满意", d(0)),
        (records[4].id, "客户投诉", d(0)),
        (records[5].id, "表扬信", d(1)),
    ]
    computed = [(e.code, e.points) for e in result.effects if e.record_id is None]
    assert computed == [("UP-01", d(-2)), ("SAT", d(-20))]  # 1 point short ×2; 80% → 10 ×2
    assert d(100) + sum(e.points for e in result.effects) == result.score


def test_records_outside_the_period_do_not_score():
    records = on_target(deduction(1, "STD-02", on=date(2026, 10, 31)))
    assert result_of(records).score == d(100)


def test_rounding_is_half_up_on_the_exact_score():
    # margin 9.9925: 0.0075 short × 2 = 0.015 off → 99.985 → 99.99 (half-even would give 99.98).
    records = [metric(1, "margin_rate", "9.9925"), metric(1, "stock_ratio", 1), rating(1, "满意")]
    result = result_of(records)
    assert (result.raw_score, result.score) == (d("99.985"), d("99.99"))
