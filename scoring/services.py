"""Closing and reopening periods, and the provisional standing of open ones."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import operator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import orjson
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import acting_user, audit_log
from evaluations.bulk import copy_rows
from evaluations.locks import ledger_freeze_lock
from evaluations.models import Scheme, SchemeVersion
from scoring.engine import compute_period
from scoring.engine import types as t
from scoring.engine.periods import parse_period_key, period_for_date
from scoring.models import HASH_FORMAT, ParticipantResult, Period, Snapshot
from scoring.selectors import content_hash, json_default, json_value, load_inputs, result_text
from scoring.signals import period_closed
from starservice.gcpause import gc_paused

if TYPE_CHECKING:
    from scoring.standings import StandingIndex

logger = logging.getLogger(__name__)


class PeriodError(Exception):
    pass


@dataclass(frozen=True)
class CloseOutcome:
    snapshot: Snapshot
    created: bool  # False: records unchanged since the last snapshot, nothing stored
    message: str


def period_get_or_create(*, scheme: Scheme, key: str) -> Period:
    try:
        bounds = parse_period_key(scheme.period, key)
    except ValueError as exc:
        raise PeriodError(str(exc)) from None
    period, _created = Period.objects.get_or_create(
        scheme=scheme, key=bounds.key, defaults={"start": bounds.start, "end": bounds.end}
    )
    return period


def period_bounds(period: Period) -> t.Period:
    return t.Period(period.key, period.start, period.end)


@transaction.atomic
@gc_paused()
def period_close(*, scheme: Scheme, key: str, actor=None, reason: str = "") -> CloseOutcome:
    """Compute and freeze the period's results. Re-closing with unchanged inputs stores
    nothing; after a reopen with changed records it stores the next version. The Period
    row lock serialises concurrent closes of one scheme+period; ``period_closed`` receivers
    (the notice draft) write in this transaction."""
    # No ledger write may commit between this close's read of the records and its commit.
    ledger_freeze_lock()
    # The version current now, not the one the caller's object was loaded with.
    current_id = (
        Scheme.objects.filter(pk=scheme.pk).values_list("current_version_id", flat=True).first()
    )
    if current_id is None:
        raise PeriodError(_("scheme %(code)s has no version") % {"code": scheme.code})
    period = period_get_or_create(scheme=scheme, key=key)
    period = Period.objects.select_for_update().get(pk=period.pk)
    bounds = period_bounds(period)
    latest = period.snapshots.select_related("scheme_version").order_by("-version").first()
    if latest is None and Scheme.objects.filter(pk=scheme.pk, archived=True).exists():
        # An archived scheme runs no new periods; one it closed before may be closed again.
        raise PeriodError(
            _("scheme %(code)s is archived: no new period is closed") % {"code": scheme.code}
        )
    unchanged, previous = False, None
    if latest is not None:
        # "Unchanged" is judged with the rules the latest snapshot was computed with: a new
        # scheme version alone never changes a closed period's results (SCHEMES.md).
        previous = load_inputs(version=latest.scheme_version, period=bounds)
        fingerprint = inputs_fingerprint(
            previous, version_id=latest.scheme_version_id, hash_format=latest.hash_format
        )
        unchanged = fingerprint == latest.inputs_fingerprint
    if unchanged:
        reclosed = period.status != Period.Status.CLOSED
        if reclosed:
            period.status = Period.Status.CLOSED
            period.save(update_fields=["status"])
            audit_log(
                actor=actor,
                action="period.closed",
                target=period,
                summary=str(period),
                reason=reason or _("reclosed with unchanged records"),
            )
        message = _("%(period)s: records unchanged since version %(v)s; nothing stored") % {
            "period": period,
            "v": latest.version,
        }
        return CloseOutcome(latest, created=False, message=message)
    version = SchemeVersion.objects.get(pk=current_id)
    same_rules = previous is not None and latest.scheme_version_id == current_id
    inputs = previous if same_rules else load_inputs(version=version, period=bounds)
    fingerprint = inputs_fingerprint(inputs, version_id=version.pk)
    outcome = compute_period(inputs)
    snapshot = _store_snapshot(
        period,
        version,
        outcome,
        fingerprint,
        actor=actor,
        number=(latest.version + 1) if latest else 1,
    )
    period.status = Period.Status.CLOSED
    period.save(update_fields=["status"])
    audit_log(
        actor=actor,
        action="period.closed",
        target=period,
        summary=str(period),
        reason=reason,
        after={"snapshot_version": snapshot.version, "content_hash": snapshot.content_hash},
    )
    period_closed.send(sender=Snapshot, snapshot=snapshot, actor=actor)
    message = _("%(period)s closed: version %(v)s, %(n)s participants") % {
        "period": period,
        "v": snapshot.version,
        "n": len(outcome.results),
    }
    return CloseOutcome(snapshot, created=True, message=message)


@transaction.atomic
def period_reopen(*, period: Period, actor=None, reason: str) -> Period:
    if not reason.strip():
        raise PeriodError(_("a reason is required to reopen a period"))
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.CLOSED:
        raise PeriodError(_("%(period)s is not closed") % {"period": period})
    period.status = Period.Status.REOPENED
    period._change_reason = reason
    period.save(update_fields=["status"])
    audit_log(
        actor=actor, action="period.reopened", target=period, summary=str(period), reason=reason
    )
    return period


def _store_snapshot(
    period, version, outcome: t.PeriodOutcome, fingerprint: str, *, actor, number: int
) -> Snapshot:
    rollup = [rollup_to_json(row) for row in outcome.unit_rollup]
    # Each row is serialised once: its text is both stored and hashed.
    texts = [result_text(result) for result in outcome.results]
    snapshot = Snapshot.objects.create(
        period=period,
        version=number,
        scheme_version=version,
        created_by=acting_user(actor),
        inputs_fingerprint=fingerprint,
        content_hash=content_hash(texts, rollup),
        unit_rollup=rollup,
    )
    _insert_results(snapshot, outcome.results, texts)
    return snapshot


RESULT_COLUMNS = (
    "snapshot_id",
    "staff_id",
    "position",
    "rank",
    "score",
    "grade",
    "award",
    "vetoed",
    "eligible",
    "data",
)


def _insert_results(snapshot, results, texts: list[str]) -> None:
    """On PostgreSQL one COPY of the rows (the JSON already serialised); elsewhere, or if
    the model grew columns this does not know, bulk_create."""
    columns = {f.column for f in ParticipantResult._meta.concrete_fields if not f.primary_key}
    if connection.vendor == "postgresql" and columns == set(RESULT_COLUMNS):
        copy_rows(
            ParticipantResult,
            list(RESULT_COLUMNS),
            (
                (
                    snapshot.pk,
                    result.staff_id,
                    index,
                    result.rank,
                    result.score,
                    result.grade or "",
                    result.award or "",
                    bool(result.veto),
                    not result.ineligible,
                    text,
                )
                for index, (result, text) in enumerate(zip(results, texts, strict=True))
            ),
        )
        return
    ParticipantResult.objects.bulk_create(
        [
            ParticipantResult(
                snapshot=snapshot,
                staff_id=result.staff_id,
                position=index,
                rank=result.rank,
                score=result.score,
                grade=result.grade or "",
                award=result.award or "",
                vetoed=bool(result.veto),
                eligible=not result.ineligible,
                data=orjson.loads(text),
            )
            for index, (result, text) in enumerate(zip(results, texts, strict=True))
        ],
        batch_size=2000,
    )


def inputs_fingerprint(inputs: t.Inputs, *, version_id: int, hash_format: int = HASH_FORMAT) -> str:
    """What a close computed from, as a digest: equal digests, equal results. Snapshots of
    ``hash_format`` 1 were fingerprinted from the inputs' repr() (``_legacy_fingerprint``);
    format 2 is orjson's JSON of the same inputs, written in C."""
    if hash_format == 1:
        return _legacy_fingerprint(inputs, version_id=version_id)
    digest = hashlib.sha256(f"v{version_id}|{inputs.period.key}".encode())
    units = sorted((path, unit.head_staff_id) for path, unit in inputs.units.items())
    parts = (
        inputs.participants,
        inputs.records,
        sorted(inputs.prior_wins.items()),
        sorted(inputs.prior_promotions),
        units,
    )
    for part in parts:
        digest.update(orjson.dumps(part, default=json_default))
    return digest.hexdigest()


def _dataclass_repr(cls):
    """repr() of instances of the dataclass ``cls``, as its generated __repr__ writes it,
    without the recursion guard (fingerprints repr every record)."""
    names = [f.name for f in dataclasses.fields(cls) if f.repr]
    template = cls.__qualname__ + "(" + ", ".join(f"{name}=%r" for name in names) + ")"
    values = operator.attrgetter(*names)
    return lambda obj: template % values(obj) if type(obj) is cls else repr(obj)


_participant_repr = _dataclass_repr(t.Participant)
_record_repr = _dataclass_repr(t.Record)


def _legacy_fingerprint(inputs: t.Inputs, *, version_id: int) -> str:
    digest = hashlib.sha256(f"v{version_id}|{inputs.period.key}".encode())
    # One update of the joined texts hashes the same bytes as one update per text.
    digest.update("".join(map(_participant_repr, inputs.participants)).encode())
    digest.update("".join(map(_record_repr, inputs.records)).encode())
    digest.update(repr(sorted(inputs.prior_wins.items())).encode())
    digest.update(repr(sorted(inputs.prior_promotions)).encode())
    for path, unit in sorted(inputs.units.items()):
        digest.update(f"{path}:{unit.head_staff_id}".encode())
    return digest.hexdigest()


# ---------------------------------------------------------------- JSON form of results


def result_to_json(result: t.ParticipantResult) -> dict:
    """The stored form of a result: every field of ``t.ParticipantResult``, its veto hits
    and effects as dicts of their fields."""
    return json_value(result)


def rollup_to_json(row: t.UnitRollupRow) -> dict:
    return {
        "unit_path": row.unit_path,
        "participants": row.participants,
        "average": str(row.average),
        "head_staff_id": row.head_staff_id,
        "head_deduction": str(row.head_deduction),
    }


# ---------------------------------------------------------------- provisional standing


def standing_compute(
    *, scheme: Scheme, day: date | None = None, key: str | None = None, publish: bool = False
) -> tuple[t.Period, t.PeriodOutcome]:
    """The live, provisional outcome of an open period: computed once, then kept up to date
    person by person as the ledger changes (``scoring.standings``). ``publish`` also leaves
    it in the shared cache for other processes (the background refresh does)."""
    from scoring.standings import standing

    bounds = _standing_bounds(scheme, day, key)
    return bounds, standing(scheme, bounds, publish=publish)


def standing_json(
    *, scheme: Scheme, day: date | None = None, key: str | None = None
) -> tuple[t.Period, t.PeriodOutcome, list[dict]]:
    """``standing_compute`` plus the results in their stored JSON form (``result_to_json``),
    kept with the standing. Shared between readers: do not modify."""
    from scoring.standings import standing_rows

    bounds = _standing_bounds(scheme, day, key)
    outcome, rows = standing_rows(scheme, bounds)
    return bounds, outcome, rows


def standing_indexed(
    *, scheme: Scheme, day: date | None = None, key: str | None = None
) -> tuple[t.Period, t.PeriodOutcome, StandingIndex]:
    """``standing_compute`` plus its index (each person's result by staff id, and the scores
    sorted for ranking by bisection), kept with the standing. Shared between readers: do not
    modify."""
    from scoring.standings import standing_index

    bounds = _standing_bounds(scheme, day, key)
    outcome, index = standing_index(scheme, bounds)
    return bounds, outcome, index


def _standing_bounds(scheme: Scheme, day: date | None, key: str | None) -> t.Period:
    if key:
        return parse_period_key(scheme.period, key)
    return period_for_date(scheme.period, day or timezone.localdate())
