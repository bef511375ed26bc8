from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

PATH_SEPARATOR = "/"


def paths_subtree_q(paths, field: str = "path") -> models.Q:
    """Q matching ``field`` equal to any of ``paths`` or lying anywhere under one of them;
    no paths match nothing."""
    query = None
    for path in paths:
        subtree = models.Q(**{field: path}) | models.Q(
            **{f"{field}__startswith": path + PATH_SEPARATOR}
        )
        query = subtree if query is None else query | subtree
    return models.Q(pk__in=[]) if query is None else query


def path_in_subtrees(path: str, paths) -> bool:
    """Whether ``path`` is one of ``paths`` or lies anywhere under one of them."""
    return any(path == p or path.startswith(p + PATH_SEPARATOR) for p in paths)


class Unit(models.Model):
    """A node of the organisation tree; ``path`` is the materialised '/'-joined name path."""

    name = models.CharField(_("unit name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
        verbose_name=_("parent unit"),
    )
    path = models.CharField(_("path"), max_length=500, unique=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=1)
    head = models.ForeignKey(
        "Staff",
        null=True,
        blank=True,
        related_name="headed_units",
        on_delete=models.SET_NULL,
        verbose_name=_("head"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("unit")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unit_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.path

    def subtree_q(self, prefix: str = "") -> models.Q:
        """Q matching this unit and everything below it, on a field path ending in a Unit."""
        return paths_subtree_q([self.path], field=f"{prefix}path")


class Position(models.Model):
    name = models.CharField(_("position"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("position")
        verbose_name_plural = _("position")

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    name = models.CharField(_("certificate"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificate")

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        LEFT = "left", _("left")

    employee_no = models.CharField(_("employee number"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_initials = models.CharField(
        _("pinyin initials"), max_length=100, blank=True, db_index=True
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="staff", verbose_name=_("unit")
    )
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="staff", verbose_name=_("position")
    )
    hire_date = models.DateField(_("hire date"))
    certificates = models.ManyToManyField(Certificate, blank=True, verbose_name=_("certificate"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    left_date = models.DateField(_("date of leaving"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
        verbose_name=_("login account"),
    )
    history = HistoricalRecords(excluded_fields=["name_initials"])

    class Meta:
        ordering = ["employee_no"]
        verbose_name = _("staff")
        verbose_name_plural = _("staff")
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["position", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee_no} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
