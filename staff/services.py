"""Business writes for units, positions and staff. Views, commands and admin call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import IO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from audit.services import audit_log
from staff.models import PATH_SEPARATOR, Certificate, Position, Staff, Unit
from starservice.workbooks import (
    ImportResult,
    RowProblems,
    SheetRow,
    WorkbookError,
    parse_date,
    read_sheet,
)

STAFF_SHEET = "员工"
STAFF_REQUIRED = ["工号", "姓名", "部门", "岗位", "入职日期"]
STAFF_OPTIONAL = ["证书", "负责人", "状态", "离职日期"]
STATUS_BY_TEXT = {"在职": Staff.Status.ACTIVE, "离职": Staff.Status.LEFT}
CERTIFICATE_SEPARATORS = (";", "；")


def name_initials(name: str) -> str:
    """Pinyin initials for quick search: 张小明 → zxm."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()


def split_path(path: str) -> list[str]:
    return [part.strip() for part in path.split(PATH_SEPARATOR) if part.strip()]


def unit_get_or_create_path(*, path: str) -> Unit:
    """The unit at ``path``, creating any missing ancestors."""
    parts = split_path(path)
    if not parts:
        raise ValueError(_("a unit path cannot be empty"))
    parent = None
    unit = None
    for depth, name in enumerate(parts, start=1):
        full = PATH_SEPARATOR.join(parts[:depth])
        unit, _created = Unit.objects.get_or_create(
            path=full, defaults={"name": name, "parent": parent, "depth": depth}
        )
        parent = unit
    return unit


def unit_set_head(*, unit: Unit, head: Staff | None, actor=None) -> Unit:
    before = unit.head_id
    unit.head = head
    unit.save(update_fields=["head"])
    audit_log(
        actor=actor,
        action="unit.head_set",
        target=unit,
        summary=f"{unit.path} head → {head.employee_no if head else '-'}",
        before={"head": before},
        after={"head": head.pk if head else None},
    )
    return unit


def certificates_from_text(text: str) -> list[str]:
    for separator in CERTIFICATE_SEPARATORS[1:]:
        text = text.replace(separator, CERTIFICATE_SEPARATORS[0])
    return [name.strip() for name in text.split(CERTIFICATE_SEPARATORS[0]) if name.strip()]


@transaction.atomic
def staff_create(
    *,
    employee_no: str,
    name: str,
    unit: Unit,
    position: Position,
    hire_date: date,
    certificates: list[str] | None = None,
    actor=None,
) -> Staff:
    person = Staff.objects.create(
        employee_no=employee_no.strip(),
        name=name.strip(),
        name_initials=name_initials(name),
        unit=unit,
        position=position,
        hire_date=hire_date,
    )
    if certificates:
        _set_certificates(person, certificates)
    audit_log(actor=actor, action="staff.created", target=person, summary=str(person))
    return person


@transaction.atomic
def staff_update(
    *, person: Staff, actor=None, certificates: list[str] | None = None, **fields
) -> Staff:
    before = {key: str(getattr(person, key)) for key in fields}
    for key, value in fields.items():
        setattr(person, key, value)
    if "name" in fields:
        person.name_initials = name_initials(person.name)
    person.save()
    if certificates is not None:
        _set_certificates(person, certificates)
    audit_log(
        actor=actor,
        action="staff.updated",
        target=person,
        summary=str(person),
        before=before,
        after={key: str(getattr(person, key)) for key in fields},
    )
    return person


@transaction.atomic
def staff_leave(*, person: Staff, left_date: date | None, actor=None, reason: str = "") -> Staff:
    person.status = Staff.Status.LEFT
    person.left_date = left_date
    person.save(update_fields=["status", "left_date"])
    if person.user_id:
        get_user_model().objects.filter(pk=person.user_id).update(is_active=False)
    audit_log(
        actor=actor,
        action="staff.left",
        target=person,
        summary=str(person),
        reason=reason,
        after={"left_date": left_date.isoformat() if left_date else None},
    )
    return person


@transaction.atomic
def staff_create_login(*, person: Staff, username: str, password: str, actor=None):
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, password=password)
    person.user = user
    person.save(update_fields=["user"])
    audit_log(actor=actor, action="staff.login_created", target=person, summary=username)
    return user


def _set_certificates(person: Staff, names: list[str]) -> None:
    certificates = [Certificate.objects.get_or_create(name=name)[0] for name in names]
    person.certificates.set(certificates)


# ---------------------------------------------------------------- workbook import


@dataclass
class StaffImportResult(ImportResult):
    created: int = 0
    updated: int = 0


@dataclass
class _StaffRow:
    number: int
    employee_no: str
    name: str
    unit_path: str
    position: str
    hire_date: date
    certificates: list[str] | None
    is_head: bool
    status: str
    left_date: date | None


def staff_import(
    *, source: str | IO[bytes], actor=None, dry_run: bool = False
) -> StaffImportResult:
    """All or nothing: every problem is reported and nothing is written if there is one."""
    result = StaffImportResult()
    try:
        sheet_rows = read_sheet(
            source, sheet=STAFF_SHEET, required=STAFF_REQUIRED, optional=STAFF_OPTIONAL
        )
    except WorkbookError as exc:
        result.problems.append(str(exc))
        return result
    problems = RowProblems()
    parsed = [row for row in (_parse_staff_row(r, problems) for r in sheet_rows) if row]
    _check_duplicates(sheet_rows, problems)
    result.preview = [_preview(row) for row in parsed[:10]]
    if problems or not parsed:
        result.problems = problems.problems or [
            _("the sheet %(sheet)s has no rows") % {"sheet": STAFF_SHEET}
        ]
        return result
    existing = set(
        Staff.objects.filter(employee_no__in=[r.employee_no for r in parsed]).values_list(
            "employee_no", flat=True
        )
    )
    result.created = sum(1 for r in parsed if r.employee_no not in existing)
    result.updated = len(parsed) - result.created
    if not dry_run:
        _write_staff_rows(parsed, actor=actor)
    return result


def _preview(row: _StaffRow) -> dict:
    return {
        "row": row.number,
        "工号": row.employee_no,
        "姓名": row.name,
        "部门": row.unit_path,
        "岗位": row.position,
        "入职日期": row.hire_date,
        "状态": row.status,
    }


def _parse_staff_row(row, problems: RowProblems) -> _StaffRow | None:
    values = row.values
    start = len(problems.problems)
    texts = {}
    for header in ("工号", "姓名", "部门", "岗位"):
        value = values.get(header)
        if value is None:
            problems.add(row.number, header, _("is required"))
        else:
            texts[header] = _cell_text(value)
    unit_path = texts.get("部门", "")
    if unit_path and not split_path(unit_path):
        problems.add(row.number, "部门", _("is not a unit path such as 新区管理部/保洁班"))
    hire_date = _date_cell(row, "入职日期", problems, required=True)
    left_date = _date_cell(row, "离职日期", problems, required=False)
    status_text = values.get("状态") or "在职"
    status = STATUS_BY_TEXT.get(str(status_text))
    if status is None:
        problems.add(
            row.number, "状态", _("must be 在职 or 离职, not %(value)s") % {"value": status_text}
        )
    head_text = values.get("负责人")
    if head_text not in (None, "是", "否"):
        problems.add(
            row.number, "负责人", _("must be 是 or empty, not %(value)s") % {"value": head_text}
        )
    if left_date and status == Staff.Status.ACTIVE:
        problems.add(row.number, "离职日期", _("is given but 状态 is 在职"))
    if len(problems.problems) > start:
        return None
    certificates_text = values.get("证书")
    return _StaffRow(
        number=row.number,
        employee_no=texts["工号"],
        name=texts["姓名"],
        unit_path="/".join(split_path(unit_path)),
        position=texts["岗位"],
        hire_date=hire_date,
        certificates=certificates_from_text(str(certificates_text)) if certificates_text else None,
        is_head=head_text == "是",
        status=status,
        left_date=left_date,
    )


def _date_cell(row, header: str, problems: RowProblems, *, required: bool) -> date | None:
    value = row.values.get(header)
    if value is None:
        if required:
            problems.add(row.number, header, _("is required"))
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        problems.add(row.number, header, str(exc))
        return None


def _cell_text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value).strip()


def _check_duplicates(rows: list[SheetRow], problems: RowProblems) -> None:
    """Duplicate numbers and second heads, also in rows that have other problems."""
    seen_numbers: dict[str, int] = {}
    heads: dict[str, int] = {}
    for row in rows:
        number = row.values.get("工号")
        if number is not None:
            employee_no = _cell_text(number)
            first = seen_numbers.setdefault(employee_no, row.number)
            if first != row.number:
                problems.add(
                    row.number,
                    "工号",
                    _("%(no)s already appears in row %(first)s")
                    % {"no": employee_no, "first": first},
                )
        unit_path = "/".join(split_path(_cell_text(row.values.get("部门") or "")))
        if row.values.get("负责人") == "是" and unit_path:
            first_head = heads.setdefault(unit_path, row.number)
            if first_head != row.number:
                problems.add(
                    row.number,
                    "负责人",
                    _("%(unit)s already has a head in row %(first)s")
                    % {"unit": unit_path, "first": first_head},
                )


@transaction.atomic
def _write_staff_rows(rows: list[_StaffRow], *, actor) -> None:
    units = {path: unit_get_or_create_path(path=path) for path in {r.unit_path for r in rows}}
    positions = {
        name: Position.objects.get_or_create(name=name)[0] for name in {r.position for r in rows}
    }
    existing = {
        p.employee_no: p
        for p in Staff.objects.filter(employee_no__in=[r.employee_no for r in rows])
    }
    for row in rows:
        fields = {
            "name": row.name,
            "unit": units[row.unit_path],
            "position": positions[row.position],
            "hire_date": row.hire_date,
            "status": row.status,
            "left_date": row.left_date,
        }
        person = existing.get(row.employee_no)
        if person is None:
            person = staff_create(
                employee_no=row.employee_no,
                name=row.name,
                unit=fields["unit"],
                position=fields["position"],
                hire_date=row.hire_date,
                certificates=row.certificates,
                actor=actor,
            )
            if row.status == Staff.Status.LEFT:
                staff_leave(
                    person=person, left_date=row.left_date, actor=actor, reason=_("imported")
                )
        else:
            staff_update(person=person, actor=actor, certificates=row.certificates, **fields)
        if row.is_head and units[row.unit_path].head_id != person.pk:
            unit_set_head(unit=units[row.unit_path], head=person, actor=actor)
    audit_log(
        actor=actor,
        action="staff.imported",
        target=None,
        summary=_("%(n)s rows") % {"n": len(rows)},
    )
