from celery import shared_task

from complaints.services import complaints_notify_overdue
from starservice.queue import DB_RETRY


@shared_task(name="complaints.notify_overdue", **DB_RETRY)
def complaints_notify_overdue_task() -> int:
    """Beat, hourly: tell assignees (or HR) about complaints past their step's deadline."""
    return complaints_notify_overdue()
