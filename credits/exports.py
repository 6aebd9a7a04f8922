"""CSV files out of the credits app.

`credit_lines_write` is the operator contract of `manage.py export_credits` (SPEC section 7):
comma-separated, `.` as decimal point, months `YYYY-MM`, `\\n` line ends, no BOM, so that scripts
read it as they read the other contract files.

`credit_notes_write` is the list of issued notes for booking in Xvantage, one row per note (a
note is one booking document). It is meant to be opened by the booking team in a German Excel:
`;`-separated, UTF-8 with a byte-order mark (otherwise Excel reads umlauts as cp1252), amounts
with a decimal comma and no thousands separator (`-1234,56`), dates `dd.mm.yyyy`. Text cells that
Excel would take for a formula are prefixed with `'` (partner names are typed by partners).
Since e-invoicing (issue 11) each row ends with the note's `net_eur`, `vat_eur` and `gross_eur`
(`amount_eur` stays the net, where it was); a note issued before e-invoicing had no VAT: its VAT
and gross cells are empty.
"""

import csv
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from core.csvfiles import excel_text, excel_writer
from core.money import CENT

from .models import CreditLine, CreditNote

CREDIT_LINES_HEADER = (
    "partner_id",
    "customer_tenant_id",
    "kind",
    "service_group",
    "booking_month",
    "credit_eur",
    "status",
)

CREDIT_NOTES_HEADER = (
    "number",
    "date",
    "partner_id",
    "customer_number",
    "partner_name",
    "amount_eur",
    "corrects",
    "net_eur",
    "vat_eur",
    "gross_eur",
)


def credit_lines_rows(season) -> Iterable[tuple[str, ...]]:
    lines = (
        CreditLine.objects.filter(season=season)
        .order_by(
            "partner__partner_id",
            "booking_month",
            "customer_tenant_id",
            "kind",
            "service_group",
            "pk",
        )
        .values_list(
            "partner__partner_id",
            "customer_tenant_id",
            "kind",
            "service_group",
            "booking_month",
            "credit_eur",
            "status",
        )
    )
    for partner_id, tenant_id, kind, group, month, credit, status in lines.iterator(2000):
        yield (
            partner_id,
            tenant_id,
            kind,
            "" if kind == CreditLine.Kind.NEW_CUSTOMER else group,
            f"{month:%Y-%m}",
            f"{Decimal(credit).quantize(CENT):f}",
            status,
        )


def credit_lines_write(*, season, out) -> int:
    """Write SPEC 7's credit-line CSV of `season` to the text stream `out`; returns the rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CREDIT_LINES_HEADER)
    count = 0
    for row in credit_lines_rows(season):
        writer.writerow(row)
        count += 1
    return count


def _amount_de(value: Decimal) -> str:
    return f"{Decimal(value).quantize(CENT):f}".replace(".", ",")


def credit_notes_write(*, season, out) -> int:
    """Write the issued notes of `season` (see the module docstring) to `out`; returns the rows."""
    writer = excel_writer(out)
    writer.writerow(CREDIT_NOTES_HEADER)
    notes = (
        CreditNote.objects.filter(season=season)
        .select_related("partner", "corrects")
        .defer("xml", "corrects__xml")
        .order_by("sequence")
    )
    count = 0
    for note in notes.iterator(2000):
        writer.writerow(
            (
                note.number,
                f"{timezone.localtime(note.issued_at):%d.%m.%Y}",
                excel_text(note.partner.partner_id),
                excel_text(note.partner.customer_number),
                excel_text(note.partner.name),
                _amount_de(note.total_eur),
                note.corrects.number if note.corrects else "",
                _amount_de(note.total_eur),
                _amount_de(note.vat_eur) if note.vat_eur is not None else "",
                _amount_de(note.gross_eur) if note.gross_eur is not None else "",
            )
        )
        count += 1
    return count
