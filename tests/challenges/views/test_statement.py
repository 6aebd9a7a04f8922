"""The points statement: every ledger entry with its rule and a running total, in a constant
number of SQL queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from challenges.models import Challenge, Claim, LedgerEntry
from challenges.services.claims import claim_approve, claim_revoke
from tests.conftest import client_for
from tests.factories import ClaimFactory
from tests.helpers.pages import english

pytestmark = pytest.mark.django_db


def test_statement_lists_entries_with_rule_and_running_total(
    alice_client, company_a, customer_a, staff_user
):
    meeting = claim_approve(
        claim=ClaimFactory(customer=customer_a, code="sales_meeting"), reviewer=staff_user
    )
    new = claim_approve(
        claim=ClaimFactory(customer=customer_a, code="new_customer"), reviewer=staff_user
    )
    claim_revoke(claim=meeting, reviewer=staff_user, reason="Meeting did not happen.")
    response = alice_client.get("/company/statement/")
    lines = response.context["lines"]
    # Newest first; the balance after each entry.
    assert [(line.entry.points, line.balance) for line in lines] == [
        (-50, 400),
        (200, 450),
        (200, 250),
        (50, 50),
    ]
    assert response.context["total"] == 400
    page = response.content.decode()
    assert '<span class="stat-value" data-total>400</span>' in page
    assert "+200" in page and "-50" in page
    assert "Bonus for the first new end customer — 200 points" in page
    assert f'href="/company/claims/{new.pk}/"' in page
    assert f'href="/company/claims/{meeting.pk}/"' in page


def test_rule_is_shown_in_the_users_language(alice, customer_a, staff_user):
    claim_approve(claim=ClaimFactory(customer=customer_a), reviewer=staff_user)
    german = client_for(alice).get("/company/statement/").content.decode()
    assert "Virtueller Termin mit dem Sales-Team von Ingram Micro — 50" in german
    english_page = english(client_for(alice)).get("/company/statement/").content.decode()
    assert "Virtual meeting with the Ingram Micro sales team — 50 points" in english_page


def test_rule_is_the_one_booked_not_the_current_catalogue(alice_client, customer_a, staff_user):
    claim_approve(claim=ClaimFactory(customer=customer_a), reviewer=staff_user)
    Challenge.objects.filter(season=customer_a.season, code="sales_meeting").update(
        points=75, title_en="Renamed"
    )
    response = alice_client.get("/company/statement/")
    assert response.context["total"] == 50
    assert "Virtual meeting with the Ingram Micro sales team — 50 points" in (
        response.content.decode()
    )


def test_statement_shows_only_the_own_company(alice_client, customer_c, staff_user):
    claim_approve(claim=ClaimFactory(customer=customer_c), reviewer=staff_user)
    response = alice_client.get("/company/statement/")
    assert response.context["total"] == 0 and response.context["lines"] == []


def _ledger(partner, customer, n, start=0):
    """`n` approved claims with one ledger entry each, created in bulk."""
    challenge = Challenge.objects.get(season=partner.season, code="sales_meeting")
    now = timezone.now()
    claims = Claim.objects.bulk_create(
        Claim(
            partner=partner,
            season=partner.season,
            challenge=challenge,
            customer=customer,
            status=Claim.Status.APPROVED,
            count_key=f"bulk:{start + i}",
            activity_date=partner.season.start_date,
        )
        for i in range(n)
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            partner=partner,
            season=partner.season,
            challenge=challenge,
            claim=claim,
            kind=LedgerEntry.Kind.GRANT,
            points=50,
            rule_de="Regel",
            rule_en="Rule",
            created_at=now,
        )
        for claim in claims
    )


def _queries(client) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/company/statement/")
    assert response.status_code == 200
    return len(captured), response


def test_statement_runs_a_constant_number_of_queries(alice_client, company_a, customer_a):
    _ledger(company_a, customer_a, 10)
    few, response = _queries(alice_client)
    assert response.context["total"] == 500
    _ledger(company_a, customer_a, 990, start=10)
    many, response = _queries(alice_client)
    assert response.context["total"] == 50_000
    assert len(response.context["lines"]) == 1000
    assert many == few, f"{few} queries for 10 entries, {many} for 1,000"


@pytest.mark.parametrize(
    "url", ["/company/claims/", "/company/customers/", "/company/customers/{customer}/"]
)
def test_claim_and_customer_pages_run_a_constant_number_of_queries(
    alice_client, company_a, customer_a, url
):
    url = url.format(customer=customer_a.pk)
    _ledger(company_a, customer_a, 10)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(url).status_code == 200
        return len(captured)

    few = count()
    _ledger(company_a, customer_a, 990, start=10)
    assert count() == few
