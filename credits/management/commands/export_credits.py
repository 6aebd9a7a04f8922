import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credits.exports import credit_lines_write
from seasons.models import Season


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Stdout:
    """csv.writer's target on the command's stdout, without the line ending Django adds."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")


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
            try:
                credit_lines_write(season=season, out=_Stdout(self.stdout))
                self.stdout.flush()
            except BrokenPipeError:
                # The reader went away (`| head`): stop quietly, as the Python docs advise.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                sys.exit(1)
            return
        directory = output.resolve().parent
        if not directory.is_dir():
            raise CommandError(f"cannot write {output}: no directory {directory}")
        # Written next to the target and renamed, so a reader never sees half a file.
        try:
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".export_credits-")
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                rows = credit_lines_write(season=season, out=out)
            os.chmod(temporary, 0o666 & ~_umask())  # as a plain open() would have made it
            os.replace(temporary, output)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(f"{rows} credit lines of {season.name} written to {output}")
