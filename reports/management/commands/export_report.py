from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluations.models import Scheme
from reports.exporters import report_data, write_report
from scoring.services import PeriodError


class Command(BaseCommand):
    help = "Write the period report workbook (汇总, 明细, 投诉, 部门)."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("period")
        parser.add_argument("--out", required=True)

    def handle(self, *args, code: str, period: str, out: str, **options):
        scheme = Scheme.objects.select_related("current_version").filter(code=code).first()
        if scheme is None or scheme.current_version is None:
            raise CommandError(f"no scheme with code {code!r}")
        try:
            data = report_data(scheme=scheme, key=period, load_results=False)
        except (PeriodError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        try:
            write_report(data, Path(out))
        except OSError as exc:
            raise CommandError(f"{out}: {exc}") from None
        state = "provisional" if data.version is None else f"version {data.version}"
        participants = len(data.results) if data.participants is None else data.participants
        self.stdout.write(f"{out}: {participants} participants ({state})")
