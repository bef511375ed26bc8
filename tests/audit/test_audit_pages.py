"""The audit trail pages: HR's searchable log, object histories, and each person's record
history (only records about them)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import HR_GROUP
from audit.models import AuditEntry
from audit.services import audit_log
from evaluations.ledger import RecordDraft, record_create, record_update, record_void
from staff.services import staff_update
from tests.factories import UserFactory
from tests.schemes import import_template

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def weekly(org):
    return import_template("property-weekly-stars")


def warning_for(person, *, day: date | None = None, note: str = "") -> RecordDraft:
    return RecordDraft(
        staff_id=person.pk,
        date=day or timezone.localdate(),
        kind="warning",
        code="PATROL-LATE",
        value=Decimal(1),
        note=note,
    )


def test_hr_searches_by_actor_action_target_text_and_date(client, hr, inspector_a, staff_a):
    audit_log(actor=inspector_a, action="record.created", target=staff_a, summary="first one")
    audit_log(actor=hr, action="period.closed", target=None, summary="closing", reason="month end")
    old = audit_log(actor=hr, action="notice.published", target=None, summary="old notice")
    AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=40))
    client.force_login(hr)

    def found(**query) -> list[str]:
        response = client.get(reverse("audit:list"), query)
        assert response.status_code == 200
        return [row.entry.summary for row in response.context["rows"]]

    assert found(actor="inspector") == ["first one"]
    assert found(action="period") == ["closing"]
    assert found(action="record.created") == ["first one"]
    assert found(target_type="staff.staff", target_id=str(staff_a.pk)) == ["first one"]
    assert found(q="month end") == ["closing"]
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    recent = found(date_from=since)
    assert {"first one", "closing"} <= set(recent) and "old notice" not in recent
    assert found(date_to=(timezone.localdate() - timedelta(days=30)).isoformat()) == ["old notice"]


def test_audit_list_query_count_does_not_grow_with_rows(client, hr, inspector_a, staff_a):
    client.force_login(hr)
    for n in range(3):
        audit_log(actor=inspector_a, action="record.created", target=staff_a, summary=f"r{n}")
    client.get(reverse("audit:list"))  # warm the session and roles
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("audit:list")).status_code == 200
    for n in range(60):
        audit_log(actor=hr, action="staff.updated", target=staff_a, summary=f"s{n}", before={})
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("audit:list"))

    assert len(response.context["rows"]) == 50
    assert len(many) == len(few) <= 8, [q["sql"] for q in many]


def test_object_history_shows_before_after_who_and_why(client, hr, staff_a):
    staff_update(person=staff_a, actor=hr, name="张晓明")
    client.force_login(hr)

    response = client.get(
        reverse("audit:object_history", kwargs={"label": "staff.staff", "pk": staff_a.pk})
    )

    assert response.status_code == 200
    newest = response.context["versions"][0]
    assert [(c.name, c.before, c.after) for c in newest.changes] == [("name", "张小明", "张晓明")]
    assert [row.entry.action for row in response.context["rows"]] == ["staff.updated"]


def test_object_history_of_an_untracked_or_unknown_model_is_not_found(client, hr):
    client.force_login(hr)
    for label in ("audit.auditentry", "nope.nothing", "staff"):
        url = reverse("audit:object_history", kwargs={"label": label, "pk": 1})
        assert client.get(url).status_code == 404


def test_staff_sees_every_version_of_records_about_them_only(
    client, weekly, staff_a, staff_b, inspector_a, hr
):
    mine = record_create(draft=warning_for(staff_a, note="late"), actor=inspector_a)
    record_update(
        record=mine, draft=warning_for(staff_a, note="late, 10 min"), actor=hr, reason="typo"
    )
    record_void(record=mine, actor=hr, reason="wrong person on the list")
    record_create(draft=warning_for(staff_b, note="about B"), actor=inspector_a)
    client.force_login(staff_a.user)

    response = client.get(reverse("audit:mine"))

    assert response.status_code == 200
    [history] = response.context["histories"]
    assert history.record_id == mine.pk
    voided, corrected, created = history.versions
    assert (created.kind, created.user, created.reason) == ("+", inspector_a, "")
    assert [(c.name, c.before, c.after) for c in corrected.changes] == [
        ("note", "late", "late, 10 min")
    ]
    assert (corrected.user, corrected.reason) == (hr, "typo")
    assert voided.reason == "wrong person on the list"
    assert "about B" not in response.content.decode()


def test_my_history_query_count_is_pinned(client, weekly, staff_a, inspector_a):
    client.force_login(staff_a.user)
    record_create(draft=warning_for(staff_a), actor=inspector_a)
    client.get(reverse("audit:mine"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit:mine"))
    for _ in range(15):
        record = record_create(draft=warning_for(staff_a), actor=inspector_a)
        record_void(record=record, actor=inspector_a, reason="dup")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("audit:mine"))

    assert len(response.context["histories"]) == 16
    assert len(many) == len(few)


def test_login_without_staff_sees_an_explanation(client, hr):
    client.force_login(hr)
    response = client.get(reverse("audit:mine"))
    assert response.status_code == 200
    assert response.context["linked"] is False


def test_role_changes_in_the_admin_are_audited(admin_user, org):
    user = UserFactory(username="newhr")
    group, _ = Group.objects.get_or_create(name=HR_GROUP)

    user.groups.add(group)
    user.groups.remove(group)
    user.is_superuser = True
    user.save()

    entries = list(AuditEntry.objects.filter(target_id=str(user.pk)).order_by("id"))
    assert [e.action for e in entries] == ["role.granted", "role.revoked", "account.flags_changed"]
    assert entries[0].after == {"groups": [HR_GROUP]}
    assert entries[2].before == {"is_superuser": False}
    assert entries[2].after == {"is_superuser": True}
