"""Method ``deduction`` — 百分制扣分 (SCHEMES.md).

Each category starts at its ``max`` and loses its items', indicators', complaints' and
satisfaction deductions, never below 0 ("扣完为止"); the score is the categories plus
bonuses, never above the sum of the maxes. Effects list every counted record with its own
signed points, then computed lines (indicator and satisfaction shortfalls, per-inspection
averaging, the floor at 0, the full-marks cap), so that full marks + Σ effects = score up
to each line's own rounding.

parts = {"categories": {code: rounded score}, "bonus": rounded bonus points}.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from scoring.engine.common import (
    add_flag,
    bonus_points,
    complaint_points,
    count_of,
    is_valid_complaint,
    metric_value,
    period_records,
    rating_counts,
    valid_complaints,
)
from scoring.engine.numbers import HUNDRED, ZERO, round2, to_decimal
from scoring.engine.types import (
    BONUS,
    COMPLAINT,
    DEDUCTION,
    FLAG_MISSING_DATA,
    FLAG_NO_INSPECTIONS,
    FLAG_NO_RATINGS,
    METRIC,
    RATING,
    Effect,
    Inputs,
    ParticipantResult,
    Record,
    record_effect,
)

PER_INSPECTION_AVERAGE = "per_inspection_average"
AT_LEAST = "at_least"  # the other direction is at_most


@dataclass(frozen=True)
class _Category:
    """A category with what its score needs read out of the config once per period."""

    config: dict
    code: str
    top: Decimal  # max
    indicators: tuple[dict, ...]
    complaints: dict | None
    satisfaction: bool
    top_rounded: Decimal  # round2(max): the part of a category nothing was taken from
    only_items: bool  # scored from its item deductions alone (no indicator, complaint, rating)

    @classmethod
    def of(cls, config: dict) -> _Category:
        top = to_decimal(config["max"])
        indicators = tuple(config.get("indicators", ()))
        complaints = config.get("complaints")
        satisfaction = "satisfaction" in config
        return cls(
            config,
            config["code"],
            top,
            indicators,
            complaints,
            satisfaction,
            round2(top),
            not indicators and complaints is None and not satisfaction,
        )


@dataclass(frozen=True)
class _Rules:
    categories: tuple[dict, ...]
    items: dict[str, tuple[dict, dict]]  # item code → (category, item)
    item_categories: dict[str, str]  # item code → its category's code
    fixed: dict[str, Decimal]  # item code → its fixed ``deduct`` (range items are not here)
    bonus_items: dict[str, dict]
    per_inspection: bool
    full_marks: Decimal
    scored: tuple[_Category, ...] = ()
    metric_labels: dict[str, str] = field(default_factory=dict)  # metric → indicator names
    complaint_label: str = ""  # the names of the categories complaints are charged to
    complaint_configs: tuple[dict, ...] = ()

    @classmethod
    def of(cls, scheme: dict) -> _Rules:
        categories = tuple(scheme["categories"])
        charging = [c for c in categories if "complaints" in c]
        metrics = {i["metric"] for c in categories for i in c.get("indicators", ())}
        return cls(
            categories=categories,
            items={
                item["code"]: (category, item)
                for category in categories
                for item in category.get("items", ())
            },
            item_categories={
                item["code"]: category["code"]
                for category in categories
                for item in category.get("items", ())
            },
            fixed={
                item["code"]: to_decimal(item["deduct"])
                for category in categories
                for item in category.get("items", ())
                if not isinstance(item["deduct"], dict)
            },
            bonus_items={item["code"]: item for item in scheme.get("bonus_items", ())},
            per_inspection=scheme.get("aggregation", "sum") == PER_INSPECTION_AVERAGE,
            full_marks=sum((to_decimal(c["max"]) for c in categories), ZERO),
            scored=tuple(_Category.of(c) for c in categories),
            metric_labels={m: _joined(_indicator_names(m, categories)) for m in metrics},
            complaint_label=_joined(c["name"] for c in charging),
            complaint_configs=tuple(c["complaints"] for c in charging),
        )


def score_participants(
    inputs: Inputs, records_by_staff: dict[int, list[Record]]
) -> dict[int, ParticipantResult]:
    rules = _Rules.of(inputs.scheme)
    return {
        p.staff_id: _score(
            p.staff_id, period_records(records_by_staff.get(p.staff_id, ()), inputs.period), rules
        )
        for p in inputs.participants
    }


def item_points(record: Record, item: dict) -> Decimal:
    """Points a deduction record takes off: ``deduct`` × count on a fixed item; on a range
    item the record's 数值 is the points and must lie within the range."""
    deduct = item["deduct"]
    if not isinstance(deduct, dict):
        return to_decimal(deduct) * count_of(record)
    low, high = to_decimal(deduct["min"]), to_decimal(deduct["max"])
    if record.value is None or not low <= record.value <= high:
        raise ValueError(
            f"record {record.id}: item {item['code']} ({item['name']}) deducts {low} to "
            f"{high} points; the record's value {record.value} is outside that range"
        )
    return record.value


def _item_points(record: Record, rules: _Rules) -> Decimal:
    """``item_points`` with the fixed deductions read out of the config once per period."""
    fixed = rules.fixed.get(record.code)
    if fixed is None:
        return item_points(record, rules.items[record.code][1])
    return fixed * count_of(record)


def _score(staff_id: int, records: list[Record], rules: _Rules) -> ParticipantResult:
    item_categories = rules.item_categories
    deductions: dict[int, Decimal] = {}
    charged: dict[str, Decimal] = {}  # category code → its item deductions
    for record in records:
        if record.kind == DEDUCTION and record.code in item_categories:
            points = deductions[record.id] = _item_points(record, rules)
            code = item_categories[record.code]
            charged[code] = charged.get(code, ZERO) + points
    result = ParticipantResult(staff_id=staff_id, score=ZERO, raw_score=ZERO)
    result.effects = [_record_effect(r, deductions, rules) for r in records]
    inspections = _inspections(records, deductions, rules) if rules.per_inspection else []
    if rules.per_inspection and not inspections:
        add_flag(result, FLAG_NO_INSPECTIONS)
    categories: dict[str, Decimal] = {}
    rounded: dict[str, Decimal] = {}
    for category in rules.scored:
        code = category.code
        if category.only_items and not inspections and code not in charged:
            # Nothing taken from it: its max, no computed line (most categories of most
            # people in a month).
            categories[code], rounded[code] = category.top, category.top_rounded
            continue
        value = categories[code] = _category_score(
            category,
            records,
            charged=charged.get(code, ZERO),
            inspections=inspections,
            result=result,
        )
        rounded[code] = round2(value)
    bonus = (
        sum(
            (bonus_points(r, rules.bonus_items[r.code]) for r in records if _is_bonus(r, rules)),
            ZERO,
        )
        if rules.bonus_items
        else ZERO
    )
    total = sum(categories.values(), ZERO) + bonus
    score = min(total, rules.full_marks)
    if total > score:
        result.effects.append(
            Effect(None, BONUS, "", "满分封顶", None, round2(score - total), "不超过满分")
        )
    result.raw_score = score
    result.score = round2(score)
    result.parts = {"categories": rounded, "bonus": round2(bonus)}
    return result


def _is_bonus(record: Record, rules: _Rules) -> bool:
    return record.kind == BONUS and record.code in rules.bonus_items


# --- one category ---------------------------------------------------------------------


def _category_score(
    scored: _Category,
    records: list[Record],
    *,
    charged: Decimal,
    inspections: list[dict[str, Decimal]],
    result: ParticipantResult,
) -> Decimal:
    """``max`` − the category's deductions, never below 0; appends its computed lines.
    ``charged`` is the sum of its item deductions."""
    category = scored.config
    top = scored.top
    items_part = top - charged
    if inspections:
        averaged = _inspection_average(top, scored.code, inspections)
        if averaged != items_part:
            note = f"按{len(inspections)}次抽查平均"
            result.effects.append(_line(category, averaged - items_part, note))
        items_part = averaged
    other = ZERO
    for indicator in scored.indicators:
        other = other + _indicator_deduction(indicator, records, result)
    if scored.complaints is not None:
        config = scored.complaints
        other += sum((complaint_points(r, config) for r in valid_complaints(records)), ZERO)
    if scored.satisfaction:
        other += _satisfaction_deduction(category, records, result)
    raw = items_part - other
    if raw < 0:
        result.effects.append(_line(category, -raw, "扣完为止"))
    return max(raw, ZERO)


def _line(category: dict, points: Decimal, note: str) -> Effect:
    return Effect(None, DEDUCTION, category["code"], category["name"], None, round2(points), note)


# --- per-inspection average (按照抽查户数求平均数) ------------------------------------


def _inspection_key(record: Record) -> tuple[str, str | date]:
    """One 批次 is one inspection; with 批次 blank, one 日期 is."""
    batch = record.batch.strip()
    return ("batch", batch) if batch else ("date", record.date)


def _inspections(
    records: list[Record], deductions: dict[int, Decimal], rules: _Rules
) -> list[dict[str, Decimal]]:
    """Item deductions per inspection and category. Inspections are formed by item deduction
    records only (a count of 0 records a clean visit): ratings, complaints and metrics
    arrive on their own dates and are no inspection."""
    found: dict[tuple, dict[str, Decimal]] = {}
    for record in records:
        if record.id in deductions:
            per_category = found.setdefault(_inspection_key(record), defaultdict(lambda: ZERO))
            per_category[rules.item_categories[record.code]] += deductions[record.id]
    return list(found.values())


def _inspection_average(top: Decimal, code: str, inspections: list[dict[str, Decimal]]) -> Decimal:
    kept = sum((max(ZERO, top - inspection.get(code, ZERO)) for inspection in inspections), ZERO)
    return kept / len(inspections)


# --- indicators and satisfaction ------------------------------------------------------


def _indicator_deduction(
    indicator: dict, records: list[Record], result: ParticipantResult
) -> Decimal:
    value = metric_value(records, indicator["metric"], how=indicator.get("aggregate", "mean"))
    if value is None:
        add_flag(result, FLAG_MISSING_DATA)
        return ZERO
    target = to_decimal(indicator["target"])
    at_least = indicator.get("direction", AT_LEAST) == AT_LEAST
    shortfall = target - value if at_least else value - target
    if shortfall <= 0:
        return ZERO
    deduction = (
        shortfall / to_decimal(indicator.get("unit", 1)) * to_decimal(indicator["deduct_per_unit"])
    )
    sign = "≥" if at_least else "≤"
    result.effects.append(
        Effect(
            None,
            METRIC,
            indicator["code"],
            indicator["name"],
            round2(value),
            round2(-deduction),
            f"目标{sign}{target}，差{round2(shortfall)}",
        )
    )
    return deduction


def _satisfaction_deduction(
    category: dict, records: list[Record], result: ParticipantResult
) -> Decimal:
    config = category["satisfaction"]
    satisfied, total = rating_counts(records)
    if not total:
        add_flag(result, FLAG_NO_RATINGS)
        return ZERO
    target = to_decimal(config["target_rate"])
    # (target − rate) × per point with one division: exact whenever the result is finite.
    shortfall_times_total = target * total - HUNDRED * satisfied
    if shortfall_times_total <= 0:
        return ZERO
    deduction = shortfall_times_total * to_decimal(config["deduct_per_point"]) / total
    rate = round2(HUNDRED * satisfied / total)
    result.effects.append(
        Effect(
            None,
            RATING,
            category["code"],
            category["name"],
            rate,
            round2(-deduction),
            f"满意率{rate}%，目标{target}%",
        )
    )
    return deduction


# --- one line per counted record ------------------------------------------------------


def _record_effect(record: Record, deductions: dict[int, Decimal], rules: _Rules) -> Effect:
    deducted = deductions.get(record.id)
    if deducted is not None:
        label, points = rules.items[record.code][1]["name"], round2(-deducted)
    else:
        label, points = _other_label_and_points(record, rules)
    return record_effect(record.id, record.kind, record.code, label, record.value, points)


_NO_POINTS = round2(ZERO)


def _other_label_and_points(record: Record, rules: _Rules) -> tuple[str, Decimal]:
    """Label and rounded points of a record that is not an item deduction."""
    if _is_bonus(record, rules):
        item = rules.bonus_items[record.code]
        return item["name"], round2(bonus_points(record, item))
    if record.kind == COMPLAINT:
        label = rules.complaint_label or record.code
        if not is_valid_complaint(record):
            return label, _NO_POINTS
        points = sum((complaint_points(record, c) for c in rules.complaint_configs), ZERO)
        return label, round2(-points)
    if record.kind == METRIC:
        return rules.metric_labels.get(record.code) or record.code, _NO_POINTS
    return record.code, _NO_POINTS  # ratings, incidents: used by computed lines and veto


def _indicator_names(metric: str, categories: Iterable[dict]) -> list[str]:
    return [
        indicator["name"]
        for category in categories
        for indicator in category.get("indicators", ())
        if indicator["metric"] == metric
    ]


def _joined(names: Iterable[str]) -> str:
    return "、".join(dict.fromkeys(names))
