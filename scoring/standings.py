"""Provisional standings kept in each process's memory and brought up to date person by
person.

A standing (one scheme version, one open period) is computed in full once; the process
keeps its inputs, unranked results and the ledger epoch they are current at. A later read at
a newer epoch asks the cache what each write since then touched (``ledger_changes``) and
reloads just those people's participant row and records (two queries). People whose inputs
did not change keep their results. The changed people are scored again: alone where a
result depends on one's own records only (``deduction``, ``weighted`` without vote
sources); for ``stars``, when their ranked totals are unchanged, together with one holder of
each distinct total so the inverted pyramid is the same; otherwise everyone is scored again
from memory. Then everyone is ranked and awarded again. A write whose extent is unknown, a
gap in the change log, a large batch or an hour's age means a full computation.

The shared cache still holds the outcome of full computations (and of refreshes made with
``publish``), keyed by epoch, for processes that have nothing in memory. Outcomes handed out
are shared between readers: treat them as read-only."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Q
from redis.exceptions import RedisError

from scoring.engine import finish_period, score_results
from scoring.engine import types as t
from scoring.engine.common import (
    SUM,
    aggregate,
    is_vote_source,
    metric_records,
    period_records,
    record_order,
)
from scoring.selectors import (
    _incident_window_start,
    _lookback_days,
    load_inputs,
    load_participants,
    load_prior_wins,
    load_records,
    load_units,
    participants_q,
)
from scoring.signals import LEDGER_EPOCH_KEY, ledger_changes, ledger_epoch
from starservice.gcpause import gc_paused

logger = logging.getLogger(__name__)

INSTANCE_KEY = "starservice:standings-instance"
SHARED_SECONDS = 3600  # also the longest a standing is kept in memory without a full run
MEMORY_ENTRIES = 16
MAX_CHANGED_SHARE = 0.2  # more changed people than this share (and 50): compute in full

_entries: OrderedDict[tuple, _Entry] = OrderedDict()
_lock = threading.RLock()


@dataclass
class _Entry:
    scheme_id: int
    instance: str
    epoch: int
    built: float  # time.monotonic() of the full computation
    inputs: t.Inputs | None  # None: taken from the shared cache, cannot be updated
    records: dict[int, tuple[t.Record, ...]]  # participant → their records, in order
    scored: dict[int, t.ParticipantResult] | None  # score_results: unranked
    outcome: t.PeriodOutcome
    totals: dict[int, tuple] = field(default_factory=dict)  # stars: ranked totals by person
    version_id: int | None = None  # set on entries taken from the shared cache
    records_known: bool = True  # False: ``records`` holds only people changed since
    json_rows: dict[int, dict] = field(default_factory=dict)  # staff → result_to_json
    rows: list[dict] | None = None
    index: StandingIndex | None = None  # made on first use, dropped when the outcome changes


@dataclass(frozen=True)
class StandingIndex:
    """Lookups into one outcome, made once per change: each person's result, and everyone's
    scores in ascending order to count, by bisection, who scores more than a given score."""

    by_staff: dict[int, t.ParticipantResult]
    scores: list  # every participant's score, ascending

    @classmethod
    def of(cls, outcome: t.PeriodOutcome) -> StandingIndex:
        return cls(
            {result.staff_id: result for result in outcome.results},
            sorted(result.score for result in outcome.results),
        )

    def above(self, score) -> int:
        """How many participants score more than ``score``."""
        return len(self.scores) - bisect_right(self.scores, score)


def separable(config: dict) -> bool:
    """Whether each participant's result (before ranking and awards) depends on their own
    records only."""
    method = config.get("method")
    if method == "deduction":
        return True
    if method == "weighted":
        return not any(is_vote_source(source) for source in config.get("sources", ()))
    return False


def ranked_components(config: dict) -> list[tuple[str, str]]:
    """Stars: (metric, aggregate) of each ranked component. A person's stars for one depend
    on their own total and on the set of everyone's distinct positive totals."""
    if config.get("method") != "stars":
        return []
    return [
        (c["metric"], c.get("aggregate", SUM))
        for c in config.get("components", ())
        if c["type"] == "ranked"
    ]


def _totals(records, bounds: t.Period, ranked: list[tuple[str, str]]) -> tuple:
    """The person's ranked totals, as the stars method computes them."""
    week = period_records(records, bounds)
    return tuple(
        aggregate([r.value for r in metric_records(week, metric)], how) for metric, how in ranked
    )


def standing(scheme, bounds: t.Period, *, publish: bool = False) -> t.PeriodOutcome:
    return _standing_entry(scheme, bounds, publish=publish).outcome


def standing_rows(scheme, bounds: t.Period) -> tuple[t.PeriodOutcome, list[dict]]:
    """The standing and its results in their stored (JSON) form, made once per change and
    only for the people it changed."""
    from scoring.selectors import json_value
    from scoring.services import result_to_json

    entry = _standing_entry(scheme, bounds, publish=False)
    with _lock:
        if entry.rows is None:
            rows = []
            for result in entry.outcome.results:
                base = entry.json_rows.get(result.staff_id)
                if base is None:
                    base = entry.json_rows[result.staff_id] = result_to_json(result)
                row = dict(base)
                row["rank"] = result.rank
                row["award"] = result.award
                row["promotion"] = json_value(result.promotion)
                rows.append(row)
            entry.rows = rows
        return entry.outcome, entry.rows


def standing_index(scheme, bounds: t.Period) -> tuple[t.PeriodOutcome, StandingIndex]:
    """The standing and its index (``StandingIndex``), made once per change."""
    entry = _standing_entry(scheme, bounds, publish=False)
    with _lock:
        if entry.index is None:
            entry.index = StandingIndex.of(entry.outcome)
        return entry.outcome, entry.index


def forget() -> None:
    """Drop what this process keeps (tests, and a scheme change that must show at once)."""
    with _lock:
        _entries.clear()


def _state() -> tuple[int, str]:
    found = cache.get_many([LEDGER_EPOCH_KEY, INSTANCE_KEY])
    epoch = found.get(LEDGER_EPOCH_KEY)
    if epoch is None:
        epoch = ledger_epoch()
    instance = found.get(INSTANCE_KEY)
    if instance is None:  # a new or flushed cache: nothing kept in memory can be trusted
        cache.add(INSTANCE_KEY, uuid.uuid4().hex, timeout=None)
        instance = cache.get(INSTANCE_KEY)
    return int(epoch), str(instance)


def _standing_entry(scheme, bounds: t.Period, *, publish: bool) -> _Entry:
    version_id = scheme.current_version_id
    key = (version_id, bounds.key, bounds.start, bounds.end)
    try:
        epoch, instance = _state()
    except RedisError as exc:  # the cache is down: compute, never fail the page
        logger.warning("standings cache unavailable (%s); computing without it", exc)
        return _full(scheme, bounds, instance="", epoch=0)
    shared_key = f"standing:{version_id}:{bounds.key}:{epoch}"
    with _lock:
        entry = _entries.get(key)
        if entry is not None:
            _entries.move_to_end(key)
            usable = (
                entry.instance == instance
                and time.monotonic() - entry.built < SHARED_SECONDS
                and entry.epoch <= epoch
            )
            if usable and entry.epoch == epoch:
                return entry
            if usable and _catch_up(entry, bounds, epoch):
                if publish:
                    _share(shared_key, entry.outcome)
                return entry
    outcome = None
    try:
        outcome = cache.get(shared_key)
    except RedisError as exc:
        logger.warning("standings cache unavailable (%s); computing without it", exc)
    if outcome is not None:
        entry = _Entry(scheme.pk, instance, epoch, time.monotonic(), None, {}, None, outcome)
        entry.version_id = version_id
    else:
        entry = _full(scheme, bounds, instance=instance, epoch=epoch)
        _share(shared_key, entry.outcome)
    with _lock:
        _entries[key] = entry
        _entries.move_to_end(key)
        while len(_entries) > MEMORY_ENTRIES:
            _entries.popitem(last=False)
    return entry


def _share(key: str, outcome: t.PeriodOutcome) -> None:
    try:
        cache.set(key, outcome, timeout=SHARED_SECONDS)
    except RedisError as exc:
        logger.warning("standings cache unavailable (%s); result not cached", exc)


@gc_paused()
def _full(scheme, bounds: t.Period, *, instance: str, epoch: int) -> _Entry:
    from evaluations.models import SchemeVersion

    version = SchemeVersion.objects.get(pk=scheme.current_version_id)
    inputs = load_inputs(version=version, period=bounds)
    records: dict[int, list[t.Record]] = {p.staff_id: [] for p in inputs.participants}
    for record in inputs.records:
        records.setdefault(record.staff_id, []).append(record)
    by_staff = {staff_id: tuple(found) for staff_id, found in records.items()}
    scored = score_results(inputs)
    outcome = finish_period(inputs, scored)
    entry = _Entry(scheme.pk, instance, epoch, time.monotonic(), inputs, by_staff, scored, outcome)
    ranked = ranked_components(inputs.scheme)
    if ranked:
        entry.totals = {
            p.staff_id: _totals(by_staff.get(p.staff_id, ()), bounds, ranked)
            for p in inputs.participants
        }
    return entry


def _window_start(config: dict, bounds: t.Period) -> date:
    start = bounds.start - timedelta(days=_lookback_days(config))
    incident = _incident_window_start(config, bounds)
    return min(start, incident) if incident is not None else start


def _catch_up(entry: _Entry, bounds: t.Period, epoch: int) -> bool:
    """Bring ``entry`` to ``epoch`` person by person; False when it needs a full run."""
    changes = ledger_changes(entry.epoch, epoch)
    if any(change is None for change in changes):
        return False
    if entry.inputs is None and not _adopt(entry, bounds):
        return False
    inputs = entry.inputs
    config = inputs.scheme
    first = _window_start(config, bounds)
    touched: set[int] = set()
    for change in changes:
        if change["last"] >= first and change["first"] <= bounds.end:
            touched.update(change["staff"])
    if not touched:
        entry.epoch = epoch
        return True
    if len(touched) > max(50, MAX_CHANGED_SHARE * len(inputs.participants)):
        return False
    people = {p.staff_id: p for p in load_participants(config, bounds, staff_ids=touched)}
    fresh: dict[int, list[t.Record]] = {staff_id: [] for staff_id in people}
    query = participants_q(config, bounds) & _pk_in(touched)
    for record in load_records(config, bounds, query):
        fresh[record.staff_id].append(record)
    before = {p.staff_id: p for p in inputs.participants if p.staff_id in touched}
    changed = {
        staff_id
        for staff_id in touched
        if people.get(staff_id) != before.get(staff_id)
        or tuple(fresh.get(staff_id, ())) != entry.records.get(staff_id, ())
        or (not entry.records_known and staff_id in people)
    }
    if not changed:
        entry.epoch = epoch
        return True
    participants = [p for p in inputs.participants if p.staff_id not in changed]
    participants += [people[staff_id] for staff_id in changed if staff_id in people]
    same_people = set(people) == set(before)
    if same_people:  # keep their order, swapping in the reloaded rows
        participants = [people.get(p.staff_id, p) for p in inputs.participants]
    else:
        participants.sort(key=lambda p: p.employee_no)
    for staff_id in changed:
        entry.records.pop(staff_id, None)
        if staff_id in people:
            entry.records[staff_id] = tuple(fresh[staff_id])
    inputs = _refreshed_context(replace(inputs, participants=tuple(participants)), entry, bounds)
    subset = _subset(entry, inputs, bounds, changed, same_people)
    if subset is None:  # everyone's result may move: score all, from memory
        every = (r for found in entry.records.values() for r in found)
        inputs = replace(inputs, records=tuple(sorted(every, key=record_order)))
        entry.scored = score_results(inputs)
        entry.json_rows.clear()
    else:
        by_id = {p.staff_id: p for p in inputs.participants}
        mine = tuple(r for staff_id in subset for r in entry.records.get(staff_id, ()))
        scored = score_results(
            replace(
                inputs,
                participants=tuple(by_id[s] for s in subset),
                records=tuple(sorted(mine, key=record_order)),
            )
        )
        for staff_id in changed:
            entry.scored.pop(staff_id, None)
            entry.json_rows.pop(staff_id, None)
            if staff_id in scored:
                entry.scored[staff_id] = scored[staff_id]
    ranked = ranked_components(config)
    for staff_id in changed if ranked else ():
        entry.totals.pop(staff_id, None)
        if staff_id in people:
            entry.totals[staff_id] = _totals(entry.records[staff_id], bounds, ranked)
    entry.inputs = inputs
    entry.outcome = _finish(inputs, entry.scored)
    entry.rows = None
    entry.index = None
    entry.epoch = epoch
    return True


def _finish(inputs: t.Inputs, scored: dict[int, t.ParticipantResult]) -> t.PeriodOutcome:
    """Rank and award again, in place: copying 20,000 results each time costs more (and
    wakes the garbage collector over every object this process keeps) than resetting what
    finish_period sets. Readers still holding the previous outcome see the new ranks."""
    for result in scored.values():
        result.rank = 0
        result.award = None
        result.promotion = None
    return finish_period(inputs, scored)


def _adopt(entry: _Entry, bounds: t.Period) -> bool:
    """Make an outcome taken from the shared cache updatable, for methods whose results are
    separable: its results become the unranked ones, and the participants are loaded; the
    records of the people who change from now on are read as they change."""
    from evaluations.models import SchemeVersion

    config = SchemeVersion.objects.get(pk=entry.version_id).config
    if not separable(config):
        return False
    inputs = t.Inputs(config, bounds, load_participants(config, bounds), ())
    entry.inputs = _refreshed_context(inputs, entry, bounds)
    entry.scored = {result.staff_id: result for result in entry.outcome.results}
    entry.records = {}
    entry.records_known = False
    return True


def _subset(entry: _Entry, inputs: t.Inputs, bounds: t.Period, changed: set, same_people: bool):
    """Whom to score again so that the changed people's results come out as in a full run:
    just them when results are separable; for stars whose changes leave every ranked total
    as it was, them plus one holder of each distinct total (the inverted pyramid's ladder is
    then the same). None: score everyone."""
    config = inputs.scheme
    present = {p.staff_id for p in inputs.participants}
    if separable(config):
        return [s for s in changed if s in present]
    ranked = ranked_components(config)
    if not ranked or not same_people:
        return None
    after = {s: _totals(entry.records.get(s, ()), bounds, ranked) for s in changed}
    if any(after[s] != entry.totals.get(s) for s in changed):
        return None
    witnesses: set[int] = set()
    for index in range(len(ranked)):
        seen: dict = {}
        for staff_id, totals in entry.totals.items():
            value = totals[index]
            if value is not None and value > 0 and value not in seen:
                seen[value] = staff_id
        witnesses.update(seen.values())
    return [s for s in present if s in changed or s in witnesses]


def _pk_in(staff_ids) -> Q:
    return Q(pk__in=list(staff_ids))


def _refreshed_context(inputs: t.Inputs, entry: _Entry, bounds: t.Period) -> t.Inputs:
    """Unit heads and earlier weekly wins can change without a ledger write: reload them."""
    config = inputs.scheme
    units = inputs.units
    if config.get("method") == "points_bank" or config.get("unit_rollup"):
        units = load_units()
    prior_wins, prior_promotions = inputs.prior_wins, inputs.prior_promotions
    if config.get("method") == "stars" and config.get("promotion"):
        prior_wins, prior_promotions = load_prior_wins(entry.scheme_id, bounds)
    return replace(inputs, units=units, prior_wins=prior_wins, prior_promotions=prior_promotions)
