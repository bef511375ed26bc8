"""The audit pages: HR's searchable log and object histories; each person's record history."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from accounts.roles import hr_required, roles_for
from audit.filters import AuditFilter
from audit.models import AuditEntry
from audit.selectors import (
    action_label,
    audit_entries,
    object_audit_entries,
    object_history,
    staff_record_histories,
    staff_record_ids,
    target_label,
    tracked_model,
)

PAGE_SIZE = 50
RECORDS_PAGE_SIZE = 20


@dataclass
class EntryRow:
    entry: AuditEntry
    action: str
    target: str
    history_label: str  # "app_label.model" when the target has field history, else ""
    changes: list[tuple[str, object, object]]


def _changes(before: dict | None, after: dict | None) -> list[tuple[str, object, object]]:
    before, after = before or {}, after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [("", before, after)]
    keys = list(dict.fromkeys([*before, *after]))
    return [(key, before.get(key), after.get(key)) for key in keys]


def _rows(entries) -> list[EntryRow]:
    return [
        EntryRow(
            entry=entry,
            action=action_label(entry.action),
            target=target_label(entry.target_type),
            history_label=(
                entry.target_type
                if entry.target_id and tracked_model(entry.target_type) is not None
                else ""
            ),
            changes=_changes(entry.before, entry.after),
        )
        for entry in entries
    ]


@hr_required
def audit_list_view(request):
    audit_filter = AuditFilter(request.GET, queryset=audit_entries())
    page = Paginator(audit_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": audit_filter, "page": page, "rows": _rows(page.object_list)}
    return render(request, "audit/audit_list.html", context)


@hr_required
def audit_object_view(request, label: str, pk: int):
    model = tracked_model(label)
    if model is None:
        raise Http404
    versions = object_history(model, pk)
    entries = list(object_audit_entries(model, pk)[:200])
    if not versions and not entries:
        raise Http404
    current = model._default_manager.filter(pk=pk).first()
    context = {
        "label": label,
        "pk": pk,
        "model_name": model._meta.verbose_name,
        "current": current,
        "versions": versions,
        "rows": _rows(entries),
    }
    return render(request, "audit/object_history.html", context)


@login_required
def audit_mine_view(request):
    """Every version of every record about the logged-in person: who, when, what, why."""
    roles = roles_for(request.user)
    histories, page = [], None
    if roles.staff_id:
        page = Paginator(staff_record_ids(staff_id=roles.staff_id), RECORDS_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        ids = [row["id"] for row in page.object_list]
        histories = staff_record_histories(staff_id=roles.staff_id, record_ids=ids)
    context = {"page": page, "histories": histories, "linked": bool(roles.staff_id)}
    return render(request, "audit/mine.html", context)
