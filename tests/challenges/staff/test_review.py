import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from challenges.models import Claim, ClaimTransition, LedgerEntry
from tests.challenges.helpers import approved_claim, claim_for, points_of
from tests.factories import EndCustomerFactory
from tests.helpers.files import PNG
from tests.helpers.pages import english, messages_of


def url_of(claim):
    return reverse("challenges:staff-claim", args=[claim.pk])


@pytest.mark.django_db
def test_approve_books_the_points_records_the_transition_and_tells_the_partner(
    staff_client, staff_user, company_a, alice, django_capture_on_commit_callbacks
):
    claim = claim_for(company_a, code="presales_sizing")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url_of(claim), {"action": "approve"})
    assert response.status_code == 302 and response["Location"] == url_of(claim)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.decided_by == staff_user
    [entry] = LedgerEntry.objects.filter(claim=claim)
    assert (entry.kind, entry.points, entry.actor) == ("grant", 100, staff_user)
    transition = claim.transitions.last()
    assert (transition.from_status, transition.to_status, transition.actor) == (
        "submitted",
        "approved",
        staff_user,
    )
    assert [m.to for m in mail.outbox] == [[alice.email]]
    # The page shows the history and the ledger entry.
    page = staff_client.get(url_of(claim)).content.decode()
    assert staff_user.email in page
    assert "+100" in page


@pytest.mark.django_db
def test_double_approve_books_once_and_says_already_approved(staff_client, company_a):
    claim = claim_for(company_a)
    english(staff_client)
    staff_client.post(url_of(claim), {"action": "approve"})
    again = staff_client.post(url_of(claim), {"action": "approve"}, follow=True)
    assert LedgerEntry.objects.filter(claim=claim).count() == 1
    assert points_of(company_a) == 50
    assert any("already approved" in m for m in messages_of(again))
    assert claim.transitions.filter(to_status="approved").count() == 1


@pytest.mark.django_db
def test_reject_needs_a_reason_and_without_one_changes_nothing(staff_client, company_a):
    claim = claim_for(company_a)
    transitions = ClaimTransition.objects.count()
    response = staff_client.post(url_of(claim), {"action": "reject", "reason": "   "})
    assert response.status_code == 200
    assert response.context["forms"]["reject"].errors
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert ClaimTransition.objects.count() == transitions

    response = staff_client.post(
        url_of(claim), {"action": "reject", "reason": "No meeting in our calendar."}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED
    assert claim.reason == "No meeting in our calendar."
    assert claim.transitions.last().note == "No meeting in our calendar."
    assert not LedgerEntry.objects.filter(claim=claim).exists()
    # A rejected claim can no longer be approved.
    english(staff_client)
    again = staff_client.post(url_of(claim), {"action": "approve"}, follow=True)
    assert any("Only open claims" in m for m in messages_of(again))
    assert not LedgerEntry.objects.filter(claim=claim).exists()


@pytest.mark.django_db
def test_ask_sends_a_question_and_the_claim_waits(staff_client, staff_user, company_a):
    claim = claim_for(company_a, code="sql_lead")
    response = staff_client.post(url_of(claim), {"action": "ask", "question": ""})
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED

    staff_client.post(url_of(claim), {"action": "ask", "question": "Who is the budget owner?"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NEEDS_INFO
    assert claim.reason == "Who is the budget owner?"
    last = claim.transitions.last()
    assert (last.to_status, last.actor, last.note) == (
        "needs_info",
        staff_user,
        "Who is the budget owner?",
    )
    page = staff_client.get(url_of(claim)).content.decode()
    assert "Who is the budget owner?" in page


@pytest.mark.django_db
def test_revoke_needs_a_reason_and_takes_the_points_back(staff_client, staff_user, company_a):
    claim = approved_claim(company_a, staff_user, code="sql_lead")
    assert points_of(company_a) == 20
    response = staff_client.post(url_of(claim), {"action": "revoke", "reason": ""})
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and points_of(company_a) == 20

    staff_client.post(url_of(claim), {"action": "revoke", "reason": "Lead was invented."})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVOKED
    assert points_of(company_a) == 0
    assert list(LedgerEntry.objects.filter(claim=claim).values_list("kind", "points")) == [
        ("grant", 20),
        ("revoke", -20),
    ]
    assert claim.transitions.last().note == "Lead was invented."
    # Revoking twice adds nothing.
    staff_client.post(url_of(claim), {"action": "revoke", "reason": "again"})
    assert LedgerEntry.objects.filter(claim=claim).count() == 2


@pytest.mark.django_db
def test_approval_refused_by_counted_at_most_shows_the_message(staff_client, staff_user, company_a):
    customer = EndCustomerFactory(partner=company_a)
    approved_claim(company_a, staff_user, customer=customer)
    second = claim_for(company_a, customer=customer)  # slipped past submission (e.g. an import)
    english(staff_client)
    response = staff_client.post(url_of(second), {"action": "approve"}, follow=True)
    assert any("already counted" in m for m in messages_of(response))
    second.refresh_from_db()
    assert second.status == Claim.Status.SUBMITTED
    assert points_of(company_a) == 50


@pytest.mark.django_db
def test_claim_page_shows_the_partners_history_with_that_customer(
    staff_client, staff_user, company_a
):
    customer = EndCustomerFactory(partner=company_a)
    lead = approved_claim(company_a, staff_user, code="sql_lead", customer=customer)
    meeting = claim_for(company_a, customer=customer)
    elsewhere = claim_for(company_a, code="presales_sizing")
    response = staff_client.get(url_of(meeting))
    assert list(response.context["history"]) == [lead, meeting]
    assert elsewhere not in response.context["history"]
    body = response.content.decode()
    assert company_a.name in body and customer.tenant_id in body


@pytest.mark.django_db
def test_evidence_is_served_to_staff_with_nosniff_and_previewed(staff_client, company_a, alice):
    claim = claim_for(
        company_a,
        evidence=SimpleUploadedFile("proof.png", PNG, content_type="image/png"),
        evidence_name="Nachweis.png",
        evidence_type="image/png",
    )
    evidence_url = reverse("challenges:staff-evidence", args=[claim.pk])
    page = staff_client.get(url_of(claim)).content.decode()
    assert f'<img src="{evidence_url}"' in page
    response = staff_client.get(evidence_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    assert "Nachweis.png" in response["Content-Disposition"]


@pytest.mark.django_db
def test_evidence_of_an_unexpected_type_is_only_downloaded(staff_client, company_a):
    claim = claim_for(
        company_a, evidence=SimpleUploadedFile("x.html", b"<script>alert(1)</script>")
    )
    response = staff_client.get(reverse("challenges:staff-evidence", args=[claim.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "<img" not in staff_client.get(url_of(claim)).content.decode()


@pytest.mark.django_db
def test_missing_claim_or_evidence_answers_404(staff_client, company_a):
    claim = claim_for(company_a)
    assert (
        staff_client.get(reverse("challenges:staff-evidence", args=[claim.pk])).status_code == 404
    )
    assert staff_client.get(reverse("challenges:staff-claim", args=[999999])).status_code == 404
    assert staff_client.get(reverse("challenges:staff-evidence", args=[999999])).status_code == 404
