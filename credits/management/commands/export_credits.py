from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credits.exports import credit_lines_write
from credits.management.output import write_file, write_stdout
from seasons.models import Season


class Command(BaseCommand):
    help = (
        "Export the credit lines of the current season as CSV (partner_id,customer_tenant_id,"
        "kind,service_group,booking_month,credit_eur,status), to stdout or --output FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="write to this file instead of stdout")

    def handle(self, *args, output: Path | str | None = None, **options):
        output = Path(output) if output else None  # call_command passes it unparsed
        season = Season.objects.current()
        if season is None:
            raise CommandError("there is no season")
        if output is None:
            write_stdout(self.stdout, lambda out: credit_lines_write(season=season, out=out))
            return
        rows = write_file(
            output,
            lambda out: credit_lines_write(season=season, out=out),
            prefix="export_credits",
        )
        self.stdout.write(f"{rows} credit lines of {season.name} written to {output}")
