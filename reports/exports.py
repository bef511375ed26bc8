"""Exports that run in the background: a job's state lives in the cache (status, progress,
file), its workbook under MEDIA_ROOT/exports/, served only through a permission-checked view.

Kinds: ``periods`` (one period report per chosen scheme, zipped when more than one) and
``bundle`` (the monthly HR bundle)."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import uuid
import zipfile
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from evaluations.models import Scheme
from evaluations.selectors import active_schemes
from reports.bundle import bundle_filename, bundle_sheets
from reports.exporters import ReportData, report_data, report_filename, write_report
from starservice.queue import enqueue
from starservice.workbooks import write_xlsx

logger = logging.getLogger(__name__)

PERIODS, BUNDLE = "periods", "bundle"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
JOB_SECONDS = 24 * 3600  # a job (and its file) is kept this long
EXPORT_DIR = "exports"


class ExportUnavailable(Exception):
    """The cache that holds export jobs cannot be reached."""


@dataclass
class ExportJob:
    id: str
    owner_id: int
    kind: str
    key: str
    scheme_ids: list[int] = field(default_factory=list)
    label: str = ""
    status: str = QUEUED
    progress: int = 0  # percent
    filename: str = ""
    file: str = ""  # name under MEDIA_ROOT/exports/
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)

    @property
    def path(self) -> Path:
        return export_dir() / self.file


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORT_DIR


def _cache_key(job_id: str) -> str:
    return f"reports:export:{job_id}"


def _save(job: ExportJob) -> None:
    cache.set(_cache_key(job.id), asdict(job), timeout=JOB_SECONDS)


def export_get(job_id: str) -> ExportJob | None:
    try:
        stored = cache.get(_cache_key(job_id))
    except RedisError as exc:
        raise ExportUnavailable(str(exc)) from None
    return ExportJob(**stored) if stored else None


def export_start(*, user, kind: str, key: str, scheme_ids: list[int], label: str) -> ExportJob:
    """Record the job and send it to the queue once the current transaction commits."""
    from reports.tasks import export_task

    job = ExportJob(str(uuid.uuid4()), user.pk, kind, key, list(scheme_ids), label)
    try:
        _save(job)
    except RedisError as exc:
        raise ExportUnavailable(str(exc)) from None
    transaction.on_commit(partial(_enqueue, export_task, job.id), robust=True)
    return job


def _enqueue(task, job_id: str) -> None:
    if not enqueue(task, job_id):
        job = export_get(job_id)
        if job is not None:
            job.status, job.error = FAILED, _("The export queue is not available; try again.")
            _save(job)


def export_run(job_id: str) -> None:
    """Write the job's file, reporting progress on the way. Running it twice (a redelivered
    task) writes it again into the same file."""
    job = export_get(job_id)
    if job is None or job.status == DONE:
        return
    job.status, job.progress = RUNNING, 0
    _save(job)

    def progress(done: int, total: int) -> None:
        job.progress = min(99, int(done * 100 / max(total, 1)))
        _save(job)

    export_dir().mkdir(parents=True, exist_ok=True)
    _remove_stale_files()
    # Written beside the final file and renamed once complete: a download never sees half.
    unfinished = export_dir() / f"{job.id}.part"
    try:
        filename = _write(job, progress, unfinished)
    except Exception as exc:  # the job must end, whatever went wrong; the log has the detail
        logger.exception("export %s failed", job.id)
        unfinished.unlink(missing_ok=True)
        job.status, job.error = FAILED, _("The export failed: %(error)s") % {"error": exc}
        _save(job)
        return
    job.file = f"{job.id}{Path(filename).suffix}"
    unfinished.replace(job.path)
    job.filename, job.status, job.progress = filename, DONE, 100
    _save(job)


def _write(job: ExportJob, progress, out: Path) -> str:
    """Write the job's workbook (or zip of workbooks) into ``out``, streaming closed periods'
    results from their snapshots; returns the name it is downloaded under."""
    if job.kind == BUNDLE:
        write_xlsx(bundle_sheets(active_schemes(), job.key, progress=progress), out)
        return bundle_filename(job.key)
    schemes = list(Scheme.objects.filter(pk__in=job.scheme_ids).select_related("current_version"))
    reports = (
        report_data(scheme=scheme, key=job.key, load_results=False)
        for scheme in sorted(schemes, key=lambda s: s.code)
    )
    if len(schemes) == 1:
        data = next(reports)
        write_report(data, out)
        progress(1, 2)
        return report_filename(data)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, data in enumerate(reports, start=1):
            _add_report(archive, data)
            progress(done, len(schemes) + 1)
    return f"{_('period reports')}-{job.key}.zip"


def _add_report(archive: zipfile.ZipFile, data: ReportData) -> None:
    """The report's workbook as a member of ``archive``, by way of a temporary file: an
    xlsx is itself a zip, written most plainly into a file it can seek in."""
    with tempfile.TemporaryFile() as workbook:
        write_report(data, workbook)
        workbook.seek(0)
        with archive.open(report_filename(data), "w") as member:
            shutil.copyfileobj(workbook, member)


def _remove_stale_files() -> None:
    cutoff = time.time() - JOB_SECONDS
    for path in export_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
