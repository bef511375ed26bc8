from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from scoring.fields import JSONTextField


class Period(models.Model):
    """One period of one scheme. Records dated inside a closed period are frozen."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        REOPENED = "reopened", _("reopened")

    scheme = models.ForeignKey(
        "evaluations.Scheme",
        on_delete=models.PROTECT,
        related_name="periods",
        verbose_name=_("scheme"),
    )
    key = models.CharField(_("period"), max_length=16)
    start = models.DateField(_("start date"))
    end = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "-start"]
        verbose_name = _("evaluation period")
        verbose_name_plural = _("evaluation period")
        constraints = [models.UniqueConstraint(fields=["scheme", "key"], name="period_unique_key")]
        indexes = [models.Index(fields=["status", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.scheme.code} {self.key}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


# How a snapshot's content hash serialises its results (``scoring.selectors.content_hash``)
# and how its inputs fingerprint digests the inputs (``scoring.services.inputs_fingerprint``).
HASH_FORMAT = 2


class Snapshot(models.Model):
    """A frozen, versioned computation of a period's results."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="snapshots")
    version = models.PositiveIntegerField(_("version"))
    scheme_version = models.ForeignKey(
        "evaluations.SchemeVersion", on_delete=models.PROTECT, related_name="snapshots"
    )
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inputs_fingerprint = models.CharField(max_length=64)
    content_hash = models.CharField(_("content hash"), max_length=64)
    hash_format = models.PositiveSmallIntegerField(default=HASH_FORMAT)
    unit_rollup = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["period", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="snapshot_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.period} v{self.version}"


class ParticipantResult(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="results")
    staff = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="results")
    position = models.PositiveIntegerField(help_text="row order within the snapshot")
    rank = models.PositiveIntegerField(_("rank"))
    score = models.DecimalField(_("score"), max_digits=10, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=50, blank=True)
    award = models.CharField(_("award"), max_length=100, blank=True)
    vetoed = models.BooleanField(_("veto"), default=False)
    eligible = models.BooleanField(_("eligibility"), default=True)
    data = JSONTextField(default=dict)

    class Meta:
        # By the snapshot's id, not its own ordering: that would join snapshot, period and
        # scheme into every query of results that does not order them itself.
        ordering = ["snapshot_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "staff"], name="result_unique_staff"),
        ]
        indexes = [
            models.Index(fields=["staff", "snapshot"]),
            # Results in rank order, a chunk at a time (report export, leaderboards).
            models.Index(fields=["snapshot", "position"], name="result_snapshot_position"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot} {self.staff_id} #{self.rank}"
