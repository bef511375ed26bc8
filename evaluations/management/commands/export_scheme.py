from django.core.management.base import BaseCommand, CommandError

from evaluations.models import Scheme
from evaluations.services import scheme_export


class Command(BaseCommand):
    help = "Print a scheme's current version as YAML."

    def add_arguments(self, parser):
        parser.add_argument("code")

    def handle(self, *args, code: str, **options):
        scheme = Scheme.objects.select_related("current_version").filter(code=code).first()
        if scheme is None or scheme.current_version is None:
            raise CommandError(f"no scheme with code {code!r}")
        self.stdout.write(scheme_export(scheme=scheme), ending="")
