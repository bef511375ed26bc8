from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from staff.services import staff_import


class Command(BaseCommand):
    help = "Import the staff workbook (sheet 员工): all rows or, on any problem, none."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the .xlsx workbook")

    def handle(self, *args, file: str, **options):
        result = staff_import(source=file)
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                _("%(n)s problem(s); nothing was imported.") % {"n": len(result.problems)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported %(file)s: %(created)s added, %(updated)s updated.")
                % {"file": file, "created": result.created, "updated": result.updated}
            )
        )
