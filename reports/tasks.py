"""Background exports. The task takes a job id and calls the service; running it twice
renders the same file again."""

from celery import shared_task

from reports.exports import export_run


@shared_task(name="reports.export", ignore_result=True)
def export_task(job_id: str) -> None:
    export_run(job_id)
