"""The league tables for staff as CSV (German Excel) and XLSX: every league of a season (or one),
in table order, with the companies behind the pseudonyms."""

import io
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from core.csvfiles import excel_text, excel_writer
from partners.models import Partner

from .leaderboard import LeagueTable


def header() -> tuple[str, ...]:
    return (
        _("League"),
        _("Rank"),
        _("Pseudonym"),
        _("Company"),
        _("MPN ID"),
        _("Customer number"),
        _("Points"),
        _("New end customers"),
        _("Points reached"),
    )


def table_rows(tables: list[LeagueTable]) -> Iterator[tuple]:
    ids = [row[0] for table in tables for row in table.rows]
    companies = {
        pk: (name, partner_id, number)
        for pk, name, partner_id, number in Partner.objects.filter(pk__in=ids).values_list(
            "pk", "name", "partner_id", "customer_number"
        )
    }
    for table in tables:
        for rank, (pk, number, points, new_customers, reached_at) in enumerate(table.rows, 1):
            name, partner_id, customer_number = companies[pk]
            yield (
                table.league.name,
                rank,
                f"Partner {number}",
                name,
                partner_id,
                customer_number,
                points,
                new_customers,
                timezone.localtime(reached_at).replace(tzinfo=None) if reached_at else None,
            )


def table_csv_write(tables: list[LeagueTable], out) -> None:
    writer = excel_writer(out)
    writer.writerow(header())
    for row in table_rows(tables):
        *text, points, new_customers, reached_at = row
        writer.writerow(
            (
                *(excel_text(str(value)) for value in text),
                points,
                new_customers,
                f"{reached_at:%d.%m.%Y %H:%M}" if reached_at else "",
            )
        )


def _xlsx_text(sheet, value: str) -> WriteOnlyCell:
    # openpyxl takes a string starting with "=" for a formula; a company name never is one.
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def table_xlsx(tables: list[LeagueTable]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("League table"))
    sheet.append(header())
    for row in table_rows(tables):
        *text, points, new_customers, reached_at = row
        moment = WriteOnlyCell(sheet, value=reached_at)
        moment.number_format = "DD.MM.YYYY HH:MM"
        sheet.append(
            [
                _xlsx_text(sheet, text[0]),
                text[1],
                *(_xlsx_text(sheet, value) for value in text[2:]),
                points,
                new_customers,
                moment,
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
