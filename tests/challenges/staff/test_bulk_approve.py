import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from challenges.models import Claim, LedgerEntry
from challenges.services.claims import BULK_LIMIT, claim_bulk_approve
from core.errors import DomainError
from tests.challenges.helpers import approved_claim, claim_for, points_of
from tests.factories import EndCustomerFactory, PartnerFactory
from tests.helpers.files import PNG
from tests.helpers.pages import english, messages_of

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


@pytest.mark.django_db
def test_the_service_approves_the_simple_claims_and_says_why_it_left_the_others(
    staff_user, company_a
):
    lead = claim_for(company_a, code="sql_lead")
    other_company = claim_for(PartnerFactory(season=company_a.season), code="presales_sizing")
    with_evidence = claim_for(
        company_a, evidence=SimpleUploadedFile("p.png", PNG), evidence_name="p.png"
    )
    service = claim_for(company_a, code="svc_security")
    waiting = claim_for(company_a, status=Claim.Status.NEEDS_INFO)
    rejected = claim_for(company_a, status=Claim.Status.REJECTED)
    ids = [c.pk for c in (lead, other_company, with_evidence, service, waiting, rejected)]
    with translation.override("en"):
        result = claim_bulk_approve(claim_ids=[*ids, 0, ids[0]], reviewer=staff_user)
    assert [c.pk for c in result.approved] == [lead.pk, other_company.pk]
    refused = {claim.pk: reason for claim, reason in result.refused}
    assert set(refused) == {with_evidence.pk, service.pk, waiting.pk, rejected.pk}
    assert refused[with_evidence.pk].startswith("not a simple claim")
    assert refused[service.pk].startswith("not a simple claim")
    assert refused[waiting.pk].startswith("waiting for the partner's answer")
    assert "Only open claims can be approved" in refused[rejected.pk]
    assert points_of(company_a) == 20
    for claim in (with_evidence, service, waiting):
        claim.refresh_from_db()
        assert claim.is_open

    # Run again (a retried request): nothing counts twice, each says so.
    with translation.override("en"):
        again = claim_bulk_approve(claim_ids=ids[:2], reviewer=staff_user)
    assert again.approved == []
    assert [reason for _claim, reason in again.refused] == ["This claim is already approved."] * 2
    assert LedgerEntry.objects.filter(claim__in=[lead, other_company]).count() == 2


@pytest.mark.django_db
def test_the_service_refuses_more_than_the_limit_and_approves_none(staff_user, company_a):
    claims = [claim_for(company_a, code="sql_lead") for _ in range(2)]
    too_many = [c.pk for c in claims] + list(range(10**6, 10**6 + BULK_LIMIT - 1))
    with translation.override("en"), pytest.raises(DomainError, match="at most 200 claims"):
        claim_bulk_approve(claim_ids=too_many, reviewer=staff_user)
    assert points_of(company_a) == 0
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_bulk_approve_page_says_what_went_wrong_in_german(staff_client, company_a):
    waiting = claim_for(company_a, status=Claim.Status.NEEDS_INFO)
    response = staff_client.post(BULK, {"claims": [waiting.pk], "next": QUEUE}, follow=True)
    assert messages_of(response)[-1:] == [
        f"#{waiting.pk} {company_a.name} – sales_meeting: wartet auf die Antwort des Partners; "
        "bitte auf der Seite der Meldung einzeln prüfen."
    ]
    response = staff_client.post(BULK, {"claims": ["x"], "next": QUEUE}, follow=True)
    assert messages_of(response) == ["Bitte wählen Sie die freizugebenden Meldungen aus."]
    response = staff_client.post(
        BULK, {"claims": list(range(1, BULK_LIMIT + 2)), "next": QUEUE}, follow=True
    )
    assert messages_of(response) == ["Bitte geben Sie höchstens 200 Meldungen auf einmal frei."]
    waiting.refresh_from_db()
    assert waiting.status == Claim.Status.NEEDS_INFO
