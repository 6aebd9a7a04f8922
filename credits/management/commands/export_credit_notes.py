"""`manage.py export_credit_notes [--output FILE] [--pdf-dir DIR]` (SPEC section 7): the Xvantage
CSV of the current season's issued notes, exactly as staff download it (`credits.exports`), to
stdout or FILE; with `--pdf-dir` also each note's PDF (the e-invoice) as `DIR/<number>.pdf`,
rendered now if its task has not yet. Summaries go to stdout when the CSV goes to a file, else to
stderr.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credits.exports import credit_notes_write
from credits.management.output import write_file, write_stdout
from credits.models import CreditNote
from credits.notes.rendering import credit_note_render
from seasons.models import Season


class Command(BaseCommand):
    help = (
        "Export the current season's issued credit notes as the Xvantage CSV (to stdout or "
        "--output FILE); --pdf-dir DIR also writes each note's PDF as DIR/<number>.pdf."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="write the CSV to this file")
        parser.add_argument("--pdf-dir", type=Path, help="write each note's PDF into this folder")

    def handle(self, *args, output=None, pdf_dir=None, **options):
        output = Path(output) if output else None  # call_command passes them unparsed
        pdf_dir = Path(pdf_dir) if pdf_dir else None
        season = Season.objects.current()
        if season is None:
            raise CommandError("there is no season")
        if pdf_dir is not None:
            try:
                pdf_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CommandError(f"cannot write {pdf_dir}: {exc.strerror}") from exc
        report = self.stdout
        if output is None:
            write_stdout(self.stdout, lambda out: credit_notes_write(season=season, out=out))
            report = self.stderr
        else:
            rows = write_file(
                output,
                lambda out: credit_notes_write(season=season, out=out),
                prefix="export_credit_notes",
            )
            report.write(f"{rows} credit notes of {season.name} written to {output}")
        if pdf_dir is not None:
            count = self._pdfs(season, pdf_dir)
            report.write(f"{count} PDFs written to {pdf_dir}")

    @staticmethod
    def _pdfs(season: Season, directory: Path) -> int:
        count = 0
        for note_id in (
            CreditNote.objects.filter(season=season)
            .order_by("sequence")
            .values_list("pk", flat=True)
        ):
            note = credit_note_render(note_id=note_id)  # a rendered note is left as it is
            try:
                with note.pdf.open("rb") as handle:
                    content = handle.read()
            except (FileNotFoundError, ValueError) as exc:
                raise CommandError(f"the PDF of {note.number} is missing from storage") from exc
            write_file(
                directory / f"{note.number}.pdf",
                lambda out, content=content: out.write(content),
                prefix="export_credit_notes",
                binary=True,
            )
            count += 1
        return count
