from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("notices and objections")

    def ready(self) -> None:
        from notices.services import notice_draft_on_close
        from scoring.signals import period_closed

        period_closed.connect(notice_draft_on_close, dispatch_uid="notices.draft_on_close")
