"""Notifying users: a row in the in-app centre, then (after commit, in the background) an
e-mail through Django's mail backend unless the user opted out or has no address."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit.services import audit_log
from notifications.models import Notification, NotificationPreference
from notifications.selectors import email_enabled_for
from starservice.queue import enqueue_on_commit

EMAIL_BATCH = 100
# Pending e-mails older than this were not enqueued (broker down) or their task was lost.
EMAIL_PENDING_GRACE = timedelta(minutes=10)


@transaction.atomic
def notify(
    *, users: Iterable, kind: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """One notification per distinct user; the e-mails go out after commit."""
    user_ids = sorted({user.pk for user in users})
    created = Notification.objects.bulk_create(
        [
            Notification(user_id=pk, kind=kind, title=title[:200], body=body, url=url)
            for pk in user_ids
        ]
    )
    ids = [notification.pk for notification in created]
    from notifications.tasks import notifications_email_task

    for offset in range(0, len(ids), EMAIL_BATCH):
        enqueue_on_commit(notifications_email_task, ids[offset : offset + EMAIL_BATCH])
    return created


def notification_mark_read(*, notification: Notification, user) -> Notification:
    if notification.user_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def notification_preference_set(*, user, email_enabled: bool) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user
    )
    before = preference.email_enabled
    preference.email_enabled = email_enabled
    preference.save(update_fields=["email_enabled"])
    audit_log(
        actor=user,
        action="notifications.preference_set",
        target=preference,
        summary=str(user),
        before={"email_enabled": before},
        after={"email_enabled": email_enabled},
    )
    return preference


def notifications_email(*, notification_ids: Iterable[int]) -> int:
    """Send the still-pending e-mails among ``notification_ids``; returns how many went
    out. Each is claimed under a row lock and marked in the same transaction, so a second
    run (a redelivered task, the catch-up) skips what was sent."""
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True)
                .select_related("user")
                .filter(pk=pk, email_status=Notification.Email.PENDING)
                .first()
            )
            if notification is None:
                continue
            user = notification.user
            if not user.email or not email_enabled_for(user=user):
                notification.email_status = Notification.Email.SKIPPED
                notification.save(update_fields=["email_status"])
                continue
            message = "\n\n".join(part for part in (notification.body, notification.url) if part)
            send_mail(notification.title, message, None, [user.email])
            notification.email_status = Notification.Email.SENT
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["email_status", "emailed_at"])
            sent += 1
    return sent


def notifications_email_overdue_ids() -> list[int]:
    """Pending e-mails whose sending task never ran (for the catch-up job)."""
    return list(
        Notification.objects.filter(
            email_status=Notification.Email.PENDING,
            created_at__lt=timezone.now() - EMAIL_PENDING_GRACE,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
