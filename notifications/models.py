from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message in a user's in-app notification centre, mirrored by e-mail unless the
    user opted out."""

    class Kind(models.TextChoices):
        NOTICE_PUBLISHED = "notice_published", _("notice published")
        OBJECTION_ANSWERED = "objection_answered", _("objection answered")
        COMPLAINT_ASSIGNED = "complaint_assigned", _("complaint assigned")
        COMPLAINT_OVERDUE = "complaint_overdue", _("complaint overdue")
        RETRAINING_TRIGGERED = "retraining_triggered", _("retraining triggered")

    class Email(models.TextChoices):
        PENDING = "pending", _("to be sent")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("not sent (opted out or no address)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_status = models.CharField(
        _("e-mail"), max_length=10, choices=Email.choices, default=Email.PENDING
    )
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notification")
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["email_status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.title}"


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email_enabled = models.BooleanField(_("also send notifications by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preference")

    def __str__(self) -> str:
        return str(self.user)
