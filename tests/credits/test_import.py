"""The billing import (SPEC section 6) on hand-made files: what is stored, what is skipped, what is
refused (with a line-numbered report and nothing changed), and that running an import twice, or the
same file twice, changes nothing. The files are made with tests/credits/helpers/billing_files.py."""

import io
import os
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from celery import current_app
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from credits import jobs
from credits.billing_import import parser, writer
from credits.billing_import.lease import (
    billing_import_claim,
    billing_import_reap_expired,
    billing_import_restart,
)
from credits.billing_import.run import billing_import_file, billing_import_run
from credits.billing_import.upload import billing_import_create
from credits.models import BilledMonth, BillingImport, ServiceGroupMapping, UsageRow, UsageSource
from partners.models import Partner
from tests.credits.helpers.billing_files import (
    CUSTOMER_A,
    CUSTOMER_B,
    HEADER,
    SUB_A,
    SUB_B,
    csv_text,
    import_bytes,
    line,
    stored,
)
from tests.factories import PartnerFactory, SeasonFactory
from tests.helpers.concurrency import at_once

# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _private_media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):  # the report's messages are matched in English
        yield


@pytest.fixture
def alpha(season):
    return PartnerFactory(season=season, partner_id="1111111", name="Alpha GmbH")


@pytest.fixture
def beta(season):
    return PartnerFactory(season=season, partner_id="2222222", name="Beta AG")


@pytest.fixture
def pending(season):
    return PartnerFactory(
        season=season, partner_id="3333333", status=Partner.Status.PENDING, pseudonym_number=None
    )


def rows_of(partner):
    return UsageRow.objects.filter(partner=partner)


# --- What is stored -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_good_file_stores_the_rows_of_league_partners(season, alpha, beta, tmp_path):
    content = csv_text(
        [
            line("1111111", amount="10.12345678", usd="10.97"),
            line("1111111", day="2024-10-16", amount="-2.5", usd=""),
            line("2222222", customer=CUSTOMER_B.upper(), entitlement="{" + SUB_B + "}"),
        ]
    )
    result = import_bytes(season, tmp_path, content)

    assert result.status == BillingImport.Status.SUCCEEDED, result.errors
    assert (result.rows_total, result.rows_stored, result.rows_skipped) == (3, 3, 0)
    assert result.months == ["2024-10"]
    assert result.progress_bytes == result.size_bytes
    first = rows_of(alpha).get(usage_date=date(2024, 10, 15))
    assert first.month == date(2024, 10, 1)
    assert first.billing_total == Decimal("10.12345678")
    assert first.pricing_total_usd == Decimal("10.97")
    assert first.customer_tenant_id == CUSTOMER_A
    assert first.customer_name == "Bäckerei Nord GmbH"
    assert first.entitlement_id == SUB_A
    assert first.meter_category == "SQL Database"
    assert first.billing_import_id == result.pk
    assert rows_of(alpha).get(usage_date=date(2024, 10, 16)).pricing_total_usd is None
    # Tenant and subscription IDs are stored as claims store them: lower case, no braces.
    b = rows_of(beta).get()
    assert (b.customer_tenant_id, b.entitlement_id) == (CUSTOMER_B, SUB_B)
    assert list(BilledMonth.objects.filter(season=season).values_list("month", flat=True)) == [
        date(2024, 10, 1)
    ]


@pytest.mark.django_db
def test_bom_semicolons_decimal_commas_us_dates_any_column_order_and_case(season, alpha, tmp_path):
    header = (
        "usagedate",
        "Extra Column",
        "BILLINGCURRENCY",
        "meterCategory",
        "billingpretaxtotal",
        "customerName",
        "customerid",
        "ENTITLEMENTID",
        "tier2mpnid",
        "PricingPreTaxTotal",
        "PricingCurrency",
    )
    rows = [
        {**line("1111111", day="10/15/2024", amount="1234,5"), "Extra Column": "x"},
        line("1111111", day="10/31/2024 0:00", amount="0,000001", name="Müller; Söhne"),
        line("1111111", day="11/1/2024 12:00:00 AM", amount="3", usd="3,25"),
    ]
    text = csv_text(_by_header(rows, header), header=header, delimiter=";")
    result = import_bytes(season, tmp_path, "\ufeff" + text)

    assert result.status == BillingImport.Status.SUCCEEDED, result.errors
    assert result.rows_stored == 3
    assert result.months == ["2024-10", "2024-11"]
    stored_rows = {r.usage_date: r for r in rows_of(alpha)}
    assert stored_rows[date(2024, 10, 15)].billing_total == Decimal("1234.5")
    assert stored_rows[date(2024, 10, 31)].billing_total == Decimal("0.000001")
    assert stored_rows[date(2024, 10, 31)].customer_name == "Müller; Söhne"
    assert stored_rows[date(2024, 11, 1)].pricing_total_usd == Decimal("3.25")
    assert stored_rows[date(2024, 11, 1)].month == date(2024, 11, 1)


def _by_header(rows, header):
    """Rows keyed by the (oddly cased) header names of a test file."""
    by_key = []
    for row in rows:
        folded = {k.casefold(): v for k, v in row.items()}
        by_key.append({h: folded.get(h.casefold(), "") for h in header})
    return by_key


@pytest.mark.django_db
def test_rows_of_resellers_outside_the_league_are_counted_and_skipped(
    season, alpha, pending, tmp_path
):
    other_season_partner = PartnerFactory(
        season=SeasonFactory(is_active=False), partner_id="4444444"
    )
    content = csv_text(
        [
            line("1111111"),
            line("3333333"),  # registered, not approved
            line("4444444"),  # approved in another season
            line("9999999"),  # never registered
            line(""),  # no Tier2MpnId
            line("  1111111 ", day="2024-10-16"),
        ]
    )
    result = import_bytes(season, tmp_path, content)

    assert result.status == BillingImport.Status.SUCCEEDED
    assert (result.rows_total, result.rows_stored, result.rows_skipped) == (6, 2, 4)
    assert rows_of(alpha).count() == 2
    assert not UsageRow.objects.exclude(partner=alpha).exists()
    assert not rows_of(other_season_partner).exists()


@pytest.mark.django_db
def test_a_file_of_two_months_records_both_as_billed(season, alpha, beta, tmp_path):
    content = csv_text(
        [
            line("1111111", day="2024-10-31"),
            line("2222222", day="2024-11-01"),
            line("9999999", day="2024-12-01"),  # a skipped reseller's month is in the file too
        ]
    )
    result = import_bytes(season, tmp_path, content)

    assert result.months == ["2024-10", "2024-11", "2024-12"]
    assert list(
        BilledMonth.objects.filter(season=season).values_list("month", "billing_import_id")
    ) == [
        (date(2024, 10, 1), result.pk),
        (date(2024, 11, 1), result.pk),
        (date(2024, 12, 1), result.pk),
    ]
    assert set(UsageRow.objects.values_list("partner__partner_id", "month")) == {
        ("1111111", date(2024, 10, 1)),
        ("2222222", date(2024, 11, 1)),
    }


@pytest.mark.django_db
def test_unclassified_categories_are_listed_with_rows_and_amount(season, alpha, tmp_path):
    ServiceGroupMapping.objects.filter(category_key="sql database").update(
        meter_category="SQL Database"
    )
    content = csv_text(
        [
            line("1111111", category="sql DATABASE"),  # mapped, case ignored
            line("1111111", category="Virtual Machines", amount="1.005"),
            line("1111111", category="virtual machines", amount="2"),
            line("1111111", category="Storage", amount="0.5"),
            line("9999999", category="Bandwidth"),  # skipped rows are not stored, not listed
        ]
    )
    result = import_bytes(season, tmp_path, content)

    assert result.unclassified == [
        {"category": "Virtual Machines", "rows": 2, "amount": "3.01"},
        {"category": "Storage", "rows": 1, "amount": "0.50"},
    ] or result.unclassified == [
        {"category": "virtual machines", "rows": 2, "amount": "3.01"},
        {"category": "Storage", "rows": 1, "amount": "0.50"},
    ]


# --- Replacement and no-ops ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_file_twice_changes_nothing_and_says_so(season, alpha, tmp_path):
    content = csv_text([line("1111111"), line("1111111", day="2024-11-02")])
    first = import_bytes(season, tmp_path, content, name="oktober.csv")
    before = stored(season)

    second = import_bytes(season, tmp_path, content, name="oktober-nochmal.csv")

    assert second.status == BillingImport.Status.UNCHANGED
    assert "already imported" in second.message.lower()
    assert f"#{first.pk}" in second.message
    assert stored(season) == before


@pytest.mark.django_db
def test_a_corrected_file_replaces_only_its_partner_and_months(season, alpha, beta, tmp_path):
    import_bytes(
        season,
        tmp_path,
        csv_text(
            [
                line("1111111", day="2024-10-01", amount="100"),
                line("1111111", day="2024-10-02", amount="100"),
                line("1111111", day="2024-11-01", amount="50"),
                line("2222222", day="2024-10-01", amount="7"),
            ]
        ),
    )
    beta_before = list(rows_of(beta).values_list("usage_date", "billing_total", "billing_import"))

    correction = import_bytes(
        season, tmp_path, csv_text([line("1111111", day="2024-10-05", amount="80")])
    )

    assert correction.status == BillingImport.Status.SUCCEEDED
    october = rows_of(alpha).filter(month=date(2024, 10, 1))
    assert list(october.values_list("usage_date", "billing_total")) == [
        (date(2024, 10, 5), Decimal("80"))
    ]
    # Alpha's November and all of Beta stay as they were.
    assert list(rows_of(alpha).filter(month=date(2024, 11, 1)).values_list("billing_total")) == [
        (Decimal("50"),)
    ]
    assert (
        list(rows_of(beta).values_list("usage_date", "billing_total", "billing_import"))
        == beta_before
    )
    assert BilledMonth.objects.get(season=season, month=date(2024, 10, 1)).billing_import_id == (
        correction.pk
    )


# --- Billing files as they really come (issue 9) --------------------------------------------------


def _data_lines(rows) -> str:
    """The rows of a test file without its header."""
    return csv_text(rows).split("\r\n", 1)[1]


def amounts(season):
    """The stored usage as a partner sees it, whichever import stored it."""
    return sorted(
        UsageRow.objects.filter(season=season).values_list(
            "partner__partner_id", "usage_date", "billing_total"
        )
    )


@pytest.mark.django_db
def test_rows_of_resellers_outside_the_league_are_skipped_before_any_check(
    season, alpha, pending, tmp_path
):
    """A distributor's file covers resellers of other countries: a good month with a GBP row of
    a UK reseller is imported, whatever else is odd about the rows that are not stored."""
    rows = [
        line("1111111", amount="10.50"),
        line("9999999", currency="GBP", amount="8.99"),  # the row
        line("3333333", currency="USD"),  # registered, not approved
        line("", currency="CHF", day="gestern", amount="n/a", customer=""),  # no Tier2MpnId
        line("8888888", day="31.10.2024", amount="12,50 €", entitlement="", usd="abc"),
        line("1111111", day="2024-10-16", amount="1.25"),
    ]
    latin_1 = _data_lines([line("7777777", name="Müller GmbH", currency="GBP")])
    content = csv_text(rows).encode() + latin_1.encode("latin-1")

    result = import_bytes(season, tmp_path, content)

    assert result.status == BillingImport.Status.SUCCEEDED, result.errors
    assert (result.error_count, result.errors) == (0, [])
    assert (result.rows_total, result.rows_stored, result.rows_skipped) == (7, 2, 5)
    assert result.months == ["2024-10"]
    assert amounts(season) == [
        ("1111111", date(2024, 10, 15), Decimal("10.50")),
        ("1111111", date(2024, 10, 16), Decimal("1.25")),
    ]


@pytest.mark.django_db
def test_a_wrong_row_of_a_league_partner_is_still_refused_beside_skipped_ones(
    season, alpha, tmp_path
):
    latin_1 = _data_lines([line("1111111", name="Müller GmbH")])
    content = (
        csv_text([line("9999999", currency="GBP"), line("1111111", currency="GBP")]).encode()
        + _data_lines([line("9999999", name="Müller GmbH")]).encode("latin-1")
        + latin_1.encode("latin-1")
    )

    result = import_bytes(season, tmp_path, content)

    assert result.status == BillingImport.Status.FAILED
    assert [(e["line"], e["column"]) for e in result.errors] == [
        (3, "BillingCurrency"),
        (5, ""),  # not UTF-8: the league partner's row, not the skipped one on line 4
    ]
    assert result.failure == BillingImport.Failure.FILE and not result.can_restart
    assert not UsageRow.objects.exists()


@pytest.mark.django_db
def test_the_original_file_uploaded_again_after_a_correction_restores_it(
    season, alpha, beta, tmp_path
):
    original = csv_text(
        [
            line("1111111", day="2024-10-01", amount="100"),
            line("1111111", day="2024-10-02", amount="100"),
            line("2222222", day="2024-10-01", amount="7"),
        ]
    )
    corrected = csv_text(
        [
            line("1111111", day="2024-10-01", amount="80"),
            line("2222222", day="2024-10-01", amount="7"),
        ]
    )
    import_bytes(season, tmp_path, original)
    as_original = amounts(season)
    correction = import_bytes(season, tmp_path, corrected)
    as_corrected = amounts(season)
    assert correction.status == BillingImport.Status.SUCCEEDED and as_corrected != as_original

    again = import_bytes(season, tmp_path, original, name="original-again.csv")

    assert again.status == BillingImport.Status.SUCCEEDED, again.message
    assert again.rows_stored == 3
    assert amounts(season) == as_original
    assert set(UsageRow.objects.values_list("billing_import_id", flat=True)) == {again.pk}
    assert BilledMonth.objects.get(season=season).billing_import_id == again.pk

    # Now the original is what is stored: once more is "already imported" and changes nothing.
    before = stored(season)
    once_more = import_bytes(season, tmp_path, original)
    assert once_more.status == BillingImport.Status.UNCHANGED
    assert "already imported" in once_more.message.lower()
    assert f"#{again.pk}" in once_more.message
    assert stored(season) == before

    # And the correction uploaded again restores the correction.
    assert import_bytes(season, tmp_path, corrected).status == BillingImport.Status.SUCCEEDED
    assert amounts(season) == as_corrected


@pytest.mark.django_db
def test_a_file_whose_month_was_corrected_by_another_file_is_imported_again(
    season, alpha, tmp_path
):
    autumn = csv_text(
        [
            line("1111111", day="2024-10-01", amount="10"),
            line("1111111", day="2024-11-01", amount="20"),
        ]
    )
    import_bytes(season, tmp_path, autumn)
    as_autumn = amounts(season)
    import_bytes(season, tmp_path, csv_text([line("1111111", day="2024-11-05", amount="25")]))

    again = import_bytes(season, tmp_path, autumn)

    assert again.status == BillingImport.Status.SUCCEEDED  # October was still its own, November not
    assert amounts(season) == as_autumn


@pytest.mark.django_db
def test_the_same_file_stores_the_rows_of_a_partner_approved_since(
    season, alpha, pending, tmp_path
):
    content = csv_text([line("1111111"), line("3333333", amount="5")])
    first = import_bytes(season, tmp_path, content)
    assert (first.rows_stored, first.rows_skipped) == (1, 1)
    Partner.objects.filter(pk=pending.pk).update(
        status=Partner.Status.APPROVED, pseudonym_number=77
    )

    second = import_bytes(season, tmp_path, content)

    assert second.status == BillingImport.Status.SUCCEEDED
    assert (second.rows_stored, second.rows_skipped) == (2, 0)
    assert rows_of(pending).get().billing_total == Decimal("5")
    assert import_bytes(season, tmp_path, content).status == BillingImport.Status.UNCHANGED


@pytest.mark.django_db
def test_the_same_file_is_already_imported_when_only_partners_without_rows_joined(
    season, alpha, tmp_path
):
    """The league changed, so the file is read to know its (month, partner) pairs; they are all
    still this file's, so nothing changes."""
    content = csv_text([line("1111111"), line("1111111", day="2024-11-02")])
    first = import_bytes(season, tmp_path, content)
    PartnerFactory(season=season, partner_id="5555555")
    before = stored(season)

    second = import_bytes(season, tmp_path, content)

    assert second.status == BillingImport.Status.UNCHANGED, second.message
    assert f"#{first.pk}" in second.message
    assert stored(season) == before


@pytest.mark.django_db
def test_a_file_of_skipped_rows_only_bills_its_month_once(season, alpha, tmp_path):
    content = csv_text([line("9999999", day="2024-12-03", currency="GBP")])
    first = import_bytes(season, tmp_path, content)
    assert first.status == BillingImport.Status.SUCCEEDED
    assert (first.rows_stored, first.rows_skipped, first.months) == (0, 1, ["2024-12"])

    second = import_bytes(season, tmp_path, content)

    assert second.status == BillingImport.Status.UNCHANGED
    assert BilledMonth.objects.get(season=season).billing_import_id == first.pk


@pytest.mark.django_db
def test_the_migration_records_which_import_holds_the_stored_rows(season, alpha, beta, tmp_path):
    import importlib

    from django.apps import apps

    first = import_bytes(
        season, tmp_path, csv_text([line("1111111"), line("2222222", day="2024-11-01")])
    )
    second = import_bytes(season, tmp_path, csv_text([line("1111111", amount="3")]))
    held = {
        (alpha.pk, date(2024, 10, 1), second.pk),
        (beta.pk, date(2024, 11, 1), first.pk),
    }
    columns = ("partner_id", "month", "billing_import_id")
    assert set(UsageSource.objects.values_list(*columns)) == held
    UsageSource.objects.all().delete()

    migration = importlib.import_module("credits.migrations.0004_import_lease_and_usage_source")
    migration.record_usage_sources(apps, None)

    assert set(UsageSource.objects.values_list(*columns)) == held
    assert import_bytes(season, tmp_path, csv_text([line("1111111", amount="3")])).status == (
        BillingImport.Status.UNCHANGED
    )


# --- Refused files ------------------------------------------------------------------------------

GOOD_ROW = line("1111111")


def _without(column):
    header = tuple(h for h in HEADER if h != column)
    return csv_text([GOOD_ROW, line("1111111", day="2024-10-20")], header=header)


BAD_FILES = {
    "missing column": (_without("BillingCurrency"), [(1, "BillingCurrency")]),
    "USD row": (
        csv_text([GOOD_ROW, line("1111111", currency="USD"), GOOD_ROW]),
        [(3, "BillingCurrency")],
    ),
    "unparsable date": (
        csv_text([GOOD_ROW, GOOD_ROW, line("1111111", day="15.10.2024")]),
        [(4, "UsageDate")],
    ),
    "impossible date": (csv_text([line("1111111", day="2024-02-30")]), [(2, "UsageDate")]),
    "unparsable amount": (
        csv_text([line("1111111", amount="12,50 €"), line("1111111", amount="NaN")]),
        [(2, "BillingPreTaxTotal"), (3, "BillingPreTaxTotal")],
    ),
    "bad USD total": (csv_text([line("1111111", usd="abc")]), [(2, "PricingPreTaxTotal")]),
    "empty customer": (csv_text([line("1111111", customer="")]), [(2, "CustomerId")]),
    "short row": (csv_text([GOOD_ROW]) + "1111111,abc\r\n", [(3, "")]),
    "latin-1": (
        csv_text([GOOD_ROW, line("1111111", name="Müller GmbH")]).encode("latin-1"),
        [(2, ""), (3, "")],  # both names have an umlaut
    ),
    "a league partner's GBP row beside a skipped one": (
        csv_text([line("9999999", currency="GBP"), line("1111111", currency="GBP")]),
        [(3, "BillingCurrency")],
    ),
}


@pytest.fixture
def earlier_import(season, alpha, beta, tmp_path):
    """Stored data a refused file must leave alone."""
    return import_bytes(
        season,
        tmp_path,
        csv_text(
            [line("1111111", day="2024-10-03", amount="5"), line("2222222", day="2024-09-03")]
        ),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_line_numbers_and_changes_nothing(
    case, season, earlier_import, tmp_path
):
    content, expected = BAD_FILES[case]
    before = stored(season)

    result = import_bytes(season, tmp_path, content)

    assert result.status == BillingImport.Status.FAILED
    assert [(e["line"], e["column"]) for e in result.errors] == expected
    assert result.error_count == len(expected)
    assert all(e["reason"] for e in result.errors)
    assert result.message
    assert result.rows_stored == 0
    assert stored(season) == before


@pytest.mark.django_db
def test_the_report_names_the_wrong_value(season, alpha, tmp_path):
    result = import_bytes(season, tmp_path, csv_text([GOOD_ROW, line("1111111", currency="USD")]))
    assert result.errors == [
        {
            "line": 3,
            "column": "BillingCurrency",
            "value": "USD",
            "reason": "The currency must be EUR.",
        }
    ]
    assert "1 error(s) in 2 row(s)" in result.message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\r\n\r\n", "empty"),
        (csv_text([]).encode(), "header but no rows"),
        (b"Name,Amount\nfoo,1\n", "not the header of a Partner Center usage file"),
        ("\ufeffTier2MpnId,Tier2MpnId\n".encode(), "lacks the required column"),
        (csv_text([GOOD_ROW]).encode("utf-16"), "UTF-16"),
        (b"Tier2MpnId,Kunde\xfc\n", "not UTF-8"),
    ],
)
def test_files_that_are_not_usage_files_are_refused_with_a_clear_message(
    content, message, season, earlier_import, tmp_path
):
    before = stored(season)
    result = import_bytes(season, tmp_path, content)
    assert result.status == BillingImport.Status.FAILED
    assert message in result.message
    assert stored(season) == before


@pytest.mark.django_db
def test_more_errors_than_shown_are_counted(season, alpha, tmp_path):
    rows = [line("1111111", currency="CHF") for _ in range(150)]
    result = import_bytes(season, tmp_path, csv_text(rows))
    assert result.error_count == 150
    assert len(result.errors) == 100
    assert result.errors[-1]["line"] == 101


def _garbage_file(path, megabytes: int, *, header: bytes = b"") -> None:
    chunk = os.urandom(1 << 20)
    with open(path, "wb") as f:
        f.write(header)
        for _ in range(megabytes):
            f.write(chunk)


@pytest.mark.django_db
def test_a_big_file_of_garbage_is_refused_early(season, earlier_import, tmp_path):
    path = tmp_path / "garbage.csv"
    _garbage_file(path, 50)
    before = stored(season)

    started = time.monotonic()
    billing_import = billing_import_create(season=season, path=path, enqueue=False)
    result = billing_import_run(import_id=billing_import.pk, compute=False)

    assert time.monotonic() - started < 10
    assert result.status == BillingImport.Status.FAILED
    assert result.message.startswith("Line 1")  # not UTF-8, not a header
    assert result.progress_bytes < 2 * 1024 * 1024  # stopped at the start, not read through
    assert stored(season) == before


@pytest.mark.django_db
def test_garbage_after_a_good_header_stops_after_the_error_limit(season, earlier_import, tmp_path):
    path = tmp_path / "garbage.csv"
    rows = "".join(f"{n},x\n" for n in range(1000))
    header = csv_text([GOOD_ROW]).encode() + rows.encode()
    _garbage_file(path, 50, header=header)
    before = stored(season)

    started = time.monotonic()
    billing_import = billing_import_create(season=season, path=path, enqueue=False)
    result = billing_import_run(import_id=billing_import.pk, compute=False)

    assert time.monotonic() - started < 10
    assert result.status == BillingImport.Status.FAILED
    assert result.error_count == parser.MAX_ERRORS_COUNTED
    assert result.message.startswith("At least 10,000 errors: reading stopped at line")
    assert result.progress_bytes < 10 * 1024 * 1024  # stopped early, not read through
    assert len(result.errors) == 100
    assert (result.errors[0]["line"], result.errors[-1]["line"]) == (3, 102)
    assert stored(season) == before


@pytest.mark.django_db
def test_a_line_longer_than_a_megabyte_stops_the_import(season, alpha, tmp_path):
    content = csv_text([GOOD_ROW]).encode() + b"1111111," + b"x" * (2 << 20) + b"\n"
    result = import_bytes(season, tmp_path, content)
    assert result.status == BillingImport.Status.FAILED
    assert "Line 3 is longer than 1 MB" in result.message
    assert result.errors[-1]["line"] == 3
    assert not UsageRow.objects.exists()


@pytest.mark.django_db
def test_many_errors_stop_reading_and_say_at_least(season, alpha, tmp_path, monkeypatch):
    monkeypatch.setattr(parser, "MAX_ERRORS_COUNTED", 300)
    rows = [line("1111111", currency="USD") for _ in range(1000)]
    result = import_bytes(season, tmp_path, csv_text(rows))
    assert result.status == BillingImport.Status.FAILED
    assert result.error_count == 300
    assert "At least 300 errors: reading stopped at line 301" in result.message


# --- Safe to run twice --------------------------------------------------------------------------


@pytest.mark.django_db
def test_running_an_import_again_changes_nothing(season, alpha, tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(csv_text([line("1111111"), line("1111111", day="2024-10-16")]))
    billing_import = billing_import_create(season=season, path=path, enqueue=False)
    first = billing_import_run(import_id=billing_import.pk, compute=False)
    before = stored(season)
    finished_at = first.finished_at

    # A Celery retry (acks_late) or a second worker with the same message.
    again = billing_import_run(import_id=billing_import.pk, compute=False)

    assert again.status == BillingImport.Status.SUCCEEDED
    assert again.finished_at == finished_at
    assert stored(season) == before


@pytest.mark.django_db
def test_a_refused_import_run_again_stays_refused(season, alpha, tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(csv_text([line("1111111", currency="USD")]))
    billing_import = billing_import_create(season=season, path=path, enqueue=False)
    billing_import_run(import_id=billing_import.pk, compute=False)
    path.write_text(csv_text([line("1111111")]))  # even if the file changed meanwhile

    again = billing_import_run(import_id=billing_import.pk, compute=False)

    assert again.status == BillingImport.Status.FAILED
    assert not UsageRow.objects.exists()


@pytest.mark.django_db
def test_the_task_of_a_running_import_does_nothing_until_staff_start_it_again(
    season, alpha, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(current_app.tasks[jobs.CREDITS_COMPUTE], "delay", lambda **kw: None)
    path = tmp_path / "usage.csv"
    path.write_text(csv_text([line("1111111")]))
    billing_import = billing_import_create(season=season, path=path, enqueue=False)
    assert billing_import_claim(import_id=billing_import.pk).attempt == 1  # a worker, then dead

    # The message again (a retry, a second worker): not pending, nothing done.
    assert billing_import_run(import_id=billing_import.pk).status == "running"
    assert billing_import_reap_expired() == []  # its lease has not run out yet
    BillingImport.objects.filter(pk=billing_import.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert billing_import_reap_expired() == [billing_import.pk]
    assert billing_import_reap_expired() == []  # twice: nothing more

    billing_import.refresh_from_db()
    assert billing_import.status == BillingImport.Status.FAILED
    assert billing_import.failure == BillingImport.Failure.WORKER
    assert "worker stopped" in billing_import.message and "start the import again" in (
        billing_import.message
    )
    assert billing_import.can_restart and billing_import.status_label() == "interrupted"
    assert billing_import_run(import_id=billing_import.pk).status == "failed"  # still not pending

    with django_capture_on_commit_callbacks(execute=True):
        billing_import_restart(billing_import=billing_import)

    billing_import.refresh_from_db()
    assert billing_import.status == BillingImport.Status.SUCCEEDED
    assert (billing_import.attempt, billing_import.failure, billing_import.message) == (2, "", "")
    assert billing_import.lease_expires_at is None
    assert rows_of(alpha).count() == 1


two_connections = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="two connections at once need PostgreSQL (SQLite serialises writers)",
)


@pytest.fixture
def october_file(tmp_path):
    """A season with partner 1111111, and a file of its usage on each day of October."""
    season = SeasonFactory()
    PartnerFactory(season=season, partner_id="1111111")
    path = tmp_path / "usage.csv"
    path.write_text(csv_text([line("1111111", day=f"2024-10-{d:02d}") for d in range(1, 31)]))
    return season, path


@two_connections
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_import_store_it_once(october_file, settings):
    season, path = october_file
    billing_import = billing_import_create(season=season, path=path, enqueue=False)
    results = at_once(*[lambda: billing_import_run(import_id=billing_import.pk, compute=False)] * 2)

    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures
    billing_import.refresh_from_db()
    assert billing_import.status == BillingImport.Status.SUCCEEDED
    assert UsageRow.objects.filter(season=season).count() == 30
    assert billing_import.rows_stored == 30


@two_connections
@pytest.mark.django_db(transaction=True)
def test_the_same_file_uploaded_twice_at_once_is_imported_once(october_file, settings):
    season, path = october_file
    imports = [billing_import_create(season=season, path=path, enqueue=False) for _ in range(2)]
    results = at_once(
        *[lambda pk=i.pk: billing_import_run(import_id=pk, compute=False) for i in imports]
    )

    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures
    statuses = sorted(BillingImport.objects.filter(season=season).values_list("status", flat=True))
    assert statuses == [BillingImport.Status.SUCCEEDED, BillingImport.Status.UNCHANGED]
    assert UsageRow.objects.filter(season=season).count() == 30


# --- Progress, task, credits --------------------------------------------------------------------


@pytest.mark.django_db
def test_progress_is_recorded_while_reading(season, alpha, tmp_path, monkeypatch):
    monkeypatch.setattr(parser, "BATCH_ROWS", 10)
    monkeypatch.setattr(parser, "PROGRESS_EVERY_LINES", 10)
    seen = []
    write = writer.Writer.write

    def recording_write(self, rows):
        write(self, rows)
        seen.append(BillingImport.objects.values_list("progress_bytes", "lease_expires_at").get())

    monkeypatch.setattr(writer.Writer, "write", recording_write)
    rows = [line("1111111", day=f"2024-10-{1 + n % 28:02d}") for n in range(100)]
    result = import_bytes(season, tmp_path, csv_text(rows))

    assert result.status == BillingImport.Status.SUCCEEDED
    progress = [p for p, _lease in seen if p]
    assert len(progress) >= 5
    assert progress == sorted(progress) and progress[-1] <= result.size_bytes
    assert all(lease is not None for _progress, lease in seen)  # renewed with the progress
    assert result.lease_expires_at is None  # done: no lease


@pytest.mark.django_db
def test_the_credit_computation_is_enqueued_after_a_successful_import(
    season, alpha, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(
        current_app.tasks[jobs.CREDITS_COMPUTE], "delay", lambda **kw: enqueued.append(kw)
    )
    path = tmp_path / "usage.csv"
    path.write_text(csv_text([line("1111111")]))
    billing_import = billing_import_create(season=season, path=path, enqueue=False)

    with django_capture_on_commit_callbacks(execute=True):
        billing_import_run(import_id=billing_import.pk)
    assert enqueued == [{"season_id": season.pk}]

    path.write_text(csv_text([line("1111111", currency="USD")]))
    refused = billing_import_create(season=season, path=path, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        billing_import_run(import_id=refused.pk)
    assert enqueued == [{"season_id": season.pk}]


@pytest.mark.django_db
def test_an_upload_is_stored_privately_and_the_task_enqueued_after_commit(
    season, alpha, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr(current_app.tasks[jobs.CREDITS_COMPUTE], "delay", lambda **kw: None)
    content = csv_text([line("1111111")]).encode()
    upload = SimpleUploadedFile("Oktober 2024.csv", content, content_type="text/csv")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        billing_import = billing_import_create(season=season, uploaded_file=upload, user=None)

    assert len(callbacks) >= 1
    billing_import.refresh_from_db()
    stored_path = billing_import.stored_path
    assert stored_path.startswith(str(settings.MEDIA_ROOT / "billing"))
    assert open(stored_path, "rb").read() == content
    assert oct(os.stat(stored_path).st_mode & 0o777) == "0o600"
    assert billing_import.file_name == "Oktober 2024.csv"
    assert billing_import.size_bytes == len(content)
    assert billing_import.status == BillingImport.Status.SUCCEEDED  # the eager task ran
    assert rows_of(alpha).count() == 1


# --- Command line -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_prints_what_it_stored_and_skipped(season, alpha, tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(csv_text([line("1111111"), line("9999999"), line("")]))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_billing", str(path), "--no-compute", stdout=out, stderr=err)

    assert "rows stored: 1, skipped: 2" in out.getvalue()
    assert "errors: 0" in out.getvalue()
    assert "2024-10" in out.getvalue()

    again = io.StringIO()
    call_command("import_billing", str(path), "--no-compute", stdout=again)
    assert "Already imported" in again.getvalue()


@pytest.mark.django_db
def test_the_command_fails_with_a_reason_and_the_first_errors(season, alpha, tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text(csv_text([line("1111111"), line("1111111", day="31.10.2024")]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="refused: 1 error"):
        call_command("import_billing", str(path), "--no-compute", stderr=err)

    assert "line 3, column UsageDate: '31.10.2024'" in err.getvalue()
    assert not UsageRow.objects.exists()


@pytest.mark.django_db
def test_the_command_refuses_a_missing_file(season, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_billing", str(tmp_path / "nope.csv"))


@pytest.mark.django_db
def test_the_demo_file_imports_cleanly(season, alpha, beta, pending, tmp_path):
    from credits.demo import COLUMNS, billing_demo_file

    content = billing_demo_file(season)
    assert content.decode().splitlines()[0].split(",") == list(COLUMNS)
    result = import_bytes(season, tmp_path, content)

    assert result.status == BillingImport.Status.SUCCEEDED, result.errors[:3]
    assert result.rows_stored > 0 and result.rows_skipped > 0
    assert set(UsageRow.objects.values_list("partner__partner_id", flat=True)) == {
        "1111111",
        "2222222",
    }
    assert uuid.UUID(UsageRow.objects.first().customer_tenant_id)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the writer thread runs on PostgreSQL only",
)
@pytest.mark.django_db(transaction=True)
def test_a_bad_row_after_stored_batches_leaves_nothing_behind(tmp_path, monkeypatch):
    """The writer thread has copied earlier batches into UsageRow when the bad row comes: its
    transaction rolls back, and the data stored before is untouched."""
    monkeypatch.setattr(parser, "BATCH_ROWS", 10)
    season = SeasonFactory()
    PartnerFactory(season=season, partner_id="1111111")
    good = [line("1111111", day=f"2024-10-{1 + n % 28:02d}") for n in range(200)]
    first = billing_import_file_sync(season, tmp_path, csv_text(good[:5]))
    assert first.status == BillingImport.Status.SUCCEEDED
    before = stored(season)

    bad = billing_import_file_sync(season, tmp_path, csv_text([*good, line("1111111", amount="x")]))

    assert bad.status == BillingImport.Status.FAILED
    assert [(e["line"], e["column"]) for e in bad.errors] == [(202, "BillingPreTaxTotal")]
    assert stored(season) == before
    good_again = billing_import_file_sync(season, tmp_path, csv_text(good))
    assert good_again.status == BillingImport.Status.SUCCEEDED
    assert good_again.rows_stored == 200
    assert UsageRow.objects.filter(season=season).count() == 200  # the 5 rows were replaced


def billing_import_file_sync(season, tmp_path, content):
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_text(content)
    return billing_import_file(path=path, season=season, compute=False)


@pytest.mark.django_db
def test_the_demo_file_bills_the_subscription_named_on_a_claim(season, alpha, tmp_path):
    from credits.demo import billing_demo_file
    from tests.factories import ClaimFactory, EndCustomerFactory

    customer = EndCustomerFactory(partner=alpha)
    claim = ClaimFactory(
        code="new_customer", customer=customer, activity_date=season.start_date + timedelta(days=3)
    )
    ClaimFactory(code="svc_security", customer=customer)
    today = season.start_date + timedelta(days=75)

    result = import_bytes(season, tmp_path, billing_demo_file(season, today=today))

    assert result.status == BillingImport.Status.SUCCEEDED, result.errors[:3]
    rows = UsageRow.objects.filter(customer_tenant_id=customer.tenant_id)
    assert rows.filter(entitlement_id=claim.subscription_id).exists()
    first = rows.order_by("usage_date").first().usage_date
    assert first >= claim.activity_date
    assert rows.filter(meter_category="Microsoft Defender for Cloud").exists()
