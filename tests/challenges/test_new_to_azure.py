""" "New to Azure" (SPEC 3, issue 9): a `new_customer` claim whose tenant shows Azure consumption
before the season in the billing imported so far is refused at submission and at approval, in the
browser and in `import_claims`, with the first month of consumption in the message. Billing
imported after the approval changes nothing by itself (tests/challenges/staff/test_contradicted.py
has the staff list)."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from challenges.models import Claim, LedgerEntry
from challenges.services.claims import ClaimData, claim_approve, claim_submit
from core.errors import DomainError
from tests.challenges.helpers import SUB, bill, points_of
from tests.conftest import client_for
from tests.factories import ClaimFactory, EndCustomerFactory, MembershipFactory, UserFactory
from tests.helpers.pages import english, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):  # messages are matched in English
        yield


def before_season(season, days=45) -> date:
    return season.start_date - timedelta(days=days)


def month_en(day: date) -> str:
    return f"{day:%B %Y}"  # "June 2024": the message's YEAR_MONTH_FORMAT in English


def submit(partner, customer, day):
    membership = partner.memberships.first() or MembershipFactory(partner=partner)
    return claim_submit(
        membership=membership,
        challenge_code="new_customer",
        customer=customer,
        data=ClaimData(activity_date=day, subscription_id=SUB),
    )


def test_submission_is_refused_naming_the_first_month(season, company_a, tmp_path):
    old = EndCustomerFactory(partner=company_a)
    first, later = before_season(season, 70), before_season(season, 10)
    bill(season, tmp_path, company_a, (old.tenant_id, later), (old.tenant_id, first))

    with pytest.raises(DomainError) as refused:
        submit(company_a, old, season.start_date)
    assert str(refused.value) == (
        "The end customer is not new to Azure: the imported billing shows Azure consumption "
        f"from {month_en(first)}, before the season."
    )
    with translation.override("de"), pytest.raises(DomainError) as refused_de:
        submit(company_a, old, season.start_date)
    assert "nicht neu in Azure" in str(refused_de.value)
    assert not Claim.objects.exists()


def test_consumption_from_the_first_day_of_the_season_or_of_another_tenant_counts_as_new(
    season, company_a, tmp_path
):
    fresh, neighbour = EndCustomerFactory(partner=company_a), EndCustomerFactory(partner=company_a)
    bill(
        season,
        tmp_path,
        company_a,
        (fresh.tenant_id, season.start_date),
        (neighbour.tenant_id, before_season(season)),
    )
    assert submit(company_a, fresh, season.start_date).status == Claim.Status.SUBMITTED


def test_consumption_billed_to_another_partner_refuses_too(season, company_a, company_c, tmp_path):
    customer = EndCustomerFactory(partner=company_a)
    bill(season, tmp_path, company_c, (customer.tenant_id, before_season(season)))
    with pytest.raises(DomainError, match="not new to Azure"):
        submit(company_a, customer, season.start_date)


def test_other_challenges_for_that_customer_are_not_affected(season, company_a, tmp_path):
    customer = EndCustomerFactory(partner=company_a)
    bill(season, tmp_path, company_a, (customer.tenant_id, before_season(season)))
    claim = claim_submit(
        membership=MembershipFactory(partner=company_a),
        challenge_code="svc_security",
        customer=customer,
        data=ClaimData(activity_date=season.start_date),
    )
    assert claim.status == Claim.Status.SUBMITTED


def test_partner_sees_the_refusal_in_the_browser(season, company_a, alice, tmp_path):
    customer = EndCustomerFactory(partner=company_a)
    first = before_season(season)
    bill(season, tmp_path, company_a, (customer.tenant_id, first))
    response = english(client_for(alice)).post(
        "/company/claims/new/new_customer/",
        {"customer": customer.pk, "activity_date": season.start_date, "subscription_id": SUB},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "not new to Azure" in page and month_en(first) in page
    assert not Claim.objects.exists()


def test_approval_is_refused_when_billing_arrived_after_the_submission(
    season, company_a, staff_client, tmp_path
):
    customer = EndCustomerFactory(partner=company_a)
    claim = submit(company_a, customer, season.start_date)
    first = before_season(season)
    bill(season, tmp_path, company_a, (customer.tenant_id, first))

    response = english(staff_client).post(
        f"/staff/claims/{claim.pk}/", {"action": "approve"}, follow=True
    )
    assert any("not new to Azure" in m and month_en(first) in m for m in messages_of(response)), (
        messages_of(response)
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    # No points, no first-customer bonus, no new end customer in the public table.
    assert not LedgerEntry.objects.exists() and points_of(company_a) == 0
    assert not mail.outbox
    rows = Client().get("/leaderboard.json").json()["leagues"][0]["rows"]
    assert [(r["points"], r["new_customers"]) for r in rows] == [(0, 0)]
    # The reviewer finds the reason to reject with filled in.
    page = english(staff_client).get(f"/staff/claims/{claim.pk}/")
    assert (
        page.context["forms"]["reject"]["reason"]
        .value()
        .startswith("The end customer is not new to Azure")
    )


def test_import_claims_refuses_the_row_at_submission_and_at_approval(season, company_a, tmp_path):
    old = EndCustomerFactory(partner=company_a)
    first = before_season(season)
    bill(season, tmp_path, company_a, (old.tenant_id, first))
    fresh = "44444444-4444-4444-8444-444444444444"
    path = tmp_path / "claims.csv"
    path.write_text(
        "partner_id,challenge,customer_tenant_id,customer_name,subscription_id,activity_date,"
        "status\n"
        f"{company_a.partner_id},new_customer,{old.tenant_id},,{SUB},"
        f"{season.start_date:%Y-%m-%d},approved\n"
        f"{company_a.partner_id},new_customer,{fresh},Neu GmbH,{SUB},"
        f"{season.start_date:%Y-%m-%d},approved\n"
    )
    out, err = StringIO(), StringIO()
    call_command("import_claims", str(path), stdout=out, stderr=err)
    assert out.getvalue().splitlines()[0] == "rows: 2, imported: 1, skipped: 1"
    assert err.getvalue().strip() == (
        "line 2: The end customer is not new to Azure: the imported billing shows Azure "
        f"consumption from {month_en(first)}, before the season."
    )
    assert list(Claim.objects.values_list("customer__tenant_id", "status")) == [(fresh, "approved")]
    assert points_of(company_a) == 400  # 200 and the first-customer bonus, for the new one only


def test_approval_under_the_lock_reads_billing_again(season, company_a, tmp_path):
    """A claim submitted before the billing (the factory skips submission's check) is refused by
    the approval itself."""
    claim = ClaimFactory(customer=EndCustomerFactory(partner=company_a), code="new_customer")
    bill(season, tmp_path, company_a, (claim.customer.tenant_id, before_season(season)))
    reviewer = UserFactory(is_staff=True)
    with pytest.raises(DomainError, match="not new to Azure"):
        claim_approve(claim=claim, reviewer=reviewer)
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.SUBMITTED
