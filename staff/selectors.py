"""Reads of units and staff, always scoped by the reader's roles where people are concerned."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet

from accounts.roles import Roles
from staff.models import Staff, Unit, paths_subtree_q
from staff.services import STAFF_OPTIONAL, STAFF_REQUIRED

STAFF_WORKBOOK_HEADERS = STAFF_REQUIRED + STAFF_OPTIONAL
STATUS_TEXT = {Staff.Status.ACTIVE: "在职", Staff.Status.LEFT: "离职"}
CERTIFICATE_JOIN = ";"
STAFF_WORKBOOK_EXAMPLE = [
    "A0001",
    "张小明",
    "新区管理部/保洁班",
    "保洁员",
    date(2024, 3, 1),
    "物业服务项目经理岗位培训结业证;保洁员证",
    "是",
    "在职",
    None,
]


def staff_supervised_list(*, roles: Roles) -> QuerySet[Staff]:
    """People the user may list: everyone for HR, the supervised unit subtrees otherwise."""
    return Staff.objects.filter(roles.supervised_staff_q()).select_related("unit", "position")


def staff_supervised_count(*, roles: Roles) -> int:
    return Staff.objects.filter(roles.supervised_staff_q(), status=Staff.Status.ACTIVE).count()


def staff_visible_detail(*, roles: Roles, pk: int) -> Staff:
    """One person the user may see (supervised or oneself); raises Staff.DoesNotExist."""
    return (
        Staff.objects.filter(roles.visible_staff_q())
        .select_related("unit", "position", "user")
        .prefetch_related("certificates", "headed_units")
        .get(pk=pk)
    )


def unit_supervised_list(*, roles: Roles) -> QuerySet[Unit]:
    """Units the user may filter by: all for HR, the supervised subtrees otherwise."""
    if roles.sees_everyone:
        return Unit.objects.all()
    return Unit.objects.filter(paths_subtree_q(roles.supervised_unit_paths))


@dataclass
class UnitNode:
    unit: Unit
    staff_count: int  # active staff directly in this unit
    children: list[UnitNode] = field(default_factory=list)
    total: int = 0  # active staff in the whole subtree


def staff_search_q(text: str, *, prefix: str = "") -> Q:
    """工号 or name containing ``text``, or pinyin initials starting the same way."""
    return (
        Q(**{f"{prefix}employee_no__icontains": text})
        | Q(**{f"{prefix}name__icontains": text})
        | Q(**{f"{prefix}name_initials__contains": text.lower()})
    )


def unit_tree() -> list[UnitNode]:
    """The organisation as nested nodes, with heads and active staff counts, in one query."""
    units = Unit.objects.select_related("head").annotate(
        active_staff=Count("staff", filter=Q(staff__status=Staff.Status.ACTIVE))
    )
    # A GROUP BY query ignores Meta.ordering, and databases collate paths differently: sort here
    # by code point, which puts every parent before its children.
    ordered = sorted(units, key=lambda unit: unit.path)
    nodes = {unit.pk: UnitNode(unit=unit, staff_count=unit.active_staff) for unit in ordered}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_id)
        (parent.children if parent else roots).append(node)
    for root in roots:
        _add_totals(root)
    return roots


def _add_totals(node: UnitNode) -> int:
    node.total = node.staff_count + sum(_add_totals(child) for child in node.children)
    return node.total


def staff_workbook_rows(*, people: QuerySet[Staff]) -> Iterator[list]:
    """Rows of the staff workbook (sheet 员工) in STAFF_WORKBOOK_HEADERS order; importing
    them gives back the same people."""
    for person in (
        people.select_related("unit", "position")
        .prefetch_related("certificates")
        .iterator(chunk_size=500)
    ):
        yield [
            person.employee_no,
            person.name,
            person.unit.path,
            person.position.name,
            person.hire_date,
            CERTIFICATE_JOIN.join(c.name for c in person.certificates.all()) or None,
            "是" if person.unit.head_id == person.pk else None,
            STATUS_TEXT[person.status],
            person.left_date,
        ]
