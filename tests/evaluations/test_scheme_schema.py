"""Scheme files: the shipped templates are valid and round-trip; every kind of mistake is
reported with its path; nothing a user can type makes validation raise."""

import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluations.scheme_schema import (
    SchemeError,
    dump_yaml,
    item_names,
    load_scheme,
    normalise,
    parse_yaml,
    range_items,
    validate_scheme,
)

REPO = Path(__file__).resolve().parents[2]


def templates_dir() -> Path:
    """The templates shipped in the repo once copied there, else the spec's examples."""
    for candidate in ("scheme_templates", "templates_yaml"):
        in_repo = REPO / "evaluations" / candidate
        if in_repo.is_dir():
            return in_repo
    return REPO.parent / "shared" / "spec" / "examples"


TEMPLATE_FILES = sorted(templates_dir().glob("*.yaml"))


def template(name: str) -> dict:
    data, errors = parse_yaml((templates_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
    assert errors == []
    return data


@pytest.fixture(autouse=True, scope="module")
def english_messages():
    with translation.override("en"):
        yield


# --- changing a template at a path written like the error paths --------------------------

DELETE = object()
STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def steps(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in STEP.findall(path)]


def changed(name: str, changes: dict[str, Any]) -> dict:
    data = copy.deepcopy(template(name))
    for path, value in changes.items():
        *parents, last = steps(path)
        container = data
        for step in parents:
            container = container[step]
        if value is DELETE:
            del container[last]
        else:
            container[last] = value
    return data


def paths_and_messages(errors: list[SchemeError]) -> list[tuple[str, str]]:
    return [(error.path, error.message) for error in errors]


# --- the templates --------------------------------------------------------------------


def test_all_six_templates_are_found():
    assert len(TEMPLATE_FILES) >= 6


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
def test_template_is_valid(path):
    data, errors = load_scheme(path.read_text(encoding="utf-8"))
    assert data is not None
    assert [str(error) for error in errors] == []


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
def test_template_round_trips_through_export(path):
    original = normalise(parse_yaml(path.read_text(encoding="utf-8"))[0])
    exported = dump_yaml(original)
    again, errors = parse_yaml(exported)
    assert errors == []
    assert normalise(again) == original
    assert list(again) == list(original)  # key order kept


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: path.stem)
def test_template_with_decimals_is_still_valid(path):
    """The editor and the engine hold numbers as Decimal."""
    assert validate_scheme(normalise(parse_yaml(path.read_text(encoding="utf-8"))[0])) == []


def test_export_is_readable():
    exported = dump_yaml(normalise(template("property-weekly-stars")))
    assert exported.startswith("code: property-weekly-stars\nname: 客服部每周服务之星\n")
    assert "  - {code: TEAM, name: 团结互助, type: manual, bonus: true}\n" in exported
    assert "    warning_loss: [1, 1.5, 3]\n" in exported
    assert "Decimal" not in exported and "&id" not in exported


def test_export_writes_decimals_as_plain_numbers():
    exported = dump_yaml({"a": Decimal("2"), "b": Decimal("1.50"), "c": Decimal("1E+2"), "d": "12"})
    assert exported == "a: 2\nb: 1.50\nc: 100\nd: '12'\n"
    assert normalise(parse_yaml(exported)[0]) == {
        "a": Decimal(2),
        "b": Decimal("1.5"),
        "c": Decimal(100),
        "d": "12",
    }


def test_normalise_turns_every_number_into_decimal_and_leaves_the_rest():
    assert normalise({"a": [1, 1.2, True, "x", None], "b": {"c": Decimal("3")}}) == {
        "a": [Decimal(1), Decimal("1.2"), True, "x", None],
        "b": {"c": Decimal(3)},
    }
    assert isinstance(normalise({"a": 1.2})["a"], Decimal)


# --- lookups --------------------------------------------------------------------------


def test_range_items():
    assert range_items(template("property-monthly-quality")) == {"ATT-02": (Decimal(2), Decimal(5))}
    assert range_items(template("bank-yearly-points")) == {}


def test_item_names_cover_every_record_code():
    stars = item_names(template("property-weekly-stars"))
    assert stars["PATROL"] == "日巡场记录"
    assert stars["PATROL-LATE"] == "迟到早退"
    assert stars["TEAM"] == "团结互助"
    tobacco = item_names(template("tobacco-half-year-quality"))
    assert tobacco["UP-PURITY"] == "市场净化率"
    assert tobacco["STD-PRICE"] == "价签与零盒卷烟不对应"
    assert "STD" not in tobacco  # a category is not something a record names
    assert item_names(template("bank-quarterly-weighted"))["B-CERT"] == "服务认证"
    points = item_names(template("bank-yearly-points"))
    assert (points["P-CHAT"], points["P-FRAUD"]) == ("营业期间串岗聊天", "堵截金融诈骗")


# --- every kind of mistake ------------------------------------------------------------

P = "property-monthly-quality"  # deduction with grades and a range item
T = "tobacco-half-year-quality"  # deduction with indicators, complaints, satisfaction
S = "property-weekly-stars"
W = "bank-quarterly-weighted"
G = "govhall-half-year-star"
B = "bank-yearly-points"

BAD_INPUTS = [
    # common fields
    (P, {"code": "Property Monthly"}, "code", "lowercase letters"),
    (P, {"code": DELETE}, "code", "is required"),
    (P, {"name": "  "}, "name", "must not be empty"),
    (P, {"period": "week"}, "period", "must be one of: weekly, monthly"),
    (P, {"method": "scores"}, "method", "must be one of: deduction, stars"),
    (P, {"applies_to.positions": []}, "applies_to.positions", "at least one entry"),
    (P, {"applies_to.positions": "保洁员"}, "applies_to.positions", "must be a list"),
    (P, {"applies_to.positions[1]": "保洁员"}, "applies_to.positions[1]", "listed twice"),
    (P, {"applies_to.units": ["一支行//营业室"]}, "applies_to.units[0]", "unit path"),
    (P, {"applies_to": DELETE}, "applies_to", "is required"),
    (P, {"categoris": []}, "categoris", "unknown key"),
    (W, {"categories": []}, "categories", "is not used when method is weighted"),
    # grades
    (P, {"grades[1].min": 97}, "grades[1].min", "lower than the grade above (96)"),
    (P, {"grades[2].name": "优秀"}, "grades[2].name", "more than one grade"),
    (P, {"grades[0].min": "九十六"}, "grades[0].min", "must be a number"),
    # deduction
    (P, {"categories[0].max": True}, "categories[0].max", "must be a number"),
    (P, {"categories[0].max": -5}, "categories[0].max", "must be positive"),
    (P, {"categories[1].items[0].deduct": 0}, "categories[1].items[0].deduct", "must be positive"),
    (P, {"categories[1].items[0].deduct": "一分"}, "categories[1].items[0].deduct", "range"),
    (
        P,
        {"categories[2].items[1].deduct": {"min": 5, "max": 2}},
        "categories[2].items[1].deduct",
        "min (5) must not be greater than max (2)",
    ),
    (
        P,
        {"categories[2].items[1].deduct.min": 0},
        "categories[2].items[1].deduct.min",
        "must be positive",
    ),
    (
        P,
        {"categories[2].items[1].deduct.step": 1},
        "categories[2].items[1].deduct.step",
        "unknown key",
    ),
    (P, {"categories[0].items[0].fine": 50}, "categories[0].items[0].fine", "unknown key"),
    (P, {"categories[0]": "CLEAN"}, "categories[0]", "must be a mapping"),
    (T, {"categories[2].complaints": DELETE}, "categories[2]", "at least one of items"),
    (
        T,
        {"categories[1].indicators[0].direction": "above"},
        "categories[1].indicators[0].direction",
        "must be one of: at_least, at_most",
    ),
    (T, {"categories[1].indicators[1].unit": 0}, "categories[1].indicators[1].unit", "positive"),
    (
        T,
        {"categories[1].indicators[0].aggregate": "median"},
        "categories[1].indicators[0].aggregate",
        "must be one of: sum, mean, last",
    ),
    (
        T,
        {"categories[1].indicators[0].metric": "market purity"},
        "categories[1].indicators[0].metric",
        "must not contain spaces",
    ),
    (
        T,
        {"categories[3].satisfaction.target_rate": 120},
        "categories[3].satisfaction.target_rate",
        "between 0 and 100",
    ),
    (T, {"aggregation": "average"}, "aggregation", "per_inspection_average"),
    (
        P,
        {"categories[1].items[0].code": "CLEAN-01"},
        "categories[1].items[0].code",
        "“CLEAN-01” is already used at categories[0].items[0].code",
    ),
    (P, {"categories[1].code": "CLEAN-01"}, "categories[1].code", "already used"),
    (P, {"categories[0].items[0].code": 101}, "categories[0].items[0].code", "must be text"),
    (P, {"categories[0].items[0].code": "CL 01"}, "categories[0].items[0].code", "spaces"),
    # weighted
    (W, {"sources[2].weight": 10}, "sources", "weights add up to 90, must be 100"),
    (W, {"sources[0].weight": 0}, "sources[0].weight", "must be positive"),
    (G, {"sources[1].from": "poll"}, "sources[1].from", "must be one of: votes"),
    (W, {"missing": "ignore"}, "missing", "equal_split, proportional, zero"),
    (W, {"complaints.levels.媒体": 0}, "complaints.levels.媒体", "must be positive"),
    (W, {"complaints.deduct_per_valid": -2}, "complaints.deduct_per_valid", "not be negative"),
    (W, {"bonus_items[0].reward": 100}, "bonus_items[0].reward", "unknown key"),
    (W, {"sources": DELETE}, "sources", "is required"),
    # stars
    (S, {"components[1].type": "bonus"}, "components[1].type", "conduct, ranked, manual"),
    (S, {"components[0].warning_loss": [1, 0.5]}, "components[0].warning_loss[1]", "smaller"),
    (S, {"components[0].full": 2.3}, "components[0].full", "half"),
    (S, {"components[0].on_deduction.green": -1}, "components[0].on_deduction.green", "negative"),
    (S, {"components[1].full": 3}, "components[1].full", "is not used when type is ranked"),
    (S, {"components[1].metric": DELETE}, "components[1].metric", "is required"),
    (S, {"components[3].bonus": "yes"}, "components[3].bonus", "true or false"),
    (S, {"components[0].items[1].name": DELETE}, "components[0].items[1].name", "is required"),
    (S, {"components[0].items[1].code": "PATROL"}, "components[0].items[1].code", "already"),
    (S, {"period": "monthly"}, "period", "must be weekly for the stars method"),
    (S, {"award.tie_break[1]": "more_stars"}, "award.tie_break[1]", "fewer_green, more_red"),
    (S, {"promotion.wins": 0}, "promotion.wins", "at least 1"),
    (S, {"promotion.within": "week"}, "promotion.within", "must be one of: month"),
    # awards, veto, eligibility, roll-up
    (W, {"award.tie_break": ["fewer_green"]}, "award.tie_break", "only applies to the stars"),
    (W, {"award.winners": 2.5}, "award.winners", "whole number"),
    (W, {"award.per_unit": -1}, "award.per_unit", "at least 1"),
    (W, {"award.title": DELETE}, "award.title", "is required"),
    (P, {"award.min_grade": "卓越"}, "award.min_grade", "one of the grades: 优秀, 优良"),
    (G, {"award.min_grade": "优秀"}, "award.min_grade", "the scheme defines none"),
    (G, {"veto[0]": {"complaint": "valid", "rating": "basic"}}, "veto[0]", "more than one kind"),
    (G, {"veto[0]": {}}, "veto[0]", "must name one kind of rule"),
    (G, {"veto[0].rating": "bad"}, "veto[0].rating", "basic, unsatisfied"),
    (G, {"veto[1].incident": []}, "veto[1].incident", "at least one entry"),
    (P, {"veto[1].below": DELETE}, "veto[1].below", "required for a metric rule"),
    (P, {"veto[0].below": 3}, "veto[0].below", "only applies to a metric rule"),
    (G, {"veto[2].complaint": "any"}, "veto[2].complaint", "must be one of: valid"),
    (P, {"eligibility": {"min_tenure": 3}}, "eligibility.min_tenure", "unknown key"),
    (
        P,
        {"eligibility": {"no_incident_years": {"years": 3}}},
        "eligibility.no_incident_years.incidents",
        "is required",
    ),
    (T, {"unit_rollup.level": 0}, "unit_rollup.level", "at least 1"),
    (T, {"unit_rollup.threshold": "85分"}, "unit_rollup.threshold", "must be a number"),
    # points bank
    (B, {"items[0].points": 0}, "items[0].points", "must be positive"),
    (B, {"items[0].fine": -1}, "items[0].fine", "must not be negative"),
    (B, {"bonus_items[2].add": 0}, "bonus_items[2].add", "must be positive"),
    (B, {"repeat.multiplier": 0.5}, "repeat.multiplier", "at least 1"),
    (B, {"retraining.window_days": 0}, "retraining.window_days", "at least 1"),
    (B, {"retraining": {"violations": 3}}, "retraining.window_days", "required with violations"),
    (B, {"retraining": {}}, "retraining", "needs at_or_below"),
    (B, {"manager_liability.staff": 1.5}, "manager_liability.staff", "between 0 and 1"),
    (B, {"grade_caps[0]": {"grade": "D"}}, "grade_caps[0]", "at least one condition"),
    (B, {"grade_caps[0].grade": "E"}, "grade_caps[0].grade", "one of grade_scale: A+, A, B"),
    (B, {"grade_caps[1].complaints_at_least": 2.5}, "grade_caps[1].complaints_at_least", "whole"),
    (B, {"grade_scale[1]": "A+"}, "grade_scale[1]", "listed twice"),
    (B, {"grade_scale": DELETE}, "grade_scale", "required when grade_caps is given"),
    (B, {"base": DELETE}, "base", "is required"),
]


@pytest.mark.parametrize(("name", "changes", "path", "fragment"), BAD_INPUTS)
def test_mistake_is_reported_at_its_path(name, changes, path, fragment):
    errors = paths_and_messages(validate_scheme(changed(name, changes)))
    assert [message for where, message in errors if where == path and fragment in message], errors


def test_every_problem_is_reported_at_once():
    data = changed(
        P,
        {
            "code": "Bad Code",
            "period": "daily",
            "categories[1].items[0].deduct": -1,
            "categories[2].items[1].deduct": {"min": 5, "max": 2},
            "grades[3].min": 99,
            "award.winners": 0,
            "colour": "red",
        },
    )
    errors = validate_scheme(data)
    assert {error.path for error in errors} == {
        "code",
        "period",
        "categories[1].items[0].deduct",
        "categories[2].items[1].deduct",
        "grades[3].min",
        "award.winners",
        "colour",
    }
    assert "categories[1].items[0].deduct: must be positive" in [str(error) for error in errors]


def test_invalid_method_reports_only_the_method():
    """Method-specific keys are not flagged while the method itself is wrong."""
    errors = validate_scheme(changed(P, {"method": "deductions"}))
    assert [str(error) for error in errors] == [
        "method: must be one of: deduction, stars, weighted, points_bank"
    ]


def test_not_a_mapping_at_all():
    assert [error.path for error in validate_scheme(["code"])] == [""]


# --- reading YAML ---------------------------------------------------------------------


def test_syntax_error_names_the_line():
    data, errors = parse_yaml("code: x\nname: y\napplies_to:\n  positions: [柜员\nperiod: weekly\n")
    assert data is None
    assert len(errors) == 1
    assert errors[0].path == ""
    assert "line 5" in errors[0].message
    assert str(errors[0]).startswith("YAML syntax error at line 5, column")


def test_tab_indentation_is_a_syntax_error_with_its_line():
    _, errors = parse_yaml("code: x\napplies_to:\n\tpositions: [柜员]\n")
    assert "line 3" in errors[0].message


def test_top_level_must_be_a_mapping():
    for text in ("- code: x\n", "just words\n", ""):
        data, errors = parse_yaml(text)
        assert data is None
        assert "must hold a scheme" in errors[0].message


def test_duplicate_keys_are_reported_not_dropped():
    data, errors = parse_yaml("code: a\naward:\n  title: x\n  winners: 1\n  winners: 2\n")
    assert data is not None
    assert [str(error) for error in errors] == ["award.winners: is written twice (lines 4 and 5)"]


def test_unsafe_tags_are_refused():
    data, errors = parse_yaml("code: !!python/object/apply:os.system [echo hi]\n")
    assert data is None
    assert "line 1" in errors[0].message


def test_load_scheme_gives_reading_and_validation_problems_together():
    text = (templates_dir() / f"{W}.yaml").read_text(encoding="utf-8")
    text = text.replace("missing: equal_split", "missing: equal_split\nmissing: none")
    _, errors = load_scheme(text)
    assert [error.path for error in errors] == ["missing", "missing"]


# --- nothing a user types makes the module raise ----------------------------------------

KEYS = sorted(
    {key for path in TEMPLATE_FILES for key in re.findall(r"(\w+):", path.read_text("utf-8"))}
    | {"min", "max", "from", "unit", "aggregate", "below", "metric", "reward", "fine"}
)
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.decimals()
    | st.text(max_size=6)
    | st.sampled_from(["weekly", "stars", "conduct", "ranked", "CLEAN-01", "P-LATE", "优秀", "A"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=6,
)


def locations(node: Any, here: tuple = ()) -> list[tuple]:
    found = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            found += locations(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += locations(value, (*here, index))
    return found


def mutate(data: dict, draw: Any) -> dict:
    where = draw(st.sampled_from(locations(data)))
    if not where:
        return draw(VALUES)
    parent = data
    for step in where[:-1]:
        parent = parent[step]
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete" and isinstance(parent, dict):
        del parent[where[-1]]
    elif action == "add" and isinstance(parent[where[-1]], dict):
        parent[where[-1]][draw(st.sampled_from(KEYS))] = draw(VALUES)
    else:
        parent[where[-1]] = draw(VALUES)
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TEMPLATE_FILES), st.integers(min_value=1, max_value=4), st.data())
def test_random_mutations_only_ever_give_errors(path, how_many, data):
    scheme = parse_yaml(path.read_text(encoding="utf-8"))[0]
    for _ in range(how_many):
        scheme = mutate(scheme, data.draw)
    errors = validate_scheme(scheme)
    assert isinstance(errors, list)
    for error in errors:
        assert isinstance(error, SchemeError)
        assert isinstance(error.path, str) and error.message
        str(error)


@given(st.text(max_size=200))
def test_random_text_never_raises(text):
    data, errors = parse_yaml(text)
    assert data is not None or errors


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.decimals(
            allow_nan=False, allow_infinity=False, places=4, max_value=10**9, min_value=-(10**9)
        )
        | st.integers(min_value=-(10**12), max_value=10**12)
        | st.text(max_size=12)
        | st.lists(st.text(max_size=5), max_size=3),
        max_size=6,
    )
)
def test_export_round_trips_any_plain_data(data):
    again, errors = parse_yaml(dump_yaml(data))
    assert errors == []
    assert normalise(again) == normalise(data)
