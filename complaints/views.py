"""Complaint pages for HR and assignees, the QR badges and the throttle log. Writes go
through complaints.services, reads through complaints.selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import hr_required, roles_for
from complaints import forms as complaint_forms
from complaints import selectors, services
from complaints.filters import ComplaintFilter, ThrottleDecisionFilter
from complaints.models import Complaint
from complaints.qr import qr_png, qr_svg, qr_svg_inline
from staff.filters import StaffFilter
from staff.models import Staff
from staff.selectors import staff_supervised_list

PAGE_SIZE = 50

# Each workflow step: its form, and how the form's data becomes the service call.
STEPS = {
    "assign": (
        complaint_forms.AssignForm,
        lambda complaint, data, actor: services.complaint_assign(
            complaint=complaint, assignee=data["assignee"], note=data["note"], actor=actor
        ),
    ),
    "investigate": (
        complaint_forms.NoteForm,
        lambda complaint, data, actor: services.complaint_investigate(
            complaint=complaint, note=data["note"], actor=actor
        ),
    ),
    "decide": (
        complaint_forms.DecideForm,
        lambda complaint, data, actor: services.complaint_decide(
            complaint=complaint,
            valid=data["decision"] == Complaint.Decision.VALID,
            reason=data["reason"],
            staff=data["staff"],
            level=data["level"],
            actor=actor,
        ),
    ),
    "reverse": (
        complaint_forms.ReverseForm,
        lambda complaint, data, actor: services.complaint_reverse_decision(
            complaint=complaint,
            reason=data["reason"],
            staff=data.get("staff"),
            level=data.get("level"),
            actor=actor,
        ),
    ),
    "resolve": (
        complaint_forms.ResolveForm,
        lambda complaint, data, actor: services.complaint_resolve(
            complaint=complaint, resolution=data["resolution"], actor=actor
        ),
    ),
    "follow_up": (
        complaint_forms.FollowUpForm,
        lambda complaint, data, actor: services.complaint_follow_up(
            complaint=complaint, result=data["result"], note=data["note"], actor=actor
        ),
    ),
    "close": (
        complaint_forms.NoteForm,
        lambda complaint, data, actor: services.complaint_close(
            complaint=complaint, note=data["note"], actor=actor
        ),
    ),
}
DONE_MESSAGES = {
    "assign": gettext_lazy("Complaint #%(pk)s assigned."),
    "investigate": gettext_lazy("Investigation of complaint #%(pk)s started."),
    "decide": gettext_lazy("Complaint #%(pk)s decided."),
    "reverse": gettext_lazy("The decision on complaint #%(pk)s was reversed."),
    "resolve": gettext_lazy("The handling of complaint #%(pk)s was recorded."),
    "follow_up": gettext_lazy("The follow-up of complaint #%(pk)s was recorded."),
    "close": gettext_lazy("Complaint #%(pk)s closed."),
}


@login_required
def complaint_list_view(request):
    roles = roles_for(request.user)
    complaints = selectors.complaint_visible_list(user=request.user, roles=roles)
    complaint_filter = ComplaintFilter(request.GET, queryset=complaints)
    page = Paginator(complaint_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "complaints/complaint_list.html", {"filter": complaint_filter, "page": page}
    )


@hr_required
def complaint_create_view(request):
    form = complaint_forms.ComplaintIntakeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        complaint = services.complaint_receive(**form.cleaned_data, actor=request.user)
        messages.success(request, _("Complaint #%(pk)s received.") % {"pk": complaint.pk})
        return redirect("complaints:detail", pk=complaint.pk)
    return render(request, "complaints/complaint_form.html", _picker_context(form=form))


def _complaint_or_404(request, pk: int) -> Complaint:
    try:
        return selectors.complaint_visible_detail(
            user=request.user, roles=roles_for(request.user), pk=pk
        )
    except Complaint.DoesNotExist:
        raise Http404 from None


def _step_form(action: str, complaint: Complaint, data=None):
    return STEPS[action][0](data, prefix=action, complaint=complaint)


def _picker_context(**context) -> dict:
    return context | {
        "staff_options": selectors.staff_options(),
        "level_options": selectors.level_suggestions(),
        "staff_options_id": complaint_forms.STAFF_OPTIONS_ID,
        "level_options_id": complaint_forms.LEVEL_OPTIONS_ID,
    }


def _detail(request, complaint: Complaint, *, bound=None):
    roles = roles_for(request.user)
    actions = selectors.complaint_actions(complaint=complaint, roles=roles, user=request.user)
    forms = {action: _step_form(action, complaint) for action in actions}
    if bound is not None:
        forms[bound.prefix] = bound
    context = {
        "complaint": complaint,
        "steps": [(action, selectors.action_label(action), forms[action]) for action in actions],
        "timeline": selectors.complaint_timeline(complaint=complaint),
        "show_complainant": roles.sees_everyone,
    }
    if {"decide", "reverse"} & set(actions):
        context = _picker_context(**context)
    return render(request, "complaints/complaint_detail.html", context)


@login_required
def complaint_detail_view(request, pk: int):
    return _detail(request, _complaint_or_404(request, pk))


@login_required
@require_POST
def complaint_step_view(request, pk: int, action: str):
    complaint = _complaint_or_404(request, pk)
    roles = roles_for(request.user)
    if not (roles.sees_everyone or action in selectors.ASSIGNEE_ACTIONS):
        raise PermissionDenied
    refusal = selectors.action_refusal(complaint=complaint, action=action)
    if refusal:  # a page left open while the complaint moved on
        messages.error(request, refusal)
        return redirect("complaints:detail", pk=complaint.pk)
    form = _step_form(action, complaint, request.POST)
    if not form.is_valid():
        return _detail(request, complaint, bound=form)
    try:
        STEPS[action][1](complaint, form.cleaned_data, request.user)
    except services.ComplaintError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
            return _detail(request, complaint, bound=form)
        messages.error(request, error.message)
        return redirect("complaints:detail", pk=complaint.pk)
    messages.success(request, DONE_MESSAGES[action] % {"pk": complaint.pk})
    return redirect("complaints:detail", pk=complaint.pk)


# ---------------------------------------------------------------- QR badges


@hr_required
def badge_list_view(request):
    people = staff_supervised_list(roles=roles_for(request.user)).filter(status=Staff.Status.ACTIVE)
    staff_filter = StaffFilter(request.GET, queryset=people, request=request)
    page = Paginator(staff_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/badge_list.html", {"filter": staff_filter, "page": page})


def _active_person(pk: int) -> Staff:
    return get_object_or_404(
        Staff.objects.select_related("position", "unit"), pk=pk, status=Staff.Status.ACTIVE
    )


def _rating_url(request, person: Staff) -> str:
    link = services.rating_link_for(staff=person)
    return request.build_absolute_uri(reverse("complaints:rate", args=[link.token]))


@hr_required
def badge_view(request, pk: int):
    person = _active_person(pk)
    url = _rating_url(request, person)
    context = {"person": person, "rating_url": url, "qr": qr_svg_inline(url)}
    return render(request, "complaints/badge.html", context)


@hr_required
def badge_png_view(request, pk: int):
    person = _active_person(pk)
    response = HttpResponse(qr_png(_rating_url(request, person)), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="qr-{person.pk}.png"'
    return response


@hr_required
def badge_svg_view(request, pk: int):
    person = _active_person(pk)
    response = HttpResponse(qr_svg(_rating_url(request, person)), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="qr-{person.pk}.svg"'
    return response


@hr_required
@require_POST
def badge_rotate_view(request, pk: int):
    person = _active_person(pk)
    services.rating_link_rotate(staff=person, actor=request.user)
    messages.success(
        request,
        _("%(person)s has a new QR code; badges printed before no longer work.")
        % {"person": person.name},
    )
    return redirect("complaints:badge", pk=person.pk)


# ---------------------------------------------------------------- throttle log


@hr_required
def throttle_log_view(request):
    decisions = ThrottleDecisionFilter(request.GET, queryset=selectors.throttle_decision_list())
    page = Paginator(decisions.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/throttle_log.html", {"filter": decisions, "page": page})
