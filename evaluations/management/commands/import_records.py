from django.core.management.base import BaseCommand, CommandError

from evaluations.ledger import records_import


class Command(BaseCommand):
    help = "Import the records workbook (sheet 记录): all or nothing, idempotent."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            with open(file, "rb") as handle:
                result = records_import(source=handle)
        except OSError as exc:
            raise CommandError(f"{file}: {exc}") from None
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(result.problems)} problem(s); nothing imported")
        self.stdout.write(
            f"{result.rows} rows: {result.created} records added, "
            f"{result.already_present} already present"
        )
