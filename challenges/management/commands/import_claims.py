from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from challenges.importers import ClaimFileError, claims_import


class Command(BaseCommand):
    help = (
        "Import challenge claims of the current season from a CSV with the columns "
        "partner_id,challenge,customer_tenant_id,customer_name,subscription_id,activity_date,"
        "status. Rows that break a rule are reported on stderr and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        # Operator output in English, like the other commands; e-mails still go out in each
        # recipient's language.
        with translation.override("en"):
            try:
                result = claims_import(raw=raw)
            except ClaimFileError as exc:
                raise CommandError(f"{file}: {exc}") from exc
        for line in result.skipped:
            self.stderr.write(line)
        self.stdout.write(
            f"rows: {result.rows}, imported: {result.imported}, skipped: {len(result.skipped)}"
        )
        if result.customers_created:
            self.stdout.write(f"end customers created: {result.customers_created}")
