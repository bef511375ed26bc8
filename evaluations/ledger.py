"""The evidence ledger: validating, creating, correcting, voiding and importing records."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import acting_user, audit_log
from evaluations.bulk import bulk_insert_with_history
from evaluations.locks import ledger_write_lock
from evaluations.models import Record
from evaluations.selectors import ActiveScheme, active_schemes, schemes_for
from scoring.engine import types as t
from scoring.signals import ledger_changed
from staff.models import Staff
from starservice.gcpause import gc_paused
from starservice.workbooks import (
    ImportResult,
    RowProblems,
    WorkbookError,
    parse_date,
    parse_decimal,
    read_sheet,
)

KIND_BY_TEXT = {
    "扣分": Record.Kind.DEDUCTION,
    "警告": Record.Kind.WARNING,
    "加分": Record.Kind.BONUS,
    "指标": Record.Kind.METRIC,
    "评价": Record.Kind.RATING,
    "投诉": Record.Kind.COMPLAINT,
    "事件": Record.Kind.INCIDENT,
    "得分": Record.Kind.SCORE,
}
TEXT_BY_KIND = {kind: text for text, kind in KIND_BY_TEXT.items()}
RESPONSIBILITY_BY_TEXT = {
    "员工": Record.Responsibility.STAFF,
    "管理": Record.Responsibility.MANAGEMENT,
}
RATING_CODES = (t.RATING_SATISFIED, t.RATING_BASIC, t.RATING_UNSATISFIED)
COMPLAINT_CODES = (t.COMPLAINT_VALID, t.COMPLAINT_INVALID)
COUNTED_KINDS = (Record.Kind.DEDUCTION, Record.Kind.WARNING, Record.Kind.BONUS, Record.Kind.RATING)
REQUIRED_VALUE_KINDS = (Record.Kind.METRIC, Record.Kind.SCORE)
NO_VALUE_KINDS = (Record.Kind.COMPLAINT, Record.Kind.INCIDENT)


def local_date(moment: date | datetime) -> date:
    """The calendar date a record takes (SCHEMES.md, Period keys): an aware date-time entered
    in the app takes its date in the site's time zone (TIME_ZONE); a naive one (an Excel
    date-time) is already local and is cut to its date."""
    if isinstance(moment, datetime):
        if timezone.is_aware(moment):
            return timezone.localtime(moment).date()
        return moment.date()
    return moment


class RecordInvalid(Exception):
    """A record that may not be written; ``field`` names the offending input."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class RecordDraft:
    staff_id: int
    date: date
    kind: str
    code: str
    value: Decimal | None = None
    inspector_id: int | None = None
    inspector_name: str = ""
    responsibility: str = Record.Responsibility.STAFF
    batch: str = ""
    level: str = ""
    note: str = ""

    def content_key(self) -> str:
        value = "" if self.value is None else format(self.value.normalize(), "f")
        parts = [
            str(self.staff_id),
            self.date.isoformat(),
            self.kind,
            self.code,
            value,
            self.inspector_name,
            self.responsibility,
            self.batch,
            self.level,
            self.note,
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class LockedPeriods:
    """Closed periods per scheme id, loaded once for a batch of checks."""

    by_scheme: dict[int, list[tuple[date, date, str]]]

    @classmethod
    def load(cls, *, scheme_ids: list[int], start: date, end: date) -> LockedPeriods:
        from scoring.models import Period

        rows = Period.objects.filter(
            scheme_id__in=scheme_ids, status=Period.Status.CLOSED, start__lte=end, end__gte=start
        ).values_list("scheme_id", "start", "end", "key")
        by_scheme: dict[int, list[tuple[date, date, str]]] = {}
        for scheme_id, period_start, period_end, key in rows:
            by_scheme.setdefault(scheme_id, []).append((period_start, period_end, key))
        return cls(by_scheme)

    def closed_key(self, scheme_id: int, day: date) -> str | None:
        for start, end, key in self.by_scheme.get(scheme_id, ()):
            if start <= day <= end:
                return key
        return None

    def closed_for(
        self, schemes: list[ActiveScheme], *, kind: str, code: str, day: date
    ) -> Iterator[tuple[ActiveScheme, str]]:
        """(scheme, period key) for each scheme the record counts in whose period is closed."""
        for scheme in schemes:
            if scheme.knows(kind=kind, code=code):
                key = self.closed_key(scheme.scheme.pk, day)
                if key:
                    yield scheme, key


def validate_draft(
    draft: RecordDraft, *, schemes: list[ActiveScheme], locked: LockedPeriods
) -> list[RecordInvalid]:
    """Every reason this record may not be written, each naming the field it concerns."""
    problems = _code_problems(draft, schemes)
    problems += _value_problems(draft, schemes)
    problems += [
        _closed_problem(draft, scheme, key)
        for scheme, key in locked.closed_for(
            schemes, kind=draft.kind, code=draft.code, day=draft.date
        )
    ]
    return problems


def _closed_problem(draft: RecordDraft, scheme: ActiveScheme, key: str) -> RecordInvalid:
    return RecordInvalid(
        "date",
        _("%(date)s is in period %(key)s of %(scheme)s, which is closed")
        % {"date": draft.date.isoformat(), "key": key, "scheme": scheme.scheme.name},
    )


def _code_problems(draft: RecordDraft, schemes: list[ActiveScheme]) -> list[RecordInvalid]:
    if not draft.code:
        return [RecordInvalid("code", _("is required"))]
    if draft.kind == Record.Kind.RATING and draft.code not in RATING_CODES:
        return [RecordInvalid("code", _("a rating must be 满意, 基本满意 or 不满意"))]
    if draft.kind == Record.Kind.COMPLAINT and draft.code not in COMPLAINT_CODES:
        return [RecordInvalid("code", _("a complaint must be 有责 or 无责"))]
    if draft.kind in (Record.Kind.RATING, Record.Kind.COMPLAINT, Record.Kind.INCIDENT):
        return []
    if not any(scheme.knows(kind=draft.kind, code=draft.code) for scheme in schemes):
        return [
            RecordInvalid(
                "code",
                _("%(code)s is not a %(kind)s code of any scheme this person takes part in")
                % {"code": draft.code, "kind": TEXT_BY_KIND[draft.kind]},
            )
        ]
    return []


def _value_problems(draft: RecordDraft, schemes: list[ActiveScheme]) -> list[RecordInvalid]:
    value = draft.value
    if draft.kind in NO_VALUE_KINDS:
        return []
    ranges = [s.range_items[draft.code] for s in schemes if draft.code in s.range_items]
    if draft.kind == Record.Kind.DEDUCTION and ranges:
        if value is None:
            low, high = ranges[0]
            return [
                RecordInvalid(
                    "value",
                    _("the points (%(low)s–%(high)s) are required for this item")
                    % {"low": low, "high": high},
                )
            ]
        for low, high in ranges:
            if not low <= value <= high:
                return [
                    RecordInvalid(
                        "value",
                        _("%(value)s is outside the item's range %(low)s–%(high)s")
                        % {"value": value, "low": low, "high": high},
                    )
                ]
        return []
    if draft.kind in REQUIRED_VALUE_KINDS and value is None:
        return [RecordInvalid("value", _("is required"))]
    if draft.kind == Record.Kind.SCORE and not Decimal(0) <= value <= Decimal(100):
        return [RecordInvalid("value", _("a score must lie between 0 and 100"))]
    # A 扣分 count of 0 records a clean inspection (per-inspection averaging needs it).
    if draft.kind == Record.Kind.DEDUCTION and value is not None and value < 0:
        return [RecordInvalid("value", _("a count cannot be negative"))]
    if draft.kind == Record.Kind.DEDUCTION:
        return []
    if draft.kind in COUNTED_KINDS and value is not None and value <= 0:
        return [RecordInvalid("value", _("a count must be positive"))]
    return []


# ---------------------------------------------------------------- single records


def _schemes_of(person: Staff, schemes: list[ActiveScheme] | None = None) -> list[ActiveScheme]:
    return schemes_for(
        schemes if schemes is not None else active_schemes(),
        position=person.position.name,
        unit_path=person.unit.path,
    )


def _check(draft: RecordDraft, person: Staff) -> None:
    schemes = _schemes_of(person)
    locked = LockedPeriods.load(
        scheme_ids=[s.scheme.pk for s in schemes], start=draft.date, end=draft.date
    )
    problems = validate_draft(draft, schemes=schemes, locked=locked)
    if problems:
        raise problems[0]


@transaction.atomic
def record_create(*, draft: RecordDraft, actor=None, source: str = Record.Source.APP) -> Record:
    ledger_write_lock()
    person = Staff.objects.select_related("position", "unit").get(pk=draft.staff_id)
    _check(draft, person)
    record = Record(**_fields(draft), source=source, created_by=acting_user(actor))
    record._history_user = acting_user(actor)
    record.save()
    audit_log(actor=actor, action="record.created", target=record, summary=str(record))
    ledger_changed(staff_ids=[record.staff_id], dates=[record.date])
    return record


def record_version(record: Record) -> int:
    """The record's version for optimistic locking: the id of its latest history row (0 if
    it has none). Forms that change a record carry it and pass it back as
    ``expected_version``."""
    return (
        Record.history.filter(id=record.pk)
        .order_by("-history_id")
        .values_list("history_id", flat=True)
        .first()
        or 0
    )


def _ensure_version(record: Record, expected_version: int | None) -> None:
    """Refuse a change made to an older version than the one stored (the record is locked)."""
    if expected_version is None:
        return
    latest = (
        Record.history.filter(id=record.pk)
        .select_related("history_user")
        .order_by("-history_id")
        .first()
    )
    if latest is None or latest.history_id == expected_version:
        return
    who = latest.history_user.get_username() if latest.history_user else _("someone")
    raise RecordInvalid(
        "version",
        _(
            "%(who)s changed this record at %(when)s, after you opened it; nothing was "
            "saved. Reload the record, check their change and make yours again."
        )
        % {
            "who": who,
            "when": timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M:%S"),
        },
    )


@transaction.atomic
def record_update(
    *,
    record: Record,
    draft: RecordDraft,
    actor=None,
    reason: str,
    expected_version: int | None = None,
) -> Record:
    if not reason.strip():
        raise RecordInvalid("reason", _("a reason is required to correct a record"))
    ledger_write_lock()
    record = Record.objects.select_for_update().get(pk=record.pk)
    _ensure_version(record, expected_version)
    _ensure_open(record)
    person = Staff.objects.select_related("position", "unit").get(pk=draft.staff_id)
    _check(draft, person)
    before = _snapshot(record)
    touched_staff, touched_dates = [record.staff_id, draft.staff_id], [record.date, draft.date]
    for name, value in _fields(draft).items():
        setattr(record, name, value)
    record._change_reason = reason
    record._history_user = acting_user(actor)
    record.save()
    audit_log(
        actor=actor,
        action="record.updated",
        target=record,
        summary=str(record),
        reason=reason,
        before=before,
        after=_snapshot(record),
    )
    ledger_changed(staff_ids=touched_staff, dates=touched_dates)
    return record


@transaction.atomic
def record_void(
    *, record: Record, actor=None, reason: str, expected_version: int | None = None
) -> Record:
    if not reason.strip():
        raise RecordInvalid("reason", _("a reason is required to void a record"))
    ledger_write_lock()
    record = Record.objects.select_for_update().get(pk=record.pk)
    _ensure_version(record, expected_version)
    if record.voided:
        return record
    _ensure_open(record)
    record.voided = True
    record.void_reason = reason
    record._change_reason = reason
    record._history_user = acting_user(actor)
    record.save(update_fields=["voided", "void_reason"])
    audit_log(
        actor=actor, action="record.voided", target=record, summary=str(record), reason=reason
    )
    ledger_changed(staff_ids=[record.staff_id], dates=[record.date])
    return record


def _ensure_open(record: Record) -> None:
    person = Staff.objects.select_related("position", "unit").get(pk=record.staff_id)
    schemes = _schemes_of(person)
    locked = LockedPeriods.load(
        scheme_ids=[s.scheme.pk for s in schemes], start=record.date, end=record.date
    )
    for scheme, key in locked.closed_for(
        schemes, kind=record.kind, code=record.code, day=record.date
    ):
        raise RecordInvalid(
            "date",
            _(
                "this record is in period %(key)s of %(scheme)s, which is closed; "
                "HR must reopen it first"
            )
            % {"key": key, "scheme": scheme.scheme.name},
        )


def _fields(draft: RecordDraft) -> dict:
    return {
        "staff_id": draft.staff_id,
        "date": draft.date,
        "kind": draft.kind,
        "code": draft.code,
        "value": draft.value,
        "inspector_id": draft.inspector_id,
        "inspector_name": draft.inspector_name,
        "responsibility": draft.responsibility,
        "batch": draft.batch,
        "level": draft.level,
        "note": draft.note,
        "content_key": draft.content_key(),
    }


def _snapshot(record: Record) -> dict:
    return {
        "date": record.date.isoformat(),
        "kind": record.kind,
        "code": record.code,
        # Normalised, so a value read back from the database ("3.0000") equals the one typed.
        "value": None if record.value is None else format(Decimal(record.value).normalize(), "f"),
        "responsibility": record.responsibility,
        "note": record.note,
    }


# ---------------------------------------------------------------- workbook import

RECORD_SHEET = "记录"
RECORD_REQUIRED = ["日期", "工号", "类型", "编码"]
RECORD_OPTIONAL = ["数值", "检查人", "责任", "批次", "级别", "备注"]
FIELD_HEADER = {"date": "日期", "code": "编码", "value": "数值", "kind": "类型"}


@dataclass
class RecordImportResult(ImportResult):
    rows: int = 0
    created: int = 0
    already_present: int = 0


@gc_paused()
def records_import(
    *, source: str | IO[bytes], actor=None, dry_run: bool = False
) -> RecordImportResult:
    """All or nothing, and idempotent: for each distinct row content the ledger keeps
    max(existing, in file) identical records. Runs with the cyclic garbage collector
    paused (``starservice.gcpause``): reading and checking ten thousand rows makes a
    burst of cells, drafts and records that refcounting frees."""
    result = RecordImportResult()
    try:
        rows = read_sheet(
            source, sheet=RECORD_SHEET, required=RECORD_REQUIRED, optional=RECORD_OPTIONAL
        )
    except WorkbookError as exc:
        result.problems.append(str(exc))
        return result
    if not rows:
        result.problems.append(_("the sheet %(sheet)s has no rows") % {"sheet": RECORD_SHEET})
        return result
    drafts, problems = _parse_record_rows(rows)
    result.rows = len(rows)
    employee_numbers = {row.number: _text(row.values.get("工号")) for row in rows}
    result.preview = [
        {
            "row": number,
            "日期": d.date,
            "工号": employee_numbers[number],
            "类型": TEXT_BY_KIND[d.kind],
            "编码": d.code,
            "数值": d.value,
        }
        for number, d in drafts[:10]
    ]
    if problems:
        result.problems = problems.problems
        return result
    to_create = _missing_copies([draft for _number, draft in drafts])
    result.created = len(to_create)
    result.already_present = len(drafts) - len(to_create)
    if not dry_run and to_create:
        try:
            records_bulk_create(drafts=to_create, actor=actor)
        except RecordInvalid as exc:  # a period closed after the rows were checked
            result.problems = [exc.message]
            result.created = 0
    return result


@dataclass
class _ImportContext:
    staff: dict[str, tuple[int, str, str]]  # 工号 → (id, position, unit path)
    inspectors_by_name: dict[str, int]
    schemes: list[ActiveScheme]
    locked: LockedPeriods | None = None


def _parse_record_rows(rows) -> tuple[list[tuple[int, RecordDraft]], RowProblems]:
    # Problems are gathered per row, so the list reads in row order whichever check found them.
    by_row = {row.number: RowProblems() for row in rows}
    numbers = {_text(row.values.get("工号")) for row in rows} | {
        _text(row.values.get("检查人")) for row in rows
    }
    numbers.discard("")
    staff = {}
    names: dict[str, int] = {}
    for pk, number, position, path in Staff.objects.filter(employee_no__in=numbers).values_list(
        "pk", "employee_no", "position__name", "unit__path"
    ):
        staff[number] = (pk, position, path)
    inspector_texts = {_text(row.values.get("检查人")) for row in rows} - set(staff) - {""}
    for pk, name in Staff.objects.filter(name__in=inspector_texts).values_list("pk", "name"):
        names.setdefault(name, pk)
    context = _ImportContext(staff, names, active_schemes())
    parsed = [(row, _parse_record_row(row, context, by_row[row.number])) for row in rows]
    drafts = [(row.number, draft) for row, draft in parsed if draft is not None]
    if drafts:
        days = [draft.date for _number, draft in drafts]
        context.locked = LockedPeriods.load(
            scheme_ids=[s.scheme.pk for s in context.schemes], start=min(days), end=max(days)
        )
    staff_by_id = {pk: (position, path) for pk, position, path in staff.values()}
    schemes_cache: dict[tuple[str, str], list[ActiveScheme]] = {}
    for number, draft in drafts:
        position, path = staff_by_id[draft.staff_id]
        person_schemes = schemes_cache.get((position, path))
        if person_schemes is None:
            person_schemes = schemes_for(context.schemes, position=position, unit_path=path)
            schemes_cache[(position, path)] = person_schemes
        for problem in validate_draft(draft, schemes=person_schemes, locked=context.locked):
            by_row[number].add(
                number, FIELD_HEADER.get(problem.field, problem.field), problem.message
            )
    return drafts, RowProblems([text for found in by_row.values() for text in found.problems])


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_record_row(row, context: _ImportContext, problems: RowProblems) -> RecordDraft | None:
    values = row.values
    start = len(problems.problems)
    day = None
    if values.get("日期") is None:
        problems.add(row.number, "日期", _("is required"))
    else:
        try:
            day = parse_date(values["日期"])
        except ValueError as exc:
            problems.add(row.number, "日期", str(exc))
    employee_no = _text(values.get("工号"))
    if not employee_no:
        problems.add(row.number, "工号", _("is required"))
    elif employee_no not in context.staff:
        problems.add(row.number, "工号", _("unknown employee number %(no)s") % {"no": employee_no})
    kind_text = _text(values.get("类型"))
    kind = KIND_BY_TEXT.get(kind_text)
    if kind is None:
        problems.add(
            row.number,
            "类型",
            _("must be one of %(kinds)s, not %(value)s")
            % {"kinds": "、".join(KIND_BY_TEXT), "value": kind_text or _("empty")},
        )
    code = _text(values.get("编码"))
    if not code:
        problems.add(row.number, "编码", _("is required"))
    value = None
    if values.get("数值") is not None:
        try:
            value = parse_decimal(values["数值"])
        except ValueError as exc:
            problems.add(row.number, "数值", str(exc))
    responsibility_text = _text(values.get("责任")) or "员工"
    responsibility = RESPONSIBILITY_BY_TEXT.get(responsibility_text)
    if responsibility is None:
        problems.add(
            row.number,
            "责任",
            _("must be 员工 or 管理, not %(value)s") % {"value": responsibility_text},
        )
    if len(problems.problems) > start:
        return None
    inspector_text = _text(values.get("检查人"))
    inspector_id = None
    if inspector_text:
        known = context.staff.get(inspector_text)
        inspector_id = known[0] if known else context.inspectors_by_name.get(inspector_text)
    return RecordDraft(
        staff_id=context.staff[employee_no][0],
        date=day,
        kind=kind,
        code=code,
        value=value,
        inspector_id=inspector_id,
        inspector_name=inspector_text,
        responsibility=responsibility,
        batch=_text(values.get("批次")),
        level=_text(values.get("级别")),
        note=_text(values.get("备注")),
    )


def _missing_copies(drafts: list[RecordDraft]) -> list[RecordDraft]:
    draft_keys = [draft.content_key() for draft in drafts]
    wanted = Counter(draft_keys)
    existing: Counter[str] = Counter()
    keys = list(wanted)
    for offset in range(0, len(keys), 500):
        existing.update(
            Record.objects.filter(
                content_key__in=keys[offset : offset + 500], voided=False
            ).values_list("content_key", flat=True)
        )
    remaining = {key: count - existing[key] for key, count in wanted.items()}
    result = []
    for draft, key in zip(drafts, draft_keys, strict=True):
        if remaining[key] > 0:
            remaining[key] -= 1
            result.append(draft)
    return result


@transaction.atomic
def records_bulk_create(
    *, drafts: list[RecordDraft], actor=None, source: str = Record.Source.IMPORT
) -> None:
    """Write already-validated drafts in bulk, with history and one audit entry. Raises
    RecordInvalid if a period closed since the drafts were validated."""
    ledger_write_lock()
    _refuse_closed(drafts)
    user = acting_user(actor)
    objects = [Record(**_fields(draft), source=source, created_by=user) for draft in drafts]
    bulk_insert_with_history(objects, default_user=user)
    audit_log(
        actor=actor,
        action="records.imported",
        target=None,
        summary=_("%(n)s records imported") % {"n": len(objects)},
    )
    ledger_changed(
        staff_ids=[draft.staff_id for draft in drafts], dates=[draft.date for draft in drafts]
    )


def _refuse_closed(drafts: list[RecordDraft]) -> None:
    """The closed-period check again, under the ledger lock: a period may have closed between
    a batch's validation and its write."""
    from scoring.models import Period

    if not drafts:
        return
    start = min(draft.date for draft in drafts)
    end = max(draft.date for draft in drafts)
    closed = Period.objects.filter(status=Period.Status.CLOSED, start__lte=end, end__gte=start)
    if not closed.exists():
        return
    schemes = active_schemes()
    locked = LockedPeriods.load(scheme_ids=[s.scheme.pk for s in schemes], start=start, end=end)
    people = {
        pk: (position, path)
        for pk, position, path in Staff.objects.filter(
            pk__in={draft.staff_id for draft in drafts}
        ).values_list("pk", "position__name", "unit__path")
    }
    for draft in drafts:
        position, path = people[draft.staff_id]
        person_schemes = schemes_for(schemes, position=position, unit_path=path)
        for scheme, key in locked.closed_for(
            person_schemes, kind=draft.kind, code=draft.code, day=draft.date
        ):
            raise _closed_problem(draft, scheme, key)
