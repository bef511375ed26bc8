from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class InspectorAssignment(models.Model):
    """Units (with their subtrees) an inspector may record for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inspector_assignment",
        verbose_name=_("account"),
    )
    units = models.ManyToManyField(
        "staff.Unit", related_name="inspectors", verbose_name=_("assigned units")
    )
    history = HistoricalRecords(m2m_fields=[units])

    class Meta:
        verbose_name = _("inspector assignment")
        verbose_name_plural = _("inspector assignment")

    def __str__(self) -> str:
        return str(self.user)
