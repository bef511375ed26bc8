"""Reading the audit trail: the domain log (AuditEntry) and the field history simple_history
keeps for every tracked model, turned into who / when / what changed / why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry

# Every action code the services write, with the label HR reads. Codes not listed (a new
# service) are shown as they are and can still be searched.
ACTION_LABELS = {
    "account.flags_changed": _("account flags changed"),
    "role.granted": _("role granted"),
    "role.revoked": _("role revoked"),
    "staff.created": _("staff added"),
    "staff.updated": _("staff changed"),
    "staff.left": _("staff left"),
    "staff.login_created": _("login created"),
    "staff.imported": _("staff imported"),
    "unit.head_set": _("unit head set"),
    "scheme.version_created": _("scheme version saved"),
    "scheme.archived": _("scheme archived"),
    "scheme.unarchived": _("scheme restored"),
    "scheme.deleted": _("scheme deleted"),
    "record.created": _("record entered"),
    "record.updated": _("record corrected"),
    "record.voided": _("record voided"),
    "records.imported": _("records imported"),
    "inspection.started": _("inspection started"),
    "inspection.finding_added": _("finding added"),
    "inspection.cosigned": _("inspection co-signed"),
    "inspection.finding_disputed": _("finding disputed"),
    "complaint.received": _("complaint received"),
    "complaint.reversed": _("complaint decision reversed"),
    "rating_link.rotated": _("rating link renewed"),
    "period.closed": _("period closed"),
    "period.reopened": _("period reopened"),
    "notice.drafted": _("notice drafted"),
    "notice.published": _("notice published"),
    "notice.revised": _("notice revised"),
    "notice.republished": _("notice republished"),
    "notice.finalized": _("notice finalised"),
    "objection.filed": _("objection filed"),
    "objection.upheld": _("objection upheld"),
    "objection.rejected": _("objection rejected"),
    "notifications.preference_set": _("notification preference set"),
}
ACTION_GROUPS = {
    "account": _("accounts"),
    "role": _("roles"),
    "staff": _("staff"),
    "unit": _("units"),
    "scheme": _("schemes"),
    "record": _("records"),
    "records": _("record imports"),
    "inspection": _("inspections"),
    "complaint": _("complaints"),
    "rating_link": _("rating links"),
    "period": _("periods"),
    "notice": _("notices"),
    "objection": _("objections"),
    "notifications": _("notifications"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def action_choices() -> list[tuple[str, Any]]:
    """Each group ("every record action"), then each action under it."""
    choices: list[tuple[str, Any]] = []
    for group, label in ACTION_GROUPS.items():
        choices.append((group, _("all: %(group)s") % {"group": label}))
        choices += [
            (code, f"· {text}")
            for code, text in ACTION_LABELS.items()
            if code.split(".")[0] == group
        ]
    return choices


def action_q(value: str) -> Q:
    """An exact action code, or a group: every action whose code starts with ``group.``."""
    return Q(action=value) | Q(action__startswith=value + ".")


def tracked_model(label: str) -> type[models.Model] | None:
    """The model ``app_label.model_name`` if simple_history keeps its field history."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return model if getattr(model._meta, "simple_history_manager_attribute", None) else None


def history_manager(model: type[models.Model]):
    return getattr(model, model._meta.simple_history_manager_attribute)


def target_label(target_type: str) -> str:
    if not target_type:
        return ""
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def target_type_choices() -> list[tuple[str, str]]:
    """Models that appear as audit targets: every model with field history, plus accounts."""
    labels = {"auth.user"}
    labels |= {
        model._meta.label_lower
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None)
    }
    return sorted(((label, target_label(label)) for label in labels), key=lambda c: str(c[1]))


def audit_entries() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor").order_by("-at", "-id")


# ---------------------------------------------------------------- field history


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: Any
    after: Any


@dataclass
class Version:
    """One historical row of an object: who saved it, when, why, and what it changed."""

    history_id: int
    object_id: Any
    at: datetime
    kind: str  # "+" created, "~" changed, "-" deleted
    user: Any
    reason: str
    changes: list[FieldChange] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return str({"+": _("created"), "~": _("changed"), "-": _("deleted")}.get(self.kind, ""))


def _tracked_fields(history_model) -> list[models.Field]:
    return [
        f
        for f in history_model._meta.concrete_fields
        if not f.name.startswith("history_") and f.editable
    ]


def _display(value: Any) -> Any:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def versions_of(rows, history_model) -> list[Version]:
    """Historical rows (of one or many objects, any order) as Versions with their changes
    against the previous row of the same object, oldest first per object."""
    fields = _tracked_fields(history_model)
    ordered = sorted(rows, key=lambda row: (str(row.id), row.history_date, row.history_id))
    previous: dict[Any, Version] = {}
    result = []
    for row in ordered:
        values = {f.attname: getattr(row, f.attname) for f in fields}
        version = Version(
            history_id=row.history_id,
            object_id=row.id,
            at=row.history_date,
            kind=row.history_type,
            user=row.history_user,
            reason=row.history_change_reason or "",
            values=values,
        )
        before = previous.get(row.id)
        if before is not None:
            version.changes = [
                FieldChange(
                    f.attname,
                    str(f.verbose_name),
                    _display(before.values[f.attname]),
                    _display(values[f.attname]),
                )
                for f in fields
                if before.values[f.attname] != values[f.attname]
            ]
        previous[row.id] = version
        result.append(version)
    return result


def object_history(model: type[models.Model], pk: Any) -> list[Version]:
    """Every saved version of one object, newest first (one query)."""
    manager = history_manager(model)
    rows = list(manager.filter(id=pk).select_related("history_user"))
    return list(reversed(versions_of(rows, manager.model)))


def object_audit_entries(model: type[models.Model], pk: Any) -> QuerySet[AuditEntry]:
    return audit_entries().filter(target_type=model._meta.label_lower, target_id=str(pk))


# ---------------------------------------------------------------- records about a person


@dataclass
class RecordHistory:
    record_id: int
    versions: list[Version]  # newest first

    @property
    def current(self) -> Version:
        return self.versions[0]

    @property
    def kind_label(self) -> str:
        from evaluations.models import Record

        kind = self.current.values.get("kind")
        return str(Record.Kind(kind).label) if kind in Record.Kind.values else str(kind)


def staff_record_ids(*, staff_id: int) -> QuerySet:
    """Ids of every record that was ever about this person, latest change first."""
    from evaluations.models import Record

    return (
        Record.history.filter(staff_id=staff_id)
        .values("id")
        .annotate(last=Max("history_date"))
        .order_by("-last", "-id")
    )


def staff_record_histories(*, staff_id: int, record_ids: list[int]) -> list[RecordHistory]:
    """The versions of these records while they were about this person (one query). A row
    that moved a record to someone else is not shown: it is about that other person."""
    from evaluations.models import Record

    rows = list(
        Record.history.filter(id__in=record_ids, staff_id=staff_id).select_related("history_user")
    )
    by_record: dict[int, list[Version]] = {}
    for version in versions_of(rows, Record.history.model):
        by_record.setdefault(version.object_id, []).append(version)
    return [
        RecordHistory(record_id, list(reversed(by_record[record_id])))
        for record_id in record_ids
        if record_id in by_record
    ]
