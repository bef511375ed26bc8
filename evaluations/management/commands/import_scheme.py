from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluations.services import SchemeInvalid, scheme_import


class Command(BaseCommand):
    help = "Import a scheme YAML file; an existing code gets a new version."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from None
        try:
            version = scheme_import(yaml_text=text, reason=f"import_scheme {Path(file).name}")
        except SchemeInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(f"{len(exc.problems)} problem(s); nothing imported") from None
        self.stdout.write(f"{version.scheme.code}: version {version.number}")
