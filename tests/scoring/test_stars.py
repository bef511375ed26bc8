"""Method ``stars`` (SCHEMES.md "红星/绿星 weekly stars"): each rule with a worked example."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest
import yaml

from scoring.engine import stars
from scoring.engine.types import (
    BONUS,
    COMPLAINT,
    COMPLAINT_VALID,
    DEDUCTION,
    METRIC,
    WARNING,
    Inputs,
    Participant,
    ParticipantResult,
    Period,
    Record,
)

D = Decimal
WEEK = Period("2026-W47", date(2026, 11, 16), date(2026, 11, 22))
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
            "warning_loss": [1, D("1.5"), 3],
            "on_deduction": {"red": 0, "green": 1},
            "items": [
                {"code": "PATROL-DRESS", "name": "仪容仪表不规范"},
                {"code": "PATROL-LATE", "name": "迟到早退"},
            ],
        },
        {"code": "CARD-FREE", "name": "购物免费办卡", "type": "ranked", "metric": "free_card_signups"},
        {"code": "EXAM", "name": "考试得分", "type": "ranked", "metric": "exam_score"},
        {"code": "TEAM", "name": "团结互助", "type": "manual", "bonus": True},
    ],
    "award": {"title": "本周服务之星", "winners": 1, "tie_break": ["fewer_green", "more_red"]},
    "promotion": {"title": "月度服务明星", "wins": 3, "within": "month", "prize": 100},
}


def person(staff_id: int) -> Participant:
    return Participant(staff_id, f"K{staff_id:03d}", f"客服{staff_id}", "客服部", "客服员", date(2020, 1, 1))


def rec(rid: int, staff_id: int, kind: str, code: str, value=None, day: date = MONDAY) -> Record:
    return Record(rid, staff_id, day, kind, code, None if value is None else D(str(value)))


def score(
    records: list[Record], staff_ids=(1,), scheme: dict | None = None
) -> dict[int, ParticipantResult]:
    inputs = Inputs(scheme or SCHEME, WEEK, tuple(person(s) for s in staff_ids), tuple(records))
    by_staff: dict[int, list[Record]] = {}
    for record in records:
        by_staff.setdefault(record.staff_id, []).append(record)
    return stars.score_participants(inputs, by_staff)


def with_conduct(**changes) -> dict:
    scheme = copy.deepcopy(SCHEME)
    scheme["components"][0].update(changes)
    return scheme


def patrol(result: ParticipantResult) -> Decimal:
    return result.parts["components"]["PATROL"]


# --- conduct ----------------------------------------------------------------------------


def test_conduct_full_three_red_stars_without_warnings_or_deductions():
    result = score([])[1]
    assert patrol(result) == 3
    assert (result.parts["red"], result.parts["green"], result.score) == (3, 0, 3)


@pytest.mark.parametrize(
    ("warnings", "red"),
    [(1, D(2)), (2, D("1.5")), (3, D(0))],  # 3 − 1, 3 − 1.5, 3 − 3
)
def test_warning_escalation_loses_listed_stars(warnings, red):
    records = [rec(i, 1, WARNING, "PATROL") for i in range(1, warnings + 1)]
    assert patrol(score(records)[1]) == red


def test_more_warnings_than_listed_lose_the_last_entry():
    # full 5 so the clamp at 0 cannot hide the rule: 5 warnings → loss 3 (last entry) → 2
    records = [rec(i, 1, WARNING, "PATROL") for i in range(1, 6)]
    assert patrol(score(records, scheme=with_conduct(full=5))[1]) == 2


def test_record_value_is_its_warning_count():
    # one record with 数值 2 = two warnings → 3 − 1.5 = 1.5
    assert patrol(score([rec(1, 1, WARNING, "PATROL", 2)])[1]) == D("1.5")


def test_warnings_on_item_codes_count_for_their_component():
    records = [rec(1, 1, WARNING, "PATROL-LATE"), rec(2, 1, WARNING, "PATROL-DRESS", day=TUESDAY)]
    assert patrol(score(records)[1]) == D("1.5")  # 2 warnings


def test_red_never_below_zero():
    # full 3, one warning loses 4 → max(0, −1) = 0
    result = score([rec(1, 1, WARNING, "PATROL")], scheme=with_conduct(warning_loss=[4]))[1]
    assert patrol(result) == 0
    assert result.parts["red"] == 0


def test_deduction_gives_zero_red_and_one_green():
    result = score([rec(1, 1, DEDUCTION, "PATROL-LATE")])[1]
    assert (patrol(result), result.parts["green"], result.score) == (0, 1, -1)


def test_deductions_count_once_per_week_however_many():
    records = [
        rec(1, 1, DEDUCTION, "PATROL-LATE", 2),
        rec(2, 1, DEDUCTION, "PATROL-DRESS", day=TUESDAY),
        rec(3, 1, DEDUCTION, "PATROL", day=SUNDAY),
    ]
    result = score(records)[1]
    assert (result.parts["red"], result.parts["green"]) == (0, 1)


def test_warning_and_deduction_same_week_deduction_wins():
    records = [rec(1, 1, WARNING, "PATROL"), rec(2, 1, DEDUCTION, "PATROL-LATE", day=TUESDAY)]
    result = score(records)[1]
    assert (result.parts["red"], result.parts["green"]) == (0, 1)
    assert [e.points for e in result.effects[:2]] == [0, -4]  # (0 − 1) − 3 on the deduction


def test_deduction_with_count_zero_is_no_deduction():
    assert patrol(score([rec(1, 1, DEDUCTION, "PATROL", 0)])[1]) == 3


def test_conduct_defaults_are_the_quoted_source_values():
    # "三颗红星…口头警告一次扣除一颗…两次则扣除一颗半…被扣分者,三颗红星扣除并加一颗绿星"
    bare = copy.deepcopy(SCHEME)
    bare["components"][0] = {"code": "PATROL", "name": "日巡场记录", "type": "conduct"}
    assert patrol(score([], scheme=bare)[1]) == 3
    two_warnings = [rec(1, 1, WARNING, "PATROL", 2)]
    assert patrol(score(two_warnings, scheme=bare)[1]) == D("1.5")
    result = score([rec(1, 1, DEDUCTION, "PATROL")], scheme=bare)[1]
    assert (result.parts["red"], result.parts["green"]) == (0, 1)


def test_only_the_weeks_records_count():
    records = [
        rec(1, 1, WARNING, "PATROL", day=date(2026, 11, 15)),  # Sunday before
        rec(2, 1, DEDUCTION, "PATROL", day=date(2026, 11, 23)),  # Monday after
    ]
    assert patrol(score(records)[1]) == 3


def test_two_conduct_components_add_red_and_green():
    scheme = copy.deepcopy(SCHEME)
    scheme["components"].append({"code": "DESK", "name": "前台纪律", "type": "conduct"})
    result = score([rec(1, 1, DEDUCTION, "DESK"), rec(2, 1, WARNING, "PATROL")], scheme=scheme)[1]
    # PATROL 3 − 1 = 2 red; DESK 0 red, 1 green
    assert result.parts["components"]["DESK"] == 0
    assert (result.parts["red"], result.parts["green"], result.score) == (2, 1, 1)


def test_yaml_float_config_is_read_exactly():
    scheme = yaml.safe_load(
        "components:\n"
        "  - {code: PATROL, name: 巡场, type: conduct, full: 3, warning_loss: [1, 1.5, 3],"
        " on_deduction: {red: 0, green: 1}}\n"
    )
    assert score([rec(1, 1, WARNING, "PATROL", 2)], scheme=scheme)[1].parts["red"] == D("1.5")


# --- ranked (倒金字塔) -----------------------------------------------------------------------


def exam(result: ParticipantResult) -> Decimal:
    return result.parts["components"]["EXAM"]


def test_inverted_pyramid_ties_and_zeros():
    # values 0, none, 5, 5, 8 → 0, 0, 1, 1, 2
    records = [
        rec(1, 1, METRIC, "exam_score", 0),
        rec(3, 3, METRIC, "exam_score", 5),
        rec(4, 4, METRIC, "exam_score", 5),
        rec(5, 5, METRIC, "exam_score", 8),
    ]
    results = score(records, staff_ids=(1, 2, 3, 4, 5))
    assert [exam(results[s]) for s in (1, 2, 3, 4, 5)] == [0, 0, 1, 1, 2]


def test_ranked_uses_the_weeks_total():
    # staff 1: 3 + 2 = 5 → 2 stars; staff 2: 4 → 1 star; staff 3's value is last week's
    records = [
        rec(1, 1, METRIC, "exam_score", 3),
        rec(2, 1, METRIC, "exam_score", 2, day=SUNDAY),
        rec(3, 2, METRIC, "exam_score", 4),
        rec(4, 3, METRIC, "exam_score", 9, day=date(2026, 11, 15)),
    ]
    results = score(records, staff_ids=(1, 2, 3))
    assert [exam(results[s]) for s in (1, 2, 3)] == [2, 1, 0]


def test_ranked_aggregate_last_overrides_the_sum():
    scheme = copy.deepcopy(SCHEME)
    scheme["components"][2]["aggregate"] = "last"
    # staff 1: last value 1 (sum would be 10) → 1 star; staff 2: 4 → 2 stars
    records = [
        rec(1, 1, METRIC, "exam_score", 9),
        rec(2, 1, METRIC, "exam_score", 1, day=TUESDAY),
        rec(3, 2, METRIC, "exam_score", 4),
    ]
    results = score(records, staff_ids=(1, 2), scheme=scheme)
    assert [exam(results[s]) for s in (1, 2)] == [1, 2]


def test_ranked_negative_total_earns_no_stars():
    # a total below 0 is no votes at all: 0 stars, and it takes no step of the pyramid
    records = [rec(1, 1, METRIC, "exam_score", -2), rec(2, 2, METRIC, "exam_score", 3)]
    results = score(records, staff_ids=(1, 2))
    assert [exam(results[s]) for s in (1, 2)] == [0, 1]


def test_ranked_components_are_computed_on_their_own_and_add_up():
    # EXAM: staff 1 → 2, staff 2 → 1; CARD-FREE: staff 1 → 1, staff 2 → 2; plus PATROL 3 each
    records = [
        rec(1, 1, METRIC, "exam_score", 90),
        rec(2, 2, METRIC, "exam_score", 80),
        rec(3, 1, METRIC, "free_card_signups", 1),
        rec(4, 2, METRIC, "free_card_signups", 7),
    ]
    results = score(records, staff_ids=(1, 2))
    assert results[1].parts["components"] == {"PATROL": 3, "CARD-FREE": 1, "EXAM": 2, "TEAM": 0}
    assert results[2].parts["components"] == {"PATROL": 3, "CARD-FREE": 2, "EXAM": 1, "TEAM": 0}
    assert results[1].parts["red"] == results[2].parts["red"] == 6


# --- manual and bonus -------------------------------------------------------------------------


def test_manual_component_stars_come_from_bonus_value():
    records = [
        rec(1, 1, BONUS, "TEAM"),  # default 1
        rec(2, 1, BONUS, "TEAM", D("0.5"), day=TUESDAY),
        rec(3, 2, BONUS, "TEAM", 2),
    ]
    results = score(records, staff_ids=(1, 2))
    assert results[1].parts["components"]["TEAM"] == D("1.5")
    assert results[2].parts["components"]["TEAM"] == 2


def test_bonus_flag_changes_no_arithmetic():
    unflagged = copy.deepcopy(SCHEME)
    unflagged["components"][3]["bonus"] = False
    records = [rec(1, 1, BONUS, "TEAM", 2), rec(2, 1, METRIC, "exam_score", 3)]
    assert score(records, scheme=unflagged)[1].parts == score(records)[1].parts


# --- net, effects, everyone ---------------------------------------------------------------


def test_net_is_red_minus_green():
    # deduction → PATROL 0 red, 1 green; EXAM 2 (staff 2 has less); TEAM 1 → red 3, net 2
    records = [
        rec(1, 1, DEDUCTION, "PATROL"),
        rec(2, 1, METRIC, "exam_score", 9),
        rec(3, 2, METRIC, "exam_score", 1),
        rec(4, 1, BONUS, "TEAM"),
    ]
    result = score(records, staff_ids=(1, 2))[1]
    assert (result.parts["red"], result.parts["green"]) == (3, 1)
    assert result.score == result.raw_score == 2


def test_everyone_gets_a_result_even_without_records():
    results = score([rec(1, 1, WARNING, "PATROL")], staff_ids=(1, 2, 3))
    assert sorted(results) == [1, 2, 3]
    assert results[3].score == 3
    assert results[3].parts["components"] == {"PATROL": 3, "CARD-FREE": 0, "EXAM": 0, "TEAM": 0}


def test_warning_effects_are_marginal_losses():
    # three warnings: 3 → 2 → 1.5 → 0, so −1, −0.5, −1.5
    records = [rec(i, 1, WARNING, "PATROL-LATE", day=date(2026, 11, 15 + i)) for i in (1, 2, 3)]
    effects = score(records)[1].effects[:3]
    assert [e.points for e in effects] == [D(-1), D("-0.5"), D("-1.5")]
    assert [e.record_id for e in effects] == [1, 2, 3]
    assert effects[0].label == "迟到早退"


def test_extra_deductions_carry_no_further_effect():
    records = [rec(1, 1, DEDUCTION, "PATROL"), rec(2, 1, DEDUCTION, "PATROL", day=TUESDAY)]
    assert [e.points for e in score(records)[1].effects[:2]] == [-4, 0]


def test_ranked_component_gets_a_computed_line_with_the_stars():
    records = [rec(1, 1, METRIC, "exam_score", 5), rec(2, 2, METRIC, "exam_score", 8)]
    result = score(records, staff_ids=(1, 2))[2]
    record_line = next(e for e in result.effects if e.record_id == 2)
    assert (record_line.points, record_line.label) == (0, "考试得分")
    line = next(e for e in result.effects if e.record_id is None and e.code == "EXAM")
    assert (line.kind, line.value, line.points) == (METRIC, 8, 2)
    assert [e.code for e in result.effects if e.record_id is None] == ["CARD-FREE", "EXAM"]


def test_effects_add_up_to_the_net_from_full_conduct():
    records = [
        rec(1, 1, WARNING, "PATROL"),
        rec(2, 1, METRIC, "exam_score", 4),
        rec(3, 2, METRIC, "exam_score", 2),
        rec(4, 1, BONUS, "TEAM", 2),
    ]
    result = score(records, staff_ids=(1, 2))[1]
    # 3 (full) − 1 (warning) + 2 (EXAM) + 2 (TEAM) = 6
    assert result.score == 6
    assert 3 + sum(e.points for e in result.effects) == result.score


def test_records_no_component_uses_get_a_zero_line():
    result = score([rec(1, 1, COMPLAINT, COMPLAINT_VALID)])[1]
    assert [(e.record_id, e.points) for e in result.effects if e.record_id] == [(1, 0)]
    assert result.score == 3


# --- promotion ------------------------------------------------------------------------------


def promote(prior_wins: dict, awarded: set, prior_promotions=frozenset(), scheme=None):
    inputs = Inputs(
        scheme or SCHEME,
        WEEK,
        tuple(person(s) for s in (1, 2)),
        (),
        prior_wins=prior_wins,
        prior_promotions=prior_promotions,
    )
    results = [
        ParticipantResult(s, D(3), D(3), award="本周服务之星" if s in awarded else None)
        for s in (1, 2)
    ]
    stars.after_awards(inputs, results)
    return {r.staff_id: r.promotion for r in results}


def test_third_win_in_month_promotes_with_prize():
    promotions = promote({1: 2, 2: 2}, awarded={1})
    assert promotions == {1: {"title": "月度服务明星", "prize": D(100)}, 2: None}


def test_promotion_only_once_per_month():
    assert promote({1: 3}, awarded={1}, prior_promotions=frozenset({1}))[1] is None


def test_promotion_when_prior_wins_already_reach_wins_without_a_win_this_week():
    # "一个月内当选三次…直接晋级": three wins in the month suffice, even if this week is lost
    assert promote({1: 3}, awarded=set())[1] == {"title": "月度服务明星", "prize": D(100)}


def test_no_promotion_block_promotes_nobody():
    scheme = {k: v for k, v in SCHEME.items() if k != "promotion"}
    assert promote({1: 5}, awarded={1}, scheme=scheme) == {1: None, 2: None}
