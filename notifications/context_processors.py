from django.utils.functional import SimpleLazyObject

from notifications.selectors import notifications_unread_count


def unread(request):
    """The navbar bell's unread count: one COUNT query, only when a page shows it, none for
    anonymous users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: notifications_unread_count(user=user))}
