"""Billing import (SPEC section 6): Partner Center daily rated usage files → `UsageRow`.

How a file goes through:

1. `billing_import_create` stores the upload privately under MEDIA_ROOT/billing/ (sha256 computed
   while streaming) and enqueues `billing_import_run_task` after commit. The CLI uses
   `billing_import_file`, which reads the file where it lies and runs the same code at once.
2. `billing_import_run` claims the import with a conditional UPDATE (pending → running) and goes on
   only if it changed one row, so a Celery retry or a second worker does nothing. The claim gives
   the run an attempt number and a lease it renews while it makes progress (credits.import_lease:
   a dead worker's import is marked failed within minutes and staff can start it again). A file
   whose content is already what UsageRow holds for every (month, partner) of it ends as
   "unchanged" (see UsageSource); an earlier file uploaded again after a correction is imported.
3. The file is streamed line by line (a line longer than 1 MB stops it). A row of a reseller
   outside the league (or without Tier2MpnId) is counted and skipped before any other check;
   every other row is validated. The rows of league partners go, in batches, straight into
   UsageRow (COPY on PostgreSQL, executemany on SQLite), all in ONE transaction that is
   serialised per season. On PostgreSQL (outside a caller's transaction) that writer runs on a
   thread and connection of its own, so the database stores one batch while the next is parsed;
   progress and the lease go to the database over this thread's connection. Memory does not grow
   with the file.
4. Any bad row: the transaction rolls back, nothing is stored; the import ends "failed" with the
   first 100 errors (line, column, value, reason) and the count. A header that is not a usage
   file's, an empty file or `MAX_ERRORS_COUNTED` errors stop reading early.
5. Otherwise, before the commit, set-based: delete what earlier files stored for every (month,
   partner) of this one, record which import holds them now, the billed months and the
   unclassified meter categories, and mark the import "succeeded" — conditional on the run's
   attempt, so a run given up meanwhile rolls back instead. The credit computation is enqueued
   after commit.
"""

import csv
import hashlib
import logging
import os
import queue
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.files.move import file_move_safe
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import formatting
from core.errors import DomainError
from partners.identity import normalise_tenant
from partners.models import Partner
from seasons.models import Season

from .import_lease import Lease, LeaseLost, billing_import_claim
from .models import BilledMonth, BillingImport, ServiceGroupMapping, UsageRow, UsageSource

logger = logging.getLogger(__name__)

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
MAX_UPLOAD_BYTES = 4 * 1024**3
MAX_AMOUNT = Decimal("1e12")  # numeric(20, 8)
VALUE_SHOWN = 80  # characters of a wrong value kept in the report
CHUNK = 1 << 20

# Store while reading on a thread of its own (PostgreSQL outside a caller's transaction).
THREADED_WRITER = True
SWITCH_INTERVAL = 0.0002  # seconds; see _run
# Both ints of pg_advisory_xact_lock(int, int): imports of one season run their write one at a time.
LOCK_CLASS = 0x42494C  # "BIL"

csv.field_size_limit(MAX_LINE_BYTES)


class FileRefused(Exception):
    """Reading stops: the file as a whole cannot be a usage file (or has too many errors)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Creating an import -------------------------------------------------------------------------


def _billing_dir() -> Path:
    target = Path(settings.MEDIA_ROOT) / "billing"
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    return target


def _sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _store_upload(uploaded_file) -> tuple[Path, str, int]:
    """Stream the upload into MEDIA_ROOT/billing/ (never served) and hash it on the way."""
    target = _billing_dir() / f"{timezone.now():%Y%m%d}-{uuid.uuid4().hex}.csv"
    temporary = getattr(uploaded_file, "temporary_file_path", None)
    if temporary is not None:
        # Django's TemporaryFileUploadHandler already streamed it to disk: hash it, then move
        # it (a rename on the same file system) instead of writing it a second time.
        sha256, size = _sha256_of(Path(temporary()))
        file_move_safe(temporary(), str(target))
    else:
        digest, size = hashlib.sha256(), 0
        with open(target, "wb") as out:
            for chunk in uploaded_file.chunks(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        sha256 = digest.hexdigest()
    os.chmod(target, 0o600)
    return target, sha256, size


def billing_import_create(
    *,
    season: Season,
    uploaded_file=None,
    path: Path | str | None = None,
    user=None,
    enqueue: bool = True,
) -> BillingImport:
    """Record a file to import. An upload is stored privately; a path (the CLI) is read where it
    lies. The import task is enqueued after commit unless `enqueue` is False."""
    if (uploaded_file is None) == (path is None):
        raise ValueError("pass either uploaded_file or path")
    if uploaded_file is not None:
        if uploaded_file.size is not None and uploaded_file.size > MAX_UPLOAD_BYTES:
            raise DomainError(_("The file is larger than 4 GB."))
        stored, sha256, size = _store_upload(uploaded_file)
        file_name = Path(uploaded_file.name or "upload.csv").name
    else:
        stored = Path(path).resolve()
        try:
            sha256, size = _sha256_of(stored)
        except OSError as exc:
            raise DomainError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from exc
        file_name = stored.name
    billing_import = BillingImport.objects.create(
        season=season,
        file_name=file_name[:255],
        stored_path=str(stored),
        sha256=sha256,
        size_bytes=size,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    if enqueue:
        from .tasks import billing_import_run_task

        billing_import_run_task.delay_on_commit(import_id=billing_import.pk)
    return billing_import


def billing_import_file(
    *, path: Path | str, season: Season | None = None, user=None, compute: bool = True
) -> BillingImport:
    """The CLI's synchronous import: the same code as the Celery task, without Celery."""
    season = season or Season.objects.current()
    if season is None:
        raise DomainError(_("There is no season; create one first."))
    billing_import = billing_import_create(season=season, path=path, user=user, enqueue=False)
    return billing_import_run(import_id=billing_import.pk, compute=compute)


# --- Running an import --------------------------------------------------------------------------


@dataclass
class _Report:
    """Errors as the staff see them: the first MAX_ERRORS_SHOWN and a count."""

    errors: list[dict] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, column: str, value: str, reason: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            shown = value if len(value) <= VALUE_SHOWN else value[: VALUE_SHOWN - 1] + "…"
            self.errors.append({"line": line, "column": column, "value": shown, "reason": reason})
        if self.count >= MAX_ERRORS_COUNTED:
            raise FileRefused(
                _(
                    "At least %(count)s errors: reading stopped at line %(line)s. "
                    "Nothing was imported."
                )
                % {"count": formatting.number(self.count), "line": formatting.number(line)}
            )


@dataclass
class _Parsed:
    rows_total: int = 0  # data rows, valid or not
    rows_kept: int = 0  # valid rows of league partners, handed to the writer
    rows_skipped: int = 0  # valid rows of resellers outside the league or without Tier2MpnId
    months: set = field(default_factory=set)  # "YYYY-MM-01" of every valid row
    pairs: set = field(default_factory=set)  # (partner pk, "YYYY-MM-01") of kept rows
    categories: dict = field(default_factory=dict)  # MeterCategory → [rows, amount] of kept rows


class _Lines:
    """Decoded lines of a binary file, one at a time, each at most MAX_LINE_BYTES long.

    A line that is not UTF-8 is parsed on with replacement characters (so the counts stay right)
    and kept in `undecodable`: _parse reports it unless its row is skipped. `tick` is called every
    PROGRESS_EVERY_LINES lines (the progress and the lease).
    """

    def __init__(
        self,
        f,
        report: _Report,
        *,
        tick: Callable[[], None] | None = None,
    ):
        self.f = f
        self.report = report
        self.number = 0
        self.tick = tick
        self.tick_every = PROGRESS_EVERY_LINES
        self.undecodable: list[tuple[int, str, str]] = []  # line, value, reason

    def header(self) -> str:
        raw = self.f.readline(MAX_LINE_BYTES + 1)
        if not raw.strip():
            raise FileRefused(_("The file is empty."))
        self.number = 1
        self._check_length(raw)
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise FileRefused(_("Line 1: the file is UTF-16; save it as UTF-8 (CSV) and retry."))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileRefused(
                _("Line 1: the file is not UTF-8 (byte 0x%(byte)02x at position %(pos)s).")
                % {"byte": raw[exc.start], "pos": exc.start + 1}
            ) from exc
        return text.removeprefix("\ufeff")

    def _check_length(self, raw: bytes) -> None:
        if len(raw) > MAX_LINE_BYTES:
            self.report.count += 1
            self.report.errors.append(
                {
                    "line": self.number,
                    "column": "",
                    "value": "",
                    "reason": _("The line is longer than 1 MB."),
                }
            )
            raise FileRefused(
                _(
                    "Line %(line)s is longer than 1 MB: this is not a Partner Center usage file. "
                    "Reading stopped; nothing was imported."
                )
                % {"line": formatting.number(self.number)}
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
                        _(
                            "Not UTF-8 text (byte 0x%(byte)02x at position %(pos)s): save the "
                            "file as UTF-8."
                        )
                        % {"byte": raw[exc.start], "pos": exc.start + 1},
                    )
                )
                text = raw.decode("utf-8", "replace")
            yield text


def _header_index(header: str, report: _Report) -> tuple[str, dict[str, int], int]:
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
            report.add(1, column, "", _("The column appears more than once."))
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if len(missing) == len(REQUIRED_COLUMNS):
        raise FileRefused(
            _(
                "Line 1 is not the header of a Partner Center usage file: none of the required "
                "columns (%(columns)s) was found."
            )
            % {"columns": ", ".join(REQUIRED_COLUMNS)}
        )
    for column in missing:
        report.add(1, column, "", _("Required column missing."))
    if missing:
        raise FileRefused(
            _("The header lacks the required column(s) %(columns)s. Nothing was imported.")
            % {"columns": ", ".join(missing)}
        )
    if report.count:
        raise FileRefused(_("The header names a column twice. Nothing was imported."))
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


def _parse(
    f,
    *,
    league: dict[str, int],
    season_id: int,
    import_id: int,
    flush: Callable[[list], None],
    report: _Report,
    tick: Callable[[], None] | None = None,
) -> _Parsed:
    """Skip the rows of resellers outside the league, validate every other row; hand the valid
    rows of league partners to `flush`, BATCH_ROWS at a time (a new list each time). Streams:
    memory does not grow with the file."""
    lines = _Lines(f, report, tick=tick)
    delimiter, index, width = _header_index(lines.header(), report)
    decimal_comma = delimiter == ";"
    i_tier2, i_customer, i_name = index[TIER2], index[CUSTOMER_ID], index[CUSTOMER_NAME]
    i_entitlement, i_category = index[ENTITLEMENT_ID], index[METER_CATEGORY]
    i_date, i_total, i_currency = index[USAGE_DATE], index[BILLING_TOTAL], index[BILLING_CURRENCY]
    i_pricing, i_pricing_currency = index.get(PRICING_TOTAL), index.get(PRICING_CURRENCY)
    has_pricing = i_pricing is not None and i_pricing_currency is not None

    parsed = _Parsed()
    months_add, pairs_add = parsed.months.add, parsed.pairs.add
    dates: dict[str, tuple[str, str]] = {}  # raw UsageDate → (ISO day, ISO month); few distinct
    add_error = report.add
    undecodable = lines.undecodable

    def report_undecodable() -> None:
        for number, value, reason in undecodable:
            add_error(number, "", value, reason)
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
            add_error(consumed + 2, "", "", _("Not a valid CSV line: %(error)s") % {"error": exc})
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
                _("%(found)s fields, the header has %(expected)s.")
                % {"found": len(row), "expected": width},
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
            add_error(line, BILLING_CURRENCY, currency, _("The currency must be EUR."))
        raw_date = row[i_date]
        day = dates.get(raw_date)
        if day is None:
            usage_date = parse_usage_date(raw_date)
            if usage_date is None:
                add_error(
                    line,
                    USAGE_DATE,
                    raw_date,
                    _("Not a date (expected 2024-10-15 or 10/15/2024)."),
                )
            else:
                day = (usage_date.isoformat(), usage_date.replace(day=1).isoformat())
                if len(dates) < 10_000:
                    dates[raw_date] = day
        amount = _amount(amount_text, decimal_comma)
        if amount is None:
            add_error(line, BILLING_TOTAL, amount_text, _("Not an amount."))
        pricing = None
        if has_pricing:
            pricing_text = row[i_pricing]
            if pricing_text.strip():
                pricing = _amount(pricing_text, decimal_comma)
                if pricing is None:
                    add_error(line, PRICING_TOTAL, pricing_text, _("Not an amount."))
                elif row[i_pricing_currency].strip().upper() == "USD":
                    pricing = pricing[0]
                else:
                    pricing = None  # not the USD list total; the computation converts instead
        customer = normalise_tenant(customer)
        if not customer:
            add_error(line, CUSTOMER_ID, row[i_customer], _("Empty."))
        elif len(customer) > 36:
            add_error(line, CUSTOMER_ID, customer, _("Longer than an Azure tenant ID."))
        entitlement = normalise_tenant(row[i_entitlement])
        if not entitlement:
            add_error(line, ENTITLEMENT_ID, row[i_entitlement], _("Empty."))
        elif len(entitlement) > 64:
            add_error(line, ENTITLEMENT_ID, entitlement, _("Longer than 64 characters."))
        category = row[i_category].strip()
        if len(category) > 200:
            add_error(line, METER_CATEGORY, category, _("Longer than 200 characters."))

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
        raise FileRefused(_("The file has a header but no rows."))
    if batch and not report.count:
        flush(batch)
    parsed.rows_total, parsed.rows_kept, parsed.rows_skipped = rows_total, rows_kept, rows_skipped
    return parsed


class _AlreadyImported(Exception):
    def __init__(self, original: BillingImport):
        self.original = original


class _Writer:
    """Stores one file's rows in ONE transaction, batch by batch as they are read.

    PostgreSQL: COPY straight into UsageRow; SQLite: executemany. At the end, rows of partners
    that lost their approval meanwhile are dropped again; unless every (month, partner) of the
    file is already held by this content, the rows stored before for each of them are deleted
    (set-based, one DELETE per month), this import recorded as their source, the billed months
    and the report recorded, and — if the run still holds its import — the transaction commits.
    On a bad row, or a lease lost, it rolls back.

    (A staging table with INSERT ... SELECT was measured first: the extra pass over the rows made
    the database the slower half of the pipeline, 21.5 s against 15 s for a million rows.)
    """

    COLUMNS = (
        "season_id",
        "billing_import_id",
        "partner_id",
        "month",
        "usage_date",
        "customer_tenant_id",
        "customer_name",
        "entitlement_id",
        "meter_category",
        "billing_total",
        "pricing_total_usd",
    )

    def __init__(
        self,
        billing_import: BillingImport,
        *,
        lease: Lease,
        league_digest: str,
        compute: bool,
        immediate: bool,
    ):
        self.billing_import = billing_import
        self.season_id = billing_import.season_id
        self.lease = lease
        self.league_digest = league_digest
        self.compute = compute
        # Check foreign keys per statement, not all at COMMIT: in a writer thread the checks then
        # run while the next rows are being read instead of after the last one.
        self.immediate = immediate
        self.atomic = None
        self.cursor = None
        self.stored = 0

    # All methods run on the connection of the thread that calls them.

    def open(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.table = UsageRow._meta.db_table
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.cursor = connection.cursor()
        if self.postgres:
            # Two files of one season must not replace each other's rows half-way.
            self.cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, self.season_id]
            )
            if self.immediate:
                self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The same file may have been imported while this run waited for the lock.
        original = _imported_before(self.billing_import, self.league_digest)
        if original is not None:
            raise _AlreadyImported(original)

    def write(self, rows: list[tuple]) -> None:
        columns = ", ".join(self.COLUMNS)
        if self.postgres:
            with self.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(self.COLUMNS))
            self.cursor.executemany(
                f"INSERT INTO {self.table} ({columns}) VALUES ({placeholders})", rows
            )
        self.stored += len(rows)

    def commit(self, parsed: "_Parsed") -> None:
        try:
            self._finish_rows(parsed)
        except BaseException as exc:
            self._close(exc)
            raise
        self._close(None)

    def _finish_rows(self, parsed: "_Parsed") -> None:
        billing_import = self.billing_import
        # The partners were read when the import started; one may have withdrawn since.
        self.cursor.execute(
            f"""
            DELETE FROM {self.table}
            WHERE billing_import_id = %s AND partner_id NOT IN (
                SELECT id FROM {Partner._meta.db_table} WHERE season_id = %s AND status = %s
            )
            """,
            [billing_import.pk, self.season_id, Partner.Status.APPROVED],
        )
        self.stored -= self.cursor.rowcount
        approved = set(
            Partner.objects.approved().filter(season_id=self.season_id).values_list("pk", flat=True)
        )
        pairs = {pair for pair in parsed.pairs if pair[0] in approved}
        original = _held_by_same_file(billing_import, pairs)
        if original is not None:
            raise _AlreadyImported(original)
        by_month: dict[str, list[int]] = {}
        for partner_pk, month in pairs:
            by_month.setdefault(month, []).append(partner_pk)
        for month, partner_pks in sorted(by_month.items()):
            # Replacement: what earlier files stored for this month and these partners. (No
            # signals or relations point at UsageRow: one DELETE statement.)
            UsageRow.objects.filter(
                season_id=self.season_id, month=month, partner_id__in=partner_pks
            ).exclude(billing_import=billing_import).delete()
        UsageSource.objects.bulk_create(
            [
                UsageSource(
                    season_id=self.season_id,
                    partner_id=partner_pk,
                    month=month,
                    billing_import_id=billing_import.pk,
                )
                for partner_pk, month in pairs
            ],
            update_conflicts=True,
            unique_fields=["season", "partner", "month"],
            update_fields=["billing_import"],
            batch_size=2_000,
        )
        months = sorted(parsed.months)
        for month in months:
            BilledMonth.objects.get_or_create(
                season_id=self.season_id, month=month, defaults={"billing_import": billing_import}
            )
        BilledMonth.objects.filter(season_id=self.season_id, month__in=months).update(
            billing_import=billing_import
        )
        # The fence: only the run that still holds the import commits. A run given up meanwhile
        # (marked failed, started again) changes no row here and rolls everything back. The
        # UPDATE locks the row until COMMIT, so a reaper cannot mark it failed in between.
        succeeded = self.lease.mine().update(
            status=BillingImport.Status.SUCCEEDED,
            failure=BillingImport.Failure.NONE,
            lease_expires_at=None,
            progress_bytes=billing_import.size_bytes,
            rows_total=parsed.rows_total,
            rows_stored=self.stored,
            rows_skipped=parsed.rows_total - self.stored,
            error_count=0,
            errors=[],
            months=[m[:7] for m in months],
            unclassified=_unclassified(parsed.categories),
            message="",
            finished_at=timezone.now(),
            # A partner that left during the import makes the league another one: no shortcut.
            league_digest=self.league_digest if len(pairs) == len(parsed.pairs) else "",
            partner_months=len(pairs),
        )
        if not succeeded:
            raise LeaseLost
        if self.compute:
            _enqueue_compute(season_id=self.season_id)

    def rollback(self) -> None:
        self._close(_Rollback())

    def _close(self, error: BaseException | None) -> None:
        atomic, self.atomic = self.atomic, None
        cursor, self.cursor = self.cursor, None
        if cursor is not None:
            cursor.close()
        if atomic is not None:
            if error is None:
                atomic.__exit__(None, None, None)
            else:
                atomic.__exit__(type(error), error, None)


class _Rollback(Exception):
    pass


class _WriterThread:
    """Runs a _Writer on its own thread and database connection, so PostgreSQL stores one batch
    (heap, indexes, foreign-key checks) while this thread parses the next: two cores at work.
    A bounded queue keeps memory flat. While this thread waits for the writer (another import
    holds the season's lock, or the last statements run), `beat` renews the lease."""

    def __init__(self, writer: _Writer, *, beat: Callable[[], None]):
        self.writer = writer
        self.beat = beat
        self.queue: queue.Queue = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="billing-writer", daemon=True)

    def open(self) -> None:
        self.thread.start()

    def _work(self) -> None:
        try:
            self.writer.open()
            while True:
                kind, payload = self.queue.get()
                if kind == "rows":
                    self.writer.write(payload)
                elif kind == "commit":
                    self.writer.commit(payload)
                    return
                else:
                    self.writer.rollback()
                    return
        except BaseException as exc:
            self.error = exc
            if self.writer.atomic is not None:
                try:
                    self.writer._close(exc)
                except Exception:
                    logger.warning("billing import: rollback failed", exc_info=True)
        finally:
            connection.close()

    def _put(self, item, *, beat: bool = True) -> None:
        while True:
            if self.error is not None:
                raise self.error
            if not self.thread.is_alive():
                raise RuntimeError("the billing writer thread has stopped")
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if beat:
                    self.beat()

    def write(self, rows: list[tuple]) -> None:
        self._put(("rows", rows))

    def commit(self, parsed: "_Parsed") -> None:
        self._put(("commit", parsed))
        while self.thread.is_alive():
            self.thread.join(0.5)
            try:
                self.beat()
            except LeaseLost:
                pass  # the writer's final, fenced UPDATE finds it too and rolls back
        if self.error is not None:
            raise self.error

    def rollback(self) -> None:
        if self.thread.is_alive() and self.error is None:
            try:
                self._put(("rollback", None), beat=False)
            except BaseException:
                pass
        self.thread.join()


def _league(season_id: int) -> dict[str, int]:
    """The league as the import sees it: Tier2MpnId → partner pk of the approved partners."""
    return dict(
        Partner.objects.approved().filter(season_id=season_id).values_list("partner_id", "pk")
    )


def _league_digest(league: dict[str, int]) -> str:
    text = "\n".join(f"{partner_id}\t{pk}" for partner_id, pk in sorted(league.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def _same_content_before(billing_import: BillingImport):
    return (
        BillingImport.objects.filter(
            season_id=billing_import.season_id,
            sha256=billing_import.sha256,
            status=BillingImport.Status.SUCCEEDED,
        )
        .exclude(pk=billing_import.pk)
        .order_by("-finished_at", "-pk")
    )


def _imported_before(billing_import: BillingImport, league_digest: str) -> BillingImport | None:
    """ "Already imported", told before reading the file: an import of the same content with the
    same league stored the same (month, partner) pairs; they are all still held by imports of
    this content and league exactly when as many of them are."""
    earlier = _same_content_before(billing_import).filter(league_digest=league_digest).first()
    if earlier is None:
        return None
    held = UsageSource.objects.filter(
        season_id=billing_import.season_id,
        billing_import__sha256=billing_import.sha256,
        billing_import__league_digest=league_digest,
    ).count()
    return earlier if held == earlier.partner_months else None


def _held_by_same_file(billing_import: BillingImport, pairs: set) -> BillingImport | None:
    """ "Already imported", told after reading the file (SPEC section 6): the stored rows of every
    (month, partner) of it are an import's of the same content."""
    earlier = _same_content_before(billing_import).first()
    if earlier is None:
        return None
    held = set(
        UsageSource.objects.filter(
            season_id=billing_import.season_id, billing_import__sha256=billing_import.sha256
        ).values_list("partner_id", "month")
    )
    if all((partner_pk, date.fromisoformat(month)) in held for partner_pk, month in pairs):
        return earlier
    return None


def _mark_unchanged(lease: Lease, billing_import: BillingImport, original: BillingImport) -> None:
    lease.finish(
        status=BillingImport.Status.UNCHANGED,
        progress_bytes=billing_import.size_bytes,
        message=_(
            "Already imported: the same file was imported on %(date)s (import #%(id)s). "
            "Nothing changed."
        )
        % {
            "date": timezone.localtime(original.finished_at or original.created_at).strftime(
                "%d.%m.%Y %H:%M"
            ),
            "id": original.pk,
        },
    )


def _stored_file_changed(billing_import: BillingImport) -> bool:
    """A run started again reads the stored file anew: it must still be the uploaded one."""
    try:
        sha256, size = _sha256_of(Path(billing_import.stored_path))
    except OSError:
        return False  # _run reports the unreadable file
    return (sha256, size) != (billing_import.sha256, billing_import.size_bytes)


def billing_import_run(*, import_id: int, compute: bool = True) -> BillingImport | None:
    """Import one recorded file. Safe to run twice: only the run that claims it does anything,
    and only while it holds its lease."""
    lease = billing_import_claim(import_id=import_id)
    if lease is None:
        logger.info("billing import %s: not pending, nothing to do", import_id)
        return BillingImport.objects.filter(pk=import_id).first()
    billing_import = BillingImport.objects.select_related("season").get(pk=import_id)
    try:
        league = _league(billing_import.season_id)
        original = _imported_before(billing_import, _league_digest(league))
        if original is not None:
            _mark_unchanged(lease, billing_import, original)
        elif lease.attempt > 1 and _stored_file_changed(billing_import):
            lease.finish(
                status=BillingImport.Status.FAILED,
                failure=BillingImport.Failure.FILE,
                message=_(
                    "The stored file is no longer the one uploaded; nothing was stored. Upload "
                    "the file again."
                ),
            )
        else:
            _run(billing_import, lease=lease, league=league, compute=compute)
    except LeaseLost:
        logger.warning(
            "billing import %s: attempt %s lost its lease (marked failed or started again); "
            "nothing of it was stored",
            import_id,
            lease.attempt,
        )
    except Exception:
        logger.exception("billing import %s failed", import_id)
        try:
            lease.finish(
                status=BillingImport.Status.FAILED,
                failure=BillingImport.Failure.ERROR,
                message=_("The import stopped with an internal error; nothing was stored."),
            )
        except Exception:  # the database itself may be gone; the log has the first error
            logger.exception("billing import %s: could not record the failure", import_id)
        raise
    return _refreshed(billing_import)


def _refreshed(billing_import: BillingImport) -> BillingImport:
    billing_import.refresh_from_db()
    return billing_import


def _run(
    billing_import: BillingImport, *, lease: Lease, league: dict[str, int], compute: bool
) -> None:
    size = billing_import.size_bytes
    try:
        f = open(billing_import.stored_path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        lease.finish(
            status=BillingImport.Status.FAILED,
            failure=BillingImport.Failure.ERROR,
            message=_("The stored file cannot be read: %(reason)s") % {"reason": exc.strerror},
        )
        return
    # A thread of its own only where a second connection can see what this one committed: not
    # inside a caller's transaction (the test suite), not on SQLite (one writer at a time).
    threaded = (
        THREADED_WRITER and connection.vendor == "postgresql" and not connection.in_atomic_block
    )
    writer = _Writer(
        billing_import,
        lease=lease,
        league_digest=_league_digest(league),
        compute=compute,
        immediate=threaded,
    )
    sink = _WriterThread(writer, beat=lease.beat) if threaded else writer
    report = _Report()

    def tick() -> None:
        # With a writer thread this runs outside its transaction: the browser sees it now.
        lease.renew(progress_bytes=min(f.tell(), size))

    started = time.monotonic()
    switch_interval = sys.getswitchinterval()
    if threaded:
        # The writer thread wakes for every 32 kB sent to PostgreSQL and then waits for the GIL
        # while this thread parses: at the default 5 ms per hand-over that wait, not the
        # database, would set the pace (a million rows: 34 s at 5 ms, 26 s at 0.2 ms).
        sys.setswitchinterval(SWITCH_INTERVAL)
    with f:
        try:
            sink.open()
            parsed = _parse(
                f,
                league=league,
                season_id=billing_import.season_id,
                import_id=billing_import.pk,
                flush=sink.write,
                report=report,
                tick=tick,
            )
        except _AlreadyImported as already:
            sink.rollback()
            _mark_unchanged(lease, billing_import, already.original)
            return
        except FileRefused as refused:
            sink.rollback()
            lease.finish(
                status=BillingImport.Status.FAILED,
                failure=BillingImport.Failure.FILE,
                progress_bytes=min(f.tell(), size),
                error_count=report.count,
                errors=report.errors,
                message=refused.message,
            )
            return
        except BaseException:
            sink.rollback()
            raise
        finally:
            sys.setswitchinterval(switch_interval)
    if report.count:
        sink.rollback()
        lease.finish(
            status=BillingImport.Status.FAILED,
            failure=BillingImport.Failure.FILE,
            progress_bytes=size,
            rows_total=parsed.rows_total,
            error_count=report.count,
            errors=report.errors,
            months=sorted(m[:7] for m in parsed.months),
            message=_(
                "%(count)s error(s) in %(rows)s row(s): nothing was imported. Correct the "
                "file and upload it again."
            )
            % {
                "count": formatting.number(report.count),
                "rows": formatting.number(parsed.rows_total),
            },
        )
        return
    read = time.monotonic()
    try:
        lease.renew(progress_bytes=size)  # "Storing the rows …"
        sink.commit(parsed)
    except _AlreadyImported as already:
        _mark_unchanged(lease, billing_import, already.original)
    except BaseException:
        sink.rollback()
        raise
    logger.info(
        "billing import %s: read %s rows (%s kept) in %.1f s, stored %s more s after the last",
        billing_import.pk,
        parsed.rows_total,
        parsed.rows_kept,
        read - started,
        f"{time.monotonic() - read:.1f}",
    )


def _enqueue_compute(*, season_id: int) -> None:
    from .tasks import credits_compute_task

    credits_compute_task.delay_on_commit(season_id=season_id)


def _unclassified(categories: dict[str, list]) -> list[dict]:
    """Meter categories of the stored rows that no mapping names: category, rows, amount."""
    mapped = set(ServiceGroupMapping.objects.values_list("category_key", flat=True))
    totals: dict[str, list] = {}
    for category, (rows, amount) in categories.items():
        key = category.casefold()
        if key in mapped:
            continue
        entry = totals.setdefault(key, [category, 0, Decimal(0)])
        entry[1] += rows
        entry[2] += amount
    return [
        {"category": category, "rows": rows, "amount": str(_cents(amount))}
        for category, rows, amount in sorted(totals.values(), key=lambda e: (-e[2], e[0]))
    ]


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- Selectors for the staff pages --------------------------------------------------------------


def billing_import_list(*, season: Season | None):
    return BillingImport.objects.filter(season=season).select_related("uploaded_by")


def billed_month_list(*, season: Season | None):
    return BilledMonth.objects.filter(season=season).select_related("billing_import")


def unclassified_list(*, season: Season | None, imports: int = 5) -> list[dict]:
    """Meter categories without a service group in the latest successful imports, by the newest
    import that had them (summing over imports would count a re-imported month twice)."""
    mapped = set(ServiceGroupMapping.objects.values_list("category_key", flat=True))
    latest = BillingImport.objects.filter(
        season=season, status=BillingImport.Status.SUCCEEDED
    ).order_by("-finished_at", "-pk")[:imports]
    seen: dict[str, dict] = {}
    for billing_import in latest:
        for entry in billing_import.unclassified:
            key = entry["category"].casefold()
            if key in mapped or key in seen:
                continue
            seen[key] = {**entry, "amount": Decimal(entry["amount"]), "import": billing_import}
    return sorted(seen.values(), key=lambda e: (-e["amount"], e["category"]))


# --- Service-group mapping (staff) --------------------------------------------------------------


def service_group_set(
    *, meter_category: str, service_group: str
) -> tuple[ServiceGroupMapping, bool]:
    """Map a meter category (any case) to a group; an existing mapping of it is changed. Credits
    depend on it, so the current season is recomputed after commit."""
    category = meter_category.strip()
    if not category:
        raise DomainError(_("The meter category is empty."))
    with transaction.atomic():
        mapping, created = ServiceGroupMapping.objects.update_or_create(
            category_key=category.casefold(),
            defaults={"meter_category": category, "service_group": service_group},
        )
        _recompute_current_season()
    return mapping, created


def service_group_delete(*, mapping: ServiceGroupMapping) -> None:
    with transaction.atomic():
        mapping.delete()
        _recompute_current_season()


def _recompute_current_season() -> None:
    season = Season.objects.current()
    if season is not None:
        _enqueue_compute(season_id=season.pk)
