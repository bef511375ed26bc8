"""Inspection entry, the records list with history and corrections, grid entry and the
records workbook import. Writes go through inspections.services and evaluations.ledger."""

from datetime import date
from io import BytesIO
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import INSPECTOR, UNIT_HEAD, hr_required, role_required, roles_for
from evaluations.ledger import (
    RECORD_OPTIONAL,
    RECORD_REQUIRED,
    RECORD_SHEET,
    RecordDraft,
    RecordInvalid,
    record_update,
    record_void,
    records_import,
)
from evaluations.models import Record
from inspections import selectors
from inspections.forms import (
    DisputeForm,
    FindingForm,
    GridSetupForm,
    GridValuesForm,
    InspectionStartForm,
    RecordCorrectForm,
    RecordFilterForm,
    RecordsImportForm,
    RecordVoidForm,
    add_ledger_error,
)
from inspections.models import Finding, Inspection
from inspections.services import (
    InspectionError,
    finding_dispute,
    finding_record,
    inspection_cosign,
    inspection_start,
    inspector_identity,
    records_grid_save,
)
from staff.selectors import staff_search_q
from starservice.uploads import PendingUpload
from starservice.workbooks import SheetSpec, render_xlsx, xlsx_response

PAGE_SIZE = 50
IMPORT_SESSION_KEY = "records_import_pending"
RECORDS_WORKBOOK_EXAMPLE = [
    date(2026, 11, 20),
    "A0001",
    "扣分",
    "PATROL-LATE",
    1,
    "王检查",
    "员工",
    "INS-1",
    "",
    "迟到5分钟",
]

supervisor_required = role_required(INSPECTOR, UNIT_HEAD)


def _posted(request):
    """Form data of a POST (even an empty one, so that it is validated), or None."""
    return request.POST if request.method == "POST" else None


# ---------------------------------------------------------------- inspections


@supervisor_required
def inspection_list_view(request):
    inspections = selectors.inspection_list(roles=roles_for(request.user), user=request.user)
    page = Paginator(inspections, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inspections/inspection_list.html", {"page": page})


@supervisor_required
def inspection_start_view(request):
    roles = roles_for(request.user)
    form = InspectionStartForm(_posted(request), roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = inspection_start(actor=request.user, **form.cleaned_data)
        except InspectionError as exc:
            form.add_error(exc.field, exc.message)
        else:
            return redirect("inspections:detail", pk=inspection.pk)
    return render(request, "inspections/inspection_start.html", {"form": form})


def _inspection_or_404(request, pk: int) -> Inspection:
    try:
        return selectors.inspection_detail(roles=roles_for(request.user), user=request.user, pk=pk)
    except Inspection.DoesNotExist:
        raise Http404 from None


def _recordable_inspection(request, pk: int) -> Inspection:
    inspection = _inspection_or_404(request, pk)
    if not selectors.may_record(
        roles=roles_for(request.user), user=request.user, inspection=inspection
    ):
        raise PermissionDenied
    return inspection


def _inspection_context(request, inspection: Inspection, **extra) -> dict:
    roles = roles_for(request.user)
    findings = list(inspection.findings.all())
    saved = [extra["saved"]] if extra.get("saved") else []
    selectors.label_items(f.record for f in [*findings, *saved])
    people = list({f.record.staff_id: f.record.staff for f in findings}.values())
    return {
        "inspection": inspection,
        "findings": findings,
        "recent_people": people,
        "may_record": selectors.may_record(roles=roles, user=request.user, inspection=inspection),
        "may_cosign": selectors.may_cosign(roles=roles, user=request.user, inspection=inspection),
        **extra,
    }


@supervisor_required
def inspection_detail_view(request, pk: int):
    inspection = _inspection_or_404(request, pk)
    context = _inspection_context(request, inspection)
    if context["may_record"]:
        context["form"] = FindingForm(roles=roles_for(request.user))
    return render(request, "inspections/inspection_detail.html", context)


@supervisor_required
@require_POST
def finding_add_view(request, pk: int):
    """Save one finding; the form comes back empty and ready for the next one."""
    inspection = _recordable_inspection(request, pk)
    roles = roles_for(request.user)
    form = FindingForm(request.POST, request.FILES, roles=roles)
    saved = None
    if form.is_valid():
        try:
            saved = finding_record(
                inspection=inspection, actor=request.user, **form.finding_fields()
            )
        except RecordInvalid as exc:
            add_ledger_error(form, exc)
        except InspectionError as exc:
            form.add_error(None, exc.message)
        else:
            inspection = _inspection_or_404(request, pk)
            form = FindingForm(roles=roles)
    context = _inspection_context(request, inspection, form=form, saved=saved)
    if request.htmx:
        return render(request, "inspections/partials/finding_panel_swap.html", context)
    return render(request, "inspections/inspection_detail.html", context)


@supervisor_required
def people_search_view(request, pk: int):
    inspection = _recordable_inspection(request, pk)
    people = selectors.people_search(
        roles=roles_for(request.user), text=request.GET.get("q", "")[:100]
    )
    context = {"inspection": inspection, "people": people, "q": request.GET.get("q", "")}
    return render(request, "inspections/partials/people_results.html", context)


@supervisor_required
def finding_fields_view(request, pk: int):
    """The finding form for a chosen person (or the search, without one); the item search
    narrows the item list and the chosen item sets the kinds and count or points."""
    inspection = _recordable_inspection(request, pk)
    initial = {name: request.GET.get(name) for name in ("staff", "code") if request.GET.get(name)}
    form = FindingForm(initial=initial, roles=roles_for(request.user))
    if initial.get("staff") and form.person is None:
        raise Http404
    item_q = request.GET.get("item_q", "")[:100]
    if item_q:
        form.fields["code"].choices = [
            ("", _("— choose the item —")),
            *form.catalog.matching(item_q).choices(),
        ]
    context = _inspection_context(request, inspection, form=form, item_q=item_q)
    return render(request, "inspections/partials/finding_fields.html", context)


@role_required(UNIT_HEAD)
@require_POST
def inspection_cosign_view(request, pk: int):
    inspection = _inspection_or_404(request, pk)
    try:
        inspection = inspection_cosign(inspection=inspection, actor=request.user)
    except InspectionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You co-signed this inspection."))
    return redirect("inspections:detail", pk=inspection.pk)


@role_required(UNIT_HEAD)
def finding_dispute_view(request, pk: int):
    roles = roles_for(request.user)
    try:
        finding = Finding.objects.select_related("inspection", "record__staff").get(pk=pk)
        inspection = _inspection_or_404(request, finding.inspection_id)
    except Finding.DoesNotExist:
        raise Http404 from None
    if not selectors.may_cosign(roles=roles, user=request.user, inspection=inspection):
        raise PermissionDenied
    form = DisputeForm(_posted(request), initial={"comment": finding.dispute_comment})
    if request.method == "POST" and form.is_valid():
        try:
            finding_dispute(finding=finding, actor=request.user, **form.cleaned_data)
        except InspectionError as exc:
            form.add_error("comment" if exc.field else None, exc.message)
        else:
            messages.success(request, _("Your dispute is noted; HR will see it."))
            return redirect("inspections:detail", pk=inspection.pk)
    context = {
        "form": form,
        "finding": finding,
        "inspection": inspection,
    }
    return render(request, "inspections/finding_dispute.html", context)


@login_required
def finding_photo_view(request, pk: int):
    try:
        finding = selectors.finding_for_photo(
            roles=roles_for(request.user), user=request.user, pk=pk
        )
    except Finding.DoesNotExist:
        raise Http404 from None
    response = FileResponse(finding.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- records


@supervisor_required
def record_list_view(request):
    roles = roles_for(request.user)
    form = RecordFilterForm(request.GET or None, roles=roles)
    records = selectors.record_list(roles=roles)
    if form.is_bound:
        form.is_valid()
        records = _filtered(records, form.cleaned_data)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.label_items(page.object_list)
    context = {"form": form, "page": page}
    return render(request, "inspections/record_list.html", context)


def _filtered(records, data: dict):
    """Apply the filters that are valid; a wrong one is shown next to its field and skipped."""
    if data.get("bounds"):
        records = records.filter(date__range=(data["bounds"].start, data["bounds"].end))
    if data.get("date_from"):
        records = records.filter(date__gte=data["date_from"])
    if data.get("date_to"):
        records = records.filter(date__lte=data["date_to"])
    if data.get("unit"):
        records = records.filter(data["unit"].subtree_q(prefix="staff__unit__"))
    if person := (data.get("person") or "").strip():
        records = records.filter(staff_search_q(person, prefix="staff__"))
    if inspector := (data.get("inspector") or "").strip():
        records = records.filter(
            Q(inspector_name__icontains=inspector)
            | Q(inspector__name__icontains=inspector)
            | Q(inspector__employee_no__iexact=inspector)
        )
    if code := (data.get("code") or "").strip():
        records = records.filter(code__icontains=code)
    if data.get("kind"):
        records = records.filter(kind=data["kind"])
    if data.get("status"):
        records = records.filter(voided=data["status"] == "voided")
    return records


def _record_or_404(request, pk: int) -> Record:
    try:
        return selectors.record_detail(roles=roles_for(request.user), pk=pk)
    except Record.DoesNotExist:
        raise Http404 from None


def _changeable_record(request, pk: int) -> Record:
    record = _record_or_404(request, pk)
    if not selectors.may_change_record(
        roles=roles_for(request.user), user=request.user, record=record
    ):
        raise PermissionDenied
    return record


@supervisor_required
def record_detail_view(request, pk: int):
    record = _record_or_404(request, pk)
    roles = roles_for(request.user)
    selectors.label_items([record])
    context = {
        "record": record,
        "history": selectors.record_history(record=record),
        "may_change": selectors.may_change_record(roles=roles, user=request.user, record=record),
    }
    return render(request, "inspections/record_detail.html", context)


@supervisor_required
def record_correct_view(request, pk: int):
    record = _changeable_record(request, pk)
    form = RecordCorrectForm.for_record(record, _posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = RecordDraft(
            staff_id=record.staff_id,
            date=data["date"],
            kind=data["kind"],
            code=data["code"].strip(),
            value=data["value"],
            inspector_id=record.inspector_id,
            inspector_name=record.inspector_name,
            responsibility=data["responsibility"],
            batch=record.batch,
            level=record.level,
            note=data["note"].strip(),
        )
        try:
            record_update(
                record=record,
                draft=draft,
                actor=request.user,
                reason=data["reason"],
                expected_version=data["version"],
            )
        except RecordInvalid as exc:
            add_ledger_error(form, exc, fallback="reason")
        else:
            messages.success(request, _("The record was corrected."))
            return redirect("inspections:record_detail", pk=record.pk)
    return render(request, "inspections/record_correct.html", {"form": form, "record": record})


@supervisor_required
def record_void_view(request, pk: int):
    record = _changeable_record(request, pk)
    form = RecordVoidForm.for_record(record, _posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            record_void(
                record=record,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except RecordInvalid as exc:
            add_ledger_error(form, exc, fallback="reason")
        else:
            messages.success(request, _("The record was voided."))
            return redirect("inspections:record_detail", pk=record.pk)
    return render(request, "inspections/record_void.html", {"form": form, "record": record})


# ---------------------------------------------------------------- grid entry


@supervisor_required
def grid_view(request):
    """Type one metric, score or survey result for a whole unit and period."""
    roles = roles_for(request.user)
    setup_data = request.POST if request.method == "POST" else (request.GET or None)
    setup = GridSetupForm(setup_data, roles=roles)
    context = {"setup": setup}
    if not (setup.is_bound and setup.is_valid() and setup.cleaned_data.get("grid_code")):
        return render(request, "inspections/grid.html", context)
    data = setup.cleaned_data
    scheme, code, bounds = data["active_scheme"], data["grid_code"], data["bounds"]
    people = selectors.grid_people(roles=roles, unit=data["unit"], scheme=scheme, period=bounds)
    values = GridValuesForm(request.POST if request.method == "POST" else None, people=people)
    problems = {}
    if request.method == "POST" and values.is_valid():
        inspector_id, inspector_name = inspector_identity(request.user)
        drafts = {
            staff_id: RecordDraft(
                staff_id=staff_id,
                date=setup.record_date,
                kind=code.kind,
                code=code.code,
                value=value,
                inspector_id=inspector_id,
                inspector_name=inspector_name,
            )
            for staff_id, value in values.values().items()
        }
        if not drafts:
            values.add_error(None, _("Type at least one value."))
        else:
            by_id = {person.pk: person for person in people}
            problems = records_grid_save(
                drafts=drafts, people=by_id, schemes=[scheme], actor=request.user
            )
            for staff_id, message in problems.items():
                values.add_error(GridValuesForm.field_name(staff_id), message)
            if not problems:
                messages.success(
                    request,
                    _("%(n)s values saved for %(period)s.")
                    % {"n": len(drafts), "period": bounds.key},
                )
                return redirect(f"{request.path}?{_setup_query(setup)}")
    existing = selectors.grid_existing(
        people=people, kind=code.kind, code=code.code, start=bounds.start, end=bounds.end
    )
    rows = [
        (person, values[GridValuesForm.field_name(person.pk)], existing.get(person.pk))
        for person in people
    ]
    context.update(
        {
            "values": values,
            "rows": rows,
            "code": code,
            "bounds": bounds,
            "record_date": setup.record_date,
        }
    )
    return render(request, "inspections/grid.html", context)


def _setup_query(setup: GridSetupForm) -> str:
    data = setup.cleaned_data
    return urlencode(
        {
            "unit": data["unit"].pk,
            "scheme": data["scheme"],
            "period": data["bounds"].key,
            "code": data["code"],
        }
    )


# ---------------------------------------------------------------- records workbook import


@hr_required
def records_import_view(request):
    """Upload a workbook and see a dry run; the file waits in the session for the confirm."""
    form = RecordsImportForm(_posted(request), request.FILES or None)
    if not (request.method == "POST" and form.is_valid()):
        return render(request, "inspections/records_import.html", {"form": form})
    upload = form.cleaned_data["file"]
    data = upload.read()
    result = records_import(source=BytesIO(data), actor=request.user, dry_run=True)
    pending = PendingUpload(request, IMPORT_SESSION_KEY)
    pending.discard()
    token = pending.keep(name=upload.name, data=data) if result.ok and result.created else None
    return _import_result_page(request, result, file_name=upload.name, token=token)


@hr_required
@require_POST
def records_import_confirm_view(request):
    taken = PendingUpload(request, IMPORT_SESSION_KEY).take(request.POST.get("token", ""))
    if taken is None:
        messages.error(request, _("This preview is no longer current; upload the file again."))
        return redirect("inspections:records_import")
    name, data = taken
    result = records_import(source=BytesIO(data), actor=request.user)
    if not result.ok:
        return _import_result_page(request, result, file_name=name)
    messages.success(
        request,
        _("Imported %(name)s: %(created)s records added, %(present)s already present.")
        % {"name": name, "created": result.created, "present": result.already_present},
    )
    return redirect("inspections:records")


def _import_result_page(request, result, *, file_name: str, token: str | None = None):
    preview = [
        [
            row["row"],
            row["日期"].isoformat(),
            row["工号"],
            row["类型"],
            row["编码"],
            "" if row["数值"] is None else format(row["数值"].normalize(), "f"),
        ]
        for row in result.preview
    ]
    context = {
        "form": RecordsImportForm(),
        "result": result,
        "file_name": file_name,
        "preview": preview,
        "preview_headers": [_("row"), "日期", "工号", "类型", "编码", "数值"],
        "token": token,
    }
    return render(request, "inspections/records_import.html", context)


@hr_required
def records_import_template_view(request):
    sheet = SheetSpec(
        name=RECORD_SHEET,
        headers=RECORD_REQUIRED + RECORD_OPTIONAL,
        rows=[RECORDS_WORKBOOK_EXAMPLE],
    )
    return xlsx_response(render_xlsx([sheet]), _("records-import-template") + ".xlsx")
