"""Scheme files (SCHEMES.md): YAML in and out, and validation of the scheme dict.

Pure: no ORM, no database. Validation is table-driven: every section is described by a
spec built from ``mapping``/``list_of`` and small checks, and one walk over the data
reports every problem with its path (``categories[1].items[0].deduct: must be positive``)
so that the import command and the browser editor can show all of them at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from django.utils.translation import gettext as _

__all__ = [
    "SchemeError",
    "dump_yaml",
    "item_names",
    "load_scheme",
    "normalise",
    "parse_yaml",
    "range_items",
    "validate_scheme",
]

PERIODS = ("weekly", "monthly", "quarterly", "half_year", "yearly")
METHODS = ("deduction", "stars", "weighted", "points_bank")
AGGREGATES = ("sum", "mean", "last")
VETO_KINDS = ("complaint", "rating", "incident", "metric", "deduction")
CATEGORY_PARTS = ("items", "indicators", "complaints", "satisfaction")
CAP_CONDITIONS = ("points_below", "points_at_most", "complaints_above", "complaints_at_least")
CODE_LENGTH, NAME_LENGTH = 64, 200  # Scheme.code and Scheme.name
LARGEST = 1_000_000_000


@dataclass(frozen=True)
class SchemeError:
    path: str  # "categories[1].items[0].deduct"; "" for the file as a whole
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


# --- numbers ---------------------------------------------------------------------------


def _as_decimal(value: int | float | Decimal) -> Decimal:
    # Floats go through their text form, so YAML's 1.2 becomes Decimal("1.2").
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _number(value: object) -> Decimal | None:
    """The value as a finite Decimal, or None when it is not a number (booleans are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = _as_decimal(value)
    return number if number.is_finite() else None


def _show(number: Decimal) -> str:
    return format(number.normalize(), "f")


def normalise(data: dict) -> dict:
    """A copy of ``data`` with every number as a Decimal, to compare schemes as data."""
    return _normalised(data)


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _as_decimal(value)
    return value


# --- the validation walk and its building blocks ---------------------------------------


@dataclass
class _Walk:
    root: dict
    errors: list[SchemeError] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)  # code → path where it is first used

    def error(self, path: str, message: str) -> None:
        self.errors.append(SchemeError(path, message))


Check = Callable[[Any, str, _Walk], None]


def _key_path(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _index_path(path: str, index: int) -> str:
    return f"{path}[{index}]"


@dataclass(frozen=True)
class Key:
    check: Check
    required: bool


def required(check: Check) -> Key:
    return Key(check, required=True)


def optional(check: Check) -> Key:
    return Key(check, required=False)


@dataclass(frozen=True)
class Variant:
    """Keys that depend on one field's value: ``method`` of the scheme, ``type`` of a component."""

    key: str
    fields: dict[str, dict[str, Key]]

    def chosen(self, values: dict) -> str | None:
        value = values.get(self.key)
        return value if isinstance(value, str) and value in self.fields else None

    def owns(self, key: object) -> bool:
        return any(key in extra for extra in self.fields.values())


def then(*checks: Check) -> Check:
    """Run checks in order, stopping at the first that reports a problem."""

    def check(value: Any, path: str, walk: _Walk) -> None:
        for step in checks:
            before = len(walk.errors)
            step(value, path, walk)
            if len(walk.errors) > before:
                return

    return check


def mapping(
    fields: dict[str, Key], *, variant: Variant | None = None, rules: Iterable[Check] = ()
) -> Check:
    rules = tuple(rules)

    def check(value: Any, path: str, walk: _Walk) -> None:
        if not isinstance(value, dict):
            walk.error(path, _("must be a mapping (key: value)"))
            return
        chosen = variant.chosen(value) if variant else None
        own = {**fields, **(variant.fields[chosen] if variant and chosen else {})}
        for key, item in value.items():  # file order, so "first used" reads naturally
            if key in own:
                own[key].check(item, _key_path(path, key), walk)
            elif variant and variant.owns(key):
                # With an invalid discriminator its own error says it all.
                if chosen:
                    walk.error(
                        _key_path(path, key),
                        _("is not used when %(key)s is %(value)s")
                        % {"key": variant.key, "value": chosen},
                    )
            else:
                walk.error(_key_path(path, key), _("unknown key"))
        for key, spec in own.items():
            if spec.required and key not in value:
                walk.error(_key_path(path, key), _("is required"))
        for rule in rules:
            rule(value, path, walk)

    return check


def list_of(
    entry: Check, *, not_empty: bool = False, unique: bool = False, rules: Iterable[Check] = ()
) -> Check:
    rules = tuple(rules)

    def check(value: Any, path: str, walk: _Walk) -> None:
        if not isinstance(value, list):
            walk.error(path, _("must be a list"))
            return
        if not_empty and not value:
            walk.error(path, _("must have at least one entry"))
            return
        seen: list[Any] = []
        for index, item in enumerate(value):
            before = len(walk.errors)
            entry(item, _index_path(path, index), walk)
            if unique and len(walk.errors) == before:
                if item in seen:
                    walk.error(
                        _index_path(path, index), _("“%(value)s” is listed twice") % {"value": item}
                    )
                seen.append(item)
        for rule in rules:
            rule(value, path, walk)

    return check


def choice(*options: str) -> Check:
    def check(value: Any, path: str, walk: _Walk) -> None:
        if not (isinstance(value, str) and value in options):
            walk.error(path, _("must be one of: %(options)s") % {"options": ", ".join(options)})

    return check


def number(
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    positive: bool = False,
    halves: bool = False,
) -> Check:
    def check(value: Any, path: str, walk: _Walk) -> None:
        amount = _number(value)
        if amount is None:
            walk.error(path, _("must be a number"))
        elif problem := _out_of_range(amount, minimum, maximum, positive):
            walk.error(path, problem)
        elif halves and (amount * 2) != (amount * 2).to_integral_value():
            walk.error(path, _("must be a whole or half number (stars move in halves)"))

    return check


def whole(*, minimum: int) -> Check:
    def check(value: Any, path: str, walk: _Walk) -> None:
        amount = _number(value)
        if amount is None or amount != amount.to_integral_value():
            walk.error(path, _("must be a whole number"))
        elif problem := _out_of_range(amount, minimum, None, positive=False):
            walk.error(path, problem)

    return check


def _out_of_range(
    amount: Decimal, minimum: int | None, maximum: int | None, positive: bool
) -> str | None:
    if abs(amount) > LARGEST:
        # Far beyond any real points, weights or fines, and beyond exact 2-place rounding.
        return _("is too large: a number in a scheme lies between -%(limit)s and %(limit)s") % {
            "limit": LARGEST
        }
    if minimum is not None and maximum is not None:
        if minimum <= amount <= maximum:
            return None
        return _("must be between %(low)s and %(high)s") % {"low": minimum, "high": maximum}
    if positive and amount <= 0:
        return _("must be positive")
    if minimum is not None and amount < minimum:
        if minimum == 0:
            return _("must not be negative")
        return _("must be at least %(low)s") % {"low": minimum}
    return None


def true_or_false(value: Any, path: str, walk: _Walk) -> None:
    if not isinstance(value, bool):
        walk.error(path, _("must be true or false"))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def non_empty_text(value: Any, path: str, walk: _Walk) -> None:
    if not isinstance(value, str):
        walk.error(path, _("must be text"))
    elif not value.strip():
        walk.error(path, _("must not be empty"))
    elif _CONTROL.search(value):
        # A NUL cannot even be stored in PostgreSQL; none of them is typed on purpose.
        walk.error(path, _("must not contain control characters"))


def at_most(limit: int) -> Check:
    """Text no longer than the database column that stores it (the scheme's code and name)."""

    def check(value: str, path: str, walk: _Walk) -> None:
        if len(value) > limit:
            walk.error(path, _("must be at most %(limit)d characters") % {"limit": limit})

    return check


def _no_spaces(value: str, path: str, walk: _Walk) -> None:
    # Codes and metric names are matched against the 编码 column, which is typed by hand.
    if any(char.isspace() for char in value):
        walk.error(path, _("must not contain spaces"))


def _lowercase_code(value: str, path: str, walk: _Walk) -> None:
    if not re.fullmatch(r"[a-z0-9-]+", value):
        walk.error(path, _("may only contain lowercase letters a-z, digits and “-”"))


def _first_use(value: str, path: str, walk: _Walk) -> None:
    first = walk.codes.setdefault(value, path)
    if first != path:
        walk.error(
            path, _("“%(code)s” is already used at %(path)s") % {"code": value, "path": first}
        )


def _unit_path(value: str, path: str, walk: _Walk) -> None:
    if any(not part.strip() for part in value.split("/")):
        walk.error(path, _("must be a unit path such as 一支行/营业室, with no empty part"))


def _level_points(value: Any, path: str, walk: _Walk) -> None:
    if not isinstance(value, dict):
        walk.error(path, _("must be a mapping (key: value)"))
        return
    for level, points in value.items():
        level_path = _key_path(path, level)
        if isinstance(level, str) and level.strip():
            POSITIVE(points, level_path, walk)
        else:
            walk.error(level_path, _("a complaint level must be named by text"))


def _deduct(value: Any, path: str, walk: _Walk) -> None:
    if isinstance(value, dict):
        POINT_RANGE(value, path, walk)
    elif _number(value) is None:
        walk.error(path, _("must be a number of points or a range such as {min: 2, max: 5}"))
    else:
        POSITIVE(value, path, walk)


def _one_of_grades(value: str, path: str, walk: _Walk) -> None:
    grades = walk.root.get("grades")
    names = [
        grade.get("name")
        for grade in (grades if isinstance(grades, list) else [])
        if isinstance(grade, dict) and isinstance(grade.get("name"), str)
    ]
    if not names:
        walk.error(path, _("needs grades, but the scheme defines none"))
    elif value not in names:
        walk.error(path, _("must be one of the grades: %(names)s") % {"names": ", ".join(names)})


def _one_of_grade_scale(value: str, path: str, walk: _Walk) -> None:
    scale = walk.root.get("grade_scale")
    # Without a grade_scale the scheme-level rule reports it once.
    if isinstance(scale, list) and value not in scale:
        names = ", ".join(str(name) for name in scale)
        walk.error(path, _("must be one of grade_scale: %(names)s") % {"names": names})


# --- rules across fields ----------------------------------------------------------------


def _min_not_above_max(value: dict, path: str, walk: _Walk) -> None:
    low, high = _number(value.get("min")), _number(value.get("max"))
    if low is not None and high is not None and low > high:
        walk.error(
            path,
            _("min (%(min)s) must not be greater than max (%(max)s)")
            % {"min": _show(low), "max": _show(high)},
        )


def _has_a_part(category: dict, path: str, walk: _Walk) -> None:
    if not any(category.get(part) for part in CATEGORY_PARTS):
        walk.error(path, _("needs at least one of items, indicators, complaints or satisfaction"))


def _one_veto_kind(rule: dict, path: str, walk: _Walk) -> None:
    kinds = [kind for kind in VETO_KINDS if kind in rule]
    if not kinds:
        walk.error(
            path, _("must name one kind of rule: complaint, rating, incident, metric or deduction")
        )
    elif len(kinds) > 1:
        walk.error(
            path,
            _("has more than one kind of rule (%(kinds)s); write each as a rule of its own")
            % {"kinds": ", ".join(kinds)},
        )
    if "metric" in rule and "below" not in rule:
        walk.error(_key_path(path, "below"), _("is required for a metric rule"))
    for key in ("below", "aggregate"):
        if key in rule and "metric" not in rule:
            walk.error(_key_path(path, key), _("only applies to a metric rule"))


def _has_a_condition(cap: dict, path: str, walk: _Walk) -> None:
    if not any(key in cap for key in CAP_CONDITIONS):
        walk.error(
            path, _("needs at least one condition: %(keys)s") % {"keys": ", ".join(CAP_CONDITIONS)}
        )


def _has_a_trigger(retraining: dict, path: str, walk: _Walk) -> None:
    if "at_or_below" not in retraining and "violations" not in retraining:
        walk.error(path, _("needs at_or_below, or violations with window_days"))
    for key, partner in (("violations", "window_days"), ("window_days", "violations")):
        if key in retraining and partner not in retraining:
            walk.error(_key_path(path, partner), _("is required with %(key)s") % {"key": key})


def _unique_grade_names(grades: list, path: str, walk: _Walk) -> None:
    seen: set[str] = set()
    for index, grade in enumerate(grades):
        name = grade.get("name") if isinstance(grade, dict) else None
        if isinstance(name, str):
            if name in seen:
                walk.error(
                    f"{_index_path(path, index)}.name",
                    _("“%(name)s” is used by more than one grade") % {"name": name},
                )
            seen.add(name)


def _descending_mins(grades: list, path: str, walk: _Walk) -> None:
    above: Decimal | None = None
    for index, grade in enumerate(grades):
        current = _number(grade.get("min")) if isinstance(grade, dict) else None
        if current is None:
            continue
        if above is not None and current >= above:
            walk.error(
                f"{_index_path(path, index)}.min",
                _("must be lower than the grade above (%(above)s): highest grade first")
                % {"above": _show(above)},
            )
        above = current


def _never_smaller(losses: list, path: str, walk: _Walk) -> None:
    before: Decimal | None = None
    for index, loss in enumerate(losses):
        current = _number(loss)
        if current is None:
            continue
        if before is not None and current < before:
            walk.error(
                _index_path(path, index),
                _("must not be smaller than the entry before (%(before)s)")
                % {"before": _show(before)},
            )
        before = current


def _weights_add_up_to_100(sources: list, path: str, walk: _Walk) -> None:
    weights = [
        _number(source.get("weight")) if isinstance(source, dict) else None for source in sources
    ]
    if not weights or any(weight is None for weight in weights):
        return  # the bad weight has its own error
    total = sum(weights, Decimal(0))
    if total != 100:
        walk.error(path, _("weights add up to %(total)s, must be 100") % {"total": _show(total)})


def _stars_are_weekly(scheme: dict, path: str, walk: _Walk) -> None:
    # Conduct, promotion and the inverted pyramid are all defined per week.
    period = scheme.get("period")
    if scheme.get("method") == "stars" and period in PERIODS and period != "weekly":
        walk.error(_key_path(path, "period"), _("must be weekly for the stars method"))


def _tie_break_only_for_stars(scheme: dict, path: str, walk: _Walk) -> None:
    award = scheme.get("award")
    method = scheme.get("method")
    if isinstance(award, dict) and "tie_break" in award and method in METHODS and method != "stars":
        walk.error(_key_path(path, "award.tie_break"), _("only applies to the stars method"))


def _grade_caps_need_a_scale(scheme: dict, path: str, walk: _Walk) -> None:
    if (
        scheme.get("method") == "points_bank"
        and scheme.get("grade_caps")
        and "grade_scale" not in scheme
    ):
        walk.error(_key_path(path, "grade_scale"), _("is required when grade_caps is given"))


# --- the scheme, section by section ---------------------------------------------------

NUMBER = number()
POSITIVE = number(positive=True)
NOT_NEGATIVE = number(minimum=0)
FRACTION = number(minimum=0, maximum=1)
STARS = number(minimum=0, halves=True)
POSITIVE_STARS = number(positive=True, halves=True)
COUNT = whole(minimum=1)
TOKEN = then(non_empty_text, _no_spaces)
CODE = then(non_empty_text, _no_spaces, _first_use)
AGGREGATE = choice(*AGGREGATES)
NAMES = list_of(non_empty_text, unique=True)

CODE_AND_NAME = {"code": required(CODE), "name": required(non_empty_text)}
POINT_RANGE = mapping(
    {"min": required(POSITIVE), "max": required(POSITIVE)}, rules=[_min_not_above_max]
)
COMPLAINTS = mapping(
    {"deduct_per_valid": required(NOT_NEGATIVE), "levels": optional(_level_points)}
)
BONUS_ITEMS = list_of(mapping({**CODE_AND_NAME, "add": required(POSITIVE)}))

APPLIES_TO = mapping(
    {
        "positions": required(list_of(non_empty_text, not_empty=True, unique=True)),
        "units": optional(list_of(then(non_empty_text, _unit_path), unique=True)),
    }
)
GRADES = list_of(
    mapping({"name": required(non_empty_text), "min": required(NUMBER)}),
    rules=[_unique_grade_names, _descending_mins],
)
VETO_RULE = mapping(
    {
        "complaint": optional(choice("valid")),
        "rating": optional(choice("basic", "unsatisfied")),
        "incident": optional(list_of(non_empty_text, not_empty=True, unique=True)),
        "metric": optional(TOKEN),
        "below": optional(NUMBER),
        "aggregate": optional(AGGREGATE),
        "deduction": optional(choice("any")),
    },
    rules=[_one_veto_kind],
)
ELIGIBILITY = mapping(
    {
        "min_tenure_years": optional(COUNT),
        "certificates": optional(NAMES),
        "no_incident_years": optional(
            mapping(
                {
                    "years": required(COUNT),
                    "incidents": required(list_of(non_empty_text, not_empty=True, unique=True)),
                }
            )
        ),
    }
)
AWARD = mapping(
    {
        "title": required(non_empty_text),
        "winners": required(COUNT),
        "per_position": optional(COUNT),
        "per_unit": optional(COUNT),
        "min_score": optional(NUMBER),
        "min_grade": optional(then(non_empty_text, _one_of_grades)),
        "tie_break": optional(
            list_of(choice("fewer_green", "more_red"), not_empty=True, unique=True)
        ),
    }
)
UNIT_ROLLUP = mapping(
    {
        "level": required(COUNT),
        "threshold": required(NUMBER),
        "head_deduct_per_point": required(NOT_NEGATIVE),
    }
)

CATEGORY = mapping(
    {
        **CODE_AND_NAME,
        "max": required(POSITIVE),
        "items": optional(list_of(mapping({**CODE_AND_NAME, "deduct": required(_deduct)}))),
        "indicators": optional(
            list_of(
                mapping(
                    {
                        **CODE_AND_NAME,
                        "metric": required(TOKEN),
                        "target": required(NUMBER),
                        "direction": required(choice("at_least", "at_most")),
                        "deduct_per_unit": required(POSITIVE),
                        "unit": optional(POSITIVE),
                        "aggregate": optional(AGGREGATE),
                    }
                )
            )
        ),
        "complaints": optional(COMPLAINTS),
        "satisfaction": optional(
            mapping(
                {
                    "target_rate": required(number(minimum=0, maximum=100)),
                    "deduct_per_point": required(POSITIVE),
                }
            )
        ),
    },
    rules=[_has_a_part],
)
COMPONENT = mapping(
    {
        **CODE_AND_NAME,
        "type": required(choice("conduct", "ranked", "manual")),
        "bonus": optional(true_or_false),
    },
    variant=Variant(
        "type",
        {
            "conduct": {
                "full": required(POSITIVE_STARS),
                "warning_loss": required(list_of(STARS, not_empty=True, rules=[_never_smaller])),
                "on_deduction": required(
                    mapping({"red": required(STARS), "green": required(STARS)})
                ),
                "items": optional(list_of(mapping(CODE_AND_NAME))),
            },
            "ranked": {"metric": required(TOKEN), "aggregate": optional(AGGREGATE)},
            "manual": {},
        },
    ),
)
PROMOTION = mapping(
    {
        "title": required(non_empty_text),
        "wins": required(COUNT),
        "within": optional(choice("month")),
        "prize": optional(NOT_NEGATIVE),
    }
)
SOURCE = mapping({**CODE_AND_NAME, "weight": required(POSITIVE), "from": optional(choice("votes"))})
GRADE_CAP = mapping(
    {
        "points_below": optional(NUMBER),
        "points_at_most": optional(NUMBER),
        "complaints_above": optional(whole(minimum=0)),
        "complaints_at_least": optional(whole(minimum=0)),
        "grade": required(then(non_empty_text, _one_of_grade_scale)),
    },
    rules=[_has_a_condition],
)

METHOD_FIELDS: dict[str, dict[str, Key]] = {
    "deduction": {
        "categories": required(list_of(CATEGORY, not_empty=True)),
        "bonus_items": optional(BONUS_ITEMS),
        "aggregation": optional(choice("sum", "per_inspection_average")),
    },
    "stars": {
        "components": required(list_of(COMPONENT, not_empty=True)),
        "promotion": optional(PROMOTION),
    },
    "weighted": {
        "sources": required(list_of(SOURCE, not_empty=True, rules=[_weights_add_up_to_100])),
        "missing": optional(choice("equal_split", "proportional", "zero")),
        "complaints": optional(COMPLAINTS),
        "bonus_items": optional(BONUS_ITEMS),
    },
    "points_bank": {
        "base": required(NOT_NEGATIVE),
        "items": required(
            list_of(
                mapping(
                    {**CODE_AND_NAME, "points": required(POSITIVE), "fine": optional(NOT_NEGATIVE)}
                ),
                not_empty=True,
            )
        ),
        "bonus_items": optional(
            list_of(
                mapping(
                    {**CODE_AND_NAME, "add": required(POSITIVE), "reward": optional(NOT_NEGATIVE)}
                )
            )
        ),
        "repeat": optional(
            mapping({"window_days": required(COUNT), "multiplier": required(number(minimum=1))})
        ),
        "retraining": optional(
            mapping(
                {
                    "at_or_below": optional(NUMBER),
                    "violations": optional(COUNT),
                    "window_days": optional(COUNT),
                },
                rules=[_has_a_trigger],
            )
        ),
        "manager_liability": optional(
            mapping({"management": required(FRACTION), "staff": required(FRACTION)})
        ),
        "grade_scale": optional(list_of(non_empty_text, not_empty=True, unique=True)),
        "grade_caps": optional(list_of(GRADE_CAP)),
    },
}

SCHEME = mapping(
    {
        "code": required(then(non_empty_text, _lowercase_code, at_most(CODE_LENGTH))),
        "name": required(then(non_empty_text, at_most(NAME_LENGTH))),
        "period": required(choice(*PERIODS)),
        "method": required(choice(*METHODS)),
        "applies_to": required(APPLIES_TO),
        "grades": optional(GRADES),
        "veto": optional(list_of(VETO_RULE)),
        "eligibility": optional(ELIGIBILITY),
        "award": optional(AWARD),
        "unit_rollup": optional(UNIT_ROLLUP),
    },
    variant=Variant("method", METHOD_FIELDS),
    rules=[_stars_are_weekly, _tie_break_only_for_stars, _grade_caps_need_a_scale],
)


def validate_scheme(data: dict) -> list[SchemeError]:
    """Every problem of the scheme at once, in file order; an empty list means valid."""
    walk = _Walk(root=data if isinstance(data, dict) else {})
    SCHEME(data, "", walk)
    return walk.errors


# --- YAML ------------------------------------------------------------------------------


def parse_yaml(text: str) -> tuple[dict | None, list[SchemeError]]:
    """The YAML text as a dict, plus reading problems (syntax, duplicate keys).

    The dict is None only when the text cannot be read as a mapping; with duplicate
    keys it is returned too (the last value wins), so that validation can add its own
    problems to the list."""
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(exc)]
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        # ValueError: e.g. an integer too long to convert; RecursionError: absurd nesting.
        return None, [
            SchemeError("", _("the file cannot be read as YAML: %(problem)s") % {"problem": exc})
        ]
    if not isinstance(data, dict):
        return None, [
            SchemeError(
                "",
                _("the file must hold a scheme: code, name, method… at the top level"),
            )
        ]
    return data, list(_duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader), "", set()))


def load_scheme(text: str) -> tuple[dict | None, list[SchemeError]]:
    """Parse and validate: what ``import_scheme`` and the editor's upload need."""
    data, errors = parse_yaml(text)
    if data is not None:
        errors += validate_scheme(data)
    return data, errors


def _syntax_error(exc: yaml.MarkedYAMLError) -> SchemeError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or str(exc)
    if mark is None:
        return SchemeError("", _("YAML syntax error: %(problem)s") % {"problem": problem})
    return SchemeError(
        "",
        _("YAML syntax error at line %(line)d, column %(column)d: %(problem)s")
        % {"line": mark.line + 1, "column": mark.column + 1, "problem": problem},
    )


def _duplicate_keys(node: yaml.Node, path: str, visited: set[int]) -> Iterator[SchemeError]:
    # safe_load keeps the last of two equal keys without a word; a typo must not vanish.
    if id(node) in visited:
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            key_path = _key_path(path, key)
            line = key_node.start_mark.line + 1
            if key is not None and key in lines:
                yield SchemeError(
                    key_path,
                    _("is written twice (lines %(first)d and %(second)d)")
                    % {"first": lines[key], "second": line},
                )
            if key is not None:
                lines[key] = line
            yield from _duplicate_keys(value_node, key_path, visited)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, _index_path(path, index), visited)


class _SchemeDumper(yaml.SafeDumper):
    """Block style for sections, one line per leaf entry (like the shipped templates)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # never &id001 anchors in a file people read

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, indentless=False)  # indent lists under their key


class _Document(dict):
    """The top level, always written in block style."""


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _is_leaf(values: Iterable[Any]) -> bool:
    """Short enough for one line: scalars and lists of scalars (``incident: [违纪通报, …]``)."""
    return all(
        _is_scalar(value) or (isinstance(value, list) and all(map(_is_scalar, value)))
        for value in values
    )


def _represent_document(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=False)


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping(
        "tag:yaml.org,2002:map", data, flow_style=_is_leaf(data.values())
    )


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    return dumper.represent_sequence(
        "tag:yaml.org,2002:seq", data, flow_style=all(map(_is_scalar, data))
    )


def _represent_decimal(dumper: yaml.SafeDumper, data: Decimal) -> yaml.Node:
    if not data.is_finite():
        return dumper.represent_float(float(data))
    text = format(data, "f")
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # With allow_unicode PyYAML writes NEL (U+0085) raw, and reads it back as a line break.
    style = '"' if "\x85" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_SchemeDumper.add_representer(_Document, _represent_document)
_SchemeDumper.add_representer(dict, _represent_dict)
_SchemeDumper.add_representer(list, _represent_list)
_SchemeDumper.add_representer(Decimal, _represent_decimal)
_SchemeDumper.add_representer(str, _represent_str)


def dump_yaml(data: dict) -> str:
    """The scheme as YAML for export: keys in the given order, Chinese as is, no wrapping."""
    return yaml.dump(
        _Document(data),
        Dumper=_SchemeDumper,
        allow_unicode=True,
        sort_keys=False,
        width=float("inf"),
    )


# --- lookups for the record importer and the report ------------------------------------


def range_items(data: dict) -> dict[str, tuple[Decimal, Decimal]]:
    """Range items of a valid scheme: code → (min, max) points a 扣分 record must lie within."""
    return {
        item["code"]: (_as_decimal(item["deduct"]["min"]), _as_decimal(item["deduct"]["max"]))
        for category in data.get("categories", [])
        for item in category.get("items", [])
        if isinstance(item["deduct"], dict)
    }


def item_names(data: dict) -> dict[str, str]:
    """Every record code of a valid scheme → its display name (categories are not record codes)."""
    return {entry["code"]: entry["name"] for entry in _coded_entries(data)}


def _coded_entries(data: dict) -> Iterator[dict]:
    for category in data.get("categories", []):
        yield from category.get("items", [])
        yield from category.get("indicators", [])
    for component in data.get("components", []):
        yield component
        yield from component.get("items", [])
    yield from data.get("sources", [])
    yield from data.get("items", [])
    yield from data.get("bonus_items", [])
