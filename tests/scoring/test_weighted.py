"""Method ``weighted`` — 神秘人暗访 40% + 非现场监控 40% + 现场明查 20% − complaints + bonus,
and the review 70% / public vote 30% variant."""

from datetime import date

import pytest

from scoring.engine import compute_period
from scoring.engine.types import FLAG_NO_DATA, ParticipantResult
from scoring.engine.weighted import source_weights, weight_percentages
from tests.scoring.builders import (
    bonus,
    complaint,
    d,
    inputs,
    metric,
    participant,
    rating,
    scheme,
    score,
)

SOURCES = [
    {"code": "MYSTERY", "name": "神秘人暗访", "weight": 40},
    {"code": "REMOTE", "name": "非现场监控检查", "weight": 40},
    {"code": "ONSITE", "name": "现场明查", "weight": 20},
]
VOTE_SOURCES = [
    {"code": "REVIEW", "name": "资格条件评审", "weight": 70},
    {"code": "VOTES", "name": "公开投票", "weight": 30, "from": "votes"},
]


def plan(**fields) -> dict:
    fields.setdefault("sources", SOURCES)
    return scheme("weighted", **fields)


def result_of(records, **fields) -> ParticipantResult:
    return compute_period(inputs(plan(**fields), [participant(1)], records)).results[0]


def three(mystery=90, remote=80, onsite=70) -> list:
    found = [("MYSTERY", mystery), ("REMOTE", remote), ("ONSITE", onsite)]
    return [score(1, code, value) for code, value in found if value is not None]


# --- sources ----------------------------------------------------------------------------------


def test_weighted_sum_of_source_scores():
    # 90 × 40% + 80 × 40% + 70 × 20% = 36 + 32 + 14 = 82.
    result = result_of(three())
    assert result.score == d(82)
    assert result.parts == {
        "sources": {"MYSTERY": d(90), "REMOTE": d(80), "ONSITE": d(70)},
        "complaints": d(0),
        "bonus": d(0),
    }


def test_a_source_score_is_the_mean_of_its_score_records_in_the_period():
    # MYSTERY 85 and 90 → 87.5; a September 0 is only history.
    records = [
        score(1, "MYSTERY", 85),
        score(1, "MYSTERY", 90),
        score(1, "MYSTERY", 0, on=date(2026, 9, 30)),
        *three(mystery=None),
    ]
    result = result_of(records)
    assert result.parts["sources"]["MYSTERY"] == d("87.5")
    assert result.score == d(81)  # 35 + 32 + 14


# --- missing sources ------------------------------------------------------------------------------


def test_equal_split_one_source_missing_gives_the_other_two_50_percent_each():
    # "另外两项检查方式占比分别调整至50%": MYSTERY 90, ONSITE 60 → 45 + 30 = 75.
    result = result_of(three(remote=None, onsite=60), missing="equal_split")
    assert result.score == d(75)
    assert result.parts["sources"]["REMOTE"] is None


def test_equal_split_two_sources_missing_gives_the_last_100_percent():
    assert result_of(three(mystery=None, remote=None), missing="equal_split").score == d(70)


def test_equal_split_with_every_source_present_keeps_the_configured_weights():
    assert result_of(three(), missing="equal_split").score == d(82)


def test_proportional_scales_the_present_weights_to_100():
    # MYSTERY 40 and ONSITE 20 → 66.67% and 33.33%: 90 × 2/3 + 60 × 1/3 = 80.
    assert result_of(three(remote=None, onsite=60), missing="proportional").score == d(80)


def test_zero_counts_a_missing_source_as_0():
    # 90 × 40% + 0 × 40% + 60 × 20% = 48.
    assert result_of(three(remote=None, onsite=60), missing="zero").score == d(48)


def test_weighted_missing_policy_defaults_to_equal_split():
    assert result_of(three(remote=None, onsite=60)).score == d(75)


@pytest.mark.parametrize("policy", ["equal_split", "proportional", "zero"])
def test_no_source_present_scores_0_and_flags_no_data(policy):
    result = result_of([rating(1, "满意")], missing=policy)
    assert result.score == d(0)
    assert result.flags == [FLAG_NO_DATA]


def test_weighted_no_source_present_scores_zero_sources_but_keeps_bonus():
    bonus_items = [{"code": "B-AWARD", "name": "外部评优", "add": 2}]
    result = result_of([bonus(1, "B-AWARD")], bonus_items=bonus_items)
    assert (result.score, result.flags) == (d(2), [FLAG_NO_DATA])


def test_equal_split_thirds_stay_exact():
    # Four sources, one missing: thirds of 85 + 85 + 85.015 = 85.005 exactly → 85.01 half-up.
    sources = [*SOURCES, {"code": "EXTRA", "name": "其他", "weight": 0}]
    records = three(mystery=85, remote=85, onsite="85.015")
    result = result_of(records, sources=sources, missing="equal_split")
    assert (result.raw_score, result.score) == (d("85.005"), d("85.01"))


def test_source_weights_and_percentages():
    weights, divisor = source_weights(SOURCES, {"MYSTERY", "ONSITE"}, "proportional")
    assert weights == {"MYSTERY": d(40), "ONSITE": d(20)}
    assert divisor == d(60)
    assert weight_percentages({"A": d(1), "B": d(1)}, d(2)) == {"A": d(50), "B": d(50)}


def test_unknown_missing_policy_is_rejected():
    with pytest.raises(ValueError, match="unknown missing policy"):
        source_weights(SOURCES, set(), "guess")


# --- complaints and bonus -----------------------------------------------------------------------


def test_complaints_deduct_per_valid_complaint():
    # 82 − 2 valid × 5 = 72; the invalid one does not count.
    records = [*three(), complaint(1), complaint(1), complaint(1, valid=False)]
    result = result_of(records, complaints={"deduct_per_valid": 5})
    assert (result.score, result.parts["complaints"]) == (d(72), d(10))


def test_complaint_levels_in_weighted():
    # 82 − (分行 5 + 媒体 10 + unlisted 街道 at 2) = 65.
    complaints = {"deduct_per_valid": 2, "levels": {"网点": 2, "分行": 5, "媒体": 10}}
    records = [
        *three(),
        complaint(1, level="分行"),
        complaint(1, level="媒体"),
        complaint(1, level="街道"),
    ]
    assert result_of(records, complaints=complaints).score == d(65)


def test_bonus_may_lift_the_score_above_100():
    bonus_items = [{"code": "B-AWARD", "name": "外部评优", "add": 2}]
    records = [*three(100, 100, 100), bonus(1, "B-AWARD")]
    result = result_of(records, bonus_items=bonus_items)
    assert (result.score, result.parts["bonus"]) == (d(102), d(2))


def test_score_is_never_below_0():
    # 10 − 3 × 5 = −5 → 0.
    records = [*three(10, 10, 10), complaint(1), complaint(1), complaint(1)]
    result = result_of(records, complaints={"deduct_per_valid": 5})
    assert (result.raw_score, result.score) == (d(0), d(0))
    assert result.effects[-1].points == d(5)


# --- votes ----------------------------------------------------------------------------------------


def test_votes_are_normalised_per_position():
    # 柜员: top 150 (two records 100 + 50). 大堂经理: top 40.
    # 1: 80 × 70% + 150/150 × 100 × 30% = 56 + 30 = 86
    # 2: 90 × 70% + 120/150 × 100 × 30% = 63 + 24 = 87
    # 3: 70 × 70% + 40/40 × 100 × 30% = 49 + 30 = 79
    # 4: 70 × 70% + 10/40 × 100 × 30% = 49 + 7.5 = 56.5
    people = [
        participant(1, position="柜员"),
        participant(2, position="柜员"),
        participant(3, position="大堂经理"),
        participant(4, position="大堂经理"),
    ]
    records = [
        score(1, "REVIEW", 80),
        metric(1, "VOTES", 100),
        metric(1, "VOTES", 50),
        score(2, "REVIEW", 90),
        metric(2, "VOTES", 120),
        score(3, "REVIEW", 70),
        metric(3, "VOTES", 40),
        score(4, "REVIEW", 70),
        metric(4, "VOTES", 10),
    ]
    outcome = compute_period(inputs(plan(sources=VOTE_SOURCES), people, records))
    scores = {r.staff_id: r.score for r in outcome.results}
    assert scores == {1: d(86), 2: d(87), 3: d(79), 4: d("56.5")}
    votes_of_4 = next(r for r in outcome.results if r.staff_id == 4).parts["sources"]["VOTES"]
    assert votes_of_4 == d(25)


def test_votes_without_records_count_as_zero_votes_when_position_has_votes():
    # 2 has no vote records while 1 has 50: 2's votes score 0 (present), not missing.
    people = [participant(1), participant(2)]
    records = [score(1, "REVIEW", 80), metric(1, "VOTES", 50), score(2, "REVIEW", 100)]
    outcome = compute_period(inputs(plan(sources=VOTE_SOURCES), people, records))
    result = next(r for r in outcome.results if r.staff_id == 2)
    assert result.parts["sources"]["VOTES"] == d(0)
    assert result.score == d(70)


def test_votes_are_missing_when_the_highest_total_of_the_position_is_0():
    # Nobody of the position has a vote: VOTES is missing, equal_split gives REVIEW 100%.
    people = [participant(1), participant(2)]
    records = [score(1, "REVIEW", 80), metric(1, "VOTES", 0), score(2, "REVIEW", 90)]
    outcome = compute_period(inputs(plan(sources=VOTE_SOURCES), people, records))
    first = next(r for r in outcome.results if r.staff_id == 1)
    assert first.parts["sources"]["VOTES"] is None
    assert first.score == d(80)


# --- effects and rounding -------------------------------------------------------------------------


def test_effects_carry_each_records_share_and_a_line_per_vote_source():
    people = [participant(1), participant(2)]
    records = [
        score(1, "REVIEW", 80),
        score(1, "REVIEW", 90),
        metric(1, "VOTES", 30),
        metric(2, "VOTES", 60),
        rating(1, "满意"),
    ]
    outcome = compute_period(inputs(plan(sources=VOTE_SOURCES), people, records))
    result = next(r for r in outcome.results if r.staff_id == 1)
    # REVIEW mean 85 × 70% = 59.5 as 80 × 0.35 + 90 × 0.35; votes 30/60 → 50 × 30% = 15.
    assert [(e.record_id, e.points, e.note) for e in result.effects] == [
        (records[0].id, d(28), "权重70.00%"),
        (records[1].id, d("31.5"), "权重70.00%"),
        (records[2].id, d(0), "计入票数"),
        (records[4].id, d(0), ""),
        (None, d(15), "30票÷本岗位最高60票×100=50.00，权重30.00%"),
    ]
    assert sum(e.points for e in result.effects) == result.score == d("74.5")


@pytest.mark.parametrize(("exact", "shown"), [("2.345", "2.35"), ("2.344", "2.34")])
def test_rounding_half_up(exact, shown):
    result = result_of([score(1, "MYSTERY", exact)], sources=[{**SOURCES[0], "weight": 100}])
    assert (result.raw_score, result.score) == (d(exact), d(shown))
