"""Complaints (投诉) with their workflow, the per-person rating links behind the QR badges,
and the throttle decisions taken on the public pages."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Complaint(models.Model):
    """One complaint, from intake (受理) to closing (关闭). Decided 有责, it enters the ledger
    through ``record``; the complainant's name and contact are shown to HR only."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("phone")
        LETTER = "letter", _("letter")
        ONLINE = "online", _("online form")
        IN_PERSON = "in_person", _("in person")
        SUGGESTION_BOOK = "suggestion_book", _("suggestion book")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        INVESTIGATING = "investigating", _("under investigation")
        DECIDED = "decided", _("decided")
        RESOLVED = "resolved", _("resolved")
        FOLLOWED_UP = "followed_up", _("followed up")
        CLOSED = "closed", _("closed")

    class Decision(models.TextChoices):
        VALID = "valid", _("at fault")
        INVALID = "invalid", _("not at fault")

    class FollowUp(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        UNSATISFIED = "unsatisfied", _("not satisfied")
        UNREACHABLE = "unreachable", _("could not be reached")

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    received_on = models.DateField(_("date received"))
    complainant_name = models.CharField(_("complainant"), max_length=100, blank=True)
    complainant_contact = models.CharField(_("complainant's contact"), max_length=100, blank=True)
    staff = models.ForeignKey(
        "staff.Staff",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("staff involved"),
    )
    staff_description = models.CharField(
        _("staff as described by the complainant"), max_length=200, blank=True
    )
    content = models.TextField(_("content"))
    level = models.CharField(_("level"), max_length=50, blank=True)
    public = models.BooleanField(_("filed on the public form"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_complaints",
        verbose_name=_("assigned to"),
    )
    response_due = models.DateField(_("first response due"))
    resolution_due = models.DateField(_("resolution due"))
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    record = models.OneToOneField(
        "evaluations.Record",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaint",
        verbose_name=_("ledger record"),
    )
    resolution = models.TextField(_("how it was handled"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    follow_up_result = models.CharField(
        _("follow-up result"), max_length=12, choices=FollowUp.choices, blank=True
    )
    follow_up_note = models.TextField(_("follow-up note"), blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    overdue_notified = models.CharField(
        _("overdue notice sent for step"), max_length=16, blank=True
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    history = HistoricalRecords(excluded_fields=["overdue_notified"])

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaint")
        indexes = [
            models.Index(fields=["status", "received_on"]),
            models.Index(fields=["received_on"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.received_on:%Y-%m-%d} {self.get_channel_display()}"


# The deadline of each open step: first response while received, resolution until handled,
# follow-up until closed. Used by Complaint.step_due and by the list's query annotation.
STEP_DEADLINE_FIELD = {
    Complaint.Status.RECEIVED: "response_due",
    Complaint.Status.INVESTIGATING: "resolution_due",
    Complaint.Status.DECIDED: "resolution_due",
    Complaint.Status.RESOLVED: "follow_up_due",
    Complaint.Status.FOLLOWED_UP: "follow_up_due",
}


def step_due(complaint: Complaint):
    """The deadline of the complaint's current step (None once closed)."""
    field = STEP_DEADLINE_FIELD.get(complaint.status)
    return getattr(complaint, field) if field else None


class RatingLink(models.Model):
    """The random token in a staff member's QR code; HR may rotate it (old badges stop)."""

    staff = models.OneToOneField(
        "staff.Staff",
        on_delete=models.CASCADE,
        related_name="rating_link",
        verbose_name=_("staff"),
    )
    token = models.CharField(_("token"), max_length=43, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("rotated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rating link")
        verbose_name_plural = _("rating link")

    def __str__(self) -> str:
        return str(self.staff)


class ThrottleDecision(models.Model):
    """Every submission of a public form, accepted or throttled, for HR to review. Addresses
    and device cookies are kept only as keyed hashes."""

    class Kind(models.TextChoices):
        RATING = "rating", _("rating")
        COMPLAINT = "complaint", _("complaint")

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        THROTTLED = "throttled", _("throttled")
        REFUSED = "refused", _("refused by the ledger")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    staff = models.ForeignKey(
        "staff.Staff",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("staff"),
    )
    address_hash = models.CharField(_("address (hashed)"), max_length=64)
    device_hash = models.CharField(_("device (hashed)"), max_length=64)
    record = models.ForeignKey(
        "evaluations.Record",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ledger record"),
    )
    complaint = models.ForeignKey(
        Complaint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("complaint"),
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("throttle decision")
        verbose_name_plural = _("throttle decision")
        indexes = [models.Index(fields=["kind", "outcome", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.outcome}"
