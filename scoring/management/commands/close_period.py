from django.core.management.base import BaseCommand, CommandError

from evaluations.models import Scheme
from scoring.services import PeriodError, period_close


class Command(BaseCommand):
    help = "Close a scheme's period now (e.g. close_period property-weekly-stars 2026-W47)."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("period")

    def handle(self, *args, code: str, period: str, **options):
        scheme = Scheme.objects.filter(code=code).first()
        if scheme is None:
            raise CommandError(f"no scheme with code {code!r}")
        try:
            outcome = period_close(scheme=scheme, key=period)
        except PeriodError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(outcome.message)
