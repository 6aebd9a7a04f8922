"""`manage.py issue_credit_notes [--dry-run]` (SPEC section 7): issue the credit notes of the
current season for every partner with settled open amounts, as staff do on /staff/credit-notes/.

stdout carries one line per note, `number partner_id net_eur` (two decimals, `.`), and nothing
else, for scripts; partners held back (what their details lack) and the summary go to stderr. A
second run issues nothing. `--dry-run` runs the same issue in a transaction that is rolled back:
the lines show the numbers the notes would get now; nothing is numbered, stored or sent. Exit
status 1 with a one-line reason when nothing can be issued at all (no season, the seller not
configured).

With the console e-mail backend of a local run, the partners' e-mails (sent in-process after the
commit) are printed on stderr, not among the notes.
"""

import contextlib
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from core.errors import DomainError
from credits.notes.issuing import credit_notes_issue
from credits.notes.parties import seller_problems
from credits.notes.selectors import open_totals
from seasons.models import Season


class _RollBack(Exception):
    """Ends a dry run's transaction."""


class Command(BaseCommand):
    help = (
        "Issue credit notes for every partner with settled open amounts in the current season; "
        "prints `number partner_id net_eur` per note. --dry-run numbers nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show the notes a run would issue now, and who is held back; issue nothing",
        )

    def handle(self, *args, dry_run=False, **options):
        # Operator output in English, like the other commands; the partners' e-mails still go
        # out in each recipient's language, and the notes are German documents.
        with translation.override("en"):
            season = Season.objects.current()
            if season is None:
                raise CommandError("there is no season")
            problems = seller_problems()
            if problems:
                raise CommandError(" ".join(problems))
            try:
                lines = self._issue(season, dry_run=dry_run)
            except DomainError as exc:
                raise CommandError(" ".join(str(exc).split())) from exc
            held_back = [row for row in open_totals(season=season) if row["blocked"]]
        for line in lines:
            self.stdout.write(line)
        for row in held_back:
            partner = row["partner"]
            self.stderr.write(
                f"held back: {partner.partner_id} {partner.name}: {'; '.join(row['blocked'])}"
            )
        self.stderr.write(self._summary(len(lines), len(held_back), dry_run=dry_run))

    @staticmethod
    def _issue(season: Season, *, dry_run: bool) -> list[str]:
        lines = []
        try:
            with contextlib.redirect_stdout(sys.stderr), transaction.atomic():
                notes = credit_notes_issue(season=season, issued_by=None)
                lines = [f"{n.number} {n.partner.partner_id} {n.total_eur:.2f}" for n in notes]
                if dry_run:
                    raise _RollBack
        except _RollBack:
            pass
        return lines

    @staticmethod
    def _summary(issued: int, held_back: int, *, dry_run: bool) -> str:
        if dry_run:
            text = f"dry run: {issued} credit note(s) would be issued; nothing was numbered"
        elif issued:
            text = f"{issued} credit note(s) issued"
        else:
            text = "nothing to issue"
        if held_back:
            text += f"; {held_back} partner(s) held back until their details are complete"
        return text
