import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from challenges.models import Claim, LedgerEntry
from tests.factories import EndCustomerFactory

from .helpers import PNG, approved_claim, claim_for, english, messages_of, points_of

BULK = reverse("challenges:staff-bulk-approve")
QUEUE = reverse("challenges:staff-queue")


@pytest.mark.django_db
def test_bulk_approve_approves_each_and_reports_the_refused_one(
    staff_client, staff_user, company_a
):
    simple = [
        claim_for(company_a, code="sql_lead"),
        claim_for(company_a, code="sales_meeting"),
        claim_for(company_a, code="presales_sizing"),
    ]
    customer = EndCustomerFactory(partner=company_a)
    approved_claim(company_a, staff_user, customer=customer)  # 50
    # A second sales_meeting for the same customer breaks "counted at most".
    breaking = claim_for(company_a, customer=customer)
    english(staff_client)
    response = staff_client.post(
        BULK, {"claims": [c.pk for c in [*simple, breaking]], "next": QUEUE}, follow=True
    )
    assert response.redirect_chain[-1][0] == QUEUE
    for claim in simple:
        claim.refresh_from_db()
        assert claim.status == Claim.Status.APPROVED
    breaking.refresh_from_db()
    assert breaking.status == Claim.Status.SUBMITTED
    assert points_of(company_a) == 50 + 20 + 50 + 100
    texts = messages_of(response)
    assert any(f"#{breaking.pk}" in m and "already counted" in m for m in texts)
    assert any("Approved 3 claims" in m for m in texts)

    # A double submit counts nothing twice and says so for each claim.
    again = staff_client.post(BULK, {"claims": [c.pk for c in simple], "next": QUEUE}, follow=True)
    assert points_of(company_a) == 220
    assert LedgerEntry.objects.filter(claim__in=simple).count() == 3
    assert sum("already approved" in m for m in messages_of(again)) == 3


@pytest.mark.django_db
def test_bulk_approve_refuses_claims_that_need_a_closer_look(staff_client, company_a):
    with_evidence = claim_for(
        company_a, evidence=SimpleUploadedFile("p.png", PNG), evidence_name="p.png"
    )
    new_customer = claim_for(company_a, code="new_customer")
    waiting = claim_for(company_a, status=Claim.Status.NEEDS_INFO)
    english(staff_client)
    response = staff_client.post(
        BULK, {"claims": [with_evidence.pk, new_customer.pk, waiting.pk]}, follow=True
    )
    for claim in (with_evidence, new_customer, waiting):
        claim.refresh_from_db()
        assert claim.is_open
    assert points_of(company_a) == 0
    assert len([m for m in messages_of(response) if "own page" in m]) == 3


@pytest.mark.django_db
def test_bulk_approve_without_selection_or_with_junk(staff_client, company_a):
    claim = claim_for(company_a)
    response = staff_client.post(BULK, {"claims": ["abc", ""]}, follow=True)
    assert response.status_code == 200
    assert staff_client.get(BULK).status_code == 405
    # An outside `next` is not followed.
    response = staff_client.post(BULK, {"claims": [claim.pk], "next": "https://evil.example/"})
    assert response["Location"] == QUEUE
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
