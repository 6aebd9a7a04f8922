from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from challenges.models import Claim, LedgerEntry
from credits.models import CreditLine, CreditNote
from credits.notes.issuing import credit_notes_issue
from partners.models import Partner
from tests.challenges.helpers import approved_claim, claim_for, points_of
from tests.credits.helpers.notes import credit_line
from tests.helpers.pages import english, messages_of


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
    url = reverse("credits:staff-disqualify", args=[company_a.pk])

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


# --- Money (SPEC 2): issued notes stay unless staff reclaim them, with the amount shown first ---


def _issued(partner, staff_user):
    """10,000 € on an issued note, then 2,345.67 € final but not yet issued."""
    noted = credit_line(partner, "10000.00")
    (note,) = credit_notes_issue(season=partner.season, issued_by=staff_user)
    credit_line(partner, "2345.67")
    return noted, note


def _net(partner):
    return CreditNote.objects.filter(partner=partner).aggregate(s=Sum("total_eur"))["s"]


@pytest.mark.django_db
def test_the_screen_shows_the_amount_on_issued_notes_before_anything_happens(
    staff_client, staff_user, company_a
):
    _noted, note = _issued(company_a, staff_user)
    url = reverse("credits:staff-disqualify", args=[company_a.pk])

    german = staff_client.get(url).content.decode()
    assert "10.000,00 €" in german and note.number in german

    page = english(staff_client).get(url).content.decode()
    assert "removes 1 credit line not yet on a credit note (€2,345.67)" in page
    assert "leaves the €10,000.00 on its issued credit notes with the partner unless" in page
    assert "Also reclaim the €10,000.00 on its issued credit notes" in page
    assert 'name="reclaim_eur" value="10000.00"' in page
    # Looking changes nothing.
    assert CreditNote.objects.count() == 1 and CreditLine.objects.count() == 2


@pytest.mark.django_db
def test_disqualifying_without_the_reclaim_leaves_issued_money_alone(
    staff_client, staff_user, company_a
):
    noted, _note = _issued(company_a, staff_user)
    url = reverse("credits:staff-disqualify", args=[company_a.pk])

    response = english(staff_client).post(
        url, {"reason": "Manipulation.", "confirm": "on", "reclaim_eur": "10000.00"}, follow=True
    )

    assert not any("reclaimed" in m for m in messages_of(response))
    company_a.refresh_from_db()
    assert company_a.status == Partner.Status.DISQUALIFIED
    assert list(CreditLine.objects.values_list("pk", "credit_eur")) == [
        (noted.pk, Decimal("10000.00"))
    ]
    assert credit_notes_issue(season=company_a.season, issued_by=staff_user) == []
    assert CreditNote.objects.count() == 1 and _net(company_a) == Decimal("10000.00")


@pytest.mark.django_db
def test_the_reclaim_issues_one_correction_note_and_a_double_click_reclaims_once(
    staff_client, staff_user, company_a
):
    _noted, note = _issued(company_a, staff_user)
    url = reverse("credits:staff-disqualify", args=[company_a.pk])
    data = {"reason": "Manipulation.", "confirm": "on", "reclaim": "on", "reclaim_eur": "10000.00"}

    response = english(staff_client).post(url, data, follow=True)

    correction = CreditNote.objects.get(corrects=note)
    assert correction.total_eur == Decimal("-10000.00") and correction.partner == company_a
    assert f"€10,000.00 reclaimed with the correction note {correction.number}." in (
        messages_of(response)
    )
    again = staff_client.post(url, data, follow=True)
    assert any("already disqualified" in m for m in messages_of(again))
    assert CreditNote.objects.count() == 2 and _net(company_a) == Decimal("0.00")
    page = staff_client.get(url).content.decode()
    assert "Net on its credit notes now: €0.00." in page


@pytest.mark.django_db
def test_a_reclaim_of_an_amount_no_longer_shown_changes_nothing(
    staff_client, staff_user, company_a
):
    _issued(company_a, staff_user)
    url = reverse("credits:staff-disqualify", args=[company_a.pk])
    english(staff_client)

    stale = staff_client.post(
        url,
        {"reason": "Manipulation.", "confirm": "on", "reclaim": "on", "reclaim_eur": "9000.00"},
        follow=True,
    )
    assert any("is now €10,000.00. Nothing has been changed" in m for m in messages_of(stale))
    missing = staff_client.post(url, {"reason": "Manipulation.", "confirm": "on", "reclaim": "on"})
    assert "The amount to reclaim is missing" in missing.content.decode()

    company_a.refresh_from_db()
    assert company_a.status == Partner.Status.APPROVED
    assert CreditNote.objects.count() == 1 and CreditLine.objects.count() == 2
