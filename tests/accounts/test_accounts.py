"""Login, logout, password change, the role-aware home page and the language switcher."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    content = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in content
    for text in ("登录", "用户名", "密码", "服务之星"):
        assert text in content


def test_language_switcher_changes_the_ui_to_english(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )
    content = response.content.decode()
    assert "Log in" in content and "Username" in content
    assert "登录" not in content


def test_login_then_home(client, hr):
    response = client.post(reverse("login"), {"username": "hr", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "欢迎，hr" in response.content.decode()


def test_wrong_password_is_refused(client, hr):
    response = client.post(reverse("login"), {"username": "hr", "password": "nope"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated


def test_home_for_hr_links_to_staff_units_and_import(client, hr, org):
    client.force_login(hr)
    content = client.get(reverse("home")).content.decode()
    for url in (reverse("staff:list"), reverse("staff:units"), reverse("staff:import")):
        assert f'href="{url}"' in content
    assert "在职 0 人" in content


def test_home_for_staff_links_to_own_record_only(client, staff_a):
    client.force_login(staff_a.user)
    response = client.get(reverse("home"), follow=True)  # staff land on My standing
    assert response.redirect_chain == [(reverse("dashboards:me"), 302)]
    content = response.content.decode()
    assert f'href="{reverse("staff:detail", args=[staff_a.pk])}"' in content
    assert f'href="{reverse("staff:list")}"' not in content
    assert reverse("staff:import") not in content


def test_home_for_inspector_links_to_supervised_staff(client, inspector_a, staff_a, staff_b):
    client.force_login(inspector_a)
    content = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("staff:list")}"' in content
    assert "我的员工" in content and "您负责的部门在职 1 人" in content
    assert reverse("staff:units") not in content


def test_home_for_a_user_without_role_says_so(client, org):
    client.force_login(UserFactory(username="nobody"))
    content = client.get(reverse("home")).content.decode()
    assert "您的账号尚未分配角色" in content
    assert f'href="{reverse("staff:list")}"' not in content


def test_logout_needs_post(client, hr):
    client.force_login(hr)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_password_change(client, staff_a):
    client.force_login(staff_a.user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-pass-456",
            "new_password2": "Another-pass-456",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    assert "您的密码已修改。" in response.content.decode()
    client.logout()
    assert client.login(username="staff_a", password="Another-pass-456")
