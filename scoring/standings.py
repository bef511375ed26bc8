"""Provisional standings kept in each process's memory and brought up to date person by
person.

A standing (one scheme version, one open period) is computed in full once; the process
keeps its inputs, results and the ledger epoch they are current at. A later read at a newer
epoch asks the cache what each write since then touched (``scoring.signals.ledger_changes``)
and reloads just those people's participant row and records (two queries). People whose
inputs did not change keep their results; for methods where a person's result depends on
their own records alone (``deduction``, ``weighted`` without vote sources) only the changed
people are scored again and everyone is re-ranked; for the others the engine runs again on
the updated inputs, without reloading the period from the database. A write whose extent is
unknown, a gap in the change log, a large batch or an hour's age means a full computation.

The shared cache still holds the outcome of full computations (and of refreshes made with
``publish``), keyed by epoch, for processes that have nothing in memory. Outcomes handed out
are shared between readers: treat them as read-only."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Q
from redis.exceptions import RedisError

from scoring.engine import compute_period, finish_period, score_results
from scoring.engine import types as t
from scoring.engine.common import is_vote_source, record_order
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
from scoring.signals import LEDGER_EPOCH_KEY, ledger_changes

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
    scored: dict[int, t.ParticipantResult] | None  # unranked, for separable methods
    outcome: t.PeriodOutcome
    json_rows: dict[int, dict] = field(default_factory=dict)  # staff → result_to_json
    rows: list[dict] | None = None


def separable(config: dict) -> bool:
    """Whether each participant's result (before ranking and awards) depends on their own
    records only."""
    method = config.get("method")
    if method == "deduction":
        return True
    if method == "weighted":
        return not any(is_vote_source(source) for source in config.get("sources", ()))
    return False


def standing(scheme, bounds: t.Period, *, publish: bool = False) -> t.PeriodOutcome:
    return _standing_entry(scheme, bounds, publish=publish).outcome


def standing_rows(scheme, bounds: t.Period) -> tuple[t.PeriodOutcome, list[dict]]:
    """The standing and its results in their stored (JSON) form, made once per change and
    only for the people it changed."""
    from scoring.services import _json_value, result_to_json

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
                row["promotion"] = _json_value(result.promotion)
                rows.append(row)
            entry.rows = rows
        return entry.outcome, entry.rows


def forget() -> None:
    """Drop what this process keeps (tests, and a scheme change that must show at once)."""
    with _lock:
        _entries.clear()


def _state() -> tuple[int, str]:
    found = cache.get_many([LEDGER_EPOCH_KEY, INSTANCE_KEY])
    epoch = found.get(LEDGER_EPOCH_KEY)
    if epoch is None:
        epoch = cache.get_or_set(LEDGER_EPOCH_KEY, 1, timeout=None)
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
            if usable and entry.inputs is not None and _catch_up(entry, bounds, epoch):
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


def _full(scheme, bounds: t.Period, *, instance: str, epoch: int) -> _Entry:
    from evaluations.models import SchemeVersion

    version = SchemeVersion.objects.get(pk=scheme.current_version_id)
    inputs = load_inputs(version=version, period=bounds)
    records: dict[int, list[t.Record]] = {p.staff_id: [] for p in inputs.participants}
    for record in inputs.records:
        records.setdefault(record.staff_id, []).append(record)
    by_staff = {staff_id: tuple(found) for staff_id, found in records.items()}
    if separable(inputs.scheme):
        scored = score_results(inputs)
        outcome = finish_period(inputs, _clones(scored))
    else:
        scored = None
        outcome = compute_period(inputs)
    return _Entry(scheme.pk, instance, epoch, time.monotonic(), inputs, by_staff, scored, outcome)


def _clones(scored: dict[int, t.ParticipantResult]) -> dict[int, t.ParticipantResult]:
    """Shallow copies for finish_period to rank and award, keeping ``scored`` unranked."""
    clones = {}
    for staff_id, result in scored.items():
        clone = object.__new__(t.ParticipantResult)
        clone.__dict__.update(result.__dict__)
        clones[staff_id] = clone
    return clones


def _window_start(config: dict, bounds: t.Period) -> date:
    start = bounds.start - timedelta(days=_lookback_days(config))
    incident = _incident_window_start(config, bounds)
    return min(start, incident) if incident is not None else start


def _catch_up(entry: _Entry, bounds: t.Period, epoch: int) -> bool:
    """Bring ``entry`` to ``epoch`` person by person; False when it needs a full run."""
    changes = ledger_changes(entry.epoch, epoch)
    if any(change is None for change in changes):
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
    }
    if not changed:
        entry.epoch = epoch
        return True
    participants = [p for p in inputs.participants if p.staff_id not in changed]
    participants += [people[staff_id] for staff_id in changed if staff_id in people]
    if set(people) != set(before):
        participants.sort(key=lambda p: p.employee_no)
    else:  # same people: keep their order, swapping in the reloaded rows
        participants = [people.get(p.staff_id, p) for p in inputs.participants]
    for staff_id in changed:
        entry.records.pop(staff_id, None)
        if staff_id in people:
            entry.records[staff_id] = tuple(fresh[staff_id])
    inputs = replace(inputs, participants=tuple(participants))
    if entry.scored is not None:
        mine = tuple(r for staff_id in changed for r in entry.records.get(staff_id, ()))
        subset = replace(
            inputs,
            participants=tuple(people[s] for s in changed if s in people),
            records=tuple(sorted(mine, key=record_order)),
        )
        for staff_id in changed:
            entry.scored.pop(staff_id, None)
        entry.scored.update(score_results(subset))
        inputs = _refreshed_context(inputs, entry.scheme_id, bounds)
        outcome = finish_period(inputs, _clones(entry.scored))
        entry.inputs = inputs
    else:
        every = (r for found in entry.records.values() for r in found)
        inputs = replace(
            _refreshed_context(inputs, entry.scheme_id, bounds),
            records=tuple(sorted(every, key=record_order)),
        )
        outcome = compute_period(inputs)
        entry.inputs = inputs
        entry.json_rows.clear()
    for staff_id in changed:
        entry.json_rows.pop(staff_id, None)
    entry.outcome = outcome
    entry.rows = None
    entry.epoch = epoch
    return True


def _pk_in(staff_ids) -> Q:
    return Q(pk__in=list(staff_ids))


def _refreshed_context(inputs: t.Inputs, scheme_id: int, bounds: t.Period) -> t.Inputs:
    """Unit heads and earlier weekly wins can change without a ledger write: reload them."""
    config = inputs.scheme
    units = inputs.units
    if config.get("method") == "points_bank" or config.get("unit_rollup"):
        units = load_units()
    prior_wins, prior_promotions = inputs.prior_wins, inputs.prior_promotions
    if config.get("method") == "stars" and config.get("promotion"):
        prior_wins, prior_promotions = load_prior_wins(scheme_id, bounds)
    return replace(inputs, units=units, prior_wins=prior_wins, prior_promotions=prior_promotions)
