from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from partners.importers import ImportFileError, partners_import


class Command(BaseCommand):
    help = (
        "Create or update approved partners of the current season from a CSV with the columns "
        "partner_id,name,customer_number,league,contact_email and optionally league_criterion."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        try:
            result = partners_import(raw=raw)
        except ImportFileError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            if exc.total > len(exc.errors):
                self.stderr.write(f"... and {exc.total - len(exc.errors)} more")
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"partners created: {result.created}, updated: {result.updated}, "
            f"unchanged: {result.unchanged}, leagues created: {len(result.leagues_created)}, "
            f"league criteria set: {len(result.criteria_set)}"
        )
        for name in result.leagues_without_criterion:
            self.stderr.write(
                f"warning: partners play in the league {name} but it has no published criterion "
                "(terms 1: transparent criteria); give league_criterion or edit it under "
                "/staff/leagues/"
            )
