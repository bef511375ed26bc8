"""The staff list: search, filters, role scoping, pagination and its query count."""

import pytest
from django.urls import reverse

from staff.models import Staff
from tests.factories import PositionFactory, StaffFactory

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[str]:
    response = client.get(reverse("staff:list"), params)
    assert response.status_code == 200
    return [person.name for person in response.context["page"].object_list]


@pytest.fixture
def people(org, staff_a, staff_b, head_b):
    in_unit_a = StaffFactory(name="陈静", unit=org.unit_a, position=org.position)
    cleaner = StaffFactory(
        name="周洁", unit=org.unit_a_team, position=PositionFactory(name="保洁员")
    )
    gone = StaffFactory(name="吴离", unit=org.unit_a_team, status=Staff.Status.LEFT)
    return {"in_unit_a": in_unit_a, "cleaner": cleaner, "gone": gone}


def test_unit_filter_includes_the_whole_subtree(client, hr, org, people):
    client.force_login(hr)
    assert sorted(listed(client, unit=org.unit_a.pk)) == sorted(["张小明", "陈静", "周洁", "吴离"])
    assert sorted(listed(client, unit=org.unit_a_team.pk)) == sorted(["张小明", "周洁", "吴离"])
    assert sorted(listed(client, unit=org.unit_b.pk)) == sorted(["李四", "王经理"])


def test_search_by_pinyin_initials_name_and_employee_number(client, hr, staff_a, people):
    client.force_login(hr)
    assert listed(client, q="zxm") == ["张小明"]
    assert listed(client, q="ZXM") == ["张小明"]
    assert listed(client, q="小明") == ["张小明"]
    assert listed(client, q=staff_a.employee_no) == ["张小明"]


def test_position_and_status_filters(client, hr, people):
    client.force_login(hr)
    assert listed(client, position=people["cleaner"].position.pk) == ["周洁"]
    assert listed(client, status="left") == ["吴离"]
    assert "吴离" not in listed(client, status="active")


def test_inspector_sees_only_the_assigned_subtree(client, inspector_a, org, people):
    client.force_login(inspector_a)
    assert sorted(listed(client)) == sorted(["张小明", "陈静", "周洁", "吴离"])
    response = client.get(reverse("staff:list"), {"unit": org.unit_b.pk})
    assert "unit" in response.context["filter"].form.errors
    assert "李四" not in {p.name for p in response.context["page"].object_list}
    unit_choices = {unit.pk for unit in response.context["filter"].form.fields["unit"].queryset}
    assert unit_choices == {org.unit_a.pk, org.unit_a_team.pk}


def test_unit_head_sees_the_headed_unit(client, head_b, people):
    client.force_login(head_b.user)
    assert sorted(listed(client)) == sorted(["李四", "王经理"])


def test_pagination_keeps_the_filters(client, hr, org):
    StaffFactory.create_batch(55, unit=org.unit_a, position=org.position)
    client.force_login(hr)
    first = client.get(reverse("staff:list"), {"unit": org.unit_a.pk})
    assert len(first.context["page"].object_list) == 50
    assert f'href="?unit={org.unit_a.pk}&amp;page=2"' in first.content.decode()
    second = client.get(reverse("staff:list"), {"unit": org.unit_a.pk, "page": 2})
    assert len(second.context["page"].object_list) == 5


@pytest.mark.parametrize("count", [3, 40])
def test_list_query_count_does_not_grow_with_rows(
    client, hr, org, count, django_assert_num_queries
):
    StaffFactory.create_batch(count, unit=org.unit_a_team, position=org.position)
    client.force_login(hr)
    # session, user, HR group, own staff record, inspector units, count, page rows,
    # unit choices, position choices, the navbar's unread notifications
    with django_assert_num_queries(10):
        response = client.get(reverse("staff:list"))
    assert len(response.context["page"].object_list) == count
