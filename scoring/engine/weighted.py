"""Method ``weighted`` — multi-source weighted score (SCHEMES.md).

score = Σ weight% × source score − complaint deductions + bonus, never below 0 (bonuses
may lift it above 100). A source's score is the mean of the period's 得分 records, or for
``from: votes`` the vote total ÷ the highest total of the same position × 100. ``missing``
decides what weights the present sources get.

Effects: a 得分 record carries its share of the score (value × its weight ÷ the source's
number of records), a vote source adds a computed line (its records carry 0, since the
normalisation depends on everyone's votes), complaints and bonuses carry their points.

parts = {"sources": {code: rounded score, or None when missing}, "complaints": rounded
points deducted (positive), "bonus": rounded bonus points}.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from scoring.engine.common import (
    SUM,
    add_flag,
    bonus_points,
    complaint_points,
    is_valid_complaint,
    is_vote_source,
    metric_value,
    period_records,
    valid_complaints,
)
from scoring.engine.numbers import HUNDRED, ZERO, round2, to_decimal
from scoring.engine.types import (
    BONUS,
    DEDUCTION,
    FLAG_NO_DATA,
    METRIC,
    SCORE,
    Effect,
    Inputs,
    Participant,
    ParticipantResult,
    Record,
)

EQUAL_SPLIT, PROPORTIONAL, ZERO_WEIGHT = "equal_split", "proportional", "zero"
DEFAULT_MISSING = EQUAL_SPLIT  # the quoted rule: "另外两项检查方式占比分别调整至50%"
ONE = Decimal(1)


@dataclass(frozen=True)
class Votes:
    total: Decimal
    top: Decimal  # the highest total among participants of the same position

    @property
    def score(self) -> Decimal | None:
        """None (missing) when nobody of the position has a vote."""
        return self.total / self.top * HUNDRED if self.top > 0 else None


def score_participants(
    inputs: Inputs, records_by_staff: dict[int, list[Record]]
) -> dict[int, ParticipantResult]:
    scheme = inputs.scheme
    records = {
        p.staff_id: period_records(records_by_staff.get(p.staff_id, ()), inputs.period)
        for p in inputs.participants
    }
    votes = {
        source["code"]: vote_totals(source, inputs.participants, records)
        for source in scheme["sources"]
        if is_vote_source(source)
    }
    return {
        p.staff_id: _score(
            p.staff_id,
            records[p.staff_id],
            {code: v[p.staff_id] for code, v in votes.items()},
            scheme,
        )
        for p in inputs.participants
    }


def vote_totals(
    source: dict, participants: Iterable[Participant], records: Mapping[int, list[Record]]
) -> dict[int, Votes]:
    """Each participant's vote total (no records: 0 votes) and the top of their position."""
    how = source.get("aggregate", SUM)
    totals = {
        p.staff_id: metric_value(records[p.staff_id], source["code"], how=how) or ZERO
        for p in participants
    }
    top: dict[str, Decimal] = {}
    for p in participants:
        top[p.position] = max(top.get(p.position, ZERO), totals[p.staff_id])
    return {p.staff_id: Votes(totals[p.staff_id], top[p.position]) for p in participants}


def source_weights(
    sources: Iterable[dict], present: set[str], policy: str
) -> tuple[dict[str, Decimal], Decimal]:
    """Relative weights of the sources that count, and their divisor: the sources part is
    Σ weight × score ÷ divisor. One division at the end keeps equal thirds exact. The
    configured weights hold unless a source is missing and the policy is not ``zero``."""
    configured = {s["code"]: to_decimal(s["weight"]) for s in sources}
    if policy not in (EQUAL_SPLIT, PROPORTIONAL, ZERO_WEIGHT):
        raise ValueError(f"unknown missing policy {policy!r}")
    if policy == ZERO_WEIGHT or present >= configured.keys():
        weights = configured
    elif policy == EQUAL_SPLIT:
        weights = {code: ONE for code in configured if code in present}
    else:
        weights = {code: weight for code, weight in configured.items() if code in present}
    return weights, sum(weights.values(), ZERO)


def weight_percentages(weights: Mapping[str, Decimal], divisor: Decimal) -> dict[str, Decimal]:
    """Each counted source's effective weight in percent, from ``source_weights``."""
    return {code: weight * HUNDRED / divisor for code, weight in weights.items()}


def _source_scores(
    sources: Iterable[dict], records: list[Record], votes: Mapping[str, Votes]
) -> dict[str, Decimal | None]:
    return {
        s["code"]: votes[s["code"]].score if is_vote_source(s) else _mean_score(records, s["code"])
        for s in sources
    }


def _score_records(records: Iterable[Record], code: str) -> list[Record]:
    return [r for r in records if r.kind == SCORE and r.code == code and r.value is not None]


def _mean_score(records: list[Record], code: str) -> Decimal | None:
    values = [r.value for r in _score_records(records, code)]
    return sum(values, ZERO) / len(values) if values else None


def _score(
    staff_id: int, records: list[Record], votes: Mapping[str, Votes], scheme: dict
) -> ParticipantResult:
    sources = scheme["sources"]
    scores = _source_scores(sources, records, votes)
    present = {code for code, value in scores.items() if value is not None}
    weights, divisor = source_weights(sources, present, scheme.get("missing", DEFAULT_MISSING))
    sources_part = (
        sum((w * (scores[code] or ZERO) for code, w in weights.items()), ZERO) / divisor
        if present
        else ZERO
    )
    complaint_total = _complaint_total(records, scheme.get("complaints"))
    bonus_items = {item["code"]: item for item in scheme.get("bonus_items", ())}
    bonus = _bonus_total(records, bonus_items)
    raw = sources_part - complaint_total + bonus
    result = ParticipantResult(
        staff_id=staff_id,
        score=round2(max(raw, ZERO)),
        raw_score=max(raw, ZERO),
        parts={
            "sources": {code: None if v is None else round2(v) for code, v in scores.items()},
            "complaints": round2(complaint_total),
            "bonus": round2(bonus),
        },
    )
    if not present:
        add_flag(result, FLAG_NO_DATA)
    percentages = weight_percentages(weights, divisor)
    explainer = _Explainer.of(scheme, records, bonus_items, percentages=percentages)
    result.effects = [explainer.record_effect(r) for r in records]
    result.effects += explainer.vote_lines(scores, votes)
    if raw < 0:
        result.effects.append(Effect(None, DEDUCTION, "", "得分不低于0", None, round2(-raw)))
    return result


def _complaint_total(records: list[Record], config: dict | None) -> Decimal:
    if not config:
        return ZERO
    return sum((complaint_points(r, config) for r in valid_complaints(records)), ZERO)


def _bonus_total(records: list[Record], bonus_items: Mapping[str, dict]) -> Decimal:
    found = (r for r in records if _is_bonus(r, bonus_items))
    return sum((bonus_points(r, bonus_items[r.code]) for r in found), ZERO)


def _is_bonus(record: Record, bonus_items: Mapping[str, dict]) -> bool:
    return record.kind == BONUS and record.code in bonus_items


@dataclass(frozen=True)
class _Explainer:
    """Builds one participant's effect lines."""

    score_sources: Mapping[str, dict]
    vote_sources: Mapping[str, dict]
    score_counts: Counter[str]  # 得分 records per source: each carries 1/count of its mean
    complaints: dict | None
    bonus_items: Mapping[str, dict]
    percentages: Mapping[str, Decimal]

    @classmethod
    def of(
        cls,
        scheme: dict,
        records: list[Record],
        bonus_items: Mapping[str, dict],
        *,
        percentages: Mapping[str, Decimal],
    ) -> _Explainer:
        sources = scheme["sources"]
        return cls(
            score_sources={s["code"]: s for s in sources if not is_vote_source(s)},
            vote_sources={s["code"]: s for s in sources if is_vote_source(s)},
            score_counts=Counter(
                r.code for r in records if r.kind == SCORE and r.value is not None
            ),
            complaints=scheme.get("complaints"),
            bonus_items=bonus_items,
            percentages=percentages,
        )

    def record_effect(self, record: Record) -> Effect:
        label, points, note = self._label_points_note(record)
        return Effect(
            record.id, record.kind, record.code, label, record.value, round2(points), note
        )

    def _label_points_note(self, record: Record) -> tuple[str, Decimal, str]:
        if record.kind == SCORE and record.code in self.score_sources and record.value is not None:
            share = self.percentages[record.code] / HUNDRED / self.score_counts[record.code]
            name = self.score_sources[record.code]["name"]
            return name, record.value * share, self._weight_note(record.code)
        if record.kind == METRIC and record.code in self.vote_sources:
            # The normalisation depends on everyone's votes: the source's line carries it.
            return self.vote_sources[record.code]["name"], ZERO, "计入票数"
        if _is_bonus(record, self.bonus_items):
            item = self.bonus_items[record.code]
            return item["name"], bonus_points(record, item), ""
        if is_valid_complaint(record) and self.complaints:
            return "客户投诉", -complaint_points(record, self.complaints), ""
        return record.code, ZERO, ""  # ratings, invalid complaints, incidents, veto metrics

    def _weight_note(self, code: str) -> str:
        return f"权重{round2(self.percentages[code])}%"

    def vote_lines(
        self, scores: Mapping[str, Decimal | None], votes: Mapping[str, Votes]
    ) -> list[Effect]:
        lines = []
        for code, source in self.vote_sources.items():
            score = scores[code]
            if score is None:
                continue
            vote = votes[code]
            points = self.percentages[code] * score / HUNDRED
            note = (
                f"{vote.total}票÷本岗位最高{vote.top}票×100={round2(score)}，"
                f"{self._weight_note(code)}"
            )
            lines.append(
                Effect(None, METRIC, code, source["name"], vote.total, round2(points), note)
            )
        return lines
