"""Method ``stars`` (SCHEMES.md "红星/绿星 weekly stars"): each rule with a worked example."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest
import yaml

from scoring.engine import compute_period, stars
from scoring.engine.common import counting_records
from scoring.engine.types import METRIC, Participant, ParticipantResult, Record
from tests.scoring.builders import (
    WEEK_47,
    bonus,
    complaint,
    d,
    deduction,
    inputs,
    metric,
    participant,
    warning,
)

MONDAY, TUESDAY, SUNDAY = date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 22)

SCHEME = {
    "code": "property-weekly-stars",
    "name": "客服部每周服务之星",
    "period": "weekly",
    "method": "stars",
    "applies_to": {"positions": ["客服员"]},
    "components": [
        {
            "code": "PATROL",
            "name": "日巡场记录",
            "type": "conduct",
            "full": 3,
            "warning_loss": [1, d("1.5"), 3],
            "on_deduction": {"red": 0, "green": 1},
            "items": [
                {"code": "PATROL-DRESS", "name": "仪容仪表不规范"},
                {"code": "PATROL-LATE", "name": "迟到早退"},
            ],
        },
        {
            "code": "CARD-FREE",
            "name": "购物免费办卡",
            "type": "ranked",
            "metric": "free_card_signups",
        },
        {"code": "EXAM", "name": "考试得分", "type": "ranked", "metric": "exam_score"},
        {"code": "TEAM", "name": "团结互助", "type": "manual", "bonus": True},
    ],
    "award": {"title": "本周服务之星", "winners": 1, "tie_break": ["fewer_green", "more_red"]},
    "promotion": {"title": "月度服务明星", "wins": 3, "within": "month", "prize": 100},
}


def clerk(staff_id: int) -> Participant:
    return participant(staff_id, unit_path="客服部", position="客服员")


def score_week(
    records: list[Record], staff_ids=(1,), scheme: dict | None = None
) -> dict[int, ParticipantResult]:
    week = inputs(scheme or SCHEME, [clerk(s) for s in staff_ids], records, period=WEEK_47)
    return stars.score_participants(week, counting_records(week))


def with_conduct(**changes) -> dict:
    scheme = copy.deepcopy(SCHEME)
    scheme["components"][0].update(changes)
    return scheme


def patrol(result: ParticipantResult) -> Decimal:
    return result.parts["components"]["PATROL"]


# --- conduct ----------------------------------------------------------------------------


def test_conduct_full_three_red_stars_without_warnings_or_deductions():
    result = score_week([])[1]
    assert patrol(result) == 3
    assert (result.parts["red"], result.parts["green"], result.score) == (3, 0, 3)


@pytest.mark.parametrize(
    ("warnings", "red"),
    [(1, d(2)), (2, d("1.5")), (3, d(0))],  # 3 − 1, 3 − 1.5, 3 − 3
)
def test_warning_escalation_loses_listed_stars(warnings, red):
    records = [warning(1, "PATROL", on=MONDAY) for _ in range(warnings)]
    assert patrol(score_week(records)[1]) == red


def test_more_warnings_than_listed_lose_the_last_entry():
    # full 5 so the clamp at 0 cannot hide the rule: 5 warnings → loss 3 (last entry) → 2
    records = [warning(1, "PATROL", on=MONDAY) for _ in range(5)]
    assert patrol(score_week(records, scheme=with_conduct(full=5))[1]) == 2


def test_record_value_is_its_warning_count():
    # one record with 数值 2 = two warnings → 3 − 1.5 = 1.5
    assert patrol(score_week([warning(1, "PATROL", 2, on=MONDAY)])[1]) == d("1.5")


def test_warnings_on_item_codes_count_for_their_component():
    records = [warning(1, "PATROL-LATE", on=MONDAY), warning(1, "PATROL-DRESS", on=TUESDAY)]
    assert patrol(score_week(records)[1]) == d("1.5")  # 2 warnings


def test_red_never_below_zero():
    # full 3, one warning loses 4 → max(0, −1) = 0
    scheme = with_conduct(warning_loss=[4])
    result = score_week([warning(1, "PATROL", on=MONDAY)], scheme=scheme)[1]
    assert patrol(result) == result.parts["red"] == 0


def test_deduction_gives_zero_red_and_one_green():
    result = score_week([deduction(1, "PATROL-LATE", on=MONDAY)])[1]
    assert (patrol(result), result.parts["green"], result.score) == (0, 1, -1)


def test_deductions_count_once_per_week_however_many():
    records = [
        deduction(1, "PATROL-LATE", 2, on=MONDAY),
        deduction(1, "PATROL-DRESS", on=TUESDAY),
        deduction(1, "PATROL", on=SUNDAY),
    ]
    result = score_week(records)[1]
    assert (result.parts["red"], result.parts["green"]) == (0, 1)


def test_warning_and_deduction_same_week_deduction_wins():
    records = [warning(1, "PATROL", on=MONDAY), deduction(1, "PATROL-LATE", on=TUESDAY)]
    result = score_week(records)[1]
    assert (result.parts["red"], result.parts["green"]) == (0, 1)
    assert [e.points for e in result.effects[:2]] == [0, -4]  # (0 − 1) − 3 on the deduction


def test_deduction_with_count_zero_is_no_deduction():
    assert patrol(score_week([deduction(1, "PATROL", 0, on=MONDAY)])[1]) == 3


def test_only_the_weeks_records_count():
    records = [
        warning(1, "PATROL", on=date(2026, 11, 15)),  # the Sunday before
        deduction(1, "PATROL", on=date(2026, 11, 23)),  # the Monday after
    ]
    assert patrol(score_week(records)[1]) == 3


def test_two_conduct_components_add_red_and_green():
    scheme = copy.deepcopy(SCHEME)
    desk = {**SCHEME["components"][0], "code": "DESK", "name": "前台纪律", "items": []}
    scheme["components"].append(desk)
    records = [deduction(1, "DESK", on=MONDAY), warning(1, "PATROL", on=MONDAY)]
    result = score_week(records, scheme=scheme)[1]
    # PATROL 3 − 1 = 2 red; DESK 0 red, 1 green
    assert result.parts["components"]["DESK"] == 0
    assert (result.parts["red"], result.parts["green"], result.score) == (2, 1, 1)


def test_yaml_float_config_is_read_exactly():
    scheme = yaml.safe_load(
        "components:\n"
        "  - {code: PATROL, name: 巡场, type: conduct, full: 3, warning_loss: [1, 1.5, 3],"
        " on_deduction: {red: 0, green: 1}}\n"
    )
    result = score_week([warning(1, "PATROL", 2, on=MONDAY)], scheme=scheme)[1]
    assert result.parts["red"] == d("1.5")


# --- ranked (倒金字塔) -----------------------------------------------------------------------


def exam(result: ParticipantResult) -> Decimal:
    return result.parts["components"]["EXAM"]


def test_inverted_pyramid_ties_and_zeros():
    # values 0, none, 5, 5, 8 → 0, 0, 1, 1, 2
    records = [
        metric(1, "exam_score", 0, on=MONDAY),
        metric(3, "exam_score", 5, on=MONDAY),
        metric(4, "exam_score", 5, on=MONDAY),
        metric(5, "exam_score", 8, on=MONDAY),
    ]
    results = score_week(records, staff_ids=(1, 2, 3, 4, 5))
    assert [exam(results[s]) for s in (1, 2, 3, 4, 5)] == [0, 0, 1, 1, 2]


def test_ranked_uses_the_weeks_total():
    # staff 1: 3 + 2 = 5 → 2 stars; staff 2: 4 → 1 star; staff 3's value is last week's
    records = [
        metric(1, "exam_score", 3, on=MONDAY),
        metric(1, "exam_score", 2, on=SUNDAY),
        metric(2, "exam_score", 4, on=MONDAY),
        metric(3, "exam_score", 9, on=date(2026, 11, 15)),
    ]
    results = score_week(records, staff_ids=(1, 2, 3))
    assert [exam(results[s]) for s in (1, 2, 3)] == [2, 1, 0]


def test_ranked_aggregate_last_overrides_the_sum():
    scheme = copy.deepcopy(SCHEME)
    scheme["components"][2]["aggregate"] = "last"
    # staff 1: last value 1 (the sum would be 10) → 1 star; staff 2: 4 → 2 stars
    records = [
        metric(1, "exam_score", 9, on=MONDAY),
        metric(1, "exam_score", 1, on=TUESDAY),
        metric(2, "exam_score", 4, on=MONDAY),
    ]
    results = score_week(records, staff_ids=(1, 2), scheme=scheme)
    assert [exam(results[s]) for s in (1, 2)] == [1, 2]


def test_ranked_negative_total_earns_no_stars():
    # a total below 0 is no votes at all: 0 stars, and it takes no step of the pyramid
    records = [metric(1, "exam_score", -2, on=MONDAY), metric(2, "exam_score", 3, on=MONDAY)]
    results = score_week(records, staff_ids=(1, 2))
    assert [exam(results[s]) for s in (1, 2)] == [0, 1]


def test_ranked_components_are_computed_on_their_own_and_add_up():
    # EXAM: staff 1 → 2, staff 2 → 1; CARD-FREE: staff 1 → 1, staff 2 → 2; plus PATROL 3 each
    records = [
        metric(1, "exam_score", 90, on=MONDAY),
        metric(2, "exam_score", 80, on=MONDAY),
        metric(1, "free_card_signups", 1, on=MONDAY),
        metric(2, "free_card_signups", 7, on=MONDAY),
    ]
    results = score_week(records, staff_ids=(1, 2))
    assert results[1].parts["components"] == {"PATROL": 3, "CARD-FREE": 1, "EXAM": 2, "TEAM": 0}
    assert results[2].parts["components"] == {"PATROL": 3, "CARD-FREE": 2, "EXAM": 1, "TEAM": 0}
    assert results[1].parts["red"] == results[2].parts["red"] == 6


# --- manual and bonus -------------------------------------------------------------------------


def test_manual_component_stars_come_from_bonus_value():
    records = [
        bonus(1, "TEAM", on=MONDAY),  # default 1
        bonus(1, "TEAM", "0.5", on=TUESDAY),
        bonus(2, "TEAM", 2, on=MONDAY),
    ]
    results = score_week(records, staff_ids=(1, 2))
    assert results[1].parts["components"]["TEAM"] == d("1.5")
    assert results[2].parts["components"]["TEAM"] == 2


def test_bonus_flag_changes_no_arithmetic():
    unflagged = copy.deepcopy(SCHEME)
    unflagged["components"][3]["bonus"] = False
    records = [bonus(1, "TEAM", 2, on=MONDAY), metric(1, "exam_score", 3, on=MONDAY)]
    assert score_week(records, scheme=unflagged)[1].parts == score_week(records)[1].parts


# --- net, effects, everyone ---------------------------------------------------------------


def test_net_is_red_minus_green():
    # deduction → PATROL 0 red, 1 green; EXAM 2 (staff 2 has less); TEAM 1 → red 3, net 2
    records = [
        deduction(1, "PATROL", on=MONDAY),
        metric(1, "exam_score", 9, on=MONDAY),
        metric(2, "exam_score", 1, on=MONDAY),
        bonus(1, "TEAM", on=MONDAY),
    ]
    result = score_week(records, staff_ids=(1, 2))[1]
    assert (result.parts["red"], result.parts["green"]) == (3, 1)
    assert result.score == result.raw_score == 2


def test_everyone_gets_a_result_even_without_records():
    results = score_week([warning(1, "PATROL", on=MONDAY)], staff_ids=(1, 2, 3))
    assert sorted(results) == [1, 2, 3]
    assert results[3].score == 3
    assert results[3].parts["components"] == {"PATROL": 3, "CARD-FREE": 0, "EXAM": 0, "TEAM": 0}


def test_warning_effects_are_marginal_losses():
    # three warnings: 3 → 2 → 1.5 → 0, so −1, −0.5, −1.5
    records = [warning(1, "PATROL-LATE", on=day) for day in (MONDAY, TUESDAY, SUNDAY)]
    effects = score_week(records)[1].effects[:3]
    assert [e.points for e in effects] == [d(-1), d("-0.5"), d("-1.5")]
    assert [e.record_id for e in effects] == [r.id for r in records]
    assert effects[0].label == "迟到早退"


def test_extra_deductions_carry_no_further_effect():
    records = [deduction(1, "PATROL", on=MONDAY), deduction(1, "PATROL", on=TUESDAY)]
    assert [e.points for e in score_week(records)[1].effects[:2]] == [-4, 0]


def test_ranked_component_gets_a_computed_line_with_the_stars():
    low, high = metric(1, "exam_score", 5, on=MONDAY), metric(2, "exam_score", 8, on=MONDAY)
    result = score_week([low, high], staff_ids=(1, 2))[2]
    record_line = next(e for e in result.effects if e.record_id == high.id)
    assert (record_line.points, record_line.label) == (0, "考试得分")
    line = next(e for e in result.effects if e.record_id is None and e.code == "EXAM")
    assert (line.kind, line.value, line.points) == (METRIC, 8, 2)
    assert [e.code for e in result.effects if e.record_id is None] == ["CARD-FREE", "EXAM"]


def test_effects_add_up_to_the_net_from_full_conduct():
    records = [
        warning(1, "PATROL", on=MONDAY),
        metric(1, "exam_score", 4, on=MONDAY),
        metric(2, "exam_score", 2, on=MONDAY),
        bonus(1, "TEAM", 2, on=MONDAY),
    ]
    result = score_week(records, staff_ids=(1, 2))[1]
    # 3 (full) − 1 (warning) + 2 (EXAM) + 2 (TEAM) = 6
    assert result.score == 6
    assert 3 + sum(e.points for e in result.effects) == result.score


def test_records_no_component_uses_get_a_zero_line():
    valid = complaint(1, on=MONDAY)
    result = score_week([valid])[1]
    assert [(e.record_id, e.points) for e in result.effects if e.record_id] == [(valid.id, 0)]
    assert result.score == 3


# --- promotion (after_awards) ------------------------------------------------------------------


def promote(prior_wins: dict, awarded: set, prior_promotions=(), scheme=None) -> dict:
    week = inputs(
        scheme or SCHEME,
        [clerk(1), clerk(2)],
        period=WEEK_47,
        prior_wins=prior_wins,
        prior_promotions=prior_promotions,
    )
    results = [
        ParticipantResult(s, d(3), d(3), award="本周服务之星" if s in awarded else None)
        for s in (1, 2)
    ]
    stars.after_awards(week, results)
    return {r.staff_id: r.promotion for r in results}


def test_third_win_in_month_promotes_with_prize():
    promotions = promote({1: 2, 2: 2}, awarded={1})
    assert promotions == {1: {"title": "月度服务明星", "prize": d(100)}, 2: None}


def test_promotion_only_once_per_month():
    assert promote({1: 3}, awarded={1}, prior_promotions={1})[1] is None


def test_promotion_when_prior_wins_already_reach_wins_without_a_win_this_week():
    # "一个月内当选三次…直接晋级": three wins in the month suffice, even if this week is lost
    assert promote({1: 3}, awarded=set())[1] == {"title": "月度服务明星", "prize": d(100)}


def test_no_promotion_block_promotes_nobody():
    scheme = {k: v for k, v in SCHEME.items() if k != "promotion"}
    assert promote({1: 5}, awarded={1}, scheme=scheme) == {1: None, 2: None}


# --- end to end through compute_period -----------------------------------------------------


def winners(records: list[Record], scheme: dict | None = None, **options) -> dict:
    week = inputs(
        scheme or SCHEME, [clerk(s) for s in (1, 2, 3)], records, period=WEEK_47, **options
    )
    outcome = compute_period(week)
    return {r.staff_id: (r.award, r.promotion) for r in outcome.results if r.award or r.promotion}


def test_weekly_winner_tie_broken_by_fewer_green():
    # net 5 each: staff 1 red 3 + 2 = 5, green 0; staff 2 red 0 + 6 = 6, green 1; staff 3 net 3
    records = [
        bonus(1, "TEAM", 2, on=MONDAY),
        deduction(2, "PATROL", on=MONDAY),
        bonus(2, "TEAM", 6, on=MONDAY),
    ]
    assert winners(records) == {1: ("本周服务之星", None)}


def test_weekly_winner_tie_broken_by_more_red():
    # tie_break [more_red] alone: same two as above, staff 2's 6 red beat staff 1's 5
    scheme = copy.deepcopy(SCHEME)
    scheme["award"]["tie_break"] = ["more_red"]
    records = [
        bonus(1, "TEAM", 2, on=MONDAY),
        deduction(2, "PATROL", on=MONDAY),
        bonus(2, "TEAM", 6, on=MONDAY),
    ]
    assert winners(records, scheme) == {2: ("本周服务之星", None)}


def test_weekly_winners_still_tied_all_win():
    # staff 1 and 2: red 3 + 1 = 4, green 0, net 4; staff 3: 3
    records = [bonus(1, "TEAM", on=MONDAY), bonus(2, "TEAM", on=TUESDAY)]
    assert winners(records) == {1: ("本周服务之星", None), 2: ("本周服务之星", None)}


def test_weekly_winner_skips_the_vetoed():
    # staff 1 has the top net 5 but a valid complaint (veto): staff 2 (net 4) wins
    scheme = {**SCHEME, "veto": [{"complaint": "valid"}]}
    records = [
        bonus(1, "TEAM", 2, on=MONDAY),
        complaint(1, on=TUESDAY),
        bonus(2, "TEAM", on=MONDAY),
    ]
    assert winners(records, scheme) == {2: ("本周服务之星", None)}


def test_third_weekly_win_promotes_through_compute_period():
    # staff 1 wins (net 4) with 2 earlier wins this month → 月度服务明星, 100; staff 2 also
    # has 2 but does not win this week
    records = [bonus(1, "TEAM", on=MONDAY)]
    promoted = {"title": "月度服务明星", "prize": d(100)}
    assert winners(records, prior_wins={1: 2, 2: 2}) == {1: ("本周服务之星", promoted)}
