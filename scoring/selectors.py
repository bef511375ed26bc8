"""Load one scheme+period's engine inputs from the database with a fixed number of queries,
whatever the number of participants."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import orjson
from django.db.models import OuterRef, Q, Subquery, TextField
from django.db.models.functions import Cast

from evaluations.models import Record, SchemeVersion
from scoring.engine import types as t
from scoring.engine.common import known_codes
from scoring.models import HASH_FORMAT, ParticipantResult, Period, Snapshot
from staff.models import Staff, Unit, paths_subtree_q
from starservice.gcpause import gc_paused

ALWAYS_COUNTED = (t.RATING, t.COMPLAINT, t.INCIDENT)


def participants_q(config: dict, period: t.Period) -> Q:
    applies_to = config.get("applies_to") or {}
    query = Q(position__name__in=applies_to.get("positions") or [], hire_date__lte=period.end)
    units = applies_to.get("units")
    if units:
        query &= paths_subtree_q(units, field="unit__path")
    # 离职 without a date leaves every period not yet closed; with a date, periods from then on.
    return query & (Q(status=Staff.Status.ACTIVE) | Q(left_date__gte=period.start))


def load_participants(config: dict, period: t.Period, staff_ids=None) -> tuple[t.Participant, ...]:
    """The participants, by 工号; with ``staff_ids``, only those of them."""
    query = participants_q(config, period)
    if staff_ids is not None:
        query &= Q(pk__in=list(staff_ids))
    rows = (
        Staff.objects.filter(query)
        .order_by("employee_no")
        .values_list("pk", "employee_no", "name", "unit__path", "position__name", "hire_date")
    )
    participants = [
        t.Participant(pk, number, name, path, position, hired)
        for pk, number, name, path, position, hired in rows
    ]
    if (config.get("eligibility") or {}).get("certificates"):
        certificates = _certificates([p.staff_id for p in participants])
        participants = [
            t.Participant(
                p.staff_id,
                p.employee_no,
                p.name,
                p.unit_path,
                p.position,
                p.hire_date,
                frozenset(certificates.get(p.staff_id, ())),
            )
            for p in participants
        ]
    return tuple(participants)


def _certificates(staff_ids: list[int]) -> dict[int, set[str]]:
    through = Staff.certificates.through
    result: dict[int, set[str]] = {}
    for staff_id, name in through.objects.filter(staff_id__in=staff_ids).values_list(
        "staff_id", "certificate__name"
    ):
        result.setdefault(staff_id, set()).add(name)
    return result


def _codes_q(config: dict) -> Q:
    query = Q(kind__in=ALWAYS_COUNTED)
    for kind, codes in known_codes(config).items():
        if codes and kind not in ALWAYS_COUNTED:
            query |= Q(kind=kind, code__in=sorted(codes))
    return query


def _lookback_days(config: dict) -> int:
    """Points-bank history the rules look back into: repeats and the retraining count."""
    if config.get("method") != "points_bank":
        return 0
    windows = [
        (config.get(block) or {}).get("window_days", 0) for block in ("repeat", "retraining")
    ]
    return int(max(windows))


def _incident_window_start(config: dict, period: t.Period) -> date | None:
    rule = (config.get("eligibility") or {}).get("no_incident_years")
    if not rule:
        return None
    years = int(rule["years"])
    end = period.end
    try:
        start = end.replace(year=end.year - years)
    except ValueError:  # 29 February
        start = end.replace(year=end.year - years, day=28)
    return start + timedelta(days=1)


def load_records(config: dict, period: t.Period, staff_q: Q) -> tuple[t.Record, ...]:
    start = period.start - timedelta(days=_lookback_days(config))
    window = Q(date__gte=start, date__lte=period.end)
    incident_start = _incident_window_start(config, period)
    if incident_start is not None and incident_start < start:
        window |= Q(kind=t.INCIDENT, date__gte=incident_start, date__lte=period.end)
    rows = (
        Record.objects.filter(voided=False)
        .filter(staff__in=Staff.objects.filter(staff_q).values("pk"))
        .filter(window & _codes_q(config))
        .order_by("date", "pk")
        .values_list(
            "pk",
            "staff_id",
            "date",
            "kind",
            "code",
            "value",
            "responsibility",
            "batch",
            "level",
            "inspector_name",
            "note",
        )
    )
    # values_list columns are in t.Record's field order.
    return tuple(map(_record, rows))


_RECORD_FIELDS = tuple(field.name for field in dataclasses.fields(t.Record))


def _record(row: tuple) -> t.Record:
    """t.Record(*row) without the frozen dataclass's per-field object.__setattr__ (a tenth
    of a close's time at 100,000 records): the same attributes, in the same order."""
    record = object.__new__(t.Record)
    record.__dict__.update(zip(_RECORD_FIELDS, row, strict=True))
    return record


def load_units() -> dict[str, t.Unit]:
    return {path: t.Unit(path, head) for path, head in Unit.objects.values_list("path", "head_id")}


def load_prior_wins(scheme_id: int, period: t.Period) -> tuple[dict[int, int], frozenset[int]]:
    """Weekly wins and promotions in the other closed weeks whose Sunday is in this month."""
    month_start = period.end.replace(day=1)
    weeks = Period.objects.filter(
        scheme_id=scheme_id,
        status=Period.Status.CLOSED,
        end__gte=month_start,
        end__lt=period.end,
    ).exclude(start=period.start)
    latest = Snapshot.objects.filter(period=OuterRef("pk")).order_by("-version").values("pk")[:1]
    # The few snapshot ids first: within one statement PostgreSQL cannot tell how few rows
    # they select, and scanned every stored result of the scheme for them.
    snapshot_ids = list(weeks.annotate(latest=Subquery(latest)).values_list("latest", flat=True))
    wins: dict[int, int] = {}
    promoted: set[int] = set()
    winners = ParticipantResult.objects.filter(snapshot_id__in=snapshot_ids).order_by()
    for staff_id, data in winners.exclude(award="").values_list("staff_id", "data"):
        wins[staff_id] = wins.get(staff_id, 0) + 1
        if data.get("promotion"):
            promoted.add(staff_id)
    return wins, frozenset(promoted)


def load_inputs(*, version: SchemeVersion, period: t.Period) -> t.Inputs:
    return load_inputs_for_config(config=version.config, scheme_id=version.scheme_id, period=period)


def load_inputs_for_config(*, config: dict, scheme_id: int | None, period: t.Period) -> t.Inputs:
    """Inputs for any valid scheme dict: the scheme editor previews a draft with it.
    ``scheme_id`` (None for a scheme not saved yet) finds earlier weekly wins."""
    staff_q = participants_q(config, period)
    participants = load_participants(config, period)
    records = load_records(config, period, staff_q)
    prior_wins: dict[int, int] = {}
    prior_promotions: frozenset[int] = frozenset()
    if config.get("method") == "stars" and config.get("promotion") and scheme_id is not None:
        prior_wins, prior_promotions = load_prior_wins(scheme_id, period)
    needs_units = config.get("method") == "points_bank" or config.get("unit_rollup")
    return t.Inputs(
        scheme=config,
        period=period,
        participants=participants,
        records=records,
        units=load_units() if needs_units else {},
        prior_wins=prior_wins,
        prior_promotions=prior_promotions,
    )


def content_hash(texts: list[str], rollup: list[dict], *, hash_format: int = HASH_FORMAT) -> str:
    """sha256 of the JSON of {"results": rows, "rollup": rollup} with sorted keys, built from
    each row's own serialised text (``row_text``) so a snapshot's rows are serialised once
    whether they are being stored or checked. Format 2 (``HASH_FORMAT``) is compact JSON;
    format 1, of the snapshots stored before it, has json.dumps' ", " and ": " separators."""
    if hash_format == 1:
        digest = hashlib.sha256(b'{"results": [')
        digest.update(", ".join(texts).encode())
        digest.update(b'], "rollup": ')
        digest.update(json.dumps(rollup, sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"}")
        return digest.hexdigest()
    digest = hashlib.sha256(b'{"results":[')
    digest.update(",".join(texts).encode())
    digest.update(b'],"rollup":')
    digest.update(orjson.dumps(rollup, option=orjson.OPT_SORT_KEYS))
    digest.update(b"}")
    return digest.hexdigest()


def row_text(data: dict, *, hash_format: int = HASH_FORMAT) -> str:
    """One stored result as the text its snapshot's content hash covers."""
    if hash_format == 1:
        return json.dumps(data, sort_keys=True, ensure_ascii=False)
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()


# Engine dataclasses a result holds; with OPT_PASSTHROUGH_DATACLASS ``json_default`` writes
# them as the dicts of their fields, which OPT_SORT_KEYS then sorts like any dict's keys.
_RESULT_DATACLASSES = frozenset({t.ParticipantResult, t.Effect, t.VetoHit})
_RESULT_TEXT_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
)


def json_default(value):
    """orjson's fallback for what scoring writes as JSON: Decimals as text, certificates
    (frozensets) sorted, and the engine's result dataclasses as their fields."""
    if isinstance(value, Decimal):  # the commonest by far: two per effect line
        return str(value)
    if type(value) in _RESULT_DATACLASSES:
        return value.__dict__
    if isinstance(value, frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def result_text(result: t.ParticipantResult) -> str:
    """``row_text(result_to_json(result))`` in format 2, written straight from the engine's
    result without building its dicts in Python (a close writes one per participant)."""
    return orjson.dumps(result, default=json_default, option=_RESULT_TEXT_OPTIONS).decode()


def json_value(value):
    """``value`` (engine results, Decimals, dates, tuples) as plain JSON data: Decimals as
    text, dates in ISO form, results as dicts of their fields."""
    return orjson.loads(orjson.dumps(value, default=json_default, option=_RESULT_TEXT_OPTIONS))


def snapshot_content_hash(snapshot: Snapshot) -> str:
    """The content hash of a snapshot's results as they are stored now."""
    rows = ParticipantResult.objects.filter(snapshot=snapshot).order_by("position")
    texts = [
        row_text(data, hash_format=snapshot.hash_format)
        for data in rows.values_list("data", flat=True)
    ]
    return content_hash(texts, snapshot.unit_rollup, hash_format=snapshot.hash_format)


@gc_paused()
def snapshot_verify(snapshot: Snapshot) -> bool:
    """True when the snapshot's stored results are exactly what was frozen when the period
    closed: the content hash still matches, and the columns pages read (rank, score, grade,
    award, veto, eligibility) agree with the hashed data. False means someone changed the
    results in the database: show the notice as 校验失败 (tampered).

    Run on every view of a notice, over every participant of a city: each result is read
    as its stored text, which in format 2 is the hashed row text itself, and parsed once
    for the column check, with the cyclic collector paused (millions of short-lived
    objects)."""
    rows = list(
        ParticipantResult.objects.filter(snapshot=snapshot)
        .order_by("position")
        .annotate(text=Cast("data", output_field=TextField()))
        .values_list("staff_id", "rank", "score", "grade", "award", "vetoed", "eligible", "text")
    )
    datas = [orjson.loads(row[-1]) for row in rows]
    if snapshot.hash_format == 1:
        texts = [row_text(data, hash_format=1) for data in datas]
    else:
        texts = [row[-1] for row in rows]
    hashed = content_hash(texts, snapshot.unit_rollup, hash_format=snapshot.hash_format)
    if hashed != snapshot.content_hash and snapshot.hash_format != 1:
        # The same JSON spelt another way (text converted from jsonb) is no change: its
        # canonical text decides.
        texts = [row_text(data) for data in datas]
        hashed = content_hash(texts, snapshot.unit_rollup)
    if hashed != snapshot.content_hash:
        return False
    for (staff_id, rank, score, grade, award, vetoed, eligible, _text), data in zip(
        rows, datas, strict=True
    ):
        try:
            same_score = Decimal(str(data.get("score"))) == score
        except (InvalidOperation, TypeError):
            return False
        if not (
            same_score
            and data.get("staff_id") == staff_id
            and data.get("rank") == rank
            and (data.get("grade") or "") == grade
            and (data.get("award") or "") == award
            and bool(data.get("veto")) == vetoed
            and (not data.get("ineligible")) == eligible
        ):
            return False
    return True
