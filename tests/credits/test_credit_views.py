"""The credit pages: the partner's credits, caps and notes; the staff list with filters and
"recompute now"; an end customer's eligibility history; who may see what."""

import re
import uuid
from datetime import date
from decimal import Decimal

import pytest

from challenges.models import Redemption
from credits.computation import credits_compute
from credits.models import CreditLine, CreditNote
from tests.conftest import client_for
from tests.credits.helpers.computation import (
    M,
    billed,
    league_season,
    new_customer_claim,
    usage,
    workload_claim,
)
from tests.helpers.pages import english

PARTNER_URL = "/company/credits/"
STAFF_URL = "/staff/credits/"
D = Decimal
ALPHA_NEW = "aaaaaaaa-1111-4000-8000-000000000001"
ALPHA_WL = "aaaaaaaa-1111-4000-8000-000000000002"
CHARLIE_NEW = "cccccccc-3333-4000-8000-000000000003"


@pytest.fixture
def season(db):
    # The personas' company fixtures build on this season (overrides tests/conftest.py).
    return league_season()


@pytest.fixture
def lines(season, company_a, company_c):
    """Alpha: a final new customer (123.45 €) and a provisional workload; Charlie: one line."""
    new_customer_claim(company_a, ALPHA_NEW, name="Neukunde Alpha GmbH")
    usage(company_a, ALPHA_NEW, date(2024, 10, 31), "1.00")
    usage(company_a, ALPHA_NEW, date(2024, 11, 2), "123.45")
    workload_claim(company_a, ALPHA_WL, "security")
    usage(company_a, ALPHA_WL, date(2024, 10, 3), "500.00", usd="540.00")
    usage(company_a, ALPHA_WL, date(2024, 11, 3), "5.00", category="Sentinel")
    usage(company_a, ALPHA_WL, date(2024, 12, 3), "40.00", category="Sentinel")
    new_customer_claim(company_c, CHARLIE_NEW, name="Charlies Kunde AG")
    usage(company_c, CHARLIE_NEW, date(2024, 10, 1), "1.00")
    usage(company_c, CHARLIE_NEW, date(2024, 11, 1), "777.00")
    billed(season, M[10], M[11], M[12])
    credits_compute(season=season)
    return CreditLine.objects.order_by("pk")


# --- Partner -------------------------------------------------------------------------------------


def test_the_partner_sees_only_its_own_lines(alice, lines):
    response = english(client_for(alice)).get(PARTNER_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Neukunde Alpha GmbH" in body and ALPHA_WL in body
    assert CHARLIE_NEW not in body and "Charlies Kunde AG" not in body and "777" not in body
    assert body.count('data-line="') == 2
    assert "provisional" in body.lower() and "final" in body.lower()


def test_the_caps_are_progress_bars(alice, company_a, lines):
    Redemption.objects.create(
        partner=company_a,
        season=company_a.season,
        training="AZ-104",
        provider="Ingram Micro",
        amount_eur=D("150.00"),
        status=Redemption.Status.APPROVED,
        requested_by=alice,
    )
    body = english(client_for(alice)).get(PARTNER_URL).content.decode()
    bars = re.findall(r'aria-valuemax="([\d.]+)" aria-valuenow="([\d.]+)"', body)
    assert bars == [("30000.00", "123.45"), ("60000.00", "40.00"), ("10000.00", "150.00")]
    assert "€123.45" in body and "of €30,000" in body and "of €60,000" in body
    assert "of €10,000" in body


def test_the_partner_sees_its_credit_notes(alice, company_a, company_c, lines, staff_user):
    from credits.notes.issuing import credit_notes_issue

    credit_notes_issue(season=company_a.season, issued_by=staff_user)
    mine = CreditNote.objects.get(partner=company_a)
    other = CreditNote.objects.get(partner=company_c)
    body = client_for(alice).get(PARTNER_URL).content.decode()
    assert f"/company/credit-notes/{mine.pk}/pdf/" in body and mine.number in body
    assert other.number not in body


def test_german_amounts(alice, lines):
    body = client_for(alice).get(PARTNER_URL).content.decode()
    assert "123,45 €" in body and "30.000 €" in body


def test_anonymous_and_unapproved_partners_are_sent_away(client, company_a, alice, season):
    assert client.get(PARTNER_URL).status_code == 302
    company_a.status = company_a.Status.PENDING
    company_a.save()
    response = client_for(alice).get(PARTNER_URL)
    assert response.status_code == 302 and "credits" not in response["Location"]


# --- Staff ---------------------------------------------------------------------------------------


def test_partners_get_403_on_the_staff_pages(alice, lines):
    client = client_for(alice)
    assert client.get(STAFF_URL).status_code == 403
    assert client.get(f"{STAFF_URL}customers/{ALPHA_NEW}/").status_code == 403
    assert client.post(STAFF_URL, {"action": "recompute"}).status_code == 403


def test_staff_see_all_lines_with_totals_and_billed_months(staff_client, lines):
    body = english(staff_client).get(STAFF_URL).content.decode()
    assert body.count('data-line="') == 3
    assert "Charlies Kunde AG" in body and "Neukunde Alpha GmbH" in body
    # 123.45 + 40.00 + 777.00
    assert re.search(r"data-total-credit>€940.45<", body)
    assert all(f">{m}<" in body for m in ("2024-10", "2024-11", "2024-12"))
    assert f"/staff/credits/customers/{ALPHA_NEW}/" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "workload"}, {ALPHA_WL}),
        ({"status": "provisional"}, {ALPHA_WL}),
        ({"booking_month": "2024-10"}, {ALPHA_NEW, CHARLIE_NEW}),
        ({"booking_month": "1999-01"}, {ALPHA_NEW, ALPHA_WL, CHARLIE_NEW}),  # not offered: ignored
    ],
)
def test_staff_filters(staff_client, lines, query, expected):
    body = staff_client.get(STAFF_URL, query).content.decode()
    shown = {t for t in (ALPHA_NEW, ALPHA_WL, CHARLIE_NEW) if f"customers/{t}/" in body}
    assert shown == expected


def test_staff_filter_by_partner(staff_client, lines, company_c):
    body = staff_client.get(STAFF_URL, {"partner": company_c.pk}).content.decode()
    assert "Charlies Kunde AG" in body and "Neukunde Alpha GmbH" not in body


def test_staff_sort_the_lines_by_a_column_within_the_filters(staff_client, lines):
    def tenants(query):
        body = staff_client.get(STAFF_URL, query).content.decode()
        return re.findall(r'<span class="muted small mono tenant">([^<]+)</span>', body), body

    shown, _ = tenants({"sort": "-credit_eur"})  # 777.00, 123.45, 40.00
    assert shown == [CHARLIE_NEW, ALPHA_NEW, ALPHA_WL]
    shown, _ = tenants({"sort": "credit_eur"})
    assert shown == [ALPHA_WL, ALPHA_NEW, CHARLIE_NEW]
    shown, body = tenants({"kind": "new_customer", "sort": "-credit_eur"})
    assert shown == [CHARLIE_NEW, ALPHA_NEW]
    # The totals are those of the filter; the header links keep it.
    assert re.search(r"data-total-credit>900,45 €<", body)
    assert 'href="?kind=new_customer&amp;sort=credit_eur"' in body


def test_staff_lines_are_paged_by_50_with_the_totals_of_all(staff_client, season, lines):
    template = CreditLine.objects.get(customer_tenant_id=ALPHA_WL)
    CreditLine.objects.bulk_create(
        CreditLine(
            season=season,
            partner=template.partner,
            customer_tenant_id=f"dddddddd-0000-4000-8000-{i:012d}",
            kind=template.kind,
            service_group=template.service_group,
            booking_month=template.booking_month,
            first_usage_date=template.first_usage_date,
            free_months=template.free_months,
            consumption_eur=D("1.00"),
            credit_eur=D("1.00"),
            status=template.status,
            explanation={},
        )
        for i in range(57)
    )
    first = english(staff_client).get(STAFF_URL)
    body = first.content.decode()
    assert body.count('data-line="') == 50 and "60 credit lines" in body
    assert re.search(r"data-total-credit>€997.45<", body)  # 940.45 + 57 × 1.00, every page
    second = staff_client.get(STAFF_URL, {"page": 2, "status": "provisional"})
    assert second.content.decode().count('data-line="') == 8  # 1 + 57 provisional, 50 a page


def test_recompute_now_runs_the_task(
    staff_client, season, company_a, django_capture_on_commit_callbacks
):
    tenant = str(uuid.uuid4())
    new_customer_claim(company_a, tenant)
    usage(company_a, tenant, date(2024, 10, 4), "1.00")
    usage(company_a, tenant, date(2024, 11, 4), "10.00")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = english(staff_client).post(
            STAFF_URL, {"action": "recompute", "query": "status=provisional"}, follow=True
        )

    assert response.redirect_chain[-1][0] == f"{STAFF_URL}?status=provisional"
    assert "credit computation" in response.content.decode()
    assert len(callbacks) == 1
    assert CreditLine.objects.filter(customer_tenant_id=tenant).exists()


# --- Eligibility history -------------------------------------------------------------------------


def test_history_explains_each_verdict(staff_client, season, company_a):
    tenant = "dddddddd-4444-4000-8000-000000000004"
    new_customer_claim(company_a, tenant, name="Bestand GmbH")
    workload_claim(company_a, tenant, "security")
    workload_claim(company_a, tenant, "databases")
    usage(company_a, tenant, date(2024, 6, 10), "3.00", category="Key Vault")  # security
    usage(company_a, tenant, date(2024, 7, 10), "5.00")
    usage(company_a, tenant, date(2024, 10, 10), "80.00", usd="84.20")
    usage(company_a, tenant, date(2024, 11, 10), "15.00", category="SQL Database")
    billed(season, M[10], M[11])

    response = english(staff_client).get(f"{STAFF_URL}customers/{tenant.upper()}/")

    assert response.status_code == 200
    body = response.content.decode()
    reasons = re.findall(r"<td data-reason>(.*?)</td>", body, re.S)
    assert "not a new customer: consumption in 2024-06 before the season" in reasons
    assert "Security consumed before in 2024-06" in reasons
    assert (
        "not an existing customer for a workload in 2024-11: 2024-10 consumption "
        "84.20 USD ≤ 100.00 USD" in reasons
    )
    assert "no approved claim for Analytics &amp; AI" in " ".join(reasons)
    assert 'data-month="2024-10"' in body and "84.20 USD" in body
    assert "Bestand GmbH" in body


def test_history_of_an_eligible_workload(staff_client, season, company_a, lines):
    body = english(staff_client).get(f"{STAFF_URL}customers/{ALPHA_WL}/").content.decode()
    assert (
        "existing customer for a workload in 2024-11: 2024-10 consumption 540.00 USD &gt; "
        "100.00 USD" in body
    )
    assert "2025-01: €0.00 (not billed yet)" in body


def test_history_rejects_a_malformed_tenant(staff_client, season):
    assert staff_client.get(f"{STAFF_URL}customers/{'x' * 60}/").status_code == 404
