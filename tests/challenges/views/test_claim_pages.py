"""The company's claims: list with filter, detail with history, answering a question,
withdrawing, and evidence served only through the view."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile

from challenges.models import Challenge, Claim, ClaimTransition
from challenges.services.claims import claim_approve, claim_ask, claim_reject
from tests.conftest import client_for
from tests.factories import ClaimFactory
from tests.helpers.files import EXE, PDF, PNG
from tests.helpers.pages import english, messages_of

pytestmark = pytest.mark.django_db


def with_evidence(claim, content=PNG, name="beleg.png"):
    claim.evidence.save(name, ContentFile(content), save=False)
    claim.evidence_name = name
    claim.save()
    return claim


def test_list_shows_status_challenge_customer_points_and_reason(
    alice_client, customer_a, staff_user
):
    approved = claim_approve(
        claim=ClaimFactory(customer=customer_a, code="sales_meeting"), reviewer=staff_user
    )
    asked = claim_ask(
        claim=ClaimFactory(customer=customer_a, code="presales_sizing"),
        reviewer=staff_user,
        question="Who attended from the customer?",
    )
    rejected = claim_reject(
        claim=ClaimFactory(customer=customer_a, code="sql_lead"),
        reviewer=staff_user,
        reason="Budget not confirmed by the customer.",
    )
    page = alice_client.get("/company/claims/").content.decode()
    for claim in (approved, asked, rejected):
        assert f"/company/claims/{claim.pk}/" in page
    assert "Virtual meeting with the Ingram Micro sales team" in page
    assert "Anton Bau GmbH" in page
    assert "Who attended from the customer?" in page
    assert "Budget not confirmed by the customer." in page
    assert '<span class="points">50</span>' in page
    assert "(100)" in page  # what the open claim would earn


def test_list_filters_by_status(alice_client, customer_a):
    open_claim = ClaimFactory(customer=customer_a, code="sales_meeting")
    withdrawn = ClaimFactory(
        customer=customer_a, code="presales_sizing", status=Claim.Status.WITHDRAWN
    )
    response = alice_client.get("/company/claims/?status=withdrawn")
    assert list(response.context["claims"]) == [withdrawn]
    assert dict((v, n) for v, _l, n in response.context["statuses"])["submitted"] == 1
    response = alice_client.get("/company/claims/?status=bogus")
    assert set(response.context["claims"]) == {open_claim, withdrawn}


def test_list_shows_only_the_own_company(alice_client, customer_a, customer_c):
    own = ClaimFactory(customer=customer_a)
    foreign = ClaimFactory(customer=customer_c)
    response = alice_client.get("/company/claims/")
    assert list(response.context["claims"]) == [own]
    assert f"/company/claims/{foreign.pk}/" not in response.content.decode()


def test_detail_shows_data_history_and_reason(alice_client, alice, customer_a, staff_user):
    claim = ClaimFactory(customer=customer_a, code="sales_meeting", submitted_by=alice)
    ClaimTransition.objects.create(claim=claim, to_status="submitted", actor=alice)
    claim_ask(claim=claim, reviewer=staff_user, question="Please add the minutes.")
    response = alice_client.get(f"/company/claims/{claim.pk}/")
    page = response.content.decode()
    assert "Please add the minutes." in page
    assert "Ingrid Sales" in page and customer_a.tenant_id in page
    assert f'action="/company/claims/{claim.pk}/answer/"' in page
    assert f'action="/company/claims/{claim.pk}/withdraw/"' in page
    history = list(response.context["transitions"])
    assert [t.to_status for t in history] == ["submitted", "needs_info"]
    assert "Ingram Micro" in page and staff_user.email not in page  # staff appear as the company
    assert "alice@alpha.example" in page


def test_answer_sends_the_claim_back_to_review(alice_client, customer_a, staff_user):
    claim = claim_ask(
        claim=ClaimFactory(customer=customer_a), reviewer=staff_user, question="Which day?"
    )
    response = alice_client.post(
        f"/company/claims/{claim.pk}/answer/", {"answer": "On the 3rd."}, follow=True
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED and claim.answer == "On the 3rd."
    assert "back in review" in " ".join(messages_of(response))
    last = claim.transitions.last()
    assert (last.from_status, last.to_status, last.note) == (
        "needs_info",
        "submitted",
        "On the 3rd.",
    )


def test_empty_answer_is_refused(alice_client, customer_a, staff_user):
    claim = claim_ask(
        claim=ClaimFactory(customer=customer_a), reviewer=staff_user, question="Which day?"
    )
    response = alice_client.post(
        f"/company/claims/{claim.pk}/answer/", {"answer": " "}, follow=True
    )
    assert messages_of(response) == ["Please write your answer."]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NEEDS_INFO


def test_answer_and_withdraw_are_post_only(alice_client, customer_a):
    claim = ClaimFactory(customer=customer_a)
    assert alice_client.get(f"/company/claims/{claim.pk}/answer/").status_code == 405
    assert alice_client.get(f"/company/claims/{claim.pk}/withdraw/").status_code == 405
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED


def test_withdraw_an_open_claim(bob_client, bob, customer_a):
    claim = ClaimFactory(customer=customer_a)
    response = bob_client.post(f"/company/claims/{claim.pk}/withdraw/", follow=True)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN
    assert messages_of(response) == ["The claim was withdrawn."]
    assert claim.transitions.last().actor == bob
    assert "Withdraw this claim" not in response.content.decode()


def test_a_decided_claim_cannot_be_withdrawn(alice_client, customer_a, staff_user):
    claim = claim_approve(claim=ClaimFactory(customer=customer_a), reviewer=staff_user)
    response = alice_client.post(f"/company/claims/{claim.pk}/withdraw/", follow=True)
    assert messages_of(response) == ["Only open claims can be withdrawn."]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED


# --- Evidence ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content,name,content_type",
    [(PDF, "protokoll.pdf", "application/pdf"), (PNG, "screen.png", "image/png")],
)
def test_evidence_is_served_to_the_company(alice_client, customer_a, content, name, content_type):
    claim = with_evidence(ClaimFactory(customer=customer_a), content, name)
    response = alice_client.get(f"/company/claims/{claim.pk}/evidence/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'inline; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_evidence_that_is_no_allowed_type_is_only_downloaded(alice_client, customer_a):
    # A file stored some other way (say by an import) is never rendered by the browser.
    claim = with_evidence(ClaimFactory(customer=customer_a), EXE, "tool.pdf")
    response = alice_client.get(f"/company/claims/{claim.pk}/evidence/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_claim_without_evidence_answers_404(alice_client, customer_a):
    claim = ClaimFactory(customer=customer_a)
    assert alice_client.get(f"/company/claims/{claim.pk}/evidence/").status_code == 404


def test_charlies_evidence_is_404_for_alice_and_bob(alice, bob, charlie, customer_c):
    claim = with_evidence(ClaimFactory(customer=customer_c), PDF, "secret.pdf")
    assert client_for(charlie).get(f"/company/claims/{claim.pk}/evidence/").status_code == 200
    for user in (alice, bob):
        response = client_for(user).get(f"/company/claims/{claim.pk}/evidence/")
        assert response.status_code == 404
        assert b"secret" not in response.content


def test_evidence_is_not_reachable_under_a_media_url(alice_client, customer_a):
    claim = with_evidence(ClaimFactory(customer=customer_a), PDF, "x.pdf")
    assert alice_client.get("/media/" + claim.evidence.name).status_code == 404
    assert alice_client.get("/" + claim.evidence.name).status_code == 404


def test_evidence_link_on_the_detail_page(alice, customer_a):
    claim = with_evidence(ClaimFactory(customer=customer_a), PNG, "screen.png")
    page = english(client_for(alice)).get(f"/company/claims/{claim.pk}/").content.decode()
    assert f'href="/company/claims/{claim.pk}/evidence/"' in page and "screen.png" in page


def test_list_pages_sorts_and_narrows_by_status(alice_client, company_a, customer_a):
    meeting = Challenge.objects.get(season=company_a.season, code="sales_meeting")
    Claim.objects.bulk_create(
        Claim(
            partner=company_a,
            season=company_a.season,
            challenge=meeting,
            customer=customer_a,
            count_key=f"bulk:{i}",
            activity_date=company_a.season.start_date + timedelta(days=i),
            status=Claim.Status.WITHDRAWN if i % 3 == 0 else Claim.Status.SUBMITTED,
        )
        for i in range(60)
    )
    first = alice_client.get("/company/claims/")
    assert first.context["table"].paginator.count == 60
    assert len(first.context["table"].page.object_list) == 50
    second = alice_client.get("/company/claims/?page=2")
    assert len(second.context["table"].page.object_list) == 10

    withdrawn = alice_client.get("/company/claims/?status=withdrawn&sort=-activity_date")
    rows = withdrawn.context["table"].page_records()
    assert len(rows) == 20 and {c.status for c in rows} == {Claim.Status.WITHDRAWN}
    dates = [c.activity_date for c in rows]
    assert dates == sorted(dates, reverse=True)
    assert "status=withdrawn" in re.search(r'<a href="([^"]*)">Date', withdrawn.content.decode())[1]
