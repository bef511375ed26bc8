from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from audit.models import AuditEntry


def acting_user(actor: AbstractBaseUser | None) -> AbstractBaseUser | None:
    """The user to record as author: None for the anonymous public, scripts and tasks."""
    return actor if actor is not None and actor.is_authenticated else None


def audit_log(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: Any | None,
    summary: str,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append an audit entry; call it inside the transaction of the change it describes."""
    return AuditEntry.objects.create(
        actor=acting_user(actor),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=summary[:500],
        reason=reason,
        before=before,
        after=after,
    )
