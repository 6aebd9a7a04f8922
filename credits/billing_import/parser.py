"""Reading a Partner Center daily rated usage file (SPEC section 6). Pure Python: no Django here,
so the parser is tested on its own (tests/credits/test_billing_parser.py, with hypothesis).

- The header names the columns: matched case-insensitively, in any order. The delimiter is the
  one the header uses more of, `,` or `;`; a `;` file writes its amounts with a decimal comma. A
  UTF-8 byte order mark is ignored; UTF-16 and other encodings are refused with the reason.
- The file is read line by line (a line longer than MAX_LINE_BYTES stops it). A row of a reseller
  outside the league (or without Tier2MpnId) is counted and skipped before any other check; every
  other row is validated. The valid rows of league partners go to `flush`, BATCH_ROWS at a time,
  as the tuples the writer stores (`Writer.COLUMNS`). Memory does not grow with the file.
- What is wrong is said as an English message marked with `gettext_noop` (so makemessages finds
  it) and the values it names: `credits.billing_import.report` words it in the reader's language.
"""

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from partners.identity import normalise_tenant

# Required columns (matched case-insensitively, any order) and the optional USD list total.
TIER2 = "Tier2MpnId"
CUSTOMER_ID = "CustomerId"
CUSTOMER_NAME = "CustomerName"
ENTITLEMENT_ID = "EntitlementId"
METER_CATEGORY = "MeterCategory"
USAGE_DATE = "UsageDate"
BILLING_TOTAL = "BillingPreTaxTotal"
BILLING_CURRENCY = "BillingCurrency"
PRICING_TOTAL = "PricingPreTaxTotal"
PRICING_CURRENCY = "PricingCurrency"
REQUIRED_COLUMNS = (
    TIER2,
    CUSTOMER_ID,
    CUSTOMER_NAME,
    ENTITLEMENT_ID,
    METER_CATEGORY,
    USAGE_DATE,
    BILLING_TOTAL,
    BILLING_CURRENCY,
)
OPTIONAL_COLUMNS = (PRICING_TOTAL, PRICING_CURRENCY)

MAX_LINE_BYTES = 1 << 20  # a longer line is not a usage file's: stop reading
MAX_ERRORS_SHOWN = 100
MAX_ERRORS_COUNTED = 10_000  # then stop reading and say "at least"
BATCH_ROWS = 5_000  # rows per COPY / executemany
PROGRESS_EVERY_LINES = 50_000  # progress_bytes and the lease are written every 50,000 lines
MAX_AMOUNT = Decimal("1e12")  # numeric(20, 8)
VALUE_SHOWN = 80  # characters of a wrong value kept in the report

csv.field_size_limit(MAX_LINE_BYTES)


def gettext_noop(message: str) -> str:
    """Marks a message for translation without translating it (as Django's does): the report
    translates it when it words the problem."""
    return message


class Number(int):
    """A whole number a person reads in a message (a line, a count): the report writes it for the
    language (`1.270` / `1,270`). Other values of a message are shown as they are."""


class Problem(NamedTuple):
    """A wrong value of the file: where, what, and why (a message and its values)."""

    line: int
    column: str
    value: str
    message: str
    params: dict


class FileRefused(Exception):
    """Reading stops: the file as a whole cannot be a usage file (or has too many errors)."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass
class Report:
    """Errors as the staff see them: the first MAX_ERRORS_SHOWN and a count."""

    errors: list[Problem] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, column: str, value: str, message: str, **params) -> None:
        self.count += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            shown = value if len(value) <= VALUE_SHOWN else value[: VALUE_SHOWN - 1] + "…"
            self.errors.append(Problem(line, column, shown, message, params))
        if self.count >= MAX_ERRORS_COUNTED:
            raise FileRefused(
                gettext_noop(
                    "At least %(count)s errors: reading stopped at line %(line)s. "
                    "Nothing was imported."
                ),
                count=Number(self.count),
                line=Number(line),
            )


@dataclass
class Parsed:
    rows_total: int = 0  # data rows, valid or not
    rows_kept: int = 0  # valid rows of league partners, handed to the writer
    rows_skipped: int = 0  # valid rows of resellers outside the league or without Tier2MpnId
    months: set = field(default_factory=set)  # "YYYY-MM-01" of every valid row
    pairs: set = field(default_factory=set)  # (partner pk, "YYYY-MM-01") of kept rows
    categories: dict = field(default_factory=dict)  # MeterCategory → [rows, amount] of kept rows


class Lines:
    """Decoded lines of a binary file, one at a time, each at most MAX_LINE_BYTES long.

    A line that is not UTF-8 is parsed on with replacement characters (so the counts stay right)
    and kept in `undecodable`: `parse` reports it unless its row is skipped. `tick` is called
    every PROGRESS_EVERY_LINES lines (the progress and the lease).
    """

    def __init__(
        self,
        f,
        report: Report,
        *,
        tick: Callable[[], None] | None = None,
    ):
        self.f = f
        self.report = report
        self.number = 0
        self.tick = tick
        self.tick_every = PROGRESS_EVERY_LINES
        self.undecodable: list[tuple[int, str, str, dict]] = []  # line, value, message, params

    def header(self) -> str:
        raw = self.f.readline(MAX_LINE_BYTES + 1)
        if not raw.strip():
            raise FileRefused(gettext_noop("The file is empty."))
        self.number = 1
        self._check_length(raw)
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise FileRefused(
                gettext_noop("Line 1: the file is UTF-16; save it as UTF-8 (CSV) and retry.")
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileRefused(
                gettext_noop(
                    "Line 1: the file is not UTF-8 (byte 0x%(byte)02x at position %(pos)s)."
                ),
                byte=raw[exc.start],
                pos=exc.start + 1,
            ) from exc
        return text.removeprefix("\ufeff")

    def _check_length(self, raw: bytes) -> None:
        if len(raw) > MAX_LINE_BYTES:
            self.report.count += 1
            self.report.errors.append(
                Problem(self.number, "", "", gettext_noop("The line is longer than 1 MB."), {})
            )
            raise FileRefused(
                gettext_noop(
                    "Line %(line)s is longer than 1 MB: this is not a Partner Center usage file. "
                    "Reading stopped; nothing was imported."
                ),
                line=Number(self.number),
            )

    def __iter__(self) -> Iterator[str]:
        readline = self.f.readline
        limit = MAX_LINE_BYTES + 1
        number = self.number
        tick, tick_every = self.tick, self.tick_every
        tick_at = number + tick_every
        while raw := readline(limit):
            number += 1
            self.number = number
            if len(raw) >= limit:
                self._check_length(raw)
            if number >= tick_at:
                tick_at = number + tick_every
                if tick is not None:
                    tick()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.undecodable.append(
                    (
                        number,
                        raw[max(0, exc.start - 20) : exc.start + 20].decode("utf-8", "replace"),
                        gettext_noop(
                            "Not UTF-8 text (byte 0x%(byte)02x at position %(pos)s): save the "
                            "file as UTF-8."
                        ),
                        {"byte": raw[exc.start], "pos": exc.start + 1},
                    )
                )
                text = raw.decode("utf-8", "replace")
            yield text


def header_index(header: str, report: Report) -> tuple[str, dict[str, int], int]:
    """The delimiter, the position of each known column and the number of columns."""
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = next(csv.reader([header], delimiter=delimiter))
    keys = [name.strip().casefold() for name in names]
    index: dict[str, int] = {}
    for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        key = column.casefold()
        positions = [i for i, k in enumerate(keys) if k == key]
        if positions:
            index[column] = positions[0]
        if len(positions) > 1:
            report.add(1, column, "", gettext_noop("The column appears more than once."))
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if len(missing) == len(REQUIRED_COLUMNS):
        raise FileRefused(
            gettext_noop(
                "Line 1 is not the header of a Partner Center usage file: none of the required "
                "columns (%(columns)s) was found."
            ),
            columns=", ".join(REQUIRED_COLUMNS),
        )
    for column in missing:
        report.add(1, column, "", gettext_noop("Required column missing."))
    if missing:
        raise FileRefused(
            gettext_noop(
                "The header lacks the required column(s) %(columns)s. Nothing was imported."
            ),
            columns=", ".join(missing),
        )
    if report.count:
        raise FileRefused(gettext_noop("The header names a column twice. Nothing was imported."))
    return delimiter, index, len(names)


_ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_US_DATE = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?: +\d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?)?"
)


def parse_usage_date(value: str) -> date | None:
    """ISO `2024-10-15` or US `10/15/2024`, each with an optional time that is ignored."""
    value = value.strip()
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _US_DATE.fullmatch(value):
        month, day, year = match.groups()
    else:
        return None
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return parsed if 1990 <= parsed.year <= 2100 else None


def parse_amount(value: str, decimal_comma: bool) -> str | None:
    """The amount as PostgreSQL and SQLite read it, or None if it is not a plain number."""
    parsed = _amount(value, decimal_comma)
    return parsed and parsed[0]


def _amount(value: str, decimal_comma: bool) -> tuple[str, Decimal] | None:
    text = value.strip()
    if decimal_comma and "," in text:
        text = text.replace(",", ".")
    # Decimal() also takes "NaN", "1_000" and non-ASCII digits; the databases do not.
    if not text or not text.isascii() or "_" in text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        return None
    return text, amount


def parse(
    f,
    *,
    league: dict[str, int],
    season_id: int,
    import_id: int,
    flush: Callable[[list], None],
    report: Report,
    tick: Callable[[], None] | None = None,
) -> Parsed:
    """Skip the rows of resellers outside the league, validate every other row; hand the valid
    rows of league partners to `flush`, BATCH_ROWS at a time (a new list each time). `f` is a
    binary file; `league` maps a Tier2MpnId to its partner's pk. Streams: memory does not grow
    with the file. Raises FileRefused when the file as a whole is not a usage file."""
    lines = Lines(f, report, tick=tick)
    delimiter, index, width = header_index(lines.header(), report)
    decimal_comma = delimiter == ";"
    i_tier2, i_customer, i_name = index[TIER2], index[CUSTOMER_ID], index[CUSTOMER_NAME]
    i_entitlement, i_category = index[ENTITLEMENT_ID], index[METER_CATEGORY]
    i_date, i_total, i_currency = index[USAGE_DATE], index[BILLING_TOTAL], index[BILLING_CURRENCY]
    i_pricing, i_pricing_currency = index.get(PRICING_TOTAL), index.get(PRICING_CURRENCY)
    has_pricing = i_pricing is not None and i_pricing_currency is not None

    parsed = Parsed()
    months_add, pairs_add = parsed.months.add, parsed.pairs.add
    dates: dict[str, tuple[str, str]] = {}  # raw UsageDate → (ISO day, ISO month); few distinct
    add_error = report.add
    undecodable = lines.undecodable

    def report_undecodable() -> None:
        for number, value, message, params in undecodable:
            add_error(number, "", value, message, **params)
        undecodable.clear()

    reader = csv.reader(lines, delimiter=delimiter)
    categories = parsed.categories
    rows_total = rows_kept = rows_skipped = 0
    batch: list[tuple] = []
    append = batch.append
    consumed = 0  # lines the csv reader has consumed before the current record
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if undecodable:
                report_undecodable()
            add_error(
                consumed + 2,
                "",
                "",
                gettext_noop("Not a valid CSV line: %(error)s"),
                error=str(exc),
            )
            consumed = reader.line_num
            continue
        line = consumed + 2  # the header is line 1
        consumed = reader.line_num
        if len(row) != width:
            if not any(v.strip() for v in row):
                continue  # a blank line
            rows_total += 1
            # Whose row it is cannot be told when the columns are off: checked for everybody.
            if undecodable:
                report_undecodable()
            add_error(
                line,
                "",
                "",
                gettext_noop("%(found)s fields, the header has %(expected)s."),
                found=len(row),
                expected=width,
            )
            continue
        customer = row[i_customer]
        amount_text = row[i_total]
        if not customer and not amount_text and not any(row):
            continue  # a line of empty fields, as spreadsheet exports leave them
        rows_total += 1
        partner_pk = league.get(row[i_tier2].strip())
        if partner_pk is None:
            # A reseller outside the league (or none): counted and skipped before any other
            # check (SPEC section 6). Its month still counts as billed, if its date can be read.
            rows_skipped += 1
            if undecodable:
                undecodable.clear()
            raw_date = row[i_date]
            day = dates.get(raw_date)
            if day is None:
                usage_date = parse_usage_date(raw_date)
                if usage_date is None:
                    continue
                day = (usage_date.isoformat(), usage_date.replace(day=1).isoformat())
                if len(dates) < 10_000:
                    dates[raw_date] = day
            months_add(day[1])
            continue
        errors_before = report.count
        if undecodable:
            report_undecodable()

        currency = row[i_currency]
        if currency != "EUR" and currency.strip().upper() != "EUR":
            add_error(line, BILLING_CURRENCY, currency, gettext_noop("The currency must be EUR."))
        raw_date = row[i_date]
        day = dates.get(raw_date)
        if day is None:
            usage_date = parse_usage_date(raw_date)
            if usage_date is None:
                add_error(
                    line,
                    USAGE_DATE,
                    raw_date,
                    gettext_noop("Not a date (expected 2024-10-15 or 10/15/2024)."),
                )
            else:
                day = (usage_date.isoformat(), usage_date.replace(day=1).isoformat())
                if len(dates) < 10_000:
                    dates[raw_date] = day
        amount = _amount(amount_text, decimal_comma)
        if amount is None:
            add_error(line, BILLING_TOTAL, amount_text, gettext_noop("Not an amount."))
        pricing = None
        if has_pricing:
            pricing_text = row[i_pricing]
            if pricing_text.strip():
                pricing = _amount(pricing_text, decimal_comma)
                if pricing is None:
                    add_error(line, PRICING_TOTAL, pricing_text, gettext_noop("Not an amount."))
                elif row[i_pricing_currency].strip().upper() == "USD":
                    pricing = pricing[0]
                else:
                    pricing = None  # not the USD list total; the computation converts instead
        customer = normalise_tenant(customer)
        if not customer:
            add_error(line, CUSTOMER_ID, row[i_customer], gettext_noop("Empty."))
        elif len(customer) > 36:
            add_error(line, CUSTOMER_ID, customer, gettext_noop("Longer than an Azure tenant ID."))
        entitlement = normalise_tenant(row[i_entitlement])
        if not entitlement:
            add_error(line, ENTITLEMENT_ID, row[i_entitlement], gettext_noop("Empty."))
        elif len(entitlement) > 64:
            add_error(line, ENTITLEMENT_ID, entitlement, gettext_noop("Longer than 64 characters."))
        category = row[i_category].strip()
        if len(category) > 200:
            add_error(line, METER_CATEGORY, category, gettext_noop("Longer than 200 characters."))

        if report.count != errors_before or day is None:
            continue
        months_add(day[1])
        rows_kept += 1
        if report.count:
            continue  # the file is refused anyway: validate on, store nothing
        pairs_add((partner_pk, day[1]))
        per_category = categories.get(category)
        if per_category is None:
            per_category = categories[category] = [0, Decimal(0)]
        per_category[0] += 1
        per_category[1] += amount[1]
        name = row[i_name].strip()
        append(
            (
                season_id,
                import_id,
                partner_pk,
                day[1],
                day[0],
                customer,
                name[:200],
                entitlement,
                category,
                amount[0],
                pricing,
            )
        )
        if len(batch) >= BATCH_ROWS:
            flush(batch)
            batch = []
            append = batch.append
    if undecodable:
        report_undecodable()
    if rows_total == 0 and report.count == 0:
        raise FileRefused(gettext_noop("The file has a header but no rows."))
    if batch and not report.count:
        flush(batch)
    parsed.rows_total, parsed.rows_kept, parsed.rows_skipped = rows_total, rows_kept, rows_skipped
    return parsed
