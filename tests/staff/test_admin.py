"""The admin shows staff and units read-only: changes go through the audited pages."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_admin_lists_staff_but_cannot_change_them(client, admin_user, staff_a):
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:staff_staff_changelist"), {"q": "zxm"})
    assert changelist.status_code == 200
    assert "张小明" in changelist.content.decode()
    assert client.get(reverse("admin:staff_staff_add")).status_code == 403
    change = client.post(reverse("admin:staff_staff_change", args=[staff_a.pk]), {"name": "改名"})
    assert change.status_code == 403
    staff_a.refresh_from_db()
    assert staff_a.name == "张小明"


def test_admin_edits_inspector_assignments(client, admin_user, inspector_a):
    client.force_login(admin_user)
    response = client.get(reverse("admin:accounts_inspectorassignment_changelist"))
    assert response.status_code == 200
    assert "inspector_a" in response.content.decode()
