"""Billing imported after an approval contradicts a `new_customer` claim (SPEC 3, issue 9):
nothing changes by itself; staff see the claim in "contradicted by billing" and revoke it in one
step with the reason filled in. The list is a query over the current billing, not a flag."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from challenges.models import Claim, LedgerEntry
from challenges.services.claims import claim_revoke
from tests.challenges.helpers import approved_claim, bill, claim_for, points_of
from tests.factories import EndCustomerFactory, PartnerFactory, SeasonFactory
from tests.helpers.pages import english, messages_of

pytestmark = pytest.mark.django_db

LIST = reverse("challenges:staff-contradicted")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def contradicted(season, company_a, staff_user, tmp_path):
    """An approved new end customer (with the first-customer bonus), then billing showing it
    consumed Azure before the season."""
    customer = EndCustomerFactory(partner=company_a, name="Bäckerei Huber KG")
    claim = approved_claim(company_a, staff_user, code="new_customer", customer=customer)
    first = season.start_date - timedelta(days=40)
    bill(season, tmp_path, company_a, (customer.tenant_id, first))
    return claim, first


def test_billing_after_the_approval_changes_nothing_by_itself(contradicted, company_a):
    claim, _first = contradicted
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert points_of(company_a) == 400


def test_staff_see_the_claim_with_the_first_month_and_the_reason_filled_in(
    staff_client, contradicted
):
    claim, first = contradicted
    english(staff_client)
    response = staff_client.get(LIST)
    [row] = response.context["rows"]
    assert row.claim == claim and row.first_month == first.replace(day=1)
    reason = (
        "The end customer is not new to Azure: the imported billing shows Azure consumption "
        f"from {first:%B %Y}, before the season."
    )
    assert row.form["reason"].value() == reason
    page = response.content.decode()
    assert f'data-contradicted="{claim.pk}"' in page and "Bäckerei Huber KG" in page
    # The queue, the staff home and the claim's page point at it.
    queue = staff_client.get(reverse("challenges:staff-queue")).content.decode()
    assert 'data-contradicted-count="1"' in queue and LIST in queue
    home = staff_client.get(reverse("league:staff-home")).content.decode()
    assert 'data-contradicted-count="1"' in home
    review = staff_client.get(reverse("challenges:staff-claim", args=[claim.pk]))
    assert review.context["forms"]["revoke"]["reason"].value() == reason


def test_revoke_in_one_step_takes_back_the_points_and_the_bonus(
    staff_client, staff_user, contradicted, company_a, alice, django_capture_on_commit_callbacks
):
    claim, _first = contradicted
    english(staff_client)
    reason = staff_client.get(LIST).context["rows"][0].reason
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(LIST, {"claim": claim.pk, "reason": reason}, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert any("is revoked" in m for m in messages_of(response))
    claim.refresh_from_db()
    assert (claim.status, claim.reason, claim.decided_by) == ("revoked", reason, staff_user)
    assert sorted(LedgerEntry.objects.filter(partner=company_a).values_list("kind", "points")) == [
        ("bonus", 200),
        ("bonus_revoke", -200),
        ("grant", 200),
        ("revoke", -200),
    ]
    assert points_of(company_a) == 0
    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert response.context["rows"] == []

    # A double click: refused, nothing booked twice.
    again = staff_client.post(LIST, {"claim": claim.pk, "reason": reason}, follow=True)
    assert any("Only approved claims can be revoked." in m for m in messages_of(again))
    assert LedgerEntry.objects.filter(partner=company_a).count() == 4


def test_revoke_without_a_reason_or_for_junk_changes_nothing(staff_client, contradicted):
    claim, _first = contradicted
    english(staff_client)
    response = staff_client.post(LIST, {"claim": claim.pk, "reason": "  "}, follow=True)
    assert any("reason" in m for m in messages_of(response))
    assert staff_client.post(LIST, {"claim": "x", "reason": "r"}).status_code == 404
    assert staff_client.post(LIST, {"claim": 999999, "reason": "r"}).status_code == 404
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED


def test_only_approved_new_customers_of_the_season_with_pre_season_use_are_listed(
    staff_client, staff_user, season, company_a, tmp_path
):
    before = season.start_date - timedelta(days=10)
    in_season = EndCustomerFactory(partner=company_a)
    approved_claim(company_a, staff_user, code="new_customer", customer=in_season)
    open_claim = claim_for(company_a, code="new_customer")  # flagged in the queue instead
    other_challenge = approved_claim(company_a, staff_user, code="svc_security")
    revoked = approved_claim(company_a, staff_user, code="new_customer")
    claim_revoke(claim=revoked, reviewer=staff_user, reason="Doppelt")
    other_season = approved_claim(
        PartnerFactory(season=SeasonFactory(is_active=False)), staff_user, code="new_customer"
    )
    bill(
        season,
        tmp_path,
        company_a,
        (in_season.tenant_id, season.start_date),
        (open_claim.customer.tenant_id, before),
        (other_challenge.customer.tenant_id, before),
        (revoked.customer.tenant_id, before),
        (other_season.customer.tenant_id, before),
    )
    assert staff_client.get(LIST).context["rows"] == []
    assert (
        "data-contradicted-count"
        not in staff_client.get(reverse("challenges:staff-queue")).content.decode()
    )


def test_a_corrected_billing_file_without_the_early_usage_clears_the_list(
    staff_client, contradicted, season, company_a, tmp_path
):
    """A query, not a flag: a corrected file replaces the month's rows, and the claim leaves the
    list again."""
    claim, first = contradicted
    assert [r.claim for r in staff_client.get(LIST).context["rows"]] == [claim]
    other = EndCustomerFactory(partner=company_a)
    bill(season, tmp_path, company_a, (other.tenant_id, first), name="corrected.csv")
    assert staff_client.get(LIST).context["rows"] == []
