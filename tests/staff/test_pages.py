"""Staff detail, create, edit, leave, login creation and the unit tree."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from audit.models import AuditEntry
from staff.models import Staff
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_staff_account_sees_only_its_own_record(client, staff_a, staff_b):
    client.force_login(staff_a.user)
    own = client.get(reverse("staff:detail", args=[staff_a.pk]))
    assert own.status_code == 200
    assert "张小明" in own.content.decode()
    assert reverse("staff:edit", args=[staff_a.pk]) not in own.content.decode()
    assert client.get(reverse("staff:detail", args=[staff_b.pk])).status_code == 404
    assert client.get(reverse("staff:detail", args=[999999])).status_code == 404


def test_detail_shows_certificates_and_headed_units(client, hr, head_b):
    client.force_login(hr)
    content = client.get(reverse("staff:detail", args=[head_b.pk])).content.decode()
    assert "星辰物业/工程部" in content
    assert "head_b" in content  # HR sees the login account
    assert reverse("staff:edit", args=[head_b.pk]) in content


def test_hr_creates_a_person(client, hr, org):
    client.force_login(hr)
    response = client.post(
        reverse("staff:create"),
        {
            "employee_no": " N0100 ",
            "name": "孙悦",
            "unit": org.unit_a_team.pk,
            "position": org.position.pk,
            "hire_date": "2024-02-29",
            "certificates": "急救证; 消防证",
        },
    )
    person = Staff.objects.get(employee_no="N0100")
    assert response.status_code == 302
    assert response.url == reverse("staff:detail", args=[person.pk])
    assert (person.name_initials, person.hire_date) == ("sy", date(2024, 2, 29))
    assert sorted(person.certificates.values_list("name", flat=True)) == ["急救证", "消防证"]
    assert AuditEntry.objects.get(action="staff.created").actor == hr


def test_duplicate_employee_number_is_refused(client, hr, org, staff_a):
    client.force_login(hr)
    response = client.post(
        reverse("staff:create"),
        {
            "employee_no": staff_a.employee_no,
            "name": "重复",
            "unit": org.unit_a.pk,
            "position": org.position.pk,
            "hire_date": "2024-01-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["employee_no"] == ["此工号已被其他员工使用。"]
    assert Staff.objects.filter(name="重复").count() == 0


def test_hr_edits_a_person_with_audit(client, hr, org, staff_a):
    client.force_login(hr)
    edit_url = reverse("staff:edit", args=[staff_a.pk])
    form = client.get(edit_url).context["form"]
    assert form.initial["name"] == "张小明"
    data = {
        "employee_no": staff_a.employee_no,
        "name": "张晓明",
        "unit": org.unit_b.pk,
        "position": org.position.pk,
        "hire_date": "2020-01-01",
        "certificates": "",
    }
    assert client.post(edit_url, data).status_code == 302
    staff_a.refresh_from_db()
    assert (staff_a.name, staff_a.unit, staff_a.name_initials) == ("张晓明", org.unit_b, "zxm")
    entry = AuditEntry.objects.get(action="staff.updated")
    assert (entry.before["name"], entry.after["name"]) == ("张小明", "张晓明")
    assert (entry.before["unit"], entry.after["unit"]) == (org.unit_a_team.path, org.unit_b.path)


def test_hr_marks_a_person_as_left(client, hr, staff_a):
    client.force_login(hr)
    response = client.post(
        reverse("staff:leave", args=[staff_a.pk]), {"left_date": "2026-03-31", "reason": "辞职"}
    )
    assert response.status_code == 302
    staff_a.refresh_from_db()
    staff_a.user.refresh_from_db()
    assert (staff_a.status, staff_a.left_date) == (Staff.Status.LEFT, date(2026, 3, 31))
    assert staff_a.user.is_active is False
    assert AuditEntry.objects.get(action="staff.left").reason == "辞职"
    again = client.get(reverse("staff:leave", args=[staff_a.pk]))
    assert again.status_code == 302


def test_hr_creates_a_login_that_works(client, hr, org):
    person = StaffFactory(name="新人", unit=org.unit_a_team, position=org.position)
    client.force_login(hr)
    detail = client.get(reverse("staff:detail", args=[person.pk])).content.decode()
    assert reverse("staff:create_login", args=[person.pk]) in detail

    response = client.post(
        reverse("staff:create_login", args=[person.pk]),
        {"username": "xinren", "password": "Star-Service-2026"},
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user.username == "xinren"
    client.logout()
    assert client.login(username="xinren", password="Star-Service-2026")
    assert client.get(reverse("staff:detail", args=[person.pk])).status_code == 200


def test_login_form_refuses_weak_passwords_and_taken_usernames(client, hr, org, staff_b):
    person = StaffFactory(unit=org.unit_a_team, position=org.position)
    client.force_login(hr)
    response = client.post(
        reverse("staff:create_login", args=[person.pk]),
        {"username": "STAFF_B", "password": "123"},
    )
    errors = response.context["form"].errors
    assert errors["username"] == ["此用户名已被使用。"]
    assert "password" in errors
    person.refresh_from_db()
    assert person.user is None


def test_person_with_a_login_gets_no_second_one(client, hr, staff_a):
    client.force_login(hr)
    users = get_user_model().objects.count()
    response = client.post(
        reverse("staff:create_login", args=[staff_a.pk]),
        {"username": "another", "password": "Star-Service-2026"},
    )
    assert response.status_code == 302
    assert get_user_model().objects.count() == users


def test_unit_tree_shows_nesting_heads_and_counts(client, hr, org, staff_a, staff_b, head_b):
    StaffFactory(unit=org.unit_a_team, position=org.position, status=Staff.Status.LEFT)
    client.force_login(hr)
    response = client.get(reverse("staff:units"))
    (company,) = response.context["roots"]
    assert (company.unit, company.staff_count, company.total) == (org.company, 0, 3)
    unit_a, unit_b = company.children
    assert (unit_a.unit, unit_a.total, unit_a.children[0].staff_count) == (org.unit_a, 1, 1)
    assert (unit_b.unit.head, unit_b.staff_count) == (head_b, 2)
    content = response.content.decode()
    assert content.index("客服部") < content.index("前台班") < content.index("工程部")
    assert "王经理" in content
