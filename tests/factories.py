"""Factories for the ORM models. Business objects go through services where they exist."""

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.roles import HR_GROUP
from staff.models import Position, Staff, Unit
from staff.services import name_initials

PASSWORD = "Test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def hr_user(username: str = "hr") -> object:
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=HR_GROUP)[0])
    return user


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("path",)

    name = factory.Sequence(lambda n: f"部门{n}")
    parent = None
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}/{o.name}" if o.parent else o.name)
    depth = factory.LazyAttribute(lambda o: o.parent.depth + 1 if o.parent else 1)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("name",)

    name = "客服员"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    name_initials = factory.LazyAttribute(lambda o: name_initials(o.name))
    unit = factory.SubFactory(UnitFactory)
    position = factory.SubFactory(PositionFactory)
    hire_date = date(2020, 1, 1)
