"""The credit computation on the database, with hand-checked values (SPEC section 5).

Usage rows and billed months are created directly (the import is another module's job); claims are
approved claims as `challenges` stores them. Season 2024/25: 2024-09-01 .. 2025-05-31.
"""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from challenges.models import Claim
from credits.computation import credits_compute
from credits.models import (
    CreditLine,
    CreditNote,
    CreditNoteLine,
    UsageRow,
)
from partners.models import CustomerExclusion, Partner
from tests.credits.helpers.computation import (
    WORKLOAD,
    M,
    billed,
    billing_import,
    league_season,
    line,
    new_customer_claim,
    usage,
    workload_claim,
)
from tests.factories import PartnerFactory
from tests.helpers.concurrency import at_once

D = Decimal


def snapshot(season) -> list[tuple]:
    return list(
        CreditLine.objects.filter(season=season)
        .order_by("pk")
        .values_list(
            "pk",
            "partner_id",
            "customer_tenant_id",
            "kind",
            "service_group",
            "booking_month",
            "credit_eur",
            "consumption_eur",
            "status",
            "explanation",
            "computed_at",
        )
    )


@pytest.fixture
def season(db):
    return league_season()


@pytest.fixture
def alpha(season):
    return PartnerFactory(season=season, name="Alpha Systemhaus GmbH")


@pytest.fixture
def charlie_co(season):
    return PartnerFactory(season=season, name="Charlie Cloud GmbH")


# --- New end customers ---------------------------------------------------------------------------


def test_booked_on_the_last_day_of_a_month_frees_the_next_month(season, alpha):
    tenant = "aaaaaaaa-0000-0000-0000-000000000001"
    new_customer_claim(alpha, tenant)
    usage(alpha, tenant, date(2024, 10, 31), "500.00")  # booking month: October
    usage(alpha, tenant, date(2024, 11, 1), "100.004")
    usage(alpha, tenant, date(2024, 11, 30), "23.001")  # November: 123.005 → 123.01 (half up)
    usage(alpha, tenant, date(2024, 12, 1), "999.00")  # December is not free
    billed(season, M[10], M[11], M[12])

    summary = credits_compute(season=season)

    got = line(alpha, tenant)
    assert got.booking_month == date(2024, 10, 1)
    assert got.first_usage_date == date(2024, 10, 31)
    assert got.free_months == ["2024-11"]
    assert got.consumption_eur == D("123.01")
    assert got.credit_eur == D("123.01")
    assert got.status == CreditLine.Status.FINAL
    assert got.explanation["free_months"] == [{"month": "2024-11", "eur": "123.01", "billed": True}]
    assert summary.created == 1 and summary.new_customer_eur == D("123.01")


def test_booked_in_the_last_month_of_the_season_is_provisional_until_june_is_billed(season, alpha):
    tenant = "aaaaaaaa-0000-0000-0000-000000000002"
    new_customer_claim(alpha, tenant)
    usage(alpha, tenant, date(2025, 5, 20), "40.00")
    usage(alpha, tenant, date(2025, 6, 2), "75.50")
    billed(season, M[5])

    credits_compute(season=season)
    got = line(alpha, tenant)
    assert (got.booking_month, got.free_months) == (date(2025, 5, 1), ["2025-06"])
    assert got.status == CreditLine.Status.PROVISIONAL
    assert got.credit_eur == D("75.50")  # the amount known so far

    usage(alpha, tenant, date(2025, 6, 28), "24.50")
    billed(season, date(2025, 6, 1))
    credits_compute(season=season)
    got.refresh_from_db()
    assert (got.status, got.credit_eur) == (CreditLine.Status.FINAL, D("100.00"))


def test_booking_after_the_season_or_a_customer_known_before_earn_nothing(season, alpha):
    late, known = str(uuid.uuid4()), str(uuid.uuid4())
    new_customer_claim(alpha, late)
    usage(alpha, late, date(2025, 6, 1), "10.00")
    new_customer_claim(alpha, known, subscription="sub-new")
    usage(alpha, known, date(2024, 7, 15), "1.00", entitlement="sub-old")  # before the season
    usage(alpha, known, date(2024, 10, 1), "50.00", entitlement="sub-new")
    usage(alpha, known, date(2024, 11, 1), "50.00", entitlement="sub-new")

    credits_compute(season=season)

    assert not CreditLine.objects.exists()


def test_a_refund_month_gives_zero_never_a_debit(season, alpha):
    tenant = str(uuid.uuid4())
    new_customer_claim(alpha, tenant)
    usage(alpha, tenant, date(2024, 10, 5), "80.00")
    usage(alpha, tenant, date(2024, 11, 3), "30.00")
    usage(alpha, tenant, date(2024, 11, 20), "-130.00")  # refund
    billed(season, M[10], M[11])

    credits_compute(season=season)

    got = line(alpha, tenant)
    assert got.consumption_eur == D("-100.00")
    assert got.credit_eur == D("0.00")
    assert got.status == CreditLine.Status.FINAL
    assert got.explanation["refund"] is True


def test_only_the_claimed_subscription_and_the_claiming_partner_are_credited(
    season, alpha, charlie_co
):
    tenant = str(uuid.uuid4())
    new_customer_claim(alpha, tenant, subscription="sub-claimed")
    usage(alpha, tenant, date(2024, 10, 2), "1.00", entitlement="sub-claimed")
    usage(alpha, tenant, date(2024, 11, 2), "200.00", entitlement="sub-claimed")
    usage(alpha, tenant, date(2024, 11, 2), "300.00", entitlement="sub-other")
    usage(charlie_co, tenant, date(2024, 11, 2), "400.00", entitlement="sub-claimed")
    billed(season, M[10], M[11])

    credits_compute(season=season)

    assert line(alpha, tenant).credit_eur == D("200.00")
    assert not CreditLine.objects.filter(partner=charlie_co).exists()


def test_an_excluded_customer_earns_nothing(season, alpha):
    tenant = str(uuid.uuid4())
    new_customer_claim(alpha, tenant, domain="sub.excluded.example")
    usage(alpha, tenant, date(2024, 10, 2), "10.00")
    usage(alpha, tenant, date(2024, 11, 2), "10.00")
    CustomerExclusion.objects.create(
        season=season, kind="domain", value="excluded.example", reason="Konzern"
    )

    credits_compute(season=season)

    assert not CreditLine.objects.exists()


# --- Workloads -----------------------------------------------------------------------------------


def _workload_customer(partner, tenant, october_eur, october_usd=None, group="security"):
    workload_claim(partner, tenant, group)
    category = {"security": "Sentinel", "databases": "SQL Database"}[group]
    usage(partner, tenant, date(2024, 10, 10), october_eur, usd=october_usd)
    usage(partner, tenant, date(2024, 11, 5), "10.00", category=category)  # booking: November
    usage(partner, tenant, date(2024, 12, 5), "100.00", category=category)
    usage(partner, tenant, date(2025, 1, 5), "50.255", category=category.upper())
    usage(partner, tenant, date(2025, 1, 6), "900.00")  # not the group
    usage(partner, tenant, date(2025, 2, 5), "70.00", category=category)  # after the free months


@pytest.mark.parametrize(
    ("october_eur", "october_usd", "existing"),
    [
        ("90.00", "100.00", False),  # exactly 100 USD is not "more than"
        ("90.00", "99.99", False),
        ("90.00", "100.01", True),
        ("92.59", None, False),  # 92.59 × 1.08 = 99.9972 → 100.00 USD
        ("92.60", None, True),  # 92.60 × 1.08 = 100.008 → 100.01 USD
    ],
)
def test_existing_customer_threshold(season, alpha, october_eur, october_usd, existing):
    tenant = str(uuid.uuid4())
    _workload_customer(alpha, tenant, october_eur, october_usd)
    billed(season, M[10], M[11], M[12], M[1])

    credits_compute(season=season)

    lines = CreditLine.objects.filter(partner=alpha, kind=WORKLOAD)
    if not existing:
        assert not lines.exists()
        return
    got = lines.get()
    assert got.service_group == "security"
    assert got.booking_month == date(2024, 11, 1)
    assert got.free_months == ["2024-12", "2025-01"]
    assert got.consumption_eur == D("150.26")  # 100 + 50.255, rounded once
    assert got.credit_eur == D("150.26")
    assert got.status == CreditLine.Status.FINAL
    assert got.explanation["existing"]["previous_month"] == "2024-10"
    assert got.explanation["existing"]["converted"] is (october_usd is None)


def test_a_workload_line_waits_for_its_second_month(season, alpha):
    tenant = str(uuid.uuid4())
    _workload_customer(alpha, tenant, "200.00", "220.00")
    billed(season, M[10], M[11], M[12])

    credits_compute(season=season)
    got = line(alpha, tenant, WORKLOAD, "security")
    assert got.status == CreditLine.Status.PROVISIONAL
    assert got.explanation["free_months"][1] == {
        "month": "2025-01",
        "eur": "50.26",
        "billed": False,
    }

    billed(season, M[1])
    credits_compute(season=season)
    got.refresh_from_db()
    assert got.status == CreditLine.Status.FINAL


def test_a_group_consumed_before_the_season_is_no_workload(season, alpha):
    tenant = str(uuid.uuid4())
    _workload_customer(alpha, tenant, "200.00", "220.00")
    usage(alpha, tenant, date(2024, 6, 30), "0.01", category="Key Vault")  # security, June 2024
    billed(season, M[10], M[11], M[12], M[1])

    credits_compute(season=season)

    assert not CreditLine.objects.filter(kind=WORKLOAD).exists()


def test_history_of_another_season_counts_as_consumed_before(season, alpha):
    tenant = str(uuid.uuid4())
    _workload_customer(alpha, tenant, "200.00", "220.00")
    older = league_season(
        slug="test-2023-24",
        name="Saison 2023/24",
        is_active=False,
        start_date=date(2023, 9, 1),
        end_date=date(2024, 5, 31),
        registration_deadline=date(2023, 8, 31),
    )
    old_partner = PartnerFactory(season=older, partner_id=alpha.partner_id)
    usage(old_partner, tenant, date(2024, 3, 3), "5.00", category="Sentinel")

    credits_compute(season=season)

    assert not CreditLine.objects.filter(kind=WORKLOAD).exists()


# --- Caps ----------------------------------------------------------------------------------------


def test_the_partner_cap_crossed_mid_line(season, alpha):
    billed(season, M[10], M[11], M[12], M[1])
    plan = [
        # (tenant, first usage, free-month consumption)
        ("t-a", date(2024, 10, 3), "12000.00"),  # own cap: 10 000, stays final
        ("t-b", date(2024, 10, 9), "9000.00"),
        ("t-c", date(2024, 11, 1), "8000.00"),  # 27 000 so far
        ("t-e", date(2024, 12, 7), "500.00"),  # 0: after the crossing line
        ("t-d", date(2024, 12, 7), "7000.00"),  # crosses: 3 000 (same day, "t-d" < "t-e")
    ]
    for tenant, first, amount in plan:
        new_customer_claim(alpha, tenant)
        usage(alpha, tenant, first, "1.00")
        next_month = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        usage(alpha, tenant, next_month, amount)

    credits_compute(season=season)

    got = {t: (line(alpha, t).credit_eur, line(alpha, t).status) for t, _first, _amount in plan}
    assert got == {
        "t-a": (D("10000.00"), "final"),
        "t-b": (D("9000.00"), "final"),
        "t-c": (D("8000.00"), "final"),
        "t-d": (D("3000.00"), "capped"),
        "t-e": (D("0.00"), "capped"),
    }
    assert line(alpha, "t-a").explanation["line_capped"] is True
    assert line(alpha, "t-d").explanation["partner_cap_left"] == "3000.00"


def test_provisional_lines_use_the_cap_and_stay_provisional(season, alpha):
    season.workload_partner_cap_eur = D("100.00")
    season.save()
    billed(season, M[10], M[11], M[12])  # January not billed: both lines provisional
    for tenant in ("w-1", "w-2"):
        _workload_customer(alpha, tenant, "200.00", "220.00")

    credits_compute(season=season)

    first, second = (
        line(alpha, "w-1", WORKLOAD, "security"),
        line(alpha, "w-2", WORKLOAD, "security"),
    )
    assert (first.credit_eur, first.status) == (D("100.00"), "provisional")
    assert (second.credit_eur, second.status) == (D("0.00"), "provisional")
    assert first.explanation["partner_capped"] is True


# --- Corrections, idempotency, concurrency, query count -------------------------------------------


def test_a_corrected_file_for_one_partner_leaves_the_others_untouched(season, alpha, charlie_co):
    a, c = str(uuid.uuid4()), str(uuid.uuid4())
    new_customer_claim(alpha, a)
    new_customer_claim(charlie_co, c)
    first_file = billing_import(season, "2024-11.csv")
    for partner, tenant in ((alpha, a), (charlie_co, c)):
        usage(partner, tenant, date(2024, 10, 4), "1.00")
        usage(partner, tenant, date(2024, 11, 4), "300.00", source=first_file)
    billed(season, M[10], M[11])
    credits_compute(season=season)
    charlie_before = snapshot(season)[1]

    # The corrected November file of alpha replaces alpha's November rows.
    UsageRow.objects.filter(partner=alpha, month=M[11]).delete()
    usage(alpha, a, date(2024, 11, 4), "250.00", source=billing_import(season, "fix.csv"))
    summary = credits_compute(season=season)

    assert (summary.updated, summary.unchanged) == (1, 1)
    assert line(alpha, a).credit_eur == D("250.00")
    assert snapshot(season)[1] == charlie_before


def test_running_twice_changes_nothing(season, alpha):
    tenant = str(uuid.uuid4())
    new_customer_claim(alpha, tenant)
    usage(alpha, tenant, date(2024, 10, 4), "1.00")
    usage(alpha, tenant, date(2024, 11, 4), "300.00")
    _workload_customer(alpha, "w-1", "200.00", "220.00")
    billed(season, M[10], M[11])

    first = credits_compute(season=season)
    before = snapshot(season)
    second = credits_compute(season=season)

    assert first.created == 2 and not second.changed and second.unchanged == 2
    assert snapshot(season) == before


def test_a_line_no_longer_eligible_is_deleted_or_kept_at_its_noted_amount_when_on_a_note(
    season, alpha, staff_user
):
    from credits.notes.issuing import credit_notes_issue

    noted, free = str(uuid.uuid4()), str(uuid.uuid4())
    claims = {}
    for tenant in (noted, free):
        claims[tenant] = new_customer_claim(alpha, tenant)
        usage(alpha, tenant, date(2024, 10, 4), "1.00")
        usage(alpha, tenant, date(2024, 11, 4), "300.00")
    billed(season, M[10], M[11])
    credits_compute(season=season)
    CreditLine.objects.filter(customer_tenant_id=free).update(status="provisional")
    credit_notes_issue(season=season, issued_by=staff_user)  # covers the final line only
    assert CreditNoteLine.objects.filter(credit_line__customer_tenant_id=noted).exists()

    Claim.objects.filter(pk__in=[c.pk for c in claims.values()]).update(status="revoked")
    summary = credits_compute(season=season)

    assert (summary.deleted, summary.kept) == (1, 1)
    assert not CreditLine.objects.filter(customer_tenant_id=free).exists()
    kept = line(alpha, noted)
    assert (kept.credit_eur, kept.status) == (D("300.00"), "final")
    assert kept.explanation["kept"] == {"code": "no_claim", "details": {}, "noted": "300.00"}
    assert kept.explanation["free_months"][0]["eur"] == "300.00"  # the facts it was issued on
    assert not credits_compute(season=season).changed
    assert credit_notes_issue(season=season, issued_by=staff_user) == []
    assert CreditNote.objects.count() == 1


def test_a_disqualified_partner_loses_its_unissued_credits(season, alpha):
    tenant = str(uuid.uuid4())
    new_customer_claim(alpha, tenant)
    usage(alpha, tenant, date(2024, 10, 4), "1.00")
    usage(alpha, tenant, date(2024, 11, 4), "300.00")
    credits_compute(season=season)
    Partner.objects.filter(pk=alpha.pk).update(status=Partner.Status.DISQUALIFIED)

    credits_compute(season=season)

    assert not CreditLine.objects.exists()


def _partners_with_lines(season, n: int) -> None:
    for i in range(n):
        partner = PartnerFactory(season=season)
        tenant = f"{n}-{i}-{uuid.uuid4()}"[:36]
        new_customer_claim(partner, tenant)
        usage(partner, tenant, date(2024, 10, 4), "1.00")
        usage(partner, tenant, date(2024, 11, 4), "10.00", category="Sentinel")
        workload_claim(partner, tenant, "security")


def test_the_number_of_queries_does_not_depend_on_the_number_of_partners(season):
    counts = []
    for n in (2, 20):
        CreditLine.objects.all().delete()
        UsageRow.objects.all().delete()
        Claim.objects.all().delete()
        _partners_with_lines(season, n)
        with CaptureQueriesContext(connection) as queries:
            summary = credits_compute(season=season)
        assert summary.created == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_command_prints_a_summary(season, alpha, capsys):
    tenant = str(uuid.uuid4())
    new_customer_claim(alpha, tenant)
    usage(alpha, tenant, date(2024, 10, 4), "1.00")
    usage(alpha, tenant, date(2024, 11, 4), "42.00")

    call_command("compute_credits")

    out = capsys.readouterr().out
    assert "1 credit lines (provisional 1)" in out and "new customers 42.00 EUR" in out


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two computations at once need row locks: PostgreSQL only (DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_two_computations_at_once_count_once():
    season = league_season()
    partners = [PartnerFactory(season=season) for _ in range(3)]
    for partner in partners:
        for _ in range(3):
            tenant = str(uuid.uuid4())
            new_customer_claim(partner, tenant)
            usage(partner, tenant, date(2024, 10, 4), "1.00")
            usage(partner, tenant, date(2024, 11, 4), "3000.00")
            usage(partner, tenant, date(2024, 11, 5), "100.00", category="Sentinel")
            workload_claim(partner, tenant, "security")
    billed(season, M[10], M[11])
    summaries = at_once(*[lambda: credits_compute(season=season)] * 2)

    errors = [s for s in summaries if isinstance(s, Exception)]
    assert not errors, errors
    assert sorted(s.created for s in summaries) == [0, 9]
    assert sorted(s.unchanged for s in summaries) == [0, 9]
    before = snapshot(season)
    assert len(before) == 9
    assert not credits_compute(season=season).changed
    assert snapshot(season) == before
