"""Shared rules: which records count, metric values, grades, ranking, veto, eligibility,
awards, unit roll-up. Worked examples use the weighted method with one source, so that a
participant's score is simply their 得分 record."""

from datetime import date
from decimal import Decimal

import pytest

from scoring.engine import compute_period
from scoring.engine.common import (
    add_years,
    aggregate,
    choose_awards,
    counting_records,
    grade_for,
    known_codes,
    tie_break_key,
)
from scoring.engine.numbers import round2
from scoring.engine.types import (
    BONUS,
    DEDUCTION,
    METRIC,
    SCORE,
    WARNING,
    Participant,
    ParticipantResult,
    Unit,
)
from tests.scoring.builders import (
    NOVEMBER,
    complaint,
    d,
    deduction,
    incident,
    inputs,
    metric,
    participant,
    period,
    rating,
    scheme,
    score,
)

GRADES = [
    {"name": "优秀", "min": 96},
    {"name": "优良", "min": 91},
    {"name": "良好", "min": 81},
    {"name": "合格", "min": 70},
    {"name": "不合格", "min": 0},
]


def single_source(**fields) -> dict:
    """A weighted scheme whose score is the participant's one 得分 record."""
    fields.setdefault("sources", [{"code": "S", "name": "评分", "weight": 100}])
    return scheme("weighted", **fields)


def scored(staff_scores: dict[int, object], **participant_fields) -> tuple[list, list]:
    """Participants 1..n with one 得分 record each (None: no record)."""
    people = [participant(sid, **participant_fields) for sid in staff_scores]
    records = [score(sid, "S", v) for sid, v in staff_scores.items() if v is not None]
    return people, records


def by_staff(outcome) -> dict[int, ParticipantResult]:
    return {r.staff_id: r for r in outcome.results}


# --- which records count ---


STARS = scheme(
    "stars",
    components=[
        {
            "code": "PATROL",
            "name": "日巡场记录",
            "type": "conduct",
            "items": [{"code": "PATROL-LATE", "name": "迟到早退"}],
        },
        {"code": "CARD-FREE", "name": "购物免费办卡", "type": "ranked", "metric": "free_cards"},
        {"code": "TEAM", "name": "团结互助", "type": "manual", "bonus": True},
    ],
)


def test_known_codes_of_a_deduction_scheme():
    codes = known_codes(
        scheme(
            "deduction",
            categories=[
                {
                    "code": "STD",
                    "name": "标准服务",
                    "max": 20,
                    "items": [{"code": "STD-01", "name": "陈列", "deduct": 1}],
                    "indicators": [
                        {
                            "code": "UP-01",
                            "name": "毛利率",
                            "metric": "margin_rate",
                            "target": 10,
                            "deduct_per_unit": 2,
                        }
                    ],
                }
            ],
            bonus_items=[{"code": "B-01", "name": "表扬信", "add": 1}],
            veto=[{"metric": "attendance_rate", "below": 100}],
        )
    )
    assert codes[DEDUCTION] == {"STD-01"}
    assert codes[BONUS] == {"B-01"}
    assert codes[METRIC] == {"margin_rate", "attendance_rate"}
    assert codes[WARNING] == codes[SCORE] == set()


def test_known_codes_of_a_stars_scheme_conduct_codes_take_warnings_and_deductions():
    codes = known_codes(STARS)
    assert codes[DEDUCTION] == codes[WARNING] == {"PATROL", "PATROL-LATE"}
    assert codes[METRIC] == {"free_cards"}
    assert codes[BONUS] == {"TEAM"}


def test_known_codes_follow_the_per_kind_table_ranked_component_codes_take_no_records():
    codes = known_codes(STARS)
    assert all("CARD-FREE" not in kind_codes for kind_codes in codes.values())


def test_known_codes_vote_source_takes_metric_records_not_scores():
    codes = known_codes(
        scheme(
            "weighted",
            sources=[
                {"code": "REVIEW", "name": "评审", "weight": 70},
                {"code": "VOTES", "name": "投票", "weight": 30, "from": "votes"},
            ],
        )
    )
    assert codes[SCORE] == {"REVIEW"}
    assert codes[METRIC] == {"VOTES"}


def test_known_codes_of_a_points_bank_scheme():
    codes = known_codes(
        scheme(
            "points_bank",
            items=[{"code": "P-LATE", "name": "迟到", "points": 1}],
            bonus_items=[{"code": "P-STAR", "name": "明星", "add": 1}],
        )
    )
    assert codes[DEDUCTION] == {"P-LATE"}
    assert codes[BONUS] == {"P-STAR"}


def test_known_codes_are_per_kind_a_bonus_code_recorded_as_deduction_does_not_count():
    plan = single_source(bonus_items=[{"code": "B-01", "name": "表扬信", "add": 1}])
    misfiled = deduction(1, "B-01")
    assert counting_records(inputs(plan, [participant(1)], [misfiled])) == {1: []}


def test_counting_records_keep_ratings_complaints_incidents_and_drop_unknown_codes():
    plan = single_source()
    kept = [
        rating(1, "满意"),
        complaint(1, valid=False),
        incident(1, "安全事故"),
        score(1, "S", 90),
    ]
    dropped = [score(1, "OTHER", 90), metric(1, "unknown_metric", 3), score(2, "S", 80)]
    counted = counting_records(inputs(plan, [participant(1)], kept + dropped))
    assert sorted(r.id for r in counted[1]) == sorted(r.id for r in kept)


def test_counting_records_keep_history_in_date_order_for_methods_to_filter():
    plan = single_source()
    later = score(1, "S", 80, on=date(2026, 11, 20))
    earlier = score(1, "S", 70, on=date(2026, 10, 5))  # before the period: history
    counted = counting_records(inputs(plan, [participant(1)], [later, earlier]))
    assert counted[1] == [earlier, later]


def test_a_participant_without_records_gets_a_result():
    outcome = compute_period(inputs(single_source(), [participant(1)]))
    assert [r.staff_id for r in outcome.results] == [1]


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="unknown method"):
        compute_period(inputs(scheme("lottery"), [participant(1)]))


# --- metric values ---


def test_aggregate_sum_mean_last():
    values = [d(100), d(97)]
    assert aggregate(values, "sum") == 197
    assert aggregate(values, "mean") == d("98.5")
    assert aggregate(values, "last") == 97
    assert aggregate([], "mean") is None


def test_aggregate_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="unknown aggregate"):
        aggregate([d(1)], "median")


# --- rounding, grades, ranking ---


@pytest.mark.parametrize(("exact", "shown"), [("2.345", "2.35"), ("2.344", "2.34")])
def test_scores_round_half_up_to_two_places(exact, shown):
    people, records = scored({1: exact})
    result = compute_period(inputs(single_source(), people, records)).results[0]
    assert result.raw_score == d(exact)
    assert result.score == d(shown)
    assert round2(d(exact)) == d(shown)


def test_grade_bands_take_the_first_min_reached():
    assert grade_for(d(96), GRADES) == "优秀"
    assert grade_for(d("95.99"), GRADES) == "优良"
    assert grade_for(d(0), GRADES) == "不合格"
    assert grade_for(d(50), []) is None


def test_grade_uses_the_rounded_score():
    # 95.995 rounds half-up to 96.00, which reaches 优秀.
    people, records = scored({1: "95.995"})
    outcome = compute_period(inputs(single_source(grades=GRADES), people, records))
    assert outcome.results[0].grade == "优秀"


def test_ranks_skip_after_ties_and_list_ties_by_employee_no():
    people = [
        participant(1, employee_no="E9"),
        participant(2, employee_no="E10"),
        participant(3, employee_no="E2"),
        participant(4, employee_no="E1"),
    ]
    records = [score(1, "S", 90), score(2, "S", 90), score(3, "S", 95), score(4, "S", 80)]
    outcome = compute_period(inputs(single_source(), people, records))
    # 工号 are compared as strings: "E10" < "E9".
    assert [(r.staff_id, r.rank) for r in outcome.results] == [(3, 1), (2, 2), (1, 2), (4, 4)]


def test_ranks_use_rounded_scores():
    # 90.004 and 90.001 both show 90.00: they share rank 1, listed by 工号.
    people, records = scored({1: "90.004", 2: "90.001"})
    outcome = compute_period(inputs(single_source(), people, records))
    assert [(r.staff_id, r.rank, r.score) for r in outcome.results] == [
        (1, 1, d("90.00")),
        (2, 1, d("90.00")),
    ]


# --- one-vote veto ---


def veto_of(rules: list[dict], records: list, *, method_fields: dict | None = None) -> list:
    """Veto hits of participant 1; ``method_fields`` replace the one-source weighted scheme."""
    plan = scheme(**method_fields, veto=rules) if method_fields else single_source(veto=rules)
    outcome = compute_period(inputs(plan, [participant(1)], records))
    return outcome.results[0].veto


def test_veto_valid_complaint_names_the_rule_and_its_records():
    valid = complaint(1)
    hits = veto_of([{"complaint": "valid"}], [valid, complaint(1, valid=False)])
    assert [(h.rule, h.record_ids) for h in hits] == [("有责投诉", (valid.id,))]


def test_veto_invalid_complaints_do_not_veto():
    assert veto_of([{"complaint": "valid"}], [complaint(1, valid=False)]) == []


def test_veto_rating_basic_takes_basic_and_unsatisfied():
    basic, unsatisfied = rating(1, "基本满意"), rating(1, "不满意")
    hits = veto_of([{"rating": "basic"}], [rating(1, "满意"), basic, unsatisfied])
    assert [(h.rule, h.record_ids) for h in hits] == [
        ("评价为基本满意或不满意", (basic.id, unsatisfied.id))
    ]


def test_veto_rating_unsatisfied_ignores_basic():
    assert veto_of([{"rating": "unsatisfied"}], [rating(1, "基本满意")]) == []
    unsatisfied = rating(1, "不满意")
    hits = veto_of([{"rating": "unsatisfied"}], [unsatisfied])
    assert [(h.rule, h.record_ids) for h in hits] == [("评价为不满意", (unsatisfied.id,))]


def test_veto_incident_list_takes_only_listed_incidents():
    rule = {"incident": ["违纪通报", "安全事故"]}
    listed = incident(1, "安全事故")
    hits = veto_of([rule], [listed, incident(1, "黑榜记录")])
    assert [(h.rule, h.record_ids) for h in hits] == [("发生安全事故", (listed.id,))]
    assert veto_of([rule], [incident(1, "黑榜记录")]) == []


def test_veto_metric_below_uses_the_mean_by_default():
    # attendance 100 and 97 → mean 98.5 < 100 → veto.
    low = [metric(1, "attendance_rate", 100), metric(1, "attendance_rate", 97)]
    hits = veto_of([{"metric": "attendance_rate", "below": 100}], low)
    assert [(h.rule, h.record_ids) for h in hits] == [
        ("attendance_rate低于100（平均98.50）", tuple(r.id for r in low))
    ]


def test_veto_metric_at_the_limit_does_not_veto():
    rule = {"metric": "attendance_rate", "below": 100}
    assert veto_of([rule], [metric(1, "attendance_rate", 100)]) == []


def test_veto_metric_with_no_value_never_vetoes():
    assert veto_of([{"metric": "attendance_rate", "below": 100}], []) == []


def test_veto_metric_may_say_aggregate_last():
    # 97 then 100: the last value is 100, not below.
    rule = {"metric": "attendance_rate", "below": 100, "aggregate": "last"}
    records = [
        metric(1, "attendance_rate", 97, on=date(2026, 11, 1)),
        metric(1, "attendance_rate", 100, on=date(2026, 11, 30)),
    ]
    assert veto_of([rule], records) == []


def test_veto_deduction_any():
    deduction_scheme = {
        "method": "deduction",
        "categories": [
            {
                "code": "STD",
                "name": "标准",
                "max": 100,
                "items": [{"code": "STD-01", "name": "陈列", "deduct": 1}],
            }
        ],
    }
    found = deduction(1, "STD-01")
    hits = veto_of([{"deduction": "any"}], [found], method_fields=deduction_scheme)
    assert [(h.rule, h.record_ids) for h in hits] == [("有扣分记录", (found.id,))]


def test_deduction_veto_counts_only_deductions_this_scheme_knows():
    # A deduction recorded for another scheme's item does not count here, so no veto.
    assert veto_of([{"deduction": "any"}], [deduction(1, "OTHER-SCHEME-ITEM")]) == []


def test_veto_looks_only_at_the_period():
    october = complaint(1, on=date(2026, 10, 31))
    assert veto_of([{"complaint": "valid"}], [october]) == []


def test_every_rule_that_holds_is_listed():
    hits = veto_of(
        [{"complaint": "valid"}, {"rating": "basic"}], [complaint(1), rating(1, "不满意")]
    )
    assert [h.rule for h in hits] == ["有责投诉", "评价为基本满意或不满意"]


def test_vetoed_participants_keep_score_and_rank_but_win_nothing():
    people, records = scored({1: 95, 2: 90})
    plan = single_source(veto=[{"complaint": "valid"}], award={"title": "服务之星", "winners": 1})
    outcome = compute_period(inputs(plan, people, [*records, complaint(1)]))
    first, second = outcome.results
    assert (first.staff_id, first.rank, first.score, first.award) == (1, 1, d(95), None)
    assert (second.staff_id, second.award) == (2, "服务之星")


# --- eligibility ---


def reasons(config: dict, who: Participant, records=(), *, during=NOVEMBER) -> list[str]:
    plan = single_source(eligibility=config)
    return compute_period(inputs(plan, [who], records, period=during)).results[0].ineligible


def test_tenure_exactly_three_calendar_years_by_the_period_end_is_eligible():
    # hired 2023-11-30 + 3 years = 2026-11-30 = November's last day → eligible.
    assert reasons({"min_tenure_years": 3}, participant(1, hire_date=date(2023, 11, 30))) == []


def test_tenure_one_day_short_is_ineligible():
    # hired 2023-12-01 + 3 years = 2026-12-01 > 2026-11-30.
    who = participant(1, hire_date=date(2023, 12, 1))
    assert reasons({"min_tenure_years": 3}, who) == ["入职未满3年（2023-12-01入职）"]


def test_tenure_from_29_february_completes_on_28_february():
    who = participant(1, hire_date=date(2024, 2, 29))
    february = period("2027-02", date(2027, 2, 1), date(2027, 2, 28))
    assert reasons({"min_tenure_years": 3}, who, during=february) == []
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)


def test_certificates_every_one_listed_is_required():
    config = {"certificates": ["项目经理结业证", "消防证"]}
    assert reasons(config, participant(1, certificates=["消防证", "项目经理结业证"])) == []
    assert reasons(config, participant(1, certificates=["消防证"])) == ["缺少证书：项目经理结业证"]


def test_no_incident_years_looks_back_from_the_period_end_through_history():
    # 3 years ending 2026-11-30 start on 2023-12-01.
    config = {"no_incident_years": {"years": 3, "incidents": ["安全事故", "黑榜记录"]}}
    inside = incident(1, "安全事故", on=date(2023, 12, 1))
    assert reasons(config, participant(1), [inside]) == ["3年内发生安全事故（2023-12-01）"]
    outside = incident(1, "安全事故", on=date(2023, 11, 30))
    unlisted = incident(1, "违纪通报", on=date(2026, 11, 2))
    assert reasons(config, participant(1), [outside, unlisted]) == []


def test_ineligible_participants_keep_score_and_rank_but_win_nothing():
    people = [participant(1, certificates=[]), participant(2, certificates=["证书"])]
    records = [score(1, "S", 95), score(2, "S", 90)]
    plan = single_source(
        eligibility={"certificates": ["证书"]}, award={"title": "服务之星", "winners": 1}
    )
    results = by_staff(compute_period(inputs(plan, people, records)))
    assert (results[1].rank, results[1].score, results[1].award) == (1, d(95), None)
    assert results[2].award == "服务之星"


# --- awards ---


def winners(outcome) -> list[int]:
    return [r.staff_id for r in outcome.results if r.award]


def award_outcome(scores: dict[int, object], award: dict, *, people=None, **plan_fields):
    default_people, records = scored(scores)
    plan = single_source(award={"title": "服务之星", **award}, **plan_fields)
    return compute_period(inputs(plan, people or default_people, records))


def test_award_goes_down_the_ranking_until_winners_are_chosen():
    outcome = award_outcome({1: 80, 2: 95, 3: 90}, {"winners": 2})
    assert winners(outcome) == [2, 3]


def test_award_equal_scores_straddling_the_winners_limit_are_all_admitted():
    # winners 2: 95, then 90 and 90 tie across the limit → three winners.
    outcome = award_outcome({1: 95, 2: 90, 3: 90, 4: 85}, {"winners": 2})
    assert winners(outcome) == [1, 2, 3]


def test_award_per_position_quota():
    people = [
        participant(1, position="柜员"),
        participant(2, position="柜员"),
        participant(3, position="大堂经理"),
    ]
    outcome = award_outcome({1: 95, 2: 90, 3: 80}, {"winners": 2, "per_position": 1}, people=people)
    assert winners(outcome) == [1, 3]


def test_award_per_unit_quota_counts_the_depth_1_unit():
    people = [
        participant(1, unit_path="一支行/营业室"),
        participant(2, unit_path="一支行/理财室"),  # same depth-1 unit 一支行
        participant(3, unit_path="二支行"),
    ]
    outcome = award_outcome({1: 95, 2: 90, 3: 80}, {"winners": 3, "per_unit": 1}, people=people)
    assert winners(outcome) == [1, 3]


def test_award_equal_scores_straddling_a_quota_are_all_admitted():
    people = [participant(sid, unit_path="一支行") for sid in (1, 2, 3)]
    outcome = award_outcome({1: 90, 2: 90, 3: 85}, {"winners": 5, "per_unit": 1}, people=people)
    assert winners(outcome) == [1, 2]


def test_award_quota_full_before_a_tie_admits_none_of_the_tie():
    people = [participant(sid, unit_path="一支行") for sid in (1, 2, 3)]
    outcome = award_outcome({1: 95, 2: 90, 3: 90}, {"winners": 5, "per_unit": 1}, people=people)
    assert winners(outcome) == [1]


def test_award_min_score_uses_the_rounded_score():
    # 89.995 shows as 90.00 and reaches min_score 90; 89.994 shows 89.99 and does not.
    outcome = award_outcome({1: "89.995", 2: "89.994"}, {"winners": 5, "min_score": 90})
    assert winners(outcome) == [1]


def test_award_min_grade_admits_that_grade_or_better():
    outcome = award_outcome(
        {1: 97, 2: 92, 3: 85}, {"winners": 5, "min_grade": "优良"}, grades=GRADES
    )
    assert winners(outcome) == [1, 2]


def test_award_without_winners_admits_everyone_who_qualifies():
    outcome = award_outcome({1: 97, 2: 92, 3: 85}, {"min_score": 90})
    assert winners(outcome) == [1, 2]


def star_result(staff_id: int, *, red: int, green: int) -> ParticipantResult:
    net = Decimal(red - green)
    return ParticipantResult(
        staff_id=staff_id, score=net, raw_score=net, parts={"red": d(red), "green": d(green)}
    )


def test_award_tie_break_fewer_green_then_more_red():
    people = {sid: participant(sid) for sid in (1, 2, 3)}
    ranked = [
        star_result(1, red=6, green=1),  # net 5, 1 green
        star_result(2, red=5, green=0),  # net 5, 0 green → wins the tie
        star_result(3, red=5, green=1),  # net 4
    ]
    choose_awards(
        ranked,
        award={"title": "本周服务之星", "winners": 1},
        participants=people,
        grades=[],
        tie_break=tie_break_key(["fewer_green", "more_red"]),
    )
    assert [r.staff_id for r in ranked if r.award] == [2]


def test_award_still_tied_after_tie_break_all_win():
    people = {sid: participant(sid) for sid in (1, 2, 3)}
    ranked = [
        star_result(1, red=5, green=0),
        star_result(2, red=5, green=0),
        star_result(3, red=6, green=1),  # same net, loses on fewer_green
    ]
    choose_awards(
        ranked,
        award={"title": "本周服务之星", "winners": 1},
        participants=people,
        grades=[],
        tie_break=tie_break_key(["fewer_green", "more_red"]),
    )
    assert [r.staff_id for r in ranked if r.award] == [1, 2]


def test_tie_break_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown tie_break"):
        tie_break_key(["more_coffee"])


# --- unit roll-up ---


def rollup_outcome(config: dict, people: list[Participant], scores: dict[int, object], units):
    records = [score(sid, "S", v) for sid, v in scores.items()]
    plan = single_source(unit_rollup=config)
    return compute_period(inputs(plan, people, records, units=units)).unit_rollup


def test_unit_rollup_at_level_2_with_head_deduction():
    # 营业室: 80 and 85 → average 82.5, 2.5 below 85 at 2 per point → head loses 5.
    people = [
        participant(1, unit_path="一支行/营业室"),
        participant(2, unit_path="一支行/营业室/一组"),
        participant(3, unit_path="一支行/理财室"),
        participant(4, unit_path="一支行"),  # above level 2: in no level-2 unit
    ]
    units = {"一支行/营业室": Unit("一支行/营业室", head_staff_id=99)}
    rows = rollup_outcome(
        {"level": 2, "threshold": 85, "head_deduct_per_point": 2},
        people,
        {1: 80, 2: 85, 3: 90, 4: 10},
        units,
    )
    assert [
        (r.unit_path, r.participants, r.average, r.head_staff_id, r.head_deduction) for r in rows
    ] == [
        ("一支行/理财室", 1, d(90), None, d(0)),
        ("一支行/营业室", 2, d("82.5"), 99, d(5)),
    ]


def test_unit_rollup_lists_only_units_with_participants():
    units = {"一支行": Unit("一支行", 7), "二支行": Unit("二支行", 8)}
    rows = rollup_outcome(
        {"level": 1, "threshold": 85}, [participant(1, unit_path="一支行")], {1: 90}, units
    )
    assert [r.unit_path for r in rows] == ["一支行"]


def test_unit_rollup_average_uses_exact_scores_each_figure_rounded_on_its_own():
    # Exact average 84.005 shows as 84.01; the head's 85 − 84.005 = 0.995 shows as 1.00
    # (from the shown 84.01 it would have been 0.99).
    people = [participant(sid, unit_path="一支行") for sid in (1, 2)]
    rows = rollup_outcome(
        {"level": 1, "threshold": 85, "head_deduct_per_point": 1},
        people,
        {1: "84.005", 2: "84.005"},
        {},
    )
    assert (rows[0].average, rows[0].head_deduction) == (d("84.01"), d("1.00"))


def test_outcome_without_unit_rollup_has_no_rows():
    people, records = scored({1: 90})
    assert compute_period(inputs(single_source(), people, records)).unit_rollup == []
