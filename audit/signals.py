"""Role changes made outside StarService's own services (the Django admin) still reach the
audit log: HR membership, the admin flag and account deactivation. Inspector assignments
keep their own field history (simple_history)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from audit.services import acting_user, audit_log

User = get_user_model()
WATCHED_USER_FIELDS = ("is_superuser", "is_staff", "is_active")


def _request_user():
    """The logged-in user of the request being served (simple_history's middleware)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return acting_user(user)


@receiver(m2m_changed, sender=User.groups.through)
def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear") or reverse:
        return
    if action == "pre_clear":
        pk_set = set(instance.groups.values_list("pk", flat=True))
        if not pk_set:
            return
    names = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    granted = action == "post_add"
    audit_log(
        actor=_request_user(),
        action="role.granted" if granted else "role.revoked",
        target=instance,
        summary=f"{instance.get_username()}: {', '.join(names)}",
        before=None if granted else {"groups": names},
        after={"groups": names} if granted else None,
    )


@receiver(pre_save, sender=User)
def _remember_flags(sender, instance, raw=False, update_fields=None, **kwargs):
    watched = update_fields is None or set(update_fields) & set(WATCHED_USER_FIELDS)
    if raw or instance.pk is None or not watched:
        instance._audit_flags = None
        return
    instance._audit_flags = User.objects.filter(pk=instance.pk).values(*WATCHED_USER_FIELDS).first()


@receiver(post_save, sender=User)
def _flags_changed(sender, instance, created, raw=False, **kwargs):
    before = getattr(instance, "_audit_flags", None)
    if raw or created or not before:
        return
    after = {name: getattr(instance, name) for name in WATCHED_USER_FIELDS}
    changed = {name for name in WATCHED_USER_FIELDS if before[name] != after[name]}
    if not changed:
        return
    audit_log(
        actor=_request_user(),
        action="account.flags_changed",
        target=instance,
        summary=f"{instance.get_username()}: {', '.join(sorted(changed))}",
        before={name: before[name] for name in sorted(changed)},
        after={name: after[name] for name in sorted(changed)},
    )
