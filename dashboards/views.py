"""My standing (staff), the leaderboard and the HR / unit-head dashboards. Reads go through
dashboards.selectors; results are confidential: staff see their own, unit heads their unit
subtrees, HR everyone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import UNIT_HEAD, role_required, roles_for
from dashboards import charts
from dashboards.selectors import (
    Scope,
    badges_for,
    dashboard,
    history_for,
    inspector_activity,
    leaderboard,
    notices_for,
    own_finding_photo,
    own_record,
    period_choices,
    period_resolve,
    person_schemes,
    record_changes,
    record_effects,
    standing_lines,
    standings_for,
)
from evaluations.models import Record
from evaluations.selectors import active_schemes
from inspections.models import Finding
from scoring.engine.periods import PeriodKeyError, period_for_date
from staff.models import Staff

# Rows per leaderboard page; the filters and counts cover them all. 50, not 100: the board is
# often read on a phone, and rendering its rows is the largest single cost of the page.
LEADERBOARD_PAGE_SIZE = 50


def _me(request) -> Staff | None:
    staff_id = roles_for(request.user).staff_id
    if staff_id is None:
        return None
    return Staff.objects.select_related("unit", "position").get(pk=staff_id)


def _me_or_404(request) -> Staff:
    person = _me(request)
    if person is None:
        raise Http404
    return person


def _period(request, active, today):
    """The period asked for in ?period=, or the current one with a message when it is not a
    period of the scheme."""
    key = request.GET.get("period", "").strip()
    try:
        return period_resolve(active, key, today=today)
    except PeriodKeyError as exc:
        messages.error(request, _("Period %(key)s: %(error)s") % {"key": key, "error": exc})
        return period_resolve(active, None, today=today)


# ---------------------------------------------------------------- staff: My standing


@login_required
def my_standing_view(request):
    person = _me(request)
    if person is None:
        return render(request, "dashboards/my_standing.html", {"person": None})
    today = timezone.localdate()
    schemes = person_schemes(person)
    periods = {a.scheme.pk: period_for_date(a.scheme.period, today) for a in schemes}
    context = {
        "person": person,
        "standings": standings_for(person, schemes, periods),
        "badges": badges_for(person.pk),
        "notices": notices_for(person, schemes, today=today),
    }
    return render(request, "dashboards/my_standing.html", context)


@login_required
def my_scheme_view(request, code: str):
    person = _me_or_404(request)
    schemes = person_schemes(person)
    active = next((a for a in schemes if a.scheme.code == code), None)
    if active is None:
        raise Http404
    today = timezone.localdate()
    period = _period(request, active, today)
    current = period_for_date(active.scheme.period, today)
    wanted = {active.scheme.pk: period}
    standing = next(iter(standings_for(person, [active], wanted)), None)
    now = standing
    if period.key != current.key:
        found = standings_for(person, [active], {active.scheme.pk: current}, with_what_ifs=False)
        now = next(iter(found), None)
    history = history_for(person.pk, active, now)
    context = {
        "person": person,
        "active": active,
        "period": period,
        "choices": period_choices(active, today=today, selected=period),
        "standing": standing,
        "lines": standing_lines(standing, person.pk) if standing else [],
        "history": history,
        "history_chart": charts.history_chart(history, active.config),
    }
    return render(request, "dashboards/my_scheme.html", context)


@login_required
def my_record_view(request, pk: int):
    person = _me_or_404(request)
    try:
        record = own_record(person.pk, pk)
    except Record.DoesNotExist:
        raise Http404 from None
    schemes = person_schemes(person)
    context = {
        "person": person,
        "record": record,
        "names": {code: name for a in schemes for code, name in a.item_names.items()},
        "effects": [] if record.voided else record_effects(record, person, schemes),
        "changes": record_changes(record),
        "photo": _has_photo(record),
    }
    return render(request, "dashboards/my_record.html", context)


def _has_photo(record: Record) -> bool:
    finding = getattr(record, "finding", None)  # None when the record has no finding
    return bool(finding and finding.photo)


@login_required
def my_record_photo_view(request, pk: int):
    person = _me_or_404(request)
    try:
        finding = own_finding_photo(person.pk, pk)
    except Finding.DoesNotExist:
        raise Http404 from None
    response = FileResponse(finding.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- HR and unit heads


def _selection(request, *, today):
    """(schemes, the chosen active scheme or None, its period); 404 for an unknown scheme."""
    schemes = active_schemes()
    if not schemes:
        return schemes, None, None
    code = request.GET.get("scheme", "").strip()
    if code:
        active = next((a for a in schemes if a.scheme.code == code), None)
        if active is None:
            raise Http404
    else:
        active = schemes[0]
    return schemes, active, _period(request, active, today)


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _selection_context(schemes, active, period, today) -> dict:
    return {
        "schemes": schemes,
        "active": active,
        "period": period,
        "choices": period_choices(active, today=today, selected=period) if active else [],
    }


@role_required(UNIT_HEAD)
def leaderboard_view(request):
    today = timezone.localdate()
    schemes, active, period = _selection(request, today=today)
    context = _selection_context(schemes, active, period, today)
    if active is not None:
        unit_id, position_id = _int_param(request, "unit"), _int_param(request, "position")
        board = leaderboard(
            active=active,
            period=period,
            scope=Scope.of(roles_for(request.user)),
            per_page=LEADERBOARD_PAGE_SIZE,
            page=request.GET.get("page"),
            unit_id=unit_id,
            position_id=position_id,
        )
        context |= {
            "board": board,
            "page": board.page,
            "unit_id": unit_id,
            "position_id": position_id,
        }
    return render(request, "dashboards/leaderboard.html", context)


@role_required(UNIT_HEAD)
def dashboard_view(request):
    today = timezone.localdate()
    schemes, active, period = _selection(request, today=today)
    context = _selection_context(schemes, active, period, today)
    if active is not None:
        board = dashboard(active=active, period=period, scope=Scope.of(roles_for(request.user)))
        context |= {
            "dash": board,
            "unit_chart": charts.units_chart(board.units),
            "trend_chart": charts.trend_chart(board.trend),
            "pareto_chart": charts.pareto_chart(board.pareto),
        }
    return render(request, "dashboards/dashboard.html", context)


@role_required(UNIT_HEAD)
def inspectors_view(request):
    today = timezone.localdate()
    schemes, active, period = _selection(request, today=today)
    context = _selection_context(schemes, active, period, today)
    if active is not None:
        activity = inspector_activity(
            active=active, period=period, scope=Scope.of(roles_for(request.user))
        )
        context |= {"activity": activity, "inspector_chart": charts.inspector_chart(activity)}
    return render(request, "dashboards/inspectors.html", context)
