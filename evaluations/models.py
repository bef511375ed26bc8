import copy
from functools import cached_property, lru_cache

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Scheme(models.Model):
    """An evaluation scheme (评选方案); its rules live in versions, the newest is current."""

    class Method(models.TextChoices):
        DEDUCTION = "deduction", _("100-point deduction")
        STARS = "stars", _("red/green stars")
        WEIGHTED = "weighted", _("weighted sources")
        POINTS_BANK = "points_bank", _("points bank")

    class PeriodKind(models.TextChoices):
        WEEKLY = "weekly", _("weekly")
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")
        HALF_YEAR = "half_year", _("half-yearly")
        YEARLY = "yearly", _("yearly")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("scheme name"), max_length=200)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    period = models.CharField(_("period"), max_length=20, choices=PeriodKind.choices)
    archived = models.BooleanField(_("archived"), default=False)
    current_version = models.ForeignKey(
        "SchemeVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("current version"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("scheme")
        verbose_name_plural = _("scheme")

    def __str__(self) -> str:
        return self.name


class SchemeVersion(models.Model):
    """An immutable version of a scheme's rules. The YAML text is the source of truth, so
    export gives back exactly what was imported or saved."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    yaml_text = models.TextField(_("scheme definition"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("created by"),
    )
    reason = models.CharField(_("reason for change"), max_length=500, blank=True)

    class Meta:
        ordering = ["scheme", "-number"]
        verbose_name = _("scheme version")
        verbose_name_plural = _("scheme version")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="scheme_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.code} v{self.number}"

    @cached_property
    def config(self) -> dict:
        # A copy: parsing and validating costs 10–40 ms a scheme, every time a version is
        # read; the parse is kept per process, each reader gets its own dict.
        return copy.deepcopy(self.shared_config)

    @property
    def shared_config(self) -> dict:
        """The parse of the version's text this process keeps, shared by every reader: to
        read, never to change (``config`` is a reader's own copy, which costs a deep copy,
        a tenth of a millisecond for a large scheme)."""
        data = _parsed_config(self.yaml_text)
        if data is None:
            from evaluations.scheme_schema import parse_yaml

            raise ValueError(f"stored scheme {self} is invalid: {parse_yaml(self.yaml_text)[1]}")
        return data


@lru_cache(maxsize=64)
def _parsed_config(yaml_text: str) -> dict | None:
    from evaluations.scheme_schema import parse_yaml

    data, errors = parse_yaml(yaml_text)
    return None if errors else data


class Record(models.Model):
    """One dated fact about one staff member: the evidence ledger."""

    class Kind(models.TextChoices):
        DEDUCTION = "deduction", _("deduction")
        WARNING = "warning", _("warning")
        BONUS = "bonus", _("bonus")
        METRIC = "metric", _("metric")
        RATING = "rating", _("rating")
        COMPLAINT = "complaint", _("complaint")
        INCIDENT = "incident", _("incident")
        SCORE = "score", _("score")

    class Responsibility(models.TextChoices):
        STAFF = "staff", _("staff")
        MANAGEMENT = "management", _("management")

    class Source(models.TextChoices):
        APP = "app", _("entered on site")
        IMPORT = "import", _("workbook import")
        COMPLAINT = "complaint", _("complaint decision")
        PUBLIC = "public", _("customer rating")
        API = "api", _("API")

    staff = models.ForeignKey(
        "staff.Staff", on_delete=models.PROTECT, related_name="records", verbose_name=_("staff")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=100)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    inspector = models.ForeignKey(
        "staff.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("inspector"),
    )
    inspector_name = models.CharField(_("inspector"), max_length=100, blank=True)
    responsibility = models.CharField(
        _("responsibility"),
        max_length=16,
        choices=Responsibility.choices,
        default=Responsibility.STAFF,
    )
    batch = models.CharField(_("batch"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=50, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.APP
    )
    content_key = models.CharField(max_length=64, db_index=True, editable=False)
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("entered by"),
    )
    voided = models.BooleanField(_("voided"), default=False)
    void_reason = models.CharField(_("reason for voiding"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("record")
        verbose_name_plural = _("record")
        indexes = [
            models.Index(fields=["staff", "date"]),
            models.Index(fields=["date", "kind"]),
            models.Index(fields=["kind", "code", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.code}"
