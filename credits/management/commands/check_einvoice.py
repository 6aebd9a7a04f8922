"""`manage.py check_einvoice FILE...`: check credit-note e-invoices by hand, offline, as the test
suite checks every note it issues: the Factur-X XSD at level EN 16931 and the EN 16931 Schematron
(`credits.einvoice_check`). A file is a Factur-X PDF (its embedded factur-x.xml is checked) or the
XML alone. Prints the findings per file; exit status 1 when a file has an XSD error or a fatal
finding, or cannot be checked. The Schematron needs saxonche, a development requirement.
"""

import importlib.util
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Check e-invoices (Factur-X PDF or CII XML) against the Factur-X XSD and the EN 16931 "
        "Schematron, offline; exit status 1 on an XSD error or a fatal finding."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args, files, **options):
        if importlib.util.find_spec("saxonche") is None:
            raise CommandError(
                "saxonche is not installed; run `make install-dev` (it checks the EN 16931 "
                "Schematron offline)"
            )
        from credits.einvoice_check import check

        invalid = 0
        for path in map(Path, files):
            try:
                report = check(path.read_bytes())
            except OSError as exc:
                self.stderr.write(f"{path}: cannot read: {exc.strerror}")
                invalid += 1
                continue
            except Exception as exc:  # not a PDF with a factur-x.xml, not XML at all
                self.stderr.write(f"{path}: cannot check: {' '.join(str(exc).split())[:300]}")
                invalid += 1
                continue
            warnings = len(report.findings) - len(report.fatal)
            self.stdout.write(
                f"{path}: {'valid' if report.valid else 'NOT VALID'} "
                f"(XSD {'passed' if not report.xsd_errors else 'failed'}, "
                f"{report.rules_fired} Schematron rules fired, {len(report.fatal)} fatal, "
                f"{warnings} warnings)"
            )
            for error in report.xsd_errors:
                self.stdout.write(f"  XSD: {' '.join(error.split())}")
            for finding in report.findings:
                self.stdout.write(f"  {finding.flag} {finding.rule}: {finding.text}")
            invalid += not report.valid
        if invalid:
            raise CommandError(f"{invalid} of {len(files)} files are not valid e-invoices")
