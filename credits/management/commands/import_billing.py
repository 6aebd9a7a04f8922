from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from credits.billing_import.run import billing_import_file
from credits.models import BillingImport
from seasons.models import Season

ERRORS_PRINTED = 20


class Command(BaseCommand):
    help = (
        "Import a Partner Center daily rated usage file (SPEC section 6) into the current season, "
        "synchronously: the same code as the upload in the browser, without Celery."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--season", help="season slug (default: the current season)")
        parser.add_argument(
            "--no-compute",
            action="store_true",
            help="do not enqueue the credit computation afterwards",
        )

    def handle(self, *args, file: Path, season=None, no_compute=False, **options):
        if season:
            found = Season.objects.filter(slug=season).first()
            if found is None:
                raise CommandError(f"no season with the slug {season!r}")
            season = found
        if not file.is_file():
            raise CommandError(f"cannot read {file}: no such file")
        try:
            result = billing_import_file(path=file, season=season, compute=not no_compute)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        status = BillingImport.Status
        if result.status == status.UNCHANGED:
            self.stdout.write(result.message)
            return
        if result.status != status.SUCCEEDED:
            for error in result.errors[:ERRORS_PRINTED]:
                column = f", column {error['column']}" if error["column"] else ""
                value = f" {error['value']!r}" if error["value"] else ""
                self.stderr.write(f"line {error['line']}{column}:{value} {error['reason']}")
            if result.error_count > ERRORS_PRINTED:
                self.stderr.write(f"... {result.error_count - ERRORS_PRINTED:,} more")
            raise CommandError(f"refused: {result.message}")
        self.stdout.write(
            f"rows stored: {result.rows_stored:,}, skipped: {result.rows_skipped:,} (resellers not "
            f"in the league or without Tier2MpnId), errors: 0; "
            f"months: {', '.join(result.months) or '-'}"
        )
        if result.unclassified:
            self.stdout.write(
                f"unclassified meter categories ({len(result.unclassified)}): "
                + ", ".join(u["category"] or "(empty)" for u in result.unclassified[:10])
                + (" ..." if len(result.unclassified) > 10 else "")
            )
