"""The notification centre for every persona: the list, marking read (one, all), following a
notification's link, the navbar badge and the e-mail opt-out form."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.context_processors import unread
from notifications.models import Notification, NotificationPreference
from notifications.services import notify

pytestmark = pytest.mark.django_db

PERSONAS = ("staff_a", "staff_b", "inspector_a", "head_b", "hr", "admin_user")
KIND = Notification.Kind.NOTICE_PUBLISHED


def user_of(request, persona: str):
    person = request.getfixturevalue(persona)
    return getattr(person, "user", person)


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_has_a_notification_centre_with_their_own_notifications(
    request, client, persona, hr
):
    user = user_of(request, persona)
    other = hr if persona != "hr" else user_of(request, "staff_a")
    notify(users=[user], kind=KIND, title="本人的通知", body="第 1 版")
    notify(users=[other], kind=KIND, title="别人的通知")
    client.force_login(user)
    body = client.get(reverse("notifications:list")).content.decode()
    assert "本人的通知" in body and "第 1 版" in body
    assert "别人的通知" not in body
    assert 'data-testid="unread-badge">1<' in body


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_marking_one_and_all_read(client, staff_a, hr):
    first, second = (
        notify(users=[staff_a.user], kind=KIND, title=title)[0] for title in ("一", "二")
    )
    theirs = notify(users=[hr], kind=KIND, title="三")[0]
    client.force_login(staff_a.user)
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:read", args=[first.pk])).status_code == 405
    response = client.post(reverse("notifications:read", args=[first.pk]), follow=True)
    assert 'data-testid="unread-badge">1<' in response.content.decode()
    first.refresh_from_db()
    assert first.read_at is not None
    response = client.post(reverse("notifications:read_all"), follow=True)
    body = response.content.decode()
    assert "已将 1 条通知标为已读" in body and 'data-testid="unread-badge"' not in body
    second.refresh_from_db()
    theirs.refresh_from_db()
    assert second.read_at is not None and theirs.read_at is None


def test_opening_a_notification_follows_its_link_on_this_site_only(client, staff_a):
    local = notify(users=[staff_a.user], kind=KIND, title="公示", url="/notices/")[0]
    foreign = notify(users=[staff_a.user], kind=KIND, title="外链", url="https://evil.example/")[0]
    client.force_login(staff_a.user)
    response = client.post(reverse("notifications:read", args=[local.pk]), {"open": "1"})
    assert response.url == "/notices/"
    response = client.post(reverse("notifications:read", args=[foreign.pk]), {"open": "1"})
    assert response.url == reverse("notifications:list")


def test_the_badge_counts_unread_notifications_in_one_query(
    rf: RequestFactory, staff_a, django_assert_num_queries
):
    notify(users=[staff_a.user], kind=KIND, title="一")
    notify(users=[staff_a.user], kind=KIND, title="二")
    request = rf.get("/")
    request.user = staff_a.user
    context = unread(request)
    with django_assert_num_queries(1):
        assert context["unread_notifications"] == 2
        assert str(context["unread_notifications"]) == "2"  # evaluated once


def test_no_badge_query_for_anonymous_users(rf: RequestFactory, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread(request) == {}


def test_the_list_query_count_does_not_grow_with_notifications(
    client, staff_a, django_assert_num_queries
):
    client.force_login(staff_a.user)
    notify(users=[staff_a.user], kind=KIND, title="一", url="/notices/")
    client.get(reverse("notifications:list"))
    with django_assert_num_queries(9):
        client.get(reverse("notifications:list"))
    for n in range(20):
        notify(users=[staff_a.user], kind=KIND, title=f"通知 {n}", url="/notices/")
    with django_assert_num_queries(9):
        response = client.get(reverse("notifications:list"))
    assert response.content.decode().count("通知 19") == 1
    assert len(response.context["page"].object_list) == 21


def test_the_email_opt_out_preference(client, staff_a):
    client.force_login(staff_a.user)
    url = reverse("notifications:preferences")
    form = client.get(url)
    assert form.context["form"]["email_enabled"].value() is True
    response = client.post(url, {})  # the box unticked
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=staff_a.user).email_enabled is False
    assert client.get(url).context["form"]["email_enabled"].value() is False
    client.post(url, {"email_enabled": "on"})
    assert NotificationPreference.objects.get(user=staff_a.user).email_enabled is True


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "email_enabled": st.one_of(st.sampled_from(["on", "", "false"]), st.text(max_size=30)),
            "open": st.text(max_size=30),
        },
    )
)
def test_random_data_to_the_forms(client, staff_a, data):
    client.force_login(staff_a.user)
    notification = notify(users=[staff_a.user], kind=KIND, title="一", url="/notices/")[0]
    assert client.post(reverse("notifications:preferences"), data).status_code < 500
    response = client.post(reverse("notifications:read", args=[notification.pk]), data)
    assert response.status_code == 302
    assert client.post(reverse("notifications:read_all"), data).status_code == 302
