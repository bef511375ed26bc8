from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from audit.models import AuditEntry


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
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=summary[:500],
        reason=reason,
        before=before,
        after=after,
    )
