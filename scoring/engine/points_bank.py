"""Method ``points_bank`` — 积分制 (SCHEMES.md): a yearly balance of points.

The balance starts at ``base``; deductions (doubled when repeated within the window) and
bonuses apply in date order. Unit heads answer for their staff's deductions (manager
liability), and the balance with the period's valid complaints caps the grade.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from scoring.engine.common import (
    bonus_points,
    count_of,
    in_period,
    period_records,
    record_order,
    valid_complaints,
)
from scoring.engine.numbers import ZERO, round2, to_decimal
from scoring.engine.types import (
    BONUS,
    DEDUCTION,
    RESPONSIBILITY_MANAGEMENT,
    Effect,
    Inputs,
    Participant,
    ParticipantResult,
    Period,
    Record,
    Unit,
)

REPEAT_NOTE = "重犯加倍"
LIABILITY_LABEL = "管理责任连带"
RESPONSIBILITY_NAMES = {RESPONSIBILITY_MANAGEMENT: "管理责任"}  # anything else: 员工责任

# Grade-cap conditions on (balance, valid complaints, the rule's limit).
_CAP_CONDITIONS: dict[str, Callable[[Decimal, int, Decimal], bool]] = {
    "points_below": lambda points, _complaints, limit: points < limit,
    "points_at_most": lambda points, _complaints, limit: points <= limit,
    "complaints_above": lambda _points, complaints, limit: complaints > limit,
    "complaints_at_least": lambda _points, complaints, limit: complaints >= limit,
}


@dataclass(frozen=True)
class _Window:
    """``count`` occurrences within ``days`` days: the repeat window (count = multiplier) or
    the retraining violations trigger."""

    days: int
    count: Decimal


@dataclass(frozen=True)
class _Rules:
    """The scheme's rules; an absent optional block (or retraining trigger) is off."""

    base: Decimal
    items: dict[str, dict]
    bonus_items: dict[str, dict]
    repeat: _Window | None  # count: the multiplier
    retraining_at_or_below: Decimal | None
    retraining_violations: _Window | None  # count: the number of violations
    liability: dict[str, Decimal]
    grade_caps: tuple[dict, ...]

    @classmethod
    def of(cls, scheme: dict) -> _Rules:
        retraining = scheme.get("retraining", {})
        at_or_below = retraining.get("at_or_below")
        return cls(
            base=to_decimal(scheme["base"]),
            items={item["code"]: item for item in scheme["items"]},
            bonus_items={item["code"]: item for item in scheme.get("bonus_items", ())},
            repeat=_window(scheme.get("repeat", {}), "multiplier"),
            retraining_at_or_below=None if at_or_below is None else to_decimal(at_or_below),
            retraining_violations=_window(retraining, "violations"),
            liability={
                key: to_decimal(value) for key, value in scheme.get("manager_liability", {}).items()
            },
            grade_caps=tuple(scheme.get("grade_caps", ())),
        )


def _window(block: dict, count_key: str) -> _Window | None:
    """The block's window with its ``count_key`` as count; None when the key is absent."""
    if count_key not in block:
        return None
    return _Window(int(block["window_days"]), to_decimal(block[count_key]))


@dataclass(frozen=True)
class _Occurrence:
    """One occurrence of a deduction item (a record with count n has n of them)."""

    record: Record
    seq: int
    repeat: bool


@dataclass(frozen=True)
class _Entry:
    """One line of a participant's ledger for the period, in date order."""

    date: date
    order: tuple[int, int, int]
    points: Decimal  # change of the balance
    effect: Effect
    fine: Decimal = ZERO
    reward: Decimal = ZERO
    derived: dict | None = None  # manager liability received, for parts["derived"]


def score_participants(
    inputs: Inputs, records_by_staff: dict[int, list[Record]]
) -> dict[int, ParticipantResult]:
    rules = _Rules.of(inputs.scheme)
    history = {
        p.staff_id: sorted(records_by_staff.get(p.staff_id, ()), key=record_order)
        for p in inputs.participants
    }
    occurrences = {sid: _occurrences(records, rules) for sid, records in history.items()}
    ledgers = {
        sid: _own_entries(history[sid], occurrences[sid], rules, inputs.period) for sid in history
    }
    for head_id, entry in _liability_entries(inputs, rules, occurrences):
        ledgers[head_id].append(entry)
    return {
        sid: _result(
            sid,
            sorted(ledgers[sid], key=lambda e: (e.date, e.order)),
            occurrences[sid],
            history[sid],
            rules,
            inputs.period,
        )
        for sid in history
    }


# --- occurrences and repeats -------------------------------------------------------------


def _occurrences(records: list[Record], rules: _Rules) -> list[_Occurrence]:
    """Every deduction occurrence (history included), marking repeats within the window."""
    last_seen: dict[str, date] = {}
    found = []
    for record in records:
        if record.kind != DEDUCTION:
            continue
        for seq in range(int(count_of(record))):
            previous = last_seen.get(record.code)
            repeat = (
                rules.repeat is not None
                and previous is not None
                and (record.date - previous).days <= rules.repeat.days
            )
            found.append(_Occurrence(record, seq, repeat))
            last_seen[record.code] = record.date
    return found


def _charge(occurrence: _Occurrence, rules: _Rules) -> tuple[Decimal, Decimal]:
    """(points, fine) of one occurrence; a repeat is multiplied once, never compounded."""
    item = rules.items[occurrence.record.code]
    factor = rules.repeat.count if occurrence.repeat else Decimal(1)
    return to_decimal(item["points"]) * factor, to_decimal(item.get("fine", 0)) * factor


# --- the participant's own ledger ----------------------------------------------------------


def _own_entries(
    records: list[Record], occurrences: list[_Occurrence], rules: _Rules, period: Period
) -> list[_Entry]:
    by_record: dict[int, list[_Occurrence]] = defaultdict(list)
    for occurrence in occurrences:
        by_record[occurrence.record.id].append(occurrence)
    entries: list[_Entry] = []
    for record in records:
        if not in_period(record, period):
            continue
        if record.kind == DEDUCTION and by_record[record.id]:
            entries += [_deduction_entry(o, rules) for o in by_record[record.id]]
        elif record.kind == BONUS:
            entries.append(_bonus_entry(record, rules))
        else:  # complaints, ratings, veto records… and a deduction with count 0
            entries.append(_neutral_entry(record))
    return entries


def _neutral_entry(record: Record) -> _Entry:
    effect = Effect(record.id, record.kind, record.code, record.code, record.value, round2(ZERO))
    return _Entry(record.date, (record.id, 0, 0), ZERO, effect)


def _deduction_entry(occurrence: _Occurrence, rules: _Rules) -> _Entry:
    record = occurrence.record
    points, fine = _charge(occurrence, rules)
    effect = Effect(
        record.id,
        DEDUCTION,
        record.code,
        rules.items[record.code]["name"],
        record.value,
        round2(-points),
        REPEAT_NOTE if occurrence.repeat else "",
    )
    return _Entry(record.date, (record.id, occurrence.seq, 0), -points, effect, fine=fine)


def _bonus_entry(record: Record, rules: _Rules) -> _Entry:
    item = rules.bonus_items[record.code]
    points = bonus_points(record, item)
    effect = Effect(record.id, BONUS, record.code, item["name"], record.value, round2(points))
    reward = to_decimal(item.get("reward", 0)) * count_of(record)
    return _Entry(record.date, (record.id, 0, 0), points, effect, reward=reward)


# --- manager liability -----------------------------------------------------------------------


def _liability_entries(
    inputs: Inputs, rules: _Rules, occurrences: dict[int, list[_Occurrence]]
) -> Iterable[tuple[int, _Entry]]:
    """Derived deductions for the liable heads who take part, one per original record."""
    if not rules.liability:
        return
    people = {p.staff_id: p for p in inputs.participants}
    for offender_id, found in occurrences.items():
        head_id = _liable_head(people[offender_id], inputs.units)
        if head_id not in people:
            continue
        by_record: dict[int, list[_Occurrence]] = defaultdict(list)
        for occurrence in found:
            if in_period(occurrence.record, inputs.period):
                by_record[occurrence.record.id].append(occurrence)
        for group in by_record.values():
            derived = _derived_entry(people[offender_id], group, rules)
            if derived is not None:
                yield head_id, derived


def _liable_head(offender: Participant, units: dict[str, Unit]) -> int | None:
    """The head of the offender's unit, or of the nearest unit above when the offender is
    that head or the unit has none."""
    path = offender.unit_path
    while path:
        unit = units.get(path)
        if unit is not None and unit.head_staff_id not in (None, offender.staff_id):
            return unit.head_staff_id
        path = path.rpartition("/")[0]
    return None


def _derived_entry(offender: Participant, group: list[_Occurrence], rules: _Rules) -> _Entry | None:
    """The head's share of one record's deduction: after its repeat doubling, never doubled
    again and no violation of the head's own."""
    record = group[0].record
    fraction = rules.liability.get(record.responsibility, ZERO)
    charges = [_charge(o, rules) for o in group]
    points = fraction * sum((points for points, _fine in charges), ZERO)
    fine = fraction * sum((fine for _points, fine in charges), ZERO)
    if not points and not fine:
        return None
    responsibility = RESPONSIBILITY_NAMES.get(record.responsibility, "员工责任")
    effect = Effect(
        None,
        DEDUCTION,
        record.code,
        f"{LIABILITY_LABEL}：{rules.items[record.code]['name']}",
        record.value,
        round2(-points),
        f"{offender.name}（{offender.employee_no}）{responsibility}×{fraction}",
        derived_from=record.id,
    )
    derived = {
        "record_id": record.id,
        "staff_id": offender.staff_id,
        "date": record.date,
        "code": record.code,
        "responsibility": record.responsibility,
        "points": round2(points),
        "fine": round2(fine),
    }
    order = (record.id, len(group), 1)  # after the offender's own lines of the same record
    return _Entry(record.date, order, -points, effect, fine=fine, derived=derived)


# --- the result ----------------------------------------------------------------------------


def _result(
    staff_id: int,
    entries: list[_Entry],
    occurrences: list[_Occurrence],
    records: list[Record],
    rules: _Rules,
    period: Period,
) -> ParticipantResult:
    balance = rules.base + sum((e.points for e in entries), ZERO)
    score = round2(balance)
    complaints = len(valid_complaints(period_records(records, period)))
    return ParticipantResult(
        staff_id=staff_id,
        score=score,
        raw_score=balance,
        parts={
            "balance": score,
            "fines": round2(sum((e.fine for e in entries), ZERO)),
            "rewards": round2(sum((e.reward for e in entries), ZERO)),
            "grade_cap": _grade_cap(rules.grade_caps, score, complaints),
            "retraining_date": _retraining_date(entries, occurrences, rules, period),
            "derived": [e.derived for e in entries if e.derived is not None],
        },
        effects=[e.effect for e in entries],
    )


def _grade_cap(caps: Iterable[dict], points: Decimal, complaints: int) -> str | None:
    """最高可评等级: the first rule whose every condition holds; none → no cap."""
    for rule in caps:
        conditions = {key: limit for key, limit in rule.items() if key != "grade"}
        if all(
            _CAP_CONDITIONS[key](points, complaints, to_decimal(limit))
            for key, limit in conditions.items()
        ):
            return rule["grade"]
    return None


# --- retraining (下岗培训) ---------------------------------------------------------------------


def _retraining_date(
    entries: list[_Entry], occurrences: list[_Occurrence], rules: _Rules, period: Period
) -> date | None:
    triggers = []
    if rules.retraining_at_or_below is not None:
        triggers.append(_balance_trigger(entries, rules.base, rules.retraining_at_or_below))
    if rules.retraining_violations is not None:
        triggers.append(_violations_trigger(occurrences, rules.retraining_violations, period))
    return min((day for day in triggers if day is not None), default=None)


def _balance_trigger(entries: list[_Entry], base: Decimal, at_or_below: Decimal) -> date | None:
    """The first day whose end-of-day balance is at or below the limit (derived included)."""
    balance = base
    for index, entry in enumerate(entries):
        balance += entry.points
        end_of_day = index + 1 == len(entries) or entries[index + 1].date != entry.date
        if end_of_day and balance <= at_or_below:
            return entry.date
    return None


def _violations_trigger(
    occurrences: list[_Occurrence], window: _Window, period: Period
) -> date | None:
    """The first day in the period that completes ``window.count`` own occurrences lying at
    most ``window.days`` days apart (earlier ones may lie before the period)."""
    span = int(window.count) - 1
    for first, last in zip(occurrences, occurrences[span:], strict=False):
        apart = (last.record.date - first.record.date).days
        if in_period(last.record, period) and apart <= window.days:
            return last.record.date
    return None
