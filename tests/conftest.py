"""Named personas shared by every test: HR, the inspector of unit A, staff in unit A and
unit B, the head of unit B, an admin, and a member of the public (anonymous)."""

from dataclasses import dataclass

import pytest

from accounts.models import InspectorAssignment
from tests.factories import PositionFactory, StaffFactory, UnitFactory, UserFactory, hr_user


@dataclass
class Org:
    company: object
    unit_a: object
    unit_a_team: object
    unit_b: object
    position: object


@pytest.fixture
def org(db):
    company = UnitFactory(name="星辰物业", path="星辰物业")
    unit_a = UnitFactory(name="客服部", parent=company)
    unit_a_team = UnitFactory(name="前台班", parent=unit_a)
    unit_b = UnitFactory(name="工程部", parent=company)
    return Org(company, unit_a, unit_a_team, unit_b, PositionFactory(name="客服员"))


@pytest.fixture
def hr(org):
    return hr_user("hr")


@pytest.fixture
def admin_user(org):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def inspector_a(org):
    user = UserFactory(username="inspector_a")
    assignment = InspectorAssignment.objects.create(user=user)
    assignment.units.add(org.unit_a)
    return user


@pytest.fixture
def staff_a(org):
    person = StaffFactory(name="张小明", unit=org.unit_a_team, position=org.position)
    person.user = UserFactory(username="staff_a")
    person.save()
    return person


@pytest.fixture
def staff_b(org):
    person = StaffFactory(name="李四", unit=org.unit_b, position=org.position)
    person.user = UserFactory(username="staff_b")
    person.save()
    return person


@pytest.fixture
def head_b(org):
    person = StaffFactory(name="王经理", unit=org.unit_b, position=PositionFactory(name="项目经理"))
    person.user = UserFactory(username="head_b")
    person.save()
    org.unit_b.head = person
    org.unit_b.save()
    return person


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test gets its own cache namespace, whether the cache is local memory or Redis."""
    import uuid

    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    for config in caches.values():
        config["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Personas get passwords; the production hasher's slowness is no use in tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in-process unless a test is marked celery_worker (real worker, real Redis),
    even when REDIS_URL is set in the environment (CI)."""
    from starservice.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
