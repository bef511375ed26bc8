from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.fields import JSONTextField

DEFAULT_OBJECTION_DAYS = 5


class NoticeSettings(models.Model):
    """How a scheme's notices are published; a scheme without a row uses the defaults."""

    scheme = models.OneToOneField(
        "evaluations.Scheme",
        on_delete=models.CASCADE,
        related_name="notice_settings",
        verbose_name=_("scheme"),
    )
    auto_publish = models.BooleanField(
        _("publish notices without HR review"),
        default=False,
        help_text=_("When off, a closed period's notice waits as a draft for HR to publish."),
    )
    objection_days = models.PositiveSmallIntegerField(
        _("objection window (working days)"),
        default=DEFAULT_OBJECTION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )

    class Meta:
        verbose_name = _("notice settings")
        verbose_name_plural = _("notice settings")

    def __str__(self) -> str:
        return str(self.scheme)


# What list pages show of a notice; its content also holds one row per participant.
HEADING_KEYS = ("scheme_name", "period", "version", "start", "end")


def heading_of(content: dict) -> dict:
    return {key: content[key] for key in HEADING_KEYS}


class NoticeQuerySet(models.QuerySet):
    def headings_only(self) -> "NoticeQuerySet":
        """For list pages: the heading, not the whole content (megabytes at city scale)."""
        return self.defer("content")


class Notice(models.Model):
    """The public notice (公示) of one period's results: drafted when the period closes,
    published by HR for an objection window, final when the window ends with no open
    objection. It always shows the period's latest snapshot; revisions keep the history."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        FINAL = "final", _("final")

    period = models.OneToOneField(
        "scoring.Period", on_delete=models.PROTECT, related_name="notice", verbose_name=_("period")
    )
    snapshot = models.ForeignKey(
        "scoring.Snapshot", on_delete=models.PROTECT, related_name="+", verbose_name=_("version")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Kept as text: written once per close and read whole, and jsonb would parse megabytes
    # of participant lines on every write (see JSONTextField).
    content = JSONTextField(_("content"))
    heading = JSONTextField(_("heading"), default=dict, editable=False)  # heading_of(content)
    content_hash = models.CharField(_("content hash"), max_length=64)
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published by"),
    )
    window_end = models.DateField(_("objections accepted until"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("final since"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-period__end", "period__scheme__code"]
        verbose_name = _("notice")
        verbose_name_plural = _("notice")
        indexes = [models.Index(fields=["status", "window_end"])]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def title(self) -> str:
        return _("%(scheme)s %(period)s results notice") % {
            "scheme": self.heading["scheme_name"],
            "period": self.heading["period"],
        }

    @property
    def version(self) -> int:
        return self.heading["version"]


class NoticeRevision(models.Model):
    """One snapshot version shown by a notice, with what changed against the one before."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("notice")
    )
    snapshot = models.ForeignKey(
        "scoring.Snapshot", on_delete=models.PROTECT, related_name="+", verbose_name=_("version")
    )
    version = models.PositiveIntegerField(_("version"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["notice", "version"]
        verbose_name = _("notice revision")
        verbose_name_plural = _("notice revision")
        constraints = [
            models.UniqueConstraint(fields=["notice", "version"], name="notice_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.notice} v{self.version}"


def objection_upload_to(instance, filename: str) -> str:
    return f"objections/{instance.notice_id}/{filename}"


class Objection(models.Model):
    """A staff member's objection (申诉) to a result or a record, filed during the window."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        UPHELD = "upheld", _("upheld")
        REJECTED = "rejected", _("rejected")

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="objections", verbose_name=_("notice")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("filed by"),
    )
    staff = models.ForeignKey(
        "staff.Staff", on_delete=models.PROTECT, related_name="objections", verbose_name=_("staff")
    )
    result = models.ForeignKey(
        "scoring.ParticipantResult",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("result"),
    )
    record = models.ForeignKey(
        "evaluations.Record",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("record"),
    )
    text = models.TextField(_("objection"))
    attachment = models.FileField(_("attachment"), upload_to=objection_upload_to, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    reply = models.TextField(_("reply"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    revision = models.ForeignKey(
        NoticeRevision,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="objections",
        verbose_name=_("resulting version"),
    )
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objection")
        indexes = [models.Index(fields=["notice", "status"])]

    def __str__(self) -> str:
        return f"{self.notice} #{self.pk} {self.get_status_display()}"


class Award(models.Model):
    """An award issued when a notice became final: the period's winners and promotions
    (e.g. 月度服务明星 after 3 weekly wins), with the prize for payroll. A revision that
    changes the winners after issue revokes the stale rows rather than deleting them."""

    class Kind(models.TextChoices):
        AWARD = "award", _("award")
        PROMOTION = "promotion", _("promotion")

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="awards", verbose_name=_("notice")
    )
    staff = models.ForeignKey(
        "staff.Staff", on_delete=models.PROTECT, related_name="awards", verbose_name=_("staff")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    prize = models.DecimalField(_("prize"), max_digits=10, decimal_places=2, default=0)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "staff"]
        verbose_name = _("award")
        verbose_name_plural = _("award")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "staff", "kind"],
                condition=models.Q(revoked_at__isnull=True),
                name="award_unique_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.title}"
