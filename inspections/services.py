"""Writes of the inspections app. Records always go through evaluations.ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import roles_for
from audit.services import audit_log
from evaluations.ledger import (
    LockedPeriods,
    RecordDraft,
    RecordInvalid,
    record_create,
    records_bulk_create,
    validate_draft,
)
from evaluations.locks import ledger_write_lock
from evaluations.models import Record
from evaluations.selectors import ActiveScheme, schemes_for
from inspections.models import Finding, Inspection
from inspections.selectors import may_cosign, may_record
from staff.models import Staff, Unit


class InspectionError(Exception):
    """A refused inspection step; ``field`` names the input it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def inspector_identity(user) -> tuple[int | None, str]:
    """The ledger's 检查人 for a user: their staff record and name, or the login name."""
    roles = roles_for(user)
    if roles.staff_id is None:
        return None, user.get_username()
    name = Staff.objects.values_list("name", flat=True).get(pk=roles.staff_id)
    return roles.staff_id, name


@transaction.atomic
def inspection_start(*, actor, date: date, unit: Unit, type: str, place: str = "") -> Inspection:
    if date > timezone.localdate():
        raise InspectionError(_("An inspection cannot be in the future."), field="date")
    if not roles_for(actor).supervises_path(unit.path):
        raise InspectionError(_("You do not supervise this unit."), field="unit")
    inspection = Inspection(date=date, unit=unit, type=type, place=place, inspector=actor)
    inspection._history_user = actor
    inspection.save()
    audit_log(actor=actor, action="inspection.started", target=inspection, summary=str(inspection))
    return inspection


@transaction.atomic
def finding_record(
    *,
    inspection: Inspection,
    actor,
    staff: Staff,
    kind: str,
    code: str,
    value: Decimal | None,
    responsibility: str = Record.Responsibility.STAFF,
    note: str = "",
    photo: ContentFile | None = None,
) -> Finding:
    """Write one finding to the ledger (batch = the inspection) and keep its photo."""
    inspection = Inspection.objects.select_for_update().select_related("unit").get(pk=inspection.pk)
    roles = roles_for(actor)
    if not may_record(roles=roles, user=actor, inspection=inspection):
        raise InspectionError(_("This inspection is closed for new findings."))
    if not roles.sees_everyone and not roles.supervises_path(staff.unit.path):
        raise RecordInvalid("staff", _("You do not supervise this person."))
    inspector_id, inspector_name = inspector_identity(actor)
    draft = RecordDraft(
        staff_id=staff.pk,
        date=inspection.date,
        kind=kind,
        code=code,
        value=value,
        inspector_id=inspector_id,
        inspector_name=inspector_name,
        responsibility=responsibility,
        batch=inspection.batch_key,
        note=note,
    )
    record = record_create(draft=draft, actor=actor, source=Record.Source.APP)
    finding = Finding(inspection=inspection, record=record)
    if photo is not None:
        finding.photo.save(photo.name, photo, save=False)
    finding._history_user = actor
    finding.save()
    audit_log(
        actor=actor,
        action="inspection.finding_added",
        target=finding,
        summary=f"{inspection} · {staff} · {record}",
    )
    return finding


@transaction.atomic
def inspection_cosign(*, inspection: Inspection, actor) -> Inspection:
    """The unit head's 迎检确认: closes the inspection; disputed findings stay disputed."""
    inspection = Inspection.objects.select_for_update().select_related("unit").get(pk=inspection.pk)
    if not may_cosign(roles=roles_for(actor), user=actor, inspection=inspection):
        raise InspectionError(_("Only the head of the inspected unit can co-sign it while open."))
    disputed = inspection.findings.exclude(dispute_comment="").exists()
    inspection.status = Inspection.Status.DISPUTED if disputed else Inspection.Status.COSIGNED
    inspection.cosigned_by = actor
    inspection.cosigned_at = timezone.now()
    inspection._history_user = actor
    inspection.save(update_fields=["status", "cosigned_by", "cosigned_at"])
    audit_log(
        actor=actor,
        action="inspection.cosigned",
        target=inspection,
        summary=str(inspection),
        after={"status": inspection.status},
    )
    return inspection


@transaction.atomic
def finding_dispute(*, finding: Finding, actor, comment: str) -> Finding:
    comment = comment.strip()
    if not comment:
        raise InspectionError(_("Say what is wrong with this finding."), field="comment")
    finding = (
        Finding.objects.select_for_update().select_related("inspection__unit").get(pk=finding.pk)
    )
    if not may_cosign(roles=roles_for(actor), user=actor, inspection=finding.inspection):
        raise InspectionError(
            _("Only the head of the inspected unit can dispute its findings while it is open.")
        )
    finding.dispute_comment = comment
    finding.disputed_by = actor
    finding.disputed_at = timezone.now()
    finding._history_user = actor
    finding.save(update_fields=["dispute_comment", "disputed_by", "disputed_at"])
    audit_log(
        actor=actor,
        action="inspection.finding_disputed",
        target=finding,
        summary=str(finding),
        reason=comment,
    )
    return finding


def grid_problems(
    *, drafts: dict[int, RecordDraft], people: dict[int, Staff], schemes: list[ActiveScheme]
) -> dict[int, str]:
    """Per staff id, the first reason its draft may not be written."""
    if not drafts:
        return {}
    days = [draft.date for draft in drafts.values()]
    locked = LockedPeriods.load(
        scheme_ids=[s.scheme.pk for s in schemes], start=min(days), end=max(days)
    )
    problems = {}
    for staff_id, draft in drafts.items():
        person = people[staff_id]
        own = schemes_for(schemes, position=person.position.name, unit_path=person.unit.path)
        found = validate_draft(draft, schemes=own, locked=locked)
        if found:
            problems[staff_id] = found[0].message
    return problems


@transaction.atomic
def records_grid_save(
    *, drafts: dict[int, RecordDraft], people: dict[int, Staff], schemes: list[ActiveScheme], actor
) -> dict[int, str]:
    """All or nothing: the problems per staff id, or an empty dict once every value is written."""
    ledger_write_lock()  # checked and written under the ledger lock: no close slips between
    problems = grid_problems(drafts=drafts, people=people, schemes=schemes)
    if problems:
        return problems
    records_bulk_create(drafts=list(drafts.values()), actor=actor, source=Record.Source.APP)
    return {}
