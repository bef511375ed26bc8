"""Business writes of complaints and public ratings. Each workflow step checks that the
complaint is at a step that allows it (ComplaintError otherwise), locks the row, keeps its
history (simple_history) and appends an audit entry."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import acting_user, audit_log
from complaints.models import Complaint, RatingLink, ThrottleDecision, step_due
from complaints.selectors import action_refusal, complaints_with_deadlines, hr_users
from complaints.throttle import Client, throttle_allows
from evaluations.ledger import RecordDraft, RecordInvalid, local_date, record_create, record_void
from evaluations.models import Record
from notifications.models import Notification
from notifications.services import notify
from scoring.engine import types as t
from staff.models import Staff

RATING_CODES = {
    "satisfied": t.RATING_SATISFIED,
    "basic": t.RATING_BASIC,
    "unsatisfied": t.RATING_UNSATISFIED,
}


class ComplaintError(Exception):
    """A step that may not be taken; ``field`` names the offending input, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# ---------------------------------------------------------------- intake


@transaction.atomic
def complaint_receive(
    *,
    channel: str,
    content: str,
    received_on: date,
    staff: Staff | None = None,
    staff_description: str = "",
    complainant_name: str = "",
    complainant_contact: str = "",
    level: str = "",
    public: bool = False,
    actor=None,
) -> Complaint:
    complaint = Complaint(
        channel=channel,
        content=content.strip(),
        received_on=received_on,
        staff=staff,
        staff_description=staff_description.strip(),
        complainant_name=complainant_name.strip(),
        complainant_contact=complainant_contact.strip(),
        level=level.strip(),
        public=public,
        response_due=received_on + timedelta(days=settings.COMPLAINT_RESPONSE_DAYS),
        resolution_due=received_on + timedelta(days=settings.COMPLAINT_RESOLUTION_DAYS),
        created_by=acting_user(actor),
    )
    complaint._history_user = acting_user(actor)
    complaint.save()
    _audit(complaint, actor, "received", after={"text": complaint.get_channel_display()})
    return complaint


# ---------------------------------------------------------------- workflow


@transaction.atomic
def complaint_assign(*, complaint: Complaint, assignee, actor, note: str = "") -> Complaint:
    complaint = _locked(complaint, "assign")
    before = complaint.assignee.get_username() if complaint.assignee else ""
    complaint.assignee = assignee
    complaint.overdue_notified = ""
    _save(complaint, actor, note)
    _audit(
        complaint,
        actor,
        "assigned",
        reason=note,
        before={"assignee": before},
        after={"assignee": assignee.get_username()},
    )
    if assignee.pk != getattr(actor, "pk", None):
        notify(
            users=[assignee],
            kind=Notification.Kind.COMPLAINT_ASSIGNED,
            title=_("Complaint #%(pk)s is assigned to you") % {"pk": complaint.pk},
            body=_("Received %(date)s (%(channel)s); the current step is due %(due)s.")
            % {
                "date": complaint.received_on.isoformat(),
                "channel": complaint.get_channel_display(),
                "due": step_due(complaint).isoformat(),
            },
            url=reverse("complaints:detail", args=[complaint.pk]),
        )
    return complaint


@transaction.atomic
def complaint_investigate(*, complaint: Complaint, actor, note: str = "") -> Complaint:
    complaint = _locked(complaint, "investigate")
    return _move(complaint, actor, Complaint.Status.INVESTIGATING, "investigating", note)


@transaction.atomic
def complaint_decide(
    *,
    complaint: Complaint,
    valid: bool,
    reason: str,
    actor,
    staff: Staff | None = None,
    level: str | None = None,
) -> Complaint:
    """认定: 有责 writes a complaint record (code 有责) into the ledger; 无责 writes none."""
    complaint = _locked(complaint, "decide")
    reason = _required_reason(reason)
    _set_staff_and_level(complaint, staff, level)
    complaint.decision = Complaint.Decision.VALID if valid else Complaint.Decision.INVALID
    if valid:
        complaint.record = _ledger_write(complaint, actor, reason)
    complaint.decision_reason = reason
    complaint.decided_at = timezone.now()
    complaint.status = Complaint.Status.DECIDED
    _save(complaint, actor, reason)
    _audit(complaint, actor, "decided", reason=reason, after={"decision": complaint.decision})
    return complaint


@transaction.atomic
def complaint_reverse_decision(
    *,
    complaint: Complaint,
    reason: str,
    actor,
    staff: Staff | None = None,
    level: str | None = None,
) -> Complaint:
    """Flip the decision at any later step: 有责 → 无责 voids its ledger record (kept, with
    history); 无责 → 有责 writes one. The complaint stays at its step."""
    complaint = _locked(complaint, "reverse")
    reason = _required_reason(reason)
    before = complaint.decision
    _set_staff_and_level(complaint, staff, level)
    if before == Complaint.Decision.VALID:
        if complaint.record is not None:
            try:
                record_void(record=complaint.record, actor=actor, reason=reason)
            except RecordInvalid as exc:
                raise ComplaintError(exc.message) from None
        complaint.record = None
        complaint.decision = Complaint.Decision.INVALID
    else:
        complaint.record = _ledger_write(complaint, actor, reason)
        complaint.decision = Complaint.Decision.VALID
    complaint.decision_reason = reason
    complaint.decided_at = timezone.now()
    _save(complaint, actor, reason)
    _audit(
        complaint,
        actor,
        "reversed",
        reason=reason,
        before={"decision": before},
        after={"decision": complaint.decision},
    )
    return complaint


@transaction.atomic
def complaint_resolve(*, complaint: Complaint, resolution: str, actor) -> Complaint:
    complaint = _locked(complaint, "resolve")
    resolution = resolution.strip()
    if not resolution:
        raise ComplaintError(_("Say how the complaint was handled."), field="resolution")
    complaint.resolution = resolution
    complaint.resolved_at = timezone.now()
    complaint.follow_up_due = timezone.localdate() + timedelta(
        days=settings.COMPLAINT_FOLLOW_UP_DAYS
    )
    return _move(complaint, actor, Complaint.Status.RESOLVED, "resolved", resolution)


@transaction.atomic
def complaint_follow_up(*, complaint: Complaint, result: str, actor, note: str = "") -> Complaint:
    """回访: the complainant was asked whether they are satisfied (or could not be reached)."""
    complaint = _locked(complaint, "follow_up")
    if result not in Complaint.FollowUp.values:
        raise ComplaintError(_("Choose the follow-up result."), field="result")
    complaint.follow_up_result = result
    complaint.follow_up_note = note.strip()
    complaint.followed_up_at = timezone.now()
    complaint.status = Complaint.Status.FOLLOWED_UP
    _save(complaint, actor, note)
    _audit(complaint, actor, "followed_up", reason=note, after={"follow_up_result": result})
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, actor, note: str = "") -> Complaint:
    complaint = _locked(complaint, "close")
    complaint.closed_at = timezone.now()
    return _move(complaint, actor, Complaint.Status.CLOSED, "closed", note)


def complaints_notify_overdue(*, today: date | None = None) -> int:
    """Tell the assignee (HR when nobody is assigned) once per step that a complaint is past
    the step's deadline; returns how many complaints were notified."""
    today = today or timezone.localdate()
    overdue = (
        complaints_with_deadlines(
            Complaint.objects.select_related("assignee").exclude(status=Complaint.Status.CLOSED),
            today=today,
        )
        .filter(overdue=True)
        .exclude(overdue_notified=F("status"))
    )
    fallback = None
    count = 0
    for complaint in overdue:
        if complaint.assignee is not None and complaint.assignee.is_active:
            users = [complaint.assignee]
        else:
            fallback = hr_users() if fallback is None else fallback
            users = fallback
        with transaction.atomic():
            notify(
                users=users,
                kind=Notification.Kind.COMPLAINT_OVERDUE,
                title=_("Complaint #%(pk)s is overdue") % {"pk": complaint.pk},
                body=_("Step “%(status)s” was due %(due)s.")
                % {"status": complaint.get_status_display(), "due": complaint.step_due},
                url=reverse("complaints:detail", args=[complaint.pk]),
            )
            Complaint.objects.filter(pk=complaint.pk).update(overdue_notified=complaint.status)
        count += 1
    return count


# ---------------------------------------------------------------- public ratings


def rating_link_for(*, staff: Staff) -> RatingLink:
    link, _created = RatingLink.objects.get_or_create(staff=staff, defaults={"token": _new_token()})
    return link


@transaction.atomic
def rating_link_rotate(*, staff: Staff, actor) -> RatingLink:
    """A new token: badges printed before stop working."""
    link = rating_link_for(staff=staff)
    link = RatingLink.objects.select_for_update().get(pk=link.pk)
    link.token = _new_token()
    link.rotated_at = timezone.now()
    link.save(update_fields=["token", "rotated_at"])
    audit_log(actor=actor, action="rating_link.rotated", target=link, summary=str(staff))
    return link


@transaction.atomic
def rating_submit(*, link: RatingLink, code: str, comment: str, client: Client) -> ThrottleDecision:
    """A customer's rating from the QR page: one per device and person within the window,
    and at most RATING_THROTTLE_PER_ADDRESS from one address. Accepted, it enters the
    ledger as a rating record (value 1, today, the comment as its note)."""
    allowed = throttle_allows(
        scope=f"rating:{link.staff_id}",
        client=client,
        per_device=1,
        per_address=settings.RATING_THROTTLE_PER_ADDRESS,
        seconds=settings.RATING_THROTTLE_SECONDS,
    )
    outcome, record = ThrottleDecision.Outcome.THROTTLED, None
    if allowed:
        draft = RecordDraft(
            staff_id=link.staff_id,
            date=local_date(timezone.now()),
            kind=Record.Kind.RATING,
            code=RATING_CODES[code],
            value=Decimal(1),
            note=comment.strip(),
        )
        try:
            record = record_create(draft=draft, actor=None, source=Record.Source.PUBLIC)
            outcome = ThrottleDecision.Outcome.ACCEPTED
        except RecordInvalid:
            outcome = ThrottleDecision.Outcome.REFUSED
    return ThrottleDecision.objects.create(
        kind=ThrottleDecision.Kind.RATING,
        outcome=outcome,
        staff_id=link.staff_id,
        address_hash=client.address_hash,
        device_hash=client.device_hash,
        record=record,
    )


@transaction.atomic
def complaint_submit_public(
    *,
    client: Client,
    content: str,
    staff_description: str = "",
    complainant_name: str = "",
    complainant_contact: str = "",
    link: RatingLink | None = None,
) -> ThrottleDecision:
    """A complaint from the public form (channel 网上), throttled per device and address."""
    allowed = throttle_allows(
        scope="complaint",
        client=client,
        per_device=settings.PUBLIC_COMPLAINT_THROTTLE_PER_DEVICE,
        per_address=settings.PUBLIC_COMPLAINT_THROTTLE_PER_ADDRESS,
        seconds=settings.PUBLIC_COMPLAINT_THROTTLE_SECONDS,
    )
    staff = link.staff if link is not None else None
    complaint = None
    if allowed:
        complaint = complaint_receive(
            channel=Complaint.Channel.ONLINE,
            content=content,
            received_on=timezone.localdate(),
            staff=staff,
            staff_description=staff_description,
            complainant_name=complainant_name,
            complainant_contact=complainant_contact,
            public=True,
        )
    outcome = ThrottleDecision.Outcome.ACCEPTED if allowed else ThrottleDecision.Outcome.THROTTLED
    return ThrottleDecision.objects.create(
        kind=ThrottleDecision.Kind.COMPLAINT,
        outcome=outcome,
        staff=staff,
        address_hash=client.address_hash,
        device_hash=client.device_hash,
        complaint=complaint,
    )


# ---------------------------------------------------------------- helpers


def _new_token() -> str:
    return secrets.token_urlsafe(16)


def _locked(complaint: Complaint, action: str) -> Complaint:
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    refusal = action_refusal(complaint=locked, action=action)
    if refusal:
        raise ComplaintError(refusal)
    return locked


def _required_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ComplaintError(_("A reason is required."), field="reason")
    return reason


def _set_staff_and_level(complaint: Complaint, staff: Staff | None, level: str | None) -> None:
    if staff is not None:
        complaint.staff = staff
    if level is not None:
        complaint.level = level.strip()


def _ledger_write(complaint: Complaint, actor, reason: str) -> Record:
    if complaint.staff_id is None:
        raise ComplaintError(_("Choose the staff member at fault."), field="staff")
    draft = RecordDraft(
        staff_id=complaint.staff_id,
        date=complaint.received_on,
        kind=Record.Kind.COMPLAINT,
        code=t.COMPLAINT_VALID,
        level=complaint.level,
        note=_("complaint #%(pk)s: %(reason)s") % {"pk": complaint.pk, "reason": reason},
    )
    try:
        return record_create(draft=draft, actor=actor, source=Record.Source.COMPLAINT)
    except RecordInvalid as exc:
        raise ComplaintError(exc.message) from None


def _move(complaint: Complaint, actor, status: str, action: str, note: str) -> Complaint:
    complaint.status = status
    _save(complaint, actor, note)
    _audit(complaint, actor, action, reason=note)
    return complaint


def _save(complaint: Complaint, actor, reason: str) -> None:
    complaint._history_user = acting_user(actor)
    complaint._change_reason = reason[:100]
    complaint.save()


def _audit(
    complaint: Complaint,
    actor,
    action: str,
    *,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    audit_log(
        actor=actor,
        action=f"complaint.{action}",
        target=complaint,
        summary=f"{complaint} → {complaint.status}",
        reason=reason,
        before=before,
        after=after,
    )
