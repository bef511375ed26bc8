"""The complaint workflow: 受理 → 调查 → 认定 → 处理 → 回访 → 关闭, the ledger at 认定, reversal."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEntry
from complaints.models import Complaint
from complaints.services import (
    ComplaintError,
    complaint_assign,
    complaint_close,
    complaint_decide,
    complaint_follow_up,
    complaint_investigate,
    complaint_resolve,
    complaint_reverse_decision,
    complaints_notify_overdue,
)
from evaluations.models import Record
from notifications.models import Notification
from scoring.services import period_close
from tests.complaints.helpers import FULL_SCORE, decided, receive, result_of, score_of

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 10)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(
        timezone.make_aware(timezone.datetime(2026, 11, 10, 10, 0)), tick=False
    ):
        yield


def test_receiving_sets_the_deadlines_from_settings(hr, staff_a, settings):
    settings.COMPLAINT_RESPONSE_DAYS = 2
    settings.COMPLAINT_RESOLUTION_DAYS = 10

    complaint = receive(staff_a, actor=hr)

    assert complaint.status == Complaint.Status.RECEIVED
    assert complaint.response_due == TODAY + timedelta(days=2)
    assert complaint.resolution_due == TODAY + timedelta(days=10)
    assert AuditEntry.objects.filter(action="complaint.received").count() == 1


def test_every_step_in_order_with_history_and_audit(hr, staff_a, desk_scheme):
    complaint = receive(staff_a, actor=hr)
    complaint = complaint_investigate(complaint=complaint, actor=hr, note="调取监控")
    complaint = complaint_decide(complaint=complaint, valid=True, reason="监控属实", actor=hr)
    complaint = complaint_resolve(complaint=complaint, resolution="当面致歉", actor=hr)
    complaint = complaint_follow_up(
        complaint=complaint, result=Complaint.FollowUp.SATISFIED, actor=hr
    )
    complaint = complaint_close(complaint=complaint, actor=hr)

    assert complaint.status == Complaint.Status.CLOSED
    assert complaint.follow_up_due == TODAY + timedelta(days=3)
    assert [e.action for e in AuditEntry.objects.filter(target_type="complaints.complaint")][
        ::-1
    ] == [
        "complaint.received",
        "complaint.investigating",
        "complaint.decided",
        "complaint.resolved",
        "complaint.followed_up",
        "complaint.closed",
    ]
    assert [h.status for h in complaint.history.order_by("history_id")] == [
        "received",
        "investigating",
        "decided",
        "resolved",
        "followed_up",
        "closed",
    ]
    assert complaint.history.first().history_user == hr


@pytest.mark.parametrize(
    ("step", "call"),
    [
        ("decide", lambda c, u: complaint_decide(complaint=c, valid=True, reason="x", actor=u)),
        ("resolve", lambda c, u: complaint_resolve(complaint=c, resolution="x", actor=u)),
        ("follow up", lambda c, u: complaint_follow_up(complaint=c, result="satisfied", actor=u)),
        ("close", lambda c, u: complaint_close(complaint=c, actor=u)),
        ("reverse", lambda c, u: complaint_reverse_decision(complaint=c, reason="x", actor=u)),
    ],
)
def test_a_step_out_of_order_is_a_clear_error(hr, staff_a, step, call):
    complaint = receive(staff_a, actor=hr)

    with pytest.raises(ComplaintError) as error:
        call(complaint, hr)

    assert error.value.field is None
    assert f"投诉 #{complaint.pk} 当前为“已受理”" in error.value.message
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RECEIVED


def test_a_closed_complaint_cannot_be_assigned(hr, staff_a, inspector_a):
    complaint = decided(staff_a, actor=hr)
    complaint = complaint_resolve(complaint=complaint, resolution="致歉", actor=hr)
    complaint = complaint_follow_up(complaint=complaint, result="unreachable", actor=hr)
    complaint = complaint_close(complaint=complaint, actor=hr)

    with pytest.raises(ComplaintError):
        complaint_assign(complaint=complaint, assignee=inspector_a, actor=hr)


def test_decided_at_fault_enters_the_ledger_and_the_score(hr, staff_a, desk_scheme, committed):
    assert score_of(desk_scheme, staff_a, TODAY) == FULL_SCORE

    with committed():
        complaint = decided(staff_a, actor=hr, level="网点")

    record = complaint.record
    assert (record.kind, record.code, record.level, record.date) == (
        Record.Kind.COMPLAINT,
        "有责",
        "网点",
        TODAY,
    )
    assert record.source == Record.Source.COMPLAINT
    assert record.created_by == hr
    assert record.note == f"投诉 #{complaint.pk}：经调查属实"
    assert score_of(desk_scheme, staff_a, TODAY) == FULL_SCORE - 2


def test_the_level_weighs_as_the_scheme_says(hr, staff_a, desk_scheme, committed):
    score_of(desk_scheme, staff_a, TODAY)
    with committed():
        decided(staff_a, actor=hr, level="分行")

    assert score_of(desk_scheme, staff_a, TODAY) == FULL_SCORE - 5


def test_invalid_decision_writes_no_ledger_record(hr, staff_a, desk_scheme):
    """无责 changes no score either way; the complaint itself keeps the decision (and the
    report's 投诉 sheet lists it), so the ledger stays a list of what counts."""
    complaint = decided(staff_a, actor=hr, valid=False)

    assert complaint.decision == Complaint.Decision.INVALID
    assert complaint.record is None
    assert not Record.objects.filter(kind=Record.Kind.COMPLAINT).exists()
    assert score_of(desk_scheme, staff_a, TODAY) == FULL_SCORE


def test_reversal_voids_the_record_and_restores_the_score(hr, staff_a, desk_scheme, committed):
    with committed():
        complaint = decided(staff_a, actor=hr)
    record = complaint.record
    assert score_of(desk_scheme, staff_a, TODAY) == FULL_SCORE - 2

    with committed():
        complaint = complaint_reverse_decision(
            complaint=complaint, reason="监控显示非本人", actor=hr
        )

    record.refresh_from_db()
    assert record.voided and record.void_reason == "监控显示非本人"
    assert complaint.record is None
    assert complaint.decision == Complaint.Decision.INVALID
    assert score_of(desk_scheme, staff_a, TODAY) == FULL_SCORE
    assert [h.voided for h in record.history.order_by("history_id")] == [False, True]
    entry = AuditEntry.objects.get(action="complaint.reversed")
    assert (entry.before, entry.after) == ({"decision": "valid"}, {"decision": "invalid"})


def test_reversal_flips_the_decision_and_keeps_the_status(hr, staff_a, desk_scheme, committed):
    complaint = decided(staff_a, actor=hr, valid=False)
    complaint = complaint_resolve(complaint=complaint, resolution="解释说明", actor=hr)
    assert score_of(desk_scheme, staff_a, TODAY) == FULL_SCORE

    with committed():
        complaint = complaint_reverse_decision(complaint=complaint, reason="复核认定有责", actor=hr)

    assert complaint.status == Complaint.Status.RESOLVED
    assert complaint.decision == Complaint.Decision.VALID
    assert complaint.record.code == "有责"
    assert score_of(desk_scheme, staff_a, TODAY) == FULL_SCORE - 2
    assert result_of(desk_scheme, staff_a, TODAY).veto == []  # the desk scheme has no veto


def test_at_fault_needs_a_staff_member(hr):
    complaint = complaint_investigate(complaint=receive(None, actor=hr), actor=hr)

    with pytest.raises(ComplaintError) as error:
        complaint_decide(complaint=complaint, valid=True, reason="属实", actor=hr)

    assert error.value.field == "staff"
    assert not Record.objects.exists()


def test_a_reason_is_required(hr, staff_a):
    complaint = complaint_investigate(complaint=receive(staff_a, actor=hr), actor=hr)

    with pytest.raises(ComplaintError) as error:
        complaint_decide(complaint=complaint, valid=False, reason="  ", actor=hr)

    assert error.value.field == "reason"


def test_a_closed_period_refuses_the_decision_with_the_ledger_message(hr, staff_a, desk_scheme):
    complaint = complaint_investigate(
        complaint=receive(staff_a, actor=hr, day=date(2026, 10, 20)), actor=hr
    )
    period_close(scheme=desk_scheme, key="2026-10", actor=hr)

    with pytest.raises(ComplaintError) as error:
        complaint_decide(complaint=complaint, valid=True, reason="属实", actor=hr)

    assert "2026-10" in error.value.message and "已关闭" in error.value.message
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.INVESTIGATING
    assert not Record.objects.exists()


def test_a_closed_period_refuses_the_reversal_too(hr, staff_a, desk_scheme):
    complaint = decided(staff_a, actor=hr, day=date(2026, 10, 20))
    period_close(scheme=desk_scheme, key="2026-10", actor=hr)

    with pytest.raises(ComplaintError) as error:
        complaint_reverse_decision(complaint=complaint, reason="复核", actor=hr)

    assert "2026-10" in error.value.message
    complaint.refresh_from_db()
    assert complaint.decision == Complaint.Decision.VALID


def test_assignment_notifies_the_assignee(hr, staff_a, inspector_a):
    complaint = receive(staff_a, actor=hr)

    complaint_assign(complaint=complaint, assignee=inspector_a, actor=hr, note="请核实")

    notification = Notification.objects.get(user=inspector_a)
    assert notification.kind == Notification.Kind.COMPLAINT_ASSIGNED
    assert notification.title == f"投诉 #{complaint.pk} 已指派给您"
    assert notification.url == f"/complaints/{complaint.pk}/"
    assert "13800138000" not in notification.body and "赵女士" not in notification.body


def test_overdue_is_notified_once_per_step(hr, staff_a, inspector_a):
    complaint = receive(staff_a, actor=hr, day=TODAY - timedelta(days=2))
    complaint_assign(complaint=complaint, assignee=inspector_a, actor=hr)
    Notification.objects.all().delete()

    assert complaints_notify_overdue(today=TODAY) == 1
    assert complaints_notify_overdue(today=TODAY) == 0
    notification = Notification.objects.get()
    assert (notification.user, notification.kind) == (
        inspector_a,
        Notification.Kind.COMPLAINT_OVERDUE,
    )

    complaint_investigate(complaint=complaint, actor=hr)  # next deadline: resolution, not yet due
    assert complaints_notify_overdue(today=TODAY) == 0
    assert complaints_notify_overdue(today=TODAY + timedelta(days=6)) == 1


def test_overdue_without_assignee_goes_to_hr(hr, admin_user, staff_a):
    receive(staff_a, actor=hr, day=TODAY - timedelta(days=2))

    complaints_notify_overdue(today=TODAY)

    assert sorted(Notification.objects.values_list("user__username", flat=True)) == [
        "admin",
        "hr",
    ]
