"""Inspection personas beyond the shared ones: the schemes staff_a takes part in, the head
of unit A (who co-signs inspector_a's inspections) and an open inspection of unit A."""

import pytest
from django.utils import timezone

from inspections.models import Inspection
from inspections.services import inspection_start
from tests.factories import PositionFactory, StaffFactory, UserFactory
from tests.schemes import import_template


@pytest.fixture
def schemes(db):
    """客服员 (staff_a's and staff_b's position) takes part in both."""
    return {
        code: import_template(code)
        for code in ("property-weekly-stars", "property-monthly-quality")
    }


@pytest.fixture
def head_a(org):
    person = StaffFactory(name="赵主管", unit=org.unit_a, position=PositionFactory(name="项目经理"))
    person.user = UserFactory(username="head_a")
    person.save()
    org.unit_a.head = person
    org.unit_a.save()
    return person


@pytest.fixture
def colleague_a(org):
    """A second 客服员 in unit A's team."""
    return StaffFactory(name="欧阳晓燕", unit=org.unit_a_team, position=org.position)


@pytest.fixture
def inspection(inspector_a, org) -> Inspection:
    return inspection_start(
        actor=inspector_a,
        date=timezone.localdate(),
        unit=org.unit_a,
        type=Inspection.Type.DAILY,
        place="一楼大堂",
    )
