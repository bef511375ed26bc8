"""Method ``stars`` — 红星/绿星 weekly stars ("3+1", inverted pyramid), SCHEMES.md.

Per component a tally of red (and, for ``conduct``, green) stars; the score is the net
red − green. Every counted record of the week gets one explanation line carrying its own
star effect, and each ranked component adds a computed line with the stars it earned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from scoring.engine.common import (
    SUM,
    aggregate,
    count_of,
    metric_records,
    period_records,
    record_order,
)
from scoring.engine.numbers import ZERO, round2, to_decimal
from scoring.engine.types import (
    BONUS,
    DEDUCTION,
    METRIC,
    WARNING,
    Effect,
    Inputs,
    ParticipantResult,
    Record,
)

CONDUCT, RANKED, MANUAL = "conduct", "ranked", "manual"


@dataclass
class _Tally:
    """One component's outcome for one participant."""

    red: Decimal = ZERO
    green: Decimal = ZERO
    record_effects: dict[int, Effect] = field(default_factory=dict)
    lines: list[Effect] = field(default_factory=list)  # computed lines (record_id None)


WeekRecords = dict[int, list[Record]]


def score_participants(
    inputs: Inputs, records_by_staff: dict[int, list[Record]]
) -> dict[int, ParticipantResult]:
    week = {
        p.staff_id: sorted(
            period_records(records_by_staff.get(p.staff_id, ()), inputs.period), key=record_order
        )
        for p in inputs.participants
    }
    components = inputs.scheme["components"]
    tallies = [_SCORERS[component["type"]](component, week) for component in components]
    return {
        staff_id: _result(staff_id, records, components, [t[staff_id] for t in tallies])
        for staff_id, records in week.items()
    }


def after_awards(inputs: Inputs, results: list[ParticipantResult]) -> None:
    """Promotion: weekly wins in the month (closed weeks + this one) reaching ``wins``."""
    promotion = inputs.scheme.get("promotion")
    if not promotion:
        return
    needed = int(promotion["wins"])
    prize = to_decimal(promotion.get("prize", 0))
    for result in results:
        wins = inputs.prior_wins.get(result.staff_id, 0) + (1 if result.award else 0)
        if wins >= needed and result.staff_id not in inputs.prior_promotions:
            result.promotion = {"title": promotion["title"], "prize": prize}


def _result(
    staff_id: int, records: list[Record], components: list[dict], tallies: list[_Tally]
) -> ParticipantResult:
    red = sum((t.red for t in tallies), ZERO)
    green = sum((t.green for t in tallies), ZERO)
    net = red - green
    record_effects = {rid: e for t in tallies for rid, e in t.record_effects.items()}
    effects = [record_effects.get(r.id) or _neutral_effect(r) for r in records]
    effects += [line for t in tallies for line in t.lines]
    return ParticipantResult(
        staff_id=staff_id,
        score=round2(net),
        raw_score=net,
        parts={
            "red": round2(red),
            "green": round2(green),
            "components": {
                c["code"]: round2(t.red) for c, t in zip(components, tallies, strict=True)
            },
        },
        effects=effects,
    )


def _neutral_effect(record: Record) -> Effect:
    """A counted record no component uses (rating, complaint, veto metric…): no stars."""
    return Effect(record.id, record.kind, record.code, record.code, record.value, round2(ZERO))


# --- conduct -------------------------------------------------------------------------


def _score_conduct(component: dict, week: WeekRecords) -> dict[int, _Tally]:
    names = {component["code"]: component["name"]}
    names |= {item["code"]: item["name"] for item in component.get("items", ())}
    rules = _ConductRules.of(component)
    return {
        staff_id: rules.tally(
            [r for r in records if r.kind in (WARNING, DEDUCTION) and r.code in names], names
        )
        for staff_id, records in week.items()
    }


@dataclass(frozen=True)
class _ConductRules:
    full: Decimal
    warning_loss: tuple[Decimal, ...]
    deduction_red: Decimal
    deduction_green: Decimal

    @classmethod
    def of(cls, component: dict) -> _ConductRules:
        return cls(
            full=to_decimal(component["full"]),
            warning_loss=tuple(map(to_decimal, component["warning_loss"])),
            deduction_red=to_decimal(component["on_deduction"]["red"]),
            deduction_green=to_decimal(component["on_deduction"]["green"]),
        )

    def red_after_warnings(self, count: Decimal) -> Decimal:
        """``full`` − the loss for ``count`` warnings (beyond the list: its last entry), ≥ 0."""
        whole = int(count)
        if whole <= 0:
            return self.full
        loss = self.warning_loss[min(whole, len(self.warning_loss)) - 1]
        return max(ZERO, self.full - loss)

    def tally(self, records: list[Record], names: dict[str, str]) -> _Tally:
        deductions = sum((count_of(r) for r in records if r.kind == DEDUCTION), ZERO)
        if deductions > 0:
            return self._tally_with_deduction(records, names)
        tally = _Tally(red=self.full)
        seen = ZERO
        for record in records:
            before = self.red_after_warnings(seen)
            seen += count_of(record)
            tally.red = self.red_after_warnings(seen)
            tally.record_effects[record.id] = _record_effect(record, names, tally.red - before)
        return tally

    def _tally_with_deduction(self, records: list[Record], names: dict[str, str]) -> _Tally:
        """Any deduction in the week sets red/green once; the first one carries the effect."""
        tally = _Tally(red=self.deduction_red, green=self.deduction_green)
        charged = False
        for record in records:
            if record.kind == WARNING:
                effect, note = ZERO, "本周有扣分，警告不另计"
            elif charged or count_of(record) <= 0:
                effect, note = ZERO, "每周只计一次扣分"
            else:
                charged = True
                effect = self.deduction_red - self.deduction_green - self.full
                note = f"被扣分：红星{self.deduction_red}，绿星{self.deduction_green}"
            tally.record_effects[record.id] = _record_effect(record, names, effect, note)
        return tally


def _record_effect(
    record: Record, names: dict[str, str], points: Decimal, note: str = ""
) -> Effect:
    return Effect(
        record.id, record.kind, record.code, names[record.code], record.value, round2(points), note
    )


# --- ranked (倒金字塔) -----------------------------------------------------------------


def _score_ranked(component: dict, week: WeekRecords) -> dict[int, _Tally]:
    metric = component["metric"]
    how = component.get("aggregate", SUM)
    names = {metric: component["name"]}
    mine = {sid: metric_records(records, metric) for sid, records in week.items()}
    totals = {sid: aggregate([r.value for r in recs], how) for sid, recs in mine.items()}
    stars = _inverted_pyramid(totals.values())
    tallies = {}
    for staff_id, records in mine.items():
        total = totals[staff_id]
        earned = stars.get(total, ZERO)
        tally = _Tally(red=earned)
        for record in records:
            tally.record_effects[record.id] = _record_effect(
                record, names, ZERO, "计入倒金字塔排名"
            )
        tally.lines.append(_ranked_line(component, total, earned))
        tallies[staff_id] = tally
    return tallies


def _inverted_pyramid(totals: Iterable[Decimal | None]) -> dict[Decimal, Decimal]:
    """Stars per positive total: the smallest distinct value 1, the next 2, …"""
    ladder = sorted({t for t in totals if t is not None and t > 0})
    return {value: Decimal(step) for step, value in enumerate(ladder, start=1)}


def _ranked_line(component: dict, total: Decimal | None, earned: Decimal) -> Effect:
    note = "本周无数值" if total is None else f"倒金字塔：{earned}颗红星"
    return Effect(None, METRIC, component["code"], component["name"], total, round2(earned), note)


# --- manual ----------------------------------------------------------------------------


def _score_manual(component: dict, week: WeekRecords) -> dict[int, _Tally]:
    code = component["code"]
    names = {code: component["name"]}
    tallies = {}
    for staff_id, records in week.items():
        tally = _Tally()
        for record in records:
            if record.kind == BONUS and record.code == code:
                tally.red += count_of(record)
                tally.record_effects[record.id] = _record_effect(record, names, count_of(record))
        tallies[staff_id] = tally
    return tallies


_SCORERS: dict[str, Callable[[dict, WeekRecords], dict[int, _Tally]]] = {
    CONDUCT: _score_conduct,
    RANKED: _score_ranked,
    MANUAL: _score_manual,
}
