"""Reads of complaints, rating links and throttle decisions, scoped by the reader's roles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import HR_GROUP, Roles
from audit.models import AuditEntry
from complaints.models import STEP_DEADLINE_FIELD, Complaint, RatingLink, ThrottleDecision
from evaluations.ledger import local_date
from evaluations.models import Record
from evaluations.selectors import active_schemes
from scoring.engine import types as t
from staff.models import Staff

OPEN_STATUSES = (
    Complaint.Status.RECEIVED,
    Complaint.Status.INVESTIGATING,
    Complaint.Status.DECIDED,
    Complaint.Status.RESOLVED,
    Complaint.Status.FOLLOWED_UP,
)
# Each step: its label and the statuses it may be taken at; the workflow's next step comes
# first, reversal and (re)assignment after it.
ACTIONS = {
    "investigate": (gettext_lazy("Start the investigation"), (Complaint.Status.RECEIVED,)),
    "decide": (gettext_lazy("Decide"), (Complaint.Status.INVESTIGATING,)),
    "resolve": (gettext_lazy("Record the handling"), (Complaint.Status.DECIDED,)),
    "follow_up": (gettext_lazy("Record the follow-up"), (Complaint.Status.RESOLVED,)),
    "close": (gettext_lazy("Close"), (Complaint.Status.FOLLOWED_UP,)),
    "reverse": (
        gettext_lazy("Reverse the decision"),
        (
            Complaint.Status.DECIDED,
            Complaint.Status.RESOLVED,
            Complaint.Status.FOLLOWED_UP,
            Complaint.Status.CLOSED,
        ),
    ),
    "assign": (gettext_lazy("Assign"), OPEN_STATUSES),
}
# Who may take which step (HR may take every one): the assignee investigates and records the
# handling; deciding, reversing, following up with the complainant and closing are HR's.
ASSIGNEE_ACTIONS = ("investigate", "resolve")

# The ledger's codes for the two decisions (also the 认定 column of the report).
DECISION_CODES = {
    Complaint.Decision.VALID: t.COMPLAINT_VALID,
    Complaint.Decision.INVALID: t.COMPLAINT_INVALID,
}
DEFAULT_LEVELS = ["网点", "支行", "分行", "总行", "媒体"]
SUMMARY_LENGTH = 60

TIMELINE_LABELS = {
    "complaint.received": gettext_lazy("Received"),
    "complaint.assigned": gettext_lazy("Assigned"),
    "complaint.investigating": gettext_lazy("Investigation started"),
    "complaint.decided": gettext_lazy("Decided"),
    "complaint.reversed": gettext_lazy("Decision reversed"),
    "complaint.resolved": gettext_lazy("Handled"),
    "complaint.followed_up": gettext_lazy("Followed up"),
    "complaint.closed": gettext_lazy("Closed"),
}


def step_due_expression() -> Case:
    """The deadline of the current step, as a query expression (closed: none)."""
    return Case(
        *[When(status=status, then=F(field)) for status, field in STEP_DEADLINE_FIELD.items()],
        default=Value(None),
    )


def complaints_with_deadlines(queryset: QuerySet[Complaint], *, today: date) -> QuerySet:
    """Annotate ``step_due`` and ``overdue`` (past the current step's deadline, not closed)."""
    return queryset.annotate(step_due=step_due_expression()).annotate(
        overdue=Case(
            When(Q(step_due__lt=today) & ~Q(status=Complaint.Status.CLOSED), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def complaint_visible_list(*, user, roles: Roles) -> QuerySet:
    """HR sees every complaint; anyone else the complaints assigned to them."""
    queryset = Complaint.objects.select_related("staff", "staff__unit", "assignee")
    if not roles.sees_everyone:
        queryset = queryset.filter(assignee=user)
    return complaints_with_deadlines(queryset, today=timezone.localdate())


def complaint_visible_detail(*, user, roles: Roles, pk: int) -> Complaint:
    """Raises Complaint.DoesNotExist when the user may not see it."""
    return (
        complaint_visible_list(user=user, roles=roles)
        .select_related("staff__position", "record")
        .get(pk=pk)
    )


def complaint_actions(*, complaint: Complaint, roles: Roles, user) -> list[str]:
    """The steps this user may take on the complaint now, the next one first."""
    allowed = [name for name, (_label, statuses) in ACTIONS.items() if complaint.status in statuses]
    if roles.sees_everyone:
        return allowed
    if complaint.assignee_id == user.pk:
        return [name for name in allowed if name in ASSIGNEE_ACTIONS]
    return []


def action_label(action: str) -> str:
    return str(ACTIONS[action][0])


def action_refusal(*, complaint: Complaint, action: str) -> str | None:
    """Why the step cannot be taken at the complaint's current status (None: it can)."""
    if complaint.status in ACTIONS[action][1]:
        return None
    return _("Complaint #%(pk)s is “%(status)s”: “%(action)s” is not possible at this step.") % {
        "pk": complaint.pk,
        "status": complaint.get_status_display(),
        "action": action_label(action),
    }


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    actor: str
    summary: str
    reason: str


def complaint_timeline(*, complaint: Complaint) -> list[TimelineEntry]:
    entries = AuditEntry.objects.filter(
        target_type=Complaint._meta.label_lower, target_id=str(complaint.pk)
    ).select_related("actor")
    return [
        TimelineEntry(
            at=entry.at,
            label=str(TIMELINE_LABELS.get(entry.action, entry.action)),
            actor=entry.actor.get_username() if entry.actor else _("public form"),
            summary=_timeline_summary(entry),
            reason=entry.reason,
        )
        for entry in reversed(entries)
    ]


def _timeline_summary(entry: AuditEntry) -> str:
    after = entry.after or {}
    if "assignee" in after:
        return after["assignee"]
    if "decision" in after:
        return str(Complaint.Decision(after["decision"]).label)
    if "follow_up_result" in after:
        return str(Complaint.FollowUp(after["follow_up_result"]).label)
    return after.get("text", "")


def assignable_users() -> QuerySet:
    """HR, inspectors and unit heads with an active login."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(groups__name=HR_GROUP)
            | Q(is_superuser=True)
            | Q(inspector_assignment__isnull=False)
            | Q(staff__headed_units__isnull=False)
        )
        .select_related("staff")
        .distinct()
        .order_by("username")
    )


def hr_users() -> list:
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name=HR_GROUP) | Q(is_superuser=True))
        .distinct()
    )


def staff_options() -> list[tuple[str, str]]:
    """(工号, "姓名 · 部门") of active staff, for the staff pickers' suggestions."""
    return [
        (number, f"{name} · {path}")
        for number, name, path in Staff.objects.filter(status=Staff.Status.ACTIVE)
        .order_by("employee_no")
        .values_list("employee_no", "name", "unit__path")
    ]


def level_suggestions() -> list[str]:
    """Common levels plus every level an active scheme weighs."""
    levels = list(DEFAULT_LEVELS)
    for scheme in active_schemes():
        config = scheme.config
        parts = [config.get("complaints") or {}]
        parts += [category.get("complaints") or {} for category in config.get("categories", [])]
        for part in parts:
            levels += [str(level) for level in part.get("levels") or {}]
    return list(dict.fromkeys(levels))


def rating_link_by_token(*, token: str) -> RatingLink:
    """The link of an active staff member; raises RatingLink.DoesNotExist otherwise."""
    return RatingLink.objects.select_related("staff__position").get(
        token=token, staff__status=Staff.Status.ACTIVE
    )


def throttle_decision_list() -> QuerySet[ThrottleDecision]:
    return ThrottleDecision.objects.select_related("staff")


def summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


# ---------------------------------------------------------------- report (投诉 sheet)


def complaint_report_rows(*, staff: dict[int, tuple], start: date, end: date) -> Iterator[list]:
    """Rows of the report's 投诉 sheet: complaints received in [start, end] about the
    report's people (``staff``: id → (工号, 姓名, …)), then complaint records that came into
    the ledger without a complaint (workbook imports), by date. 是否超期 says whether the
    handling (处理) took, or is taking, longer than its time limit (处理时限)."""
    today = timezone.localdate()
    rows = []
    complaints = Complaint.objects.filter(
        staff_id__in=list(staff), received_on__gte=start, received_on__lte=end
    ).values_list(
        "pk",
        "received_on",
        "staff_id",
        "channel",
        "content",
        "decision",
        "status",
        "resolution_due",
        "resolved_at",
    )
    channels = dict(Complaint.Channel.choices)
    statuses = dict(Complaint.Status.choices)
    for pk, day, staff_id, channel, content, decision, status, due, resolved_at in complaints:
        number, name = staff[staff_id][:2]
        handled = local_date(resolved_at) if resolved_at else today
        rows.append(
            (
                (day, 0, pk),
                [
                    day,
                    number,
                    name,
                    str(channels[channel]),
                    summary(content),
                    DECISION_CODES.get(decision, ""),
                    str(statuses[status]),
                    due,
                    _("yes") if handled > due else _("no"),
                ],
            )
        )
    records = Record.objects.filter(
        kind=Record.Kind.COMPLAINT,
        voided=False,
        staff_id__in=list(staff),
        date__gte=start,
        date__lte=end,
        complaint__isnull=True,
    ).values_list("pk", "date", "staff_id", "source", "note", "code")
    sources = dict(Record.Source.choices)
    for pk, day, staff_id, source, note, code in records:
        number, name = staff[staff_id][:2]
        row = [day, number, name, str(sources[source]), summary(note), code, "", None, ""]
        rows.append(((day, 1, pk), row))
    return (row for _key, row in sorted(rows, key=lambda item: item[0]))
