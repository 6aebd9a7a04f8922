"""Every credit note a test issues is a valid e-invoice (issue 11): `tests/conftest.py` calls
`validate_issued_notes` after each test that used the database, which checks the XML of every
note the test left (XSD at level EN 16931 and the EN 16931 Schematron, offline with saxonche)
and fails the test on an XSD error or a fatal finding. The figures are printed at the end of the
run (`summary`)."""

from dataclasses import dataclass, field

from credits.einvoice_check import Report, check
from credits.models import CreditNote


@dataclass
class Figures:
    notes: int = 0
    fatal: int = 0
    warnings: int = 0
    rules_fired: list[int] = field(default_factory=list)


FIGURES = Figures()


def assert_valid_einvoice(content: bytes, *, name: str = "") -> Report:
    """Check one e-invoice (PDF or XML) and count it; fails on an XSD error or a fatal finding."""
    report = check(content)
    FIGURES.notes += 1
    FIGURES.fatal += len(report.fatal) + len(report.xsd_errors)
    FIGURES.warnings += len(report.findings) - len(report.fatal)
    FIGURES.rules_fired.append(report.rules_fired)
    assert report.xsd_errors == (), f"{name}: {report.xsd_errors}"
    assert report.fatal == (), f"{name}: {report.fatal}"
    assert report.rules_fired > 50, f"{name}: the Schematron looked at too little"
    return report


def validate_issued_notes() -> int:
    """Check the XML of every e-invoice in the database; returns how many."""
    notes = CreditNote.objects.exclude(xml="").order_by("pk").values_list("number", "xml")
    count = 0
    for number, xml in notes:
        assert_valid_einvoice(xml.encode("utf-8"), name=number)
        count += 1
    return count


def summary() -> str | None:
    if not FIGURES.notes:
        return None
    fired = FIGURES.rules_fired
    return (
        f"e-invoices validated (XSD + EN 16931 Schematron): {FIGURES.notes} documents, "
        f"{FIGURES.fatal} fatal findings, {FIGURES.warnings} warnings, "
        f"rules fired per document {min(fired)}–{max(fired)}"
    )
