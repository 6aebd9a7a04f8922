"""The billing file parser on its own (pure, no database), hammered with generated files: amounts
with `.` and `,` decimals, both date formats, `,` and `;` files, a byte order mark, the header in
any order and any case, and the rows of resellers outside the league skipped before any other
check (SPEC section 6)."""

import csv
import io
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credits.billing_import import parser

LEAGUE = {"1111111": 11, "2222222": 22}
OUTSIDE = "9999999"
COLUMNS = (
    parser.TIER2,
    parser.CUSTOMER_ID,
    parser.CUSTOMER_NAME,
    parser.ENTITLEMENT_ID,
    parser.METER_CATEGORY,
    parser.USAGE_DATE,
    parser.BILLING_TOTAL,
    parser.BILLING_CURRENCY,
    parser.PRICING_TOTAL,
    parser.PRICING_CURRENCY,
    "SubscriptionId",  # a column the import does not read
)
TENANT = "0f8fad5b-d9cb-469f-a165-70867728950e"
SUBSCRIPTION = "d3b07384-d9a0-4c9b-8f3e-2c1e5f6a7b8c"

# Amounts as Partner Center writes them: up to 8 decimals, refunds negative.
amounts = st.decimals(
    min_value=Decimal("-999999999.99999999"),
    max_value=Decimal("999999999.99999999"),
    places=8,
    allow_nan=False,
    allow_infinity=False,
)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


def iso(day: date, with_time: bool) -> str:
    return day.isoformat() + ("T13:45:00Z" if with_time else "")


def us(day: date, with_time: bool) -> str:
    return f"{day.month}/{day.day}/{day.year}" + (" 1:45:00 PM" if with_time else "")


def amount_text(amount: Decimal, delimiter: str) -> str:
    text = format(amount, "f")
    return text.replace(".", ",") if delimiter == ";" else text


def usage_file(
    rows: list[dict],
    *,
    columns=COLUMNS,
    names=None,
    delimiter=",",
    bom=False,
    newline="\r\n",
) -> bytes:
    """A usage file as Partner Center (or Excel) writes it; `names` spells the header."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(names or columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def row(tier2="1111111", *, amount="10.50", day="2024-10-15", **fields) -> dict:
    return {
        parser.TIER2: tier2,
        parser.CUSTOMER_ID: TENANT,
        parser.CUSTOMER_NAME: "Bäckerei Nord GmbH",
        parser.ENTITLEMENT_ID: SUBSCRIPTION,
        parser.METER_CATEGORY: "SQL Database",
        parser.USAGE_DATE: day,
        parser.BILLING_TOTAL: amount,
        parser.BILLING_CURRENCY: "EUR",
        parser.PRICING_TOTAL: "",
        parser.PRICING_CURRENCY: "USD",
        "SubscriptionId": "ignored",
        **fields,
    }


def parse(content: bytes, league=LEAGUE, flush=None):
    """Parse a file: (what was read, the rows handed to the writer, the report)."""
    stored, report = [], parser.Report()
    parsed = parser.parse(
        io.BytesIO(content),
        league=league,
        season_id=1,
        import_id=7,
        flush=flush or stored.extend,
        report=report,
    )
    return parsed, stored, report


# The stored tuple: season, import, partner, month, day, tenant, name, subscription, category,
# amount, USD total (see Writer.COLUMNS).
PARTNER, MONTH, DAY, AMOUNT, USD = 2, 3, 4, 9, 10


def test_the_parser_imports_nothing_of_django():
    """Pure: hypothesis can hammer it without a database, and it runs the same anywhere."""
    code = (
        "import sys; import credits.billing_import.parser; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@settings(max_examples=200, deadline=None)
@given(amount=amounts, usd=amounts, delimiter=st.sampled_from([",", ";"]))
def test_amounts_come_back_exactly_with_either_decimal_mark(amount, usd, delimiter):
    content = usage_file(
        [
            row(
                amount=amount_text(amount, delimiter),
                **{parser.PRICING_TOTAL: amount_text(usd, delimiter)},
            )
        ],
        delimiter=delimiter,
    )
    parsed, stored, report = parse(content)
    assert report.count == 0, report.errors
    assert Decimal(stored[0][AMOUNT]) == amount
    assert Decimal(stored[0][USD]) == usd
    assert parsed.categories == {"SQL Database": [1, amount]}


@settings(max_examples=200, deadline=None)
@given(amount=amounts, delimiter=st.sampled_from([",", ";"]))
def test_parse_amount_round_trips(amount, delimiter):
    text = parser.parse_amount(amount_text(amount, delimiter), decimal_comma=delimiter == ";")
    assert Decimal(text) == amount


@pytest.mark.parametrize(
    "value", ["", "abc", "NaN", "Infinity", "1_000", "1e12", "-1e12", "١٢", "1.2.3", "10,50"]
)
def test_what_is_not_a_plain_amount_is_refused(value):
    # A `,` file has no decimal comma: 10,50 there is not an amount (the row has 2 fields more).
    assert parser.parse_amount(value, decimal_comma=False) is None


@settings(max_examples=200, deadline=None)
@given(day=days, spelled=st.sampled_from([iso, us]), with_time=st.booleans())
def test_both_date_formats_give_the_day_and_its_month(day, spelled, with_time):
    assert parser.parse_usage_date(spelled(day, with_time)) == day
    parsed, stored, report = parse(usage_file([row(day=spelled(day, with_time))]))
    assert report.count == 0, report.errors
    assert (stored[0][DAY], stored[0][MONTH]) == (day.isoformat(), day.replace(day=1).isoformat())
    assert parsed.months == {day.replace(day=1).isoformat()}


@pytest.mark.parametrize(
    "value", ["15.10.2024", "2024-13-01", "2/30/2024", "1989-12-31", "2101-01-01", "2024/10/15"]
)
def test_what_is_not_one_of_the_two_date_formats_is_refused(value):
    assert parser.parse_usage_date(value) is None


@settings(max_examples=100, deadline=None)
@given(
    order=st.permutations(COLUMNS),
    cases=st.lists(st.sampled_from([str.lower, str.upper, str.title, str]), min_size=11),
    delimiter=st.sampled_from([",", ";"]),
    bom=st.booleans(),
    newline=st.sampled_from(["\r\n", "\n"]),
    spaces=st.booleans(),
)
def test_the_header_is_matched_in_any_order_and_case_with_or_without_bom(
    order, cases, delimiter, bom, newline, spaces
):
    """Whatever order, case, delimiter, BOM and line ends: the same rows are stored."""
    names = [case(name) for case, name in zip(cases, order, strict=False)]
    if spaces:
        names = [f" {name} " for name in names]
    rows = [
        row("1111111", amount=amount_text(Decimal("10.5"), delimiter)),
        row("2222222", amount=amount_text(Decimal("-2.25"), delimiter), day="10/31/2024"),
    ]
    expected = [
        (1, 7, 11, "2024-10-01", "2024-10-15", TENANT, "Bäckerei Nord GmbH", SUBSCRIPTION),
        (1, 7, 22, "2024-10-01", "2024-10-31", TENANT, "Bäckerei Nord GmbH", SUBSCRIPTION),
    ]

    parsed, stored, report = parse(
        usage_file(rows, columns=order, names=names, delimiter=delimiter, bom=bom, newline=newline)
    )

    assert report.count == 0, report.errors
    assert [r[:8] for r in stored] == expected
    assert [Decimal(r[AMOUNT]) for r in stored] == [Decimal("10.5"), Decimal("-2.25")]
    assert (parsed.rows_total, parsed.rows_kept, parsed.rows_skipped) == (2, 2, 0)
    assert parsed.pairs == {(11, "2024-10-01"), (22, "2024-10-01")}


# Anything a spreadsheet cell may hold (a NUL is not: the CSV reader refuses it for everybody).
garbage = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(
    tier2=st.sampled_from([OUTSIDE, "", " "]),
    values=st.fixed_dictionaries(
        {
            parser.CUSTOMER_ID: garbage,
            parser.ENTITLEMENT_ID: garbage,
            parser.METER_CATEGORY: garbage,
            parser.USAGE_DATE: garbage,
            parser.BILLING_TOTAL: garbage,
            parser.BILLING_CURRENCY: garbage,
            parser.PRICING_TOTAL: garbage,
        }
    ),
    delimiter=st.sampled_from([",", ";"]),
)
def test_a_row_of_a_reseller_outside_the_league_is_skipped_before_any_other_check(
    tier2, values, delimiter
):
    """Whatever else it holds (no date, no amount, USD, a tenant of 40 characters): counted,
    skipped, never an error and never stored."""
    content = usage_file(
        [row("1111111"), row(tier2, **values), row("1111111")], delimiter=delimiter
    )
    parsed, stored, report = parse(content)
    assert report.count == 0, report.errors
    assert len(stored) == 2
    assert (parsed.rows_total, parsed.rows_kept, parsed.rows_skipped) == (3, 2, 1)


def test_the_same_row_of_a_league_partner_is_refused_with_line_column_and_reason():
    """The contrast: what the skipped row may hold is an error in a league partner's row."""
    content = usage_file([row(OUTSIDE, amount="x", day="x"), row("1111111", amount="x", day="x")])
    parsed, stored, report = parse(content)
    assert stored == []
    assert [(p.line, p.column, p.value, p.message) for p in report.errors] == [
        (3, parser.USAGE_DATE, "x", "Not a date (expected 2024-10-15 or 10/15/2024)."),
        (3, parser.BILLING_TOTAL, "x", "Not an amount."),
    ]
    assert (parsed.rows_total, parsed.rows_skipped) == (2, 1)


@settings(max_examples=50, deadline=None)
@given(count=st.integers(0, 40), batch=st.integers(1, 7))
def test_rows_go_to_the_writer_in_batches_of_at_most_batch_rows(count, batch):
    content = usage_file([row("1111111", amount=str(n)) for n in range(count)] + [row(OUTSIDE)])
    batches = []
    original, parser.BATCH_ROWS = parser.BATCH_ROWS, batch  # (monkeypatch is per test)
    try:
        parsed, _stored, report = parse(content, flush=batches.append)
    finally:
        parser.BATCH_ROWS = original
    assert report.count == 0, report.errors
    assert all(1 <= len(b) <= batch for b in batches)
    assert [Decimal(r[AMOUNT]) for b in batches for r in b] == [Decimal(n) for n in range(count)]
    assert (parsed.rows_kept, parsed.rows_skipped) == (count, 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        ("Tier2MpnId,CustomerId\r\n".encode("utf-16"), "Line 1: the file is UTF-16"),
        (b"a,b,c\r\n1,2,3\r\n", "Line 1 is not the header of a Partner Center usage file"),
        (usage_file([]), "The file has a header but no rows."),
    ],
)
def test_a_file_that_is_not_a_usage_file_is_refused_as_a_whole(content, message):
    with pytest.raises(parser.FileRefused) as refused:
        parse(content)
    assert refused.value.message.startswith(message)


def test_too_many_errors_stop_reading_with_the_counts_as_numbers_for_people(monkeypatch):
    monkeypatch.setattr(parser, "MAX_ERRORS_COUNTED", 1_500)
    content = usage_file([row("1111111", amount="x") for _ in range(2_000)])
    with pytest.raises(parser.FileRefused) as refused:
        parse(content)
    assert refused.value.params == {"count": 1_500, "line": 1_501}
    assert all(isinstance(v, parser.Number) for v in refused.value.params.values())
