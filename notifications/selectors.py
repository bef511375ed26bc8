from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from notifications.models import Notification, NotificationPreference


def notifications_unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def email_enabled_for(*, user) -> bool:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or preference.email_enabled


def users_of_staff(staff_ids: Iterable[int]) -> list:
    """The login accounts of these staff members (those who have one)."""
    return list(get_user_model().objects.filter(staff__pk__in=list(staff_ids)))
