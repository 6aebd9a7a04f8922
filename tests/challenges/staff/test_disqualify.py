import pytest
from django.urls import reverse

from challenges.models import Claim, LedgerEntry
from partners.models import Partner

from .helpers import approved_claim, claim_for, english, messages_of, points_of


@pytest.mark.django_db
def test_disqualification_revokes_all_points_and_records_the_reason(
    staff_client, staff_user, company_a, company_c
):
    approved = [
        approved_claim(company_a, staff_user, code="new_customer"),  # + first-customer bonus
        approved_claim(company_a, staff_user, code="sql_lead"),
        approved_claim(company_a, staff_user, code="svc_security"),
    ]
    open_claim = claim_for(company_a, code="presales_sizing")
    other = approved_claim(company_c, staff_user)
    assert points_of(company_a) == 200 + 200 + 20 + 200
    url = reverse("challenges:staff-disqualify", args=[company_a.pk])

    page = staff_client.get(url)
    assert page.status_code == 200 and page.context["summary"]["points"] == 620
    # Without the reason and the confirmation nothing happens.
    response = staff_client.post(url, {"reason": "", "confirm": ""})
    assert response.status_code == 200 and response.context["form"].errors
    company_a.refresh_from_db()
    assert company_a.status == Partner.Status.APPROVED

    reason = "Invented end customers (terms 4)."
    response = staff_client.post(url, {"reason": reason, "confirm": "on"})
    assert response["Location"] == reverse(
        "partners:staff-registration-detail", args=[company_a.pk]
    )
    company_a.refresh_from_db()
    assert company_a.status == Partner.Status.DISQUALIFIED
    assert company_a.decision_reason == reason and company_a.reviewed_by == staff_user
    assert points_of(company_a) == 0
    assert LedgerEntry.objects.filter(partner=company_a, points__lt=0).count() == 4
    for claim in approved:
        claim.refresh_from_db()
        assert claim.status == Claim.Status.REVOKED
        assert claim.transitions.last().note == reason
    open_claim.refresh_from_db()
    assert open_claim.status == Claim.Status.REJECTED and open_claim.reason == reason
    # The other company keeps its points.
    assert points_of(company_c) == 50 and other.status == Claim.Status.APPROVED

    # A second disqualification is refused with a message and adds nothing.
    english(staff_client)
    again = staff_client.post(url, {"reason": "again", "confirm": "on"}, follow=True)
    assert any("already disqualified" in m for m in messages_of(again))
    assert LedgerEntry.objects.filter(partner=company_a).count() == 8
