"""The notification centre and its e-mail mirror (Django's mail backend, per-user opt-out)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AuditEntry
from notifications.models import Notification
from notifications.selectors import notifications_for, notifications_unread_count
from notifications.services import (
    notification_mark_read,
    notification_preference_set,
    notifications_mark_all_read,
    notify,
)
from notifications.tasks import notifications_email_pending_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KIND = Notification.Kind.COMPLAINT_ASSIGNED


@pytest.fixture
def alice():
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def bob():
    return UserFactory(username="bob", email="bob@example.com")


def test_notify_creates_one_unread_notification_per_user(alice, bob):
    notify(users=[alice, bob, alice], kind=KIND, title="投诉已分派", url="/complaints/1/")
    assert notifications_unread_count(user=alice) == 1
    assert notifications_unread_count(user=bob) == 1
    first = notifications_for(user=alice).get()
    assert (first.kind, first.title, first.url) == (KIND, "投诉已分派", "/complaints/1/")


def test_reading_one_or_all(alice, bob):
    notify(users=[alice], kind=KIND, title="一")
    notify(users=[alice], kind=KIND, title="二")
    first = notifications_for(user=alice).last()
    with pytest.raises(PermissionDenied):
        notification_mark_read(notification=first, user=bob)
    notification_mark_read(notification=first, user=alice)
    assert notifications_unread_count(user=alice) == 1
    assert notifications_mark_all_read(user=alice) == 1
    assert notifications_unread_count(user=alice) == 0


def test_anonymous_users_have_no_unread_count():
    from django.contrib.auth.models import AnonymousUser

    assert notifications_unread_count(user=AnonymousUser()) == 0


def test_email_goes_out_after_commit_once(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[alice], kind=KIND, title="投诉已分派", body="请在2个工作日内处理")
    assert [(m.subject, m.to) for m in mail.outbox] == [("投诉已分派", ["alice@example.com"])]
    assert "请在2个工作日内处理" in mail.outbox[0].body
    notification = Notification.objects.get()
    assert notification.email_status == Notification.Email.SENT
    assert notification.emailed_at is not None
    notifications_email_pending_task.delay()
    assert len(mail.outbox) == 1


def test_opted_out_users_and_users_without_address_get_no_email(
    alice, bob, django_capture_on_commit_callbacks
):
    nobody = UserFactory(username="nobody", email="")
    notification_preference_set(user=bob, email_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[alice, bob, nobody], kind=KIND, title="t")
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    statuses = dict(Notification.objects.values_list("user__username", "email_status"))
    assert statuses == {"alice": "sent", "bob": "skipped", "nobody": "skipped"}
    assert notifications_unread_count(user=bob) == 1  # the in-app centre still shows it
    entry = AuditEntry.objects.get(action="notifications.preference_set")
    assert (entry.before, entry.after) == ({"email_enabled": True}, {"email_enabled": False})


def test_the_catch_up_sends_emails_that_were_never_enqueued(alice):
    notify(users=[alice], kind=KIND, title="t")  # on_commit never runs inside this test
    notifications_email_pending_task.delay()
    assert mail.outbox == []  # still within the grace period: its own task may come
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert notifications_email_pending_task.delay().get() == 1
    assert len(mail.outbox) == 1
