"""Exports that run in the background: a job's state lives in the cache (status, progress,
file), its workbook under MEDIA_ROOT/exports/, served only through a permission-checked view.

Kinds: ``periods`` (one period report per chosen scheme, zipped when more than one) and
``bundle`` (the monthly HR bundle)."""

from __future__ import annotations

import logging
import time
import uuid
import zipfile
from dataclasses import asdict, dataclass, field
from functools import partial
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from evaluations.models import Scheme
from evaluations.selectors import active_schemes
from reports.bundle import bundle_filename, bundle_sheets
from reports.exporters import render_report, report_data, report_filename
from starservice.queue import enqueue
from starservice.workbooks import render_xlsx

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
    """Render the job's workbook into its file, reporting progress on the way. Running it
    twice (a redelivered task) renders it again into the same file."""
    job = export_get(job_id)
    if job is None or job.status == DONE:
        return
    job.status, job.progress = RUNNING, 0
    _save(job)

    def progress(done: int, total: int) -> None:
        job.progress = min(99, int(done * 100 / max(total, 1)))
        _save(job)

    try:
        filename, content = _render(job, progress)
    except Exception as exc:  # the job must end, whatever went wrong; the log has the detail
        logger.exception("export %s failed", job.id)
        job.status, job.error = FAILED, _("The export failed: %(error)s") % {"error": exc}
        _save(job)
        return
    export_dir().mkdir(parents=True, exist_ok=True)
    _remove_stale_files()
    job.file = f"{job.id}{Path(filename).suffix}"
    job.path.write_bytes(content)
    job.filename, job.status, job.progress = filename, DONE, 100
    _save(job)


def _render(job: ExportJob, progress) -> tuple[str, bytes]:
    if job.kind == BUNDLE:
        schemes = active_schemes()
        return bundle_filename(job.key), render_xlsx(
            bundle_sheets(schemes, job.key, progress=progress)
        )
    schemes = list(Scheme.objects.filter(pk__in=job.scheme_ids).select_related("current_version"))
    files = []
    for done, scheme in enumerate(sorted(schemes, key=lambda s: s.code), start=1):
        data = report_data(scheme=scheme, key=job.key)
        files.append((report_filename(data), render_report(data)))
        progress(done, len(schemes) + 1)
    if len(files) == 1:
        return files[0]
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            archive.writestr(name, content)
    return f"{_('period reports')}-{job.key}.zip", buffer.getvalue()


def _remove_stale_files() -> None:
    cutoff = time.time() - JOB_SECONDS
    for path in export_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
