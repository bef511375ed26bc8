"""Notices against the database: drafting at close, publishing, the objection window,
upholding (a new version with its changes), rejecting, finalising and awards."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from evaluations.ledger import RecordDraft
from notices import services as notice_services
from notices.content import content_hash
from notices.models import (
    Award,
    Notice,
    NoticeRevision,
    NoticeSettings,
    Objection,
    heading_of,
)
from notices.services import (
    NoticeError,
    ObjectionRefused,
    notice_finalize,
    notice_publish,
    notices_finalize_due,
    objection_create,
    objection_reject,
    objection_uphold,
)
from notifications.models import Notification
from scoring.models import Period, Snapshot
from scoring.services import period_close, period_reopen
from tests.factories import UserFactory
from tests.notices.conftest import add

pytestmark = pytest.mark.django_db

W11 = "2026-W11"  # Monday 9 – Sunday 15 March 2026
TUESDAY = date(2026, 3, 10)
SUNDAY = date(2026, 3, 15)
NEXT_MONDAY = date(2026, 3, 16)


@pytest.fixture
def closed_week(stars, clock, staff_a, staff_b, inspector_a):
    """W11: staff_b has one PATROL deduction (net −1), staff_a wins with 3 red stars."""
    clock.move_to(TUESDAY)
    deduction = add(staff_b, TUESDAY, "deduction", "PATROL-LATE", actor=inspector_a)
    clock.move_to(SUNDAY, 23, 30)
    snapshot = period_close(scheme=stars, key=W11).snapshot
    return snapshot, deduction


def notice_of(snapshot: Snapshot) -> Notice:
    return Notice.objects.get(period=snapshot.period)


def published(closed_week, clock, hr) -> Notice:
    clock.move_to(NEXT_MONDAY, 9)
    return notice_publish(notice=notice_of(closed_week[0]), actor=hr)


def by_staff(notice: Notice) -> dict[int, dict]:
    return {row["staff_id"]: row for row in notice.content["rows"]}


# ---------------------------------------------------------------- drafting


def test_closing_a_period_drafts_its_notice(closed_week, staff_a, staff_b):
    snapshot, _deduction = closed_week
    notice = notice_of(snapshot)
    assert notice.status == Notice.Status.DRAFT
    assert notice.snapshot == snapshot
    assert notice.title == "客服部每周服务之星 2026-W11 results notice"
    assert notice.version == 1
    content = notice.content
    assert (content["period"], content["start"], content["end"]) == (
        W11,
        "2026-03-09",
        "2026-03-15",
    )
    assert content["snapshot_hash"] == snapshot.content_hash
    assert notice.content_hash == content_hash(content)
    assert notice.heading == {
        "scheme_name": "客服部每周服务之星",
        "period": W11,
        "version": 1,
        "start": "2026-03-09",
        "end": "2026-03-15",
    }
    rows = by_staff(notice)
    assert (rows[staff_a.pk]["rank"], rows[staff_a.pk]["score"]) == (1, "3.00")
    assert rows[staff_a.pk]["award"] == "本周服务之星"
    assert (rows[staff_b.pk]["rank"], rows[staff_b.pk]["score"]) == (2, "-1.00")
    assert content["winners"] == [staff_a.pk]
    assert content["veto_count"] == 0
    assert "unit_rollup" in content
    assert list(notice.revisions.values_list("version", "changes")) == [(1, [])]
    assert AuditEntry.objects.filter(action="notice.drafted", target_id=str(notice.pk)).exists()


def test_a_notice_that_fails_to_draft_leaves_no_snapshot_either(stars, clock, monkeypatch):
    def broken(snapshot):
        raise RuntimeError("notice drafting failed")

    monkeypatch.setattr(notice_services, "notice_content", broken)
    clock.move_to(SUNDAY, 23, 30)
    with pytest.raises(RuntimeError):
        period_close(scheme=stars, key=W11)
    assert not Snapshot.objects.exists()
    assert not Notice.objects.exists()
    assert not Period.objects.filter(status=Period.Status.CLOSED).exists()


def test_closing_again_unchanged_drafts_nothing_new(closed_week, stars):
    outcome = period_close(scheme=stars, key=W11)
    assert not outcome.created
    assert Notice.objects.count() == 1
    assert NoticeRevision.objects.count() == 1


# ---------------------------------------------------------------- publishing


def test_publishing_opens_a_five_working_day_window_and_notifies(closed_week, clock, hr):
    notice = published(closed_week, clock, hr)
    assert notice.status == Notice.Status.PUBLISHED
    assert notice.published_by == hr
    assert notice.window_end == date(2026, 3, 23)  # Tue–Fri, then Monday
    notified = Notification.objects.filter(kind=Notification.Kind.NOTICE_PUBLISHED)
    assert sorted(notified.values_list("user__username", flat=True)) == ["staff_a", "staff_b"]
    assert AuditEntry.objects.get(action="notice.published").actor == hr
    with pytest.raises(NoticeError, match="already published"):
        notice_publish(notice=notice, actor=hr)


def test_a_scheme_may_auto_publish_with_its_own_window(stars, clock):
    NoticeSettings.objects.create(scheme=stars, auto_publish=True, objection_days=3)
    clock.move_to(SUNDAY, 23, 30)
    notice = notice_of(period_close(scheme=stars, key=W11).snapshot)
    assert notice.status == Notice.Status.PUBLISHED
    assert notice.published_by is None
    assert notice.window_end == date(2026, 3, 18)  # Mon, Tue, Wed after Sunday


# ---------------------------------------------------------------- objections


def test_objections_are_refused_before_publishing_and_after_the_window(
    closed_week, clock, hr, staff_b
):
    snapshot, deduction = closed_week
    with pytest.raises(ObjectionRefused, match="not published"):
        objection_create(
            notice=notice_of(snapshot), actor=staff_b.user, text="不对", record=deduction
        )
    notice = published(closed_week, clock, hr)
    clock.move_to(date(2026, 3, 23), 23, 59)  # last day of the window: accepted
    objection_create(notice=notice, actor=staff_b.user, text="当天请假", record=deduction)
    clock.move_to(date(2026, 3, 24), 0, 1)
    with pytest.raises(ObjectionRefused) as refused:
        objection_create(notice=notice, actor=staff_b.user, text="当天请假", record=deduction)
    assert refused.value.message == (
        "The objection window of 客服部每周服务之星 2026-W11 results notice closed on "
        "2026-03-23; objections can no longer be filed."
    )


def test_objection_inputs_are_checked(closed_week, clock, hr, staff_a, staff_b, stars):
    notice = published(closed_week, clock, hr)
    snapshot, deduction = closed_week
    result_a = snapshot.results.get(staff=staff_a)

    def refused(field, **kwargs):
        arguments = {"notice": notice, "actor": staff_b.user, "text": "有误"} | kwargs
        with pytest.raises(NoticeError) as error:
            objection_create(**arguments)
        assert error.value.field == field

    refused("text", text="  ", record=deduction)
    refused("result")
    refused("record", actor=staff_a.user, record=deduction)  # not staff_a's record
    add(staff_b, NEXT_MONDAY, "warning", "PATROL-LATE")
    later = add(staff_b, date(2026, 3, 17), "warning", "PATROL-DRESS")
    refused("record", record=later)  # outside the period
    clock.move_to(date(2026, 3, 23))
    other = period_close(scheme=stars, key="2026-W12").snapshot
    refused("result", result=other.results.get(staff=staff_a))
    refused("attachment", result=result_a, attachment=SimpleUploadedFile("x.exe", b"MZ"))
    with pytest.raises(NoticeError, match="only staff"):
        objection_create(notice=notice, actor=hr, text="有误", result=result_a)
    assert not Objection.objects.exists()


def test_an_objection_may_carry_an_attachment(closed_week, clock, hr, staff_b, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    notice = published(closed_week, clock, hr)
    _snapshot, deduction = closed_week
    objection = objection_create(
        notice=notice,
        actor=staff_b.user,
        text="附请假条",
        record=deduction,
        attachment=SimpleUploadedFile("请假条.pdf", b"%PDF-1.4 leave"),
    )
    assert objection.status == Objection.Status.OPEN
    assert objection.staff == staff_b
    assert objection.attachment.read() == b"%PDF-1.4 leave"
    assert AuditEntry.objects.filter(action="objection.filed").exists()


def test_upholding_voids_the_record_and_publishes_version_two_with_its_changes(
    closed_week, clock, hr, staff_a, staff_b
):
    notice = published(closed_week, clock, hr)
    snapshot, deduction = closed_week
    clock.move_to(date(2026, 3, 17))
    objection = objection_create(
        notice=notice, actor=staff_b.user, text="当天请假，不应扣分", record=deduction
    )
    clock.move_to(date(2026, 3, 18))
    objection = objection_uphold(objection=objection, actor=hr, reply="核实属实，撤销扣分")

    notice.refresh_from_db()
    deduction.refresh_from_db()
    assert deduction.voided
    assert f"objection #{objection.pk} upheld" in deduction.void_reason
    assert objection.status == Objection.Status.UPHELD
    assert (objection.decided_by, objection.reply) == (hr, "核实属实，撤销扣分")
    assert notice.version == 2
    assert notice.heading == heading_of(notice.content)
    assert notice.snapshot.version == 2
    assert notice.snapshot.period.status == Period.Status.CLOSED
    revision = notice.revisions.get(version=2)
    assert objection.revision == revision
    assert revision.changes == [
        {
            "staff_id": staff_b.pk,
            "employee_no": staff_b.employee_no,
            "name": staff_b.name,
            "changes": {
                "score": {"old": "-1.00", "new": "3.00"},
                "rank": {"old": 2, "new": 1},
                "award": {"old": "", "new": "本周服务之星"},
            },
        }
    ]
    # Republished with a fresh window from the revision day (Wednesday → next Wednesday).
    assert notice.status == Notice.Status.PUBLISHED
    assert notice.window_end == date(2026, 3, 25)
    assert notice.content_hash == content_hash(notice.content)
    answered = Notification.objects.get(kind=Notification.Kind.OBJECTION_ANSWERED)
    assert answered.user == staff_b.user
    assert answered.title.endswith("was upheld")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"period.reopened", "record.voided", "notice.revised", "objection.upheld"} <= actions


def test_upholding_may_correct_the_record_instead(closed_week, clock, hr, staff_b):
    notice = published(closed_week, clock, hr)
    _snapshot, deduction = closed_week
    objection = objection_create(
        notice=notice, actor=staff_b.user, text="只是口头提醒", record=deduction
    )
    as_warning = RecordDraft(staff_id=staff_b.pk, date=TUESDAY, kind="warning", code="PATROL-LATE")
    objection_uphold(objection=objection, actor=hr, reply="改为口头警告", draft=as_warning)
    deduction.refresh_from_db()
    notice.refresh_from_db()
    assert (deduction.kind, deduction.voided) == ("warning", False)
    row = by_staff(notice)[staff_b.pk]
    assert (row["score"], notice.version) == ("2.00", 2)  # 3 red − 1 for one warning


def test_upholding_needs_a_reply_a_record_and_an_open_objection(
    closed_week, clock, hr, staff_a, staff_b
):
    notice = published(closed_week, clock, hr)
    snapshot, _deduction = closed_week
    objection = objection_create(
        notice=notice, actor=staff_a.user, text="排名有误", result=snapshot.results.first()
    )
    with pytest.raises(NoticeError) as error:
        objection_uphold(objection=objection, actor=hr, reply=" ")
    assert error.value.field == "reply"
    with pytest.raises(NoticeError) as error:
        objection_uphold(objection=objection, actor=hr, reply="核实")
    assert error.value.field == "record"
    objection_reject(objection=objection, actor=hr, reply="排名无误")
    with pytest.raises(NoticeError, match="already been answered"):
        objection_reject(objection=objection, actor=hr, reply="排名无误")


def test_rejecting_needs_a_written_reply_and_changes_nothing(closed_week, clock, hr, staff_b):
    notice = published(closed_week, clock, hr)
    _snapshot, deduction = closed_week
    objection = objection_create(notice=notice, actor=staff_b.user, text="不服", record=deduction)
    with pytest.raises(NoticeError):
        objection_reject(objection=objection, actor=hr, reply="")
    objection = objection_reject(objection=objection, actor=hr, reply="有巡场记录和照片为证")
    assert (objection.status, objection.revision) == (Objection.Status.REJECTED, None)
    notice.refresh_from_db()
    assert (notice.version, notice.window_end) == (1, date(2026, 3, 23))
    assert AuditEntry.objects.get(action="objection.rejected").reason == "有巡场记录和照片为证"
    answered = Notification.objects.get(kind=Notification.Kind.OBJECTION_ANSWERED)
    assert (answered.user, answered.body) == (staff_b.user, "有巡场记录和照片为证")


# ---------------------------------------------------------------- finalising and awards


def test_finalising_waits_for_the_window_and_open_objections(
    closed_week, clock, hr, staff_a, staff_b
):
    notice = published(closed_week, clock, hr)
    _snapshot, deduction = closed_week
    with pytest.raises(NoticeError, match="until 2026-03-23"):
        notice_finalize(notice=notice)
    objection = objection_create(notice=notice, actor=staff_b.user, text="不服", record=deduction)
    clock.move_to(date(2026, 3, 24), 0, 15)
    assert notices_finalize_due() == 0
    with pytest.raises(NoticeError, match="open objections"):
        notice_finalize(notice=notice)
    objection_reject(objection=objection, actor=hr, reply="维持原结果")

    assert notices_finalize_due() == 1
    notice.refresh_from_db()
    assert notice.status == Notice.Status.FINAL
    award = Award.objects.get()
    assert (award.staff, award.kind, award.title, award.prize) == (
        staff_a,
        Award.Kind.AWARD,
        "本周服务之星",
        0,
    )
    assert notice_finalize(notice=notice).status == Notice.Status.FINAL  # idempotent
    assert notices_finalize_due() == 0
    assert Award.objects.count() == 1
    assert AuditEntry.objects.filter(action="notice.finalized").count() == 1


def test_a_final_notice_revised_later_revokes_stale_awards(
    closed_week, clock, hr, staff_a, staff_b, stars
):
    notice = published(closed_week, clock, hr)
    snapshot, deduction = closed_week
    clock.move_to(date(2026, 3, 24))
    notice_finalize(notice=notice)
    # HR reopens the closed week by hand and adds a valid complaint against staff_a (veto).
    period_reopen(period=snapshot.period, actor=hr, reason="补录投诉")
    add(staff_a, date(2026, 3, 12), "complaint", "有责", actor=hr)
    period_close(scheme=stars, key=W11, actor=hr)
    notice.refresh_from_db()
    assert (notice.status, notice.version) == (Notice.Status.PUBLISHED, 2)
    assert notice.content["veto_count"] == 1
    clock.move_to(date(2026, 4, 1))
    notice_finalize(notice=notice)
    current = Award.objects.filter(revoked_at__isnull=True)
    revoked = Award.objects.filter(revoked_at__isnull=False)
    assert list(revoked.values_list("staff", flat=True)) == [staff_a.pk]
    assert list(current.values_list("staff", flat=True)) == [staff_b.pk]


def test_notices_of_people_without_a_login_notify_nobody(stars, clock, org):
    UserFactory(username="unrelated")
    clock.move_to(SUNDAY, 23, 30)
    NoticeSettings.objects.create(scheme=stars, auto_publish=True)
    period_close(scheme=stars, key=W11)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "staff_a",
        "staff_b",
    }
