"""Staff pages. Writes go through staff.services, reads through staff.selectors."""

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import INSPECTOR, UNIT_HEAD, hr_required, role_required, roles_for
from staff.filters import StaffFilter
from staff.forms import StaffForm, StaffImportForm, StaffLeaveForm, StaffLoginForm
from staff.models import Staff
from staff.selectors import (
    STAFF_WORKBOOK_EXAMPLE,
    STAFF_WORKBOOK_HEADERS,
    staff_supervised_list,
    staff_visible_detail,
    staff_workbook_rows,
    unit_tree,
)
from staff.services import (
    STAFF_SHEET,
    staff_create,
    staff_create_login,
    staff_import,
    staff_leave,
    staff_update,
)
from starservice.uploads import PendingUpload
from starservice.workbooks import SheetSpec, render_xlsx, xlsx_response

PAGE_SIZE = 50
IMPORT_SESSION_KEY = "staff_import_pending"


@role_required(INSPECTOR, UNIT_HEAD)
def staff_list_view(request):
    roles = roles_for(request.user)
    staff_filter = StaffFilter(
        request.GET, queryset=staff_supervised_list(roles=roles), request=request
    )
    page = Paginator(staff_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/staff_list.html", {"filter": staff_filter, "page": page})


def _person_or_404(request, pk: int) -> Staff:
    try:
        return staff_visible_detail(roles=roles_for(request.user), pk=pk)
    except Staff.DoesNotExist:
        raise Http404 from None


@login_required
def staff_detail_view(request, pk: int):
    person = _person_or_404(request, pk)
    return render(
        request, "staff/staff_detail.html", {"person": person, "login_form": StaffLoginForm()}
    )


@hr_required
def staff_create_view(request):
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = staff_create(**form.cleaned_data, actor=request.user)
        messages.success(request, _("%(person)s was added.") % {"person": person})
        return redirect("staff:detail", pk=person.pk)
    return render(request, "staff/staff_form.html", {"form": form})


@hr_required
def staff_edit_view(request, pk: int):
    person = _person_or_404(request, pk)
    form = StaffForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        certificates = fields.pop("certificates")
        staff_update(person=person, certificates=certificates, actor=request.user, **fields)
        messages.success(request, _("%(person)s was saved.") % {"person": person})
        return redirect("staff:detail", pk=person.pk)
    return render(request, "staff/staff_form.html", {"form": form, "person": person})


@hr_required
def staff_leave_view(request, pk: int):
    person = _person_or_404(request, pk)
    if not person.is_active:
        messages.info(request, _("%(person)s has already left.") % {"person": person})
        return redirect("staff:detail", pk=person.pk)
    form = StaffLeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff_leave(person=person, actor=request.user, **form.cleaned_data)
        messages.success(request, _("%(person)s is marked as left.") % {"person": person})
        return redirect("staff:detail", pk=person.pk)
    return render(request, "staff/staff_leave.html", {"form": form, "person": person})


@hr_required
def staff_login_view(request, pk: int):
    person = _person_or_404(request, pk)
    if person.user_id:
        messages.warning(request, _("%(person)s already has a login account.") % {"person": person})
        return redirect("staff:detail", pk=person.pk)
    if not person.is_active:
        messages.warning(
            request, _("%(person)s has left; no login can be created.") % {"person": person}
        )
        return redirect("staff:detail", pk=person.pk)
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff_create_login(person=person, actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Login %(username)s created for %(person)s.")
            % {"username": form.cleaned_data["username"], "person": person},
        )
        return redirect("staff:detail", pk=person.pk)
    return render(request, "staff/staff_login.html", {"form": form, "person": person})


@hr_required
def unit_tree_view(request):
    return render(request, "staff/unit_tree.html", {"roots": unit_tree()})


@hr_required
def staff_import_view(request):
    """Upload a workbook and see a dry run; the file waits in the session for the confirm."""
    form = StaffImportForm(request.POST or None, request.FILES or None)
    if not (request.method == "POST" and form.is_valid()):
        return render(request, "staff/staff_import.html", {"form": form})
    upload = form.cleaned_data["file"]
    data = upload.read()
    result = staff_import(source=BytesIO(data), actor=request.user, dry_run=True)
    pending = PendingUpload(request, IMPORT_SESSION_KEY)
    pending.discard()
    token = pending.keep(name=upload.name, data=data) if result.ok else None
    return _import_result_page(request, result, file_name=upload.name, token=token)


@hr_required
@require_POST
def staff_import_confirm_view(request):
    taken = PendingUpload(request, IMPORT_SESSION_KEY).take(request.POST.get("token", ""))
    if taken is None:
        messages.error(request, _("This preview is no longer current; upload the file again."))
        return redirect("staff:import")
    name, data = taken
    result = staff_import(source=BytesIO(data), actor=request.user)
    if not result.ok:
        return _import_result_page(request, result, file_name=name)
    messages.success(
        request,
        _("Imported %(name)s: %(created)s added, %(updated)s updated.")
        % {"name": name, "created": result.created, "updated": result.updated},
    )
    return redirect("staff:list")


def _import_result_page(request, result, *, file_name: str, token: str | None = None):
    context = {
        "form": StaffImportForm(),
        "result": result,
        "file_name": file_name,
        "preview": _preview_rows(result),
        "preview_headers": [
            _("row"),
            _("employee number"),
            _("name"),
            _("unit"),
            _("position"),
            _("hire date"),
            _("status"),
        ],
        "token": token,
    }
    return render(request, "staff/staff_import.html", context)


def _preview_rows(result) -> list[list]:
    status_labels = dict(Staff.Status.choices)
    return [
        [
            row["row"],
            row["工号"],
            row["姓名"],
            row["部门"],
            row["岗位"],
            row["入职日期"].isoformat(),
            status_labels[row["状态"]],
        ]
        for row in result.preview
    ]


@hr_required
def staff_import_template_view(request):
    sheet = SheetSpec(
        name=STAFF_SHEET, headers=STAFF_WORKBOOK_HEADERS, rows=[STAFF_WORKBOOK_EXAMPLE]
    )
    return xlsx_response(render_xlsx([sheet]), _("staff-import-template") + ".xlsx")


@hr_required
def staff_export_view(request):
    roles = roles_for(request.user)
    people = StaffFilter(
        request.GET, queryset=staff_supervised_list(roles=roles), request=request
    ).qs
    sheet = SheetSpec(
        name=STAFF_SHEET, headers=STAFF_WORKBOOK_HEADERS, rows=staff_workbook_rows(people=people)
    )
    today = timezone.localdate().isoformat()
    return xlsx_response(render_xlsx([sheet]), f"{_('staff')}-{today}.xlsx")
