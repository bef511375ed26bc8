"""Who a user is in StarService. Every page asks this module, never the user model directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from staff.models import path_in_subtrees, paths_subtree_q

HR_GROUP = "HR"

ADMIN, HR, INSPECTOR, UNIT_HEAD, STAFF = "admin", "hr", "inspector", "unit_head", "staff"


@dataclass(frozen=True)
class Roles:
    admin: bool = False
    hr: bool = False
    staff_id: int | None = None
    inspector_unit_paths: tuple[str, ...] = ()
    headed_unit_paths: tuple[str, ...] = ()
    names: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_unit_head(self) -> bool:
        return bool(self.headed_unit_paths)

    @property
    def sees_everyone(self) -> bool:
        return self.admin or self.hr

    @property
    def supervised_unit_paths(self) -> tuple[str, ...]:
        """Unit subtrees this user may record for and look into (inspector ∪ unit head)."""
        return tuple(sorted(set(self.inspector_unit_paths) | set(self.headed_unit_paths)))

    def has(self, *role_names: str) -> bool:
        return bool(self.names.intersection(role_names))

    def supervised_staff_q(self, prefix: str = "") -> Q:
        """Q over Staff (or a relation to it via ``prefix``) for the people this user supervises."""
        if self.sees_everyone:
            return Q()
        return paths_subtree_q(self.supervised_unit_paths, field=f"{prefix}unit__path")

    def visible_staff_q(self, prefix: str = "") -> Q:
        """Supervised people plus oneself."""
        if self.sees_everyone:
            return Q()
        own = Q(**{f"{prefix}pk": self.staff_id}) if self.staff_id else Q(pk__in=[])
        return self.supervised_staff_q(prefix) | own

    def supervises_path(self, unit_path: str) -> bool:
        if self.sees_everyone:
            return True
        return path_in_subtrees(unit_path, self.supervised_unit_paths)


ANONYMOUS = Roles()


def roles_for(user) -> Roles:
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_starservice_roles", None)
    if cached is not None:
        return cached
    roles = _load_roles(user)
    user._starservice_roles = roles
    return roles


def _load_roles(user) -> Roles:
    from accounts.models import InspectorAssignment
    from staff.models import Staff, Unit

    hr = user.is_superuser or user.groups.filter(name=HR_GROUP).exists()
    staff_id = Staff.objects.filter(user=user).values_list("pk", flat=True).first()
    inspector_paths = tuple(
        InspectorAssignment.objects.filter(user=user).values_list("units__path", flat=True)
    )
    inspector_paths = tuple(sorted(p for p in inspector_paths if p))
    headed = (
        tuple(Unit.objects.filter(head_id=staff_id).values_list("path", flat=True))
        if staff_id
        else ()
    )
    names = set()
    if user.is_superuser:
        names.add(ADMIN)
    if hr:
        names.add(HR)
    if inspector_paths:
        names.add(INSPECTOR)
    if headed:
        names.add(UNIT_HEAD)
    if staff_id:
        names.add(STAFF)
    return Roles(
        admin=user.is_superuser,
        hr=hr,
        staff_id=staff_id,
        inspector_unit_paths=inspector_paths,
        headed_unit_paths=headed,
        names=frozenset(names),
    )


def role_required(*role_names: str):
    """Allow the view to users holding any of ``role_names`` (admin and HR always pass)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            roles = roles_for(request.user)
            if not (roles.sees_everyone or roles.has(*role_names)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


hr_required = role_required(HR)
