"""Properties of the engine over generated schemes and records (hypothesis)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import compute_period
from scoring.engine.numbers import round2
from scoring.engine.types import (
    BONUS,
    COMPLAINT,
    COMPLAINT_INVALID,
    COMPLAINT_VALID,
    DEDUCTION,
    METRIC,
    RATING,
    RATING_BASIC,
    RATING_SATISFIED,
    RATING_UNSATISFIED,
    SCORE,
    Inputs,
    Record,
)
from scoring.engine.weighted import source_weights, weight_percentages
from tests.scoring.builders import inputs, participant, scheme

STAFF = (1, 2, 3, 4)
SETTINGS = settings(max_examples=80, deadline=None)

decimals = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)
days = st.integers(1, 30).map(lambda day: date(2026, 11, day))


@st.composite
def deduction_categories(draw) -> list[dict]:
    categories = []
    for c in range(draw(st.integers(1, 4))):
        items = [
            {"code": f"C{c}-I{i}", "name": f"项{i}", "deduct": draw(st.integers(1, 6))}
            for i in range(draw(st.integers(0, 3)))
        ]
        items.append({"code": f"C{c}-R", "name": "区间项", "deduct": {"min": 1, "max": 5}})
        category = {
            "code": f"C{c}",
            "name": f"类{c}",
            "max": draw(st.integers(0, 40)),
            "items": items,
        }
        if draw(st.booleans()):
            category["indicators"] = [
                {
                    "code": f"C{c}-IND",
                    "name": "指标",
                    "metric": f"metric_{c}",
                    "target": 10,
                    "direction": draw(st.sampled_from(["at_least", "at_most"])),
                    "deduct_per_unit": draw(st.integers(1, 3)),
                    "unit": draw(st.sampled_from([1, "0.1"])),
                }
            ]
        if draw(st.booleans()):
            category["complaints"] = {
                "deduct_per_valid": draw(st.integers(1, 5)),
                "levels": {"媒体": 10},
            }
        if draw(st.booleans()):
            category["satisfaction"] = {"target_rate": 90, "deduct_per_point": 2}
        categories.append(category)
    return categories


@st.composite
def deduction_record(draw, record_id: int, categories: list[dict]) -> Record:
    items = [item for category in categories for item in category["items"]]
    metrics = [i["metric"] for c in categories for i in c.get("indicators", ())]
    kind = draw(st.sampled_from([DEDUCTION, DEDUCTION, METRIC, RATING, COMPLAINT, BONUS]))
    if kind == DEDUCTION:
        item = draw(st.sampled_from(items))
        ranged = isinstance(item["deduct"], dict)
        value = draw(st.decimals(1, 5, places=2) if ranged else st.integers(0, 5).map(Decimal))
        code = item["code"]
    elif kind == METRIC and metrics:
        code, value = draw(st.sampled_from(metrics)), draw(st.decimals(0, 20, places=2))
    elif kind == RATING:
        code = draw(st.sampled_from([RATING_SATISFIED, RATING_BASIC, RATING_UNSATISFIED]))
        value = Decimal(draw(st.integers(0, 10)))
    elif kind == COMPLAINT:
        code, value = draw(st.sampled_from([COMPLAINT_VALID, COMPLAINT_INVALID])), None
    else:
        kind, code, value = BONUS, "B-01", draw(st.sampled_from([None, Decimal(2)]))
    return Record(
        id=record_id,
        staff_id=draw(st.sampled_from(STAFF)),
        date=draw(days),
        kind=kind,
        code=code,
        value=value,
        batch=draw(st.sampled_from(["", "", "A", "B"])),
        level=draw(st.sampled_from(["", "媒体"])),
    )


@st.composite
def deduction_inputs(draw) -> Inputs:
    categories = draw(deduction_categories())
    plan = scheme(
        "deduction",
        categories=categories,
        bonus_items=[{"code": "B-01", "name": "表扬信", "add": draw(st.integers(1, 5))}],
        aggregation=draw(st.sampled_from(["sum", "per_inspection_average"])),
    )
    count = draw(st.integers(0, 25))
    records = [draw(deduction_record(i + 1, categories)) for i in range(count)]
    return inputs(plan, [participant(sid) for sid in STAFF], records)


@st.composite
def weighted_inputs(draw) -> Inputs:
    sources = [
        {"code": f"S{i}", "name": f"来源{i}", "weight": draw(st.integers(1, 60))}
        for i in range(draw(st.integers(1, 4)))
    ]
    if draw(st.booleans()):
        sources.append({"code": "VOTES", "name": "投票", "weight": 20, "from": "votes"})
    plan = scheme(
        "weighted",
        sources=sources,
        missing=draw(st.sampled_from(["equal_split", "proportional", "zero"])),
        complaints={"deduct_per_valid": 2},
    )
    records = []
    for record_id in range(1, draw(st.integers(0, 20)) + 1):
        source = draw(st.sampled_from(sources))
        vote = source.get("from") == "votes"
        kind = draw(st.sampled_from([METRIC if vote else SCORE, COMPLAINT]))
        records.append(
            Record(
                id=record_id,
                staff_id=draw(st.sampled_from(STAFF)),
                date=draw(days),
                kind=kind,
                code=COMPLAINT_VALID if kind == COMPLAINT else source["code"],
                value=None if kind == COMPLAINT else draw(decimals),
            )
        )
    positions = st.sampled_from(["柜员", "大堂经理"])
    people = [participant(sid, position=draw(positions)) for sid in STAFF]
    return inputs(plan, people, records)


any_inputs = st.one_of(deduction_inputs(), weighted_inputs())


@SETTINGS
@given(deduction_inputs())
def test_category_scores_stay_within_0_and_max(case):
    maxes = {c["code"]: Decimal(c["max"]) for c in case.scheme["categories"]}
    for result in compute_period(case).results:
        for code, value in result.parts["categories"].items():
            assert 0 <= value <= maxes[code]


@SETTINGS
@given(deduction_inputs())
def test_deduction_total_never_exceeds_full_marks(case):
    full_marks = sum(Decimal(c["max"]) for c in case.scheme["categories"])
    for result in compute_period(case).results:
        assert 0 <= result.raw_score <= full_marks
        assert result.score == round2(result.raw_score)


@SETTINGS
@given(deduction_inputs())
def test_deduction_effects_explain_the_score(case):
    # full marks + Σ effects = score, up to each line's own rounding (≤ 0.005 a line).
    full_marks = sum(Decimal(c["max"]) for c in case.scheme["categories"])
    for result in compute_period(case).results:
        gap = abs(full_marks + sum(e.points for e in result.effects) - result.raw_score)
        assert gap <= Decimal("0.005") * len(result.effects)


@SETTINGS
@given(
    weights=st.lists(st.integers(1, 100), min_size=1, max_size=6),
    policy=st.sampled_from(["equal_split", "proportional"]),
    data=st.data(),
)
def test_equal_split_and_proportional_weights_sum_to_100(weights, policy, data):
    sources = [{"code": f"S{i}", "name": "来源", "weight": w} for i, w in enumerate(weights)]
    codes = [s["code"] for s in sources]
    present = set(data.draw(st.lists(st.sampled_from(codes), min_size=1, unique=True)))
    percentages = weight_percentages(*source_weights(sources, present, policy))
    assert set(percentages) == present
    assert abs(sum(percentages.values()) - 100) < Decimal("1e-20")


@SETTINGS
@given(any_inputs)
def test_ranks_are_consistent_with_rounded_scores(case):
    results = compute_period(case).results
    employee_no = {p.staff_id: p.employee_no for p in case.participants}
    assert [(-r.score, employee_no[r.staff_id]) for r in results] == sorted(
        (-r.score, employee_no[r.staff_id]) for r in results
    )
    for result in results:
        assert result.rank == 1 + sum(other.score > result.score for other in results)


@SETTINGS
@given(any_inputs)
def test_veto_and_eligibility_never_change_a_score(case):
    judged = {
        **case.scheme,
        "veto": [{"complaint": "valid"}, {"rating": "basic"}, {"deduction": "any"}],
        "eligibility": {"min_tenure_years": 10, "certificates": ["上岗证"]},
    }
    plain = {r.staff_id: r for r in compute_period(case).results}
    for result in compute_period(replace(case, scheme=judged)).results:
        before = plain[result.staff_id]
        assert result.ineligible
        assert (result.score, result.raw_score, result.parts, result.effects, result.rank) == (
            before.score,
            before.raw_score,
            before.parts,
            before.effects,
            before.rank,
        )


@SETTINGS
@given(case=any_inputs, data=st.data())
def test_record_order_does_not_change_results(case, data):
    shuffled = data.draw(st.permutations(case.records))
    assert compute_period(replace(case, records=tuple(shuffled))) == compute_period(case)
