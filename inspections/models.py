from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

BATCH_PREFIX = "INS-"


class Inspection(models.Model):
    """One walk of the floor: the findings recorded on it share a ledger batch, and the head
    of the inspected unit co-signs it (迎检确认)."""

    class Type(models.TextChoices):
        DAILY = "daily", _("daily patrol")
        WEEKLY = "weekly", _("weekly check")
        MONTHLY = "monthly", _("monthly joint check")
        MYSTERY = "mystery", _("mystery visit")
        MONITORING = "monitoring", _("monitoring spot check")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        COSIGNED = "cosigned", _("co-signed")
        DISPUTED = "disputed", _("co-signed with disputes")

    date = models.DateField(_("date"))
    unit = models.ForeignKey(
        "staff.Unit", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("unit")
    )
    type = models.CharField(_("type"), max_length=16, choices=Type.choices, default=Type.DAILY)
    place = models.CharField(_("place"), max_length=200, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("inspector"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("co-signed by"),
    )
    cosigned_at = models.DateTimeField(_("co-signed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspection")
        indexes = [models.Index(fields=["unit", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.get_type_display()} {self.unit}"

    @property
    def batch_key(self) -> str:
        """The ledger 批次 of its findings, so per-inspection averaging sees one inspection."""
        return f"{BATCH_PREFIX}{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Finding(models.Model):
    """A ledger record made during an inspection, with its optional photo and the unit
    head's dispute."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="findings", verbose_name=_("inspection")
    )
    record = models.OneToOneField(
        "evaluations.Record",
        on_delete=models.PROTECT,
        related_name="finding",
        verbose_name=_("record"),
    )
    photo = models.FileField(_("photo"), upload_to="private/inspections/%Y/%m/", blank=True)
    dispute_comment = models.TextField(_("dispute"), blank=True)
    disputed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("disputed by"),
    )
    disputed_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("finding")
        verbose_name_plural = _("finding")

    def __str__(self) -> str:
        return f"{self.inspection} · {self.record}"

    @property
    def is_disputed(self) -> bool:
        return bool(self.dispute_comment)
