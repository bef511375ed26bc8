"""Reports from the browser (HR): a period report downloaded at once, and the large exports
(several schemes, the monthly bundle) built in the background with a progress bar."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import hr_required
from evaluations.selectors import active_schemes
from reports.exporters import report_data, report_response
from reports.exports import (
    BUNDLE,
    DONE,
    PERIODS,
    ExportUnavailable,
    export_get,
    export_start,
)
from reports.forms import BundleForm, PeriodReportForm, PeriodsExportForm
from starservice.workbooks import XLSX_CONTENT_TYPE

CONTENT_TYPES = {".xlsx": XLSX_CONTENT_TYPE, ".zip": "application/zip"}
SESSION_JOBS = "report_exports"
JOBS_REMEMBERED = 5


def _index(request, *, periods_form=None, bundle_form=None, status=200):
    schemes = active_schemes()
    month = timezone.localdate().strftime("%Y-%m")
    context = {
        "report_form": PeriodReportForm(schemes=schemes),
        "periods_form": periods_form or PeriodsExportForm(schemes=schemes),
        "bundle_form": bundle_form or BundleForm(initial={"month": month}),
        "jobs": _my_jobs(request),
    }
    return render(request, "reports/index.html", context, status=status)


def _my_jobs(request) -> list:
    jobs = []
    for job_id in request.session.get(SESSION_JOBS, []):
        try:
            job = export_get(job_id)
        except ExportUnavailable:
            return []
        if job is not None and job.owner_id == request.user.pk:
            jobs.append(job)
    return jobs


@hr_required
def index_view(request):
    return _index(request)


@hr_required
def period_report_view(request):
    """The period report workbook of one scheme (FORMATS.md), sent as it is written."""
    form = PeriodReportForm(request.GET, schemes=active_schemes())
    if not form.is_valid():
        if "scheme" in form.errors:
            raise Http404
        for error in form.errors.get("period", []):
            messages.error(request, _("Period: %(error)s") % {"error": error})
        return redirect("reports:index")
    active, bounds = form.cleaned_data["active"], form.cleaned_data["bounds"]
    return report_response(report_data(scheme=active.scheme, key=bounds.key, load_results=False))


@hr_required
@require_POST
def export_create_view(request):
    schemes = active_schemes()
    kind = request.POST.get("kind")
    if kind == BUNDLE:
        form = BundleForm(request.POST)
        if not form.is_valid():
            return _index(request, bundle_form=form, status=400)
        key, scheme_ids = form.cleaned_data["month"], []
        label = _("Monthly HR bundle %(month)s") % {"month": key}
    elif kind == PERIODS:
        form = PeriodsExportForm(request.POST, schemes=schemes)
        if not form.is_valid():
            return _index(request, periods_form=form, status=400)
        chosen = form.cleaned_data["chosen"]
        key, scheme_ids = form.cleaned_data["period"], [a.scheme.pk for a in chosen]
        label = _("Period reports %(period)s: %(schemes)s") % {
            "period": key,
            "schemes": "、".join(a.scheme.name for a in chosen),
        }
    else:
        raise Http404
    try:
        job = export_start(
            user=request.user, kind=kind, key=key, scheme_ids=scheme_ids, label=label
        )
    except ExportUnavailable:
        messages.error(request, _("Exports are unavailable right now; try again later."))
        return redirect("reports:index")
    remembered = [job.id, *request.session.get(SESSION_JOBS, [])][:JOBS_REMEMBERED]
    request.session[SESSION_JOBS] = remembered
    return redirect("reports:export", job_id=job.id)


def _job_or_404(request, job_id) -> object:
    try:
        job = export_get(str(job_id))
    except ExportUnavailable:
        raise Http404 from None
    if job is None or job.owner_id != request.user.pk:
        raise Http404
    return job


@hr_required
def export_view(request, job_id):
    return render(request, "reports/export.html", {"job": _job_or_404(request, job_id)})


@hr_required
def export_progress_view(request, job_id):
    """The progress partial; htmx polls it until the job is finished."""
    return render(
        request, "reports/partials/export_progress.html", {"job": _job_or_404(request, job_id)}
    )


@hr_required
def export_download_view(request, job_id):
    job = _job_or_404(request, job_id)
    if job.status != DONE or not job.path.is_file():
        raise Http404
    return FileResponse(
        job.path.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=CONTENT_TYPES.get(job.path.suffix, "application/octet-stream"),
    )
