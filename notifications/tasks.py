from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from notifications.services import notifications_email, notifications_email_overdue_ids
from starservice.queue import DB_RETRY

# A mail server that is down is retried like a lost database connection, more patiently.
RETRY = {
    **DB_RETRY,
    "autoretry_for": (SMTPException, OSError, *DB_RETRY["autoretry_for"]),
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
}


@shared_task(name="notifications.email", **RETRY)
def notifications_email_task(notification_ids: list[int]) -> int:
    return notifications_email(notification_ids=notification_ids)


@shared_task(name="notifications.email_pending", **RETRY)
def notifications_email_pending_task() -> int:
    """Beat catch-up: e-mails that were never enqueued (broker down) or whose task died."""
    return notifications_email(notification_ids=notifications_email_overdue_ids())
