"""The pure scoring engine: one period of one scheme, from plain data to results.

A method module (``scoring.engine.<method>``) provides ``score_participants(inputs,
records_by_staff) -> dict[int, ParticipantResult]`` and may provide ``after_awards(inputs,
results)``. ``records_by_staff`` holds every participant (an empty list when they have no
records) with the records that count in the scheme, in (date, id) order, history before
the period included: methods take the period's records themselves. ``after_awards``
receives the results in rank order, awards set.
"""

from __future__ import annotations

from collections import defaultdict
from importlib import import_module
from types import ModuleType

from scoring.engine.common import (
    choose_awards,
    counting_records,
    grade_for,
    ineligibility_reasons,
    period_records,
    rank_results,
    tie_break_key,
    unit_rollup,
    veto_hits,
)
from scoring.engine.types import Inputs, ParticipantResult, Period, PeriodOutcome, Record

__all__ = ["compute_period", "finish_period", "score_results"]

METHODS = ("deduction", "stars", "weighted", "points_bank")


def compute_period(inputs: Inputs) -> PeriodOutcome:
    return finish_period(inputs, score_results(inputs))


def score_results(inputs: Inputs) -> dict[int, ParticipantResult]:
    """The part of ``compute_period`` done participant by participant: the method's score,
    grade, veto and eligibility. ``finish_period`` ranks and awards what it returns."""
    scheme = inputs.scheme
    method = _method_module(scheme["method"])
    records_by_staff = counting_records(inputs)
    results = method.score_participants(inputs, records_by_staff)

    participants = {p.staff_id: p for p in inputs.participants}
    eligibility = scheme.get("eligibility", {})
    # Only the incident look-back reads a person's records beyond those that count.
    history = _records_by_staff(inputs.records) if eligibility.get("no_incident_years") else {}
    grades = scheme.get("grades", ())
    vetoes = scheme.get("veto", ())
    for staff_id, result in results.items():
        result.grade = grade_for(result.score, grades)
        counting = records_by_staff[staff_id]
        if vetoes and counting:
            result.veto = veto_hits(vetoes, _in_period(counting, inputs.period))
        if eligibility:
            result.ineligible = ineligibility_reasons(
                eligibility,
                participants[staff_id],
                period=inputs.period,
                records=history.get(staff_id, ()),
            )
    return results


def finish_period(inputs: Inputs, results: dict[int, ParticipantResult]) -> PeriodOutcome:
    """Ranks, awards (and what follows them) and the unit roll-up over ``score_results``'
    output, whose rank, award and promotion it sets."""
    scheme = inputs.scheme
    method = _method_module(scheme["method"])
    participants = {p.staff_id: p for p in inputs.participants}
    grades = scheme.get("grades", ())
    ranked = rank_results(results, participants)
    award = scheme.get("award")
    if award:
        choose_awards(
            ranked,
            award=award,
            participants=participants,
            grades=grades,
            tie_break=tie_break_key(award.get("tie_break", ())),
            in_rank_order=True,
        )
    after_awards = getattr(method, "after_awards", None)
    if after_awards is not None:
        after_awards(inputs, ranked)

    rollup_config = scheme.get("unit_rollup")
    rollup = (
        unit_rollup(ranked, config=rollup_config, participants=participants, units=inputs.units)
        if rollup_config
        else []
    )
    return PeriodOutcome(results=ranked, unit_rollup=rollup)


def _method_module(method: str) -> ModuleType:
    # Imported on use, so each method works on its own while the others are written.
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    return import_module(f"scoring.engine.{method}")


def _in_period(records: list[Record], period: Period) -> list[Record]:
    """``period_records`` of records in (date, id) order: when the first and the last lie in
    the period (no look-back history), all do."""
    if period.start <= records[0].date and records[-1].date <= period.end:
        return records
    return period_records(records, period)


def _records_by_staff(records: tuple[Record, ...]) -> defaultdict[int, list[Record]]:
    by_staff: defaultdict[int, list[Record]] = defaultdict(list)
    for record in records:
        by_staff[record.staff_id].append(record)
    return by_staff
