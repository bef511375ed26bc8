"""The notice board, a notice's page and its printable view, objections (staff file them,
HR answers them), HR's drafts and notice settings. Writes go through notices.services."""

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import hr_required, roles_for
from evaluations.ledger import RecordDraft, RecordInvalid
from evaluations.models import Scheme
from notices import selectors
from notices.forms import NoticeSettingsForm, ObjectionForm, RejectForm, UpholdForm
from notices.models import Notice, Objection
from notices.services import (
    NoticeError,
    attachment_content_type,
    notice_publish,
    notice_settings_set,
    objection_create,
    objection_reject,
    objection_uphold,
)
from reports.exporters import report_data, report_response
from scoring.services import PeriodError

PAGE_SIZE = 20
# A notice of a city lists 20,000 people, most of them winners when a deduction scheme's
# full marks tie: on screen the results come a page at a time and the winners list stops
# after WINNERS_SHOWN; the printable view keeps everyone.
RESULTS_PER_PAGE = 100
WINNERS_SHOWN = 50


def _posted(request):
    return request.POST if request.method == "POST" else None


def _notice_or_404(request, pk: int) -> Notice:
    try:
        return selectors.notice_get(roles=roles_for(request.user), pk=pk)
    except Notice.DoesNotExist:
        raise Http404 from None


def _add_error(form, field: str, message: str) -> None:
    form.add_error(field if field in form.fields else None, message)


# ---------------------------------------------------------------- the board and a notice


@login_required
def board_view(request):
    roles = roles_for(request.user)
    page = Paginator(selectors.notice_board(roles=roles), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    items = [
        {
            "notice": notice,
            "open": selectors.window_open(notice, today),
            "days_left": selectors.working_days_left(notice.window_end, today),
        }
        for notice in page.object_list
    ]
    context = {"page": page, "items": items, "today": today}
    return render(request, "notices/board.html", context)


def _notice_context(request, notice: Notice, *, paged: bool) -> dict:
    roles = roles_for(request.user)
    today = timezone.localdate()
    rows = notice.content["rows"]
    own_row = next((row for row in rows if row["staff_id"] == roles.staff_id), None)
    winners = selectors.notice_winners(notice)
    context = {
        "notice": notice,
        "verified": selectors.notice_verify(notice),
        "today": today,
        "window_open": selectors.window_open(notice, today),
        "days_left": selectors.working_days_left(notice.window_end, today),
        "rows": rows,
        "own_row": own_row,
        "winners": winners,
        "winner_count": len(winners),
        "rollup": notice.content["unit_rollup"],
        "revisions": selectors.notice_revisions(notice, roles=roles, staff_id=roles.staff_id),
    }
    if paged:
        page = Paginator(rows, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context |= {"page": page, "rows": page.object_list, "winners": winners[:WINNERS_SHOWN]}
    return context


@login_required
def notice_detail_view(request, pk: int):
    notice = _notice_or_404(request, pk)
    roles = roles_for(request.user)
    context = _notice_context(request, notice, paged=True)
    if roles.staff_id:
        context["my_objections"] = list(
            selectors.objections_of(user=request.user).filter(notice=notice)
        )
    if roles.sees_everyone:
        context["open_objections"] = notice.objections.filter(status=Objection.Status.OPEN).count()
    return render(request, "notices/notice_detail.html", context)


@login_required
def notice_print_view(request, pk: int):
    notice = _notice_or_404(request, pk)
    context = _notice_context(request, notice, paged=False)
    return render(request, "notices/notice_print.html", context)


@hr_required
def notice_workbook_view(request, pk: int):
    """The notice's attachment: the period report workbook. It holds every participant's
    detail records, more than a notice publishes, so only HR may download it."""
    notice = get_object_or_404(Notice.objects.select_related("period__scheme"), pk=pk)
    scheme, key = notice.period.scheme, notice.period.key
    return report_response(report_data(scheme=scheme, key=key, load_results=False))


# ---------------------------------------------------------------- HR: drafts and publishing


@hr_required
def drafts_view(request):
    return render(request, "notices/drafts.html", {"drafts": selectors.notice_drafts()})


@hr_required
@require_POST
def notice_publish_view(request, pk: int):
    notice = get_object_or_404(Notice, pk=pk)
    try:
        notice = notice_publish(notice=notice, actor=request.user)
    except NoticeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Published. Objections are accepted until %(date)s.")
            % {"date": notice.window_end.isoformat()},
        )
    return redirect("notices:detail", pk=notice.pk)


# ---------------------------------------------------------------- staff: objections


@login_required
def objection_create_view(request, pk: int):
    notice = _notice_or_404(request, pk)
    roles = roles_for(request.user)
    if not roles.staff_id:
        raise PermissionDenied
    context = {"notice": notice}
    if not selectors.window_open(notice, timezone.localdate()):
        return render(request, "notices/objection_form.html", context)
    targets = selectors.objection_targets(notice, roles.staff_id)
    form = ObjectionForm(_posted(request), request.FILES or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            objection_create(
                notice=notice,
                actor=request.user,
                text=form.cleaned_data["text"],
                attachment=form.cleaned_data["attachment"],
                **form.target_kwargs(),
            )
        except NoticeError as exc:
            field = "target" if exc.field in ("result", "record") else exc.field
            _add_error(form, field, exc.message)
        else:
            messages.success(request, _("Your objection was filed; HR will answer it."))
            return redirect("notices:mine")
    context |= {"form": form, "targets": targets, "window_open": True}
    return render(request, "notices/objection_form.html", context)


@login_required
def my_objections_view(request):
    objections = selectors.objections_of(user=request.user)
    page = Paginator(objections, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.label_objection_records(page.object_list)
    return render(request, "notices/my_objections.html", {"page": page})


@login_required
def objection_attachment_view(request, pk: int):
    try:
        objection = selectors.objection_attachment_get(
            roles=roles_for(request.user), user=request.user, pk=pk
        )
    except Objection.DoesNotExist:
        raise Http404 from None
    name = PurePath(objection.attachment.name).name
    return FileResponse(
        objection.attachment.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=attachment_content_type(name),
    )


# ---------------------------------------------------------------- HR: the objections queue


@hr_required
def objections_queue_view(request):
    statuses = {
        Objection.Status.OPEN: _("awaiting an answer"),
        Objection.Status.UPHELD: Objection.Status.UPHELD.label,
        Objection.Status.REJECTED: Objection.Status.REJECTED.label,
    }
    status = request.GET.get("status", Objection.Status.OPEN)
    if status not in statuses and status != "all":
        status = Objection.Status.OPEN
    objections = selectors.objections_queue(status=None if status == "all" else status)
    page = Paginator(objections, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": statuses}
    return render(request, "notices/objections_queue.html", context)


def _objection_or_404(pk: int) -> Objection:
    try:
        return selectors.objection_get(pk=pk)
    except Objection.DoesNotExist:
        raise Http404 from None


def _answered(request, objection: Objection):
    """An objection answered meanwhile (another tab, a colleague): say so, show the answer."""
    messages.error(request, _("this objection has already been answered"))
    return redirect("notices:objection", pk=objection.pk)


def _review(request, objection: Objection, *, uphold=None, reject=None):
    selectors.label_objection_records([objection])
    records = selectors.period_records(objection.notice, objection.staff_id)
    if uphold is None:
        initial = {"record": str(objection.record_id or "")}
        uphold = UpholdForm(records=records, initial=initial)
    context = {
        "objection": objection,
        "uphold": uphold,
        "reject": reject or RejectForm(),
        "is_open": objection.status == Objection.Status.OPEN,
    }
    return render(request, "notices/objection_review.html", context)


@hr_required
def objection_review_view(request, pk: int):
    return _review(request, _objection_or_404(pk))


@hr_required
@require_POST
def objection_uphold_view(request, pk: int):
    objection = _objection_or_404(pk)
    if objection.status != Objection.Status.OPEN:
        return _answered(request, objection)
    form = UpholdForm(
        request.POST, records=selectors.period_records(objection.notice, objection.staff_id)
    )
    if form.is_valid():
        try:
            objection = _uphold(objection, form, actor=request.user)
        except NoticeError as exc:
            _add_error(form, exc.field, exc.message)
        except RecordInvalid as exc:
            _add_error(form, exc.field, exc.message)
        except PeriodError as exc:
            form.add_error(None, str(exc))
        else:
            revision = objection.revision
            messages.success(
                request,
                _("Objection upheld; the notice is now version %(v)s.") % {"v": revision.version}
                if revision
                else _("Objection upheld."),
            )
            return redirect("notices:detail", pk=objection.notice_id)
    return _review(request, objection, uphold=form)


def _uphold(objection: Objection, form: UpholdForm, *, actor) -> Objection:
    data = form.cleaned_data
    reply = data["reply"]
    record = form.chosen_record()
    if data["action"] == UpholdForm.AS_IS:
        return objection_uphold(objection=objection, actor=actor, reply=reply, ledger_as_is=True)
    if data["action"] == UpholdForm.VOID:
        return objection_uphold(objection=objection, actor=actor, reply=reply, record=record)
    draft = RecordDraft(
        staff_id=record.staff_id,
        date=record.date,
        kind=record.kind,
        code=record.code,
        value=data["value"],
        inspector_id=record.inspector_id,
        inspector_name=record.inspector_name,
        responsibility=record.responsibility,
        batch=record.batch,
        level=record.level,
        note=record.note,
    )
    return objection_uphold(
        objection=objection, actor=actor, reply=reply, record=record, draft=draft
    )


@hr_required
@require_POST
def objection_reject_view(request, pk: int):
    objection = _objection_or_404(pk)
    if objection.status != Objection.Status.OPEN:
        return _answered(request, objection)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            objection_reject(objection=objection, actor=request.user, **form.cleaned_data)
        except NoticeError as exc:
            _add_error(form, exc.field, exc.message)
        else:
            messages.success(request, _("Objection rejected; your reply was sent."))
            return redirect("notices:objections")
    return _review(request, objection, reject=form)


# ---------------------------------------------------------------- HR: notice settings


@hr_required
def settings_list_view(request):
    return render(request, "notices/settings_list.html", {"rows": selectors.notice_settings_list()})


@hr_required
def settings_edit_view(request, code: str):
    scheme = get_object_or_404(Scheme, code=code, archived=False)
    current = selectors.notice_settings_for(scheme)
    form = NoticeSettingsForm(_posted(request), instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            notice_settings_set(scheme=scheme, actor=request.user, **form.cleaned_data)
        except NoticeError as exc:
            _add_error(form, exc.field, exc.message)
        else:
            messages.success(
                request, _("Notice settings saved for %(scheme)s.") % {"scheme": scheme}
            )
            return redirect("notices:settings")
    return render(request, "notices/settings_edit.html", {"form": form, "scheme": scheme})
