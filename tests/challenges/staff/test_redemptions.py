from decimal import Decimal

import pytest
from django.urls import reverse

from challenges.models import Redemption
from tests.challenges.helpers import approved_claim
from tests.helpers.pages import english, messages_of

REDEMPTIONS = reverse("challenges:staff-redemptions")


def request(partner, amount, training="AZ-104"):
    return Redemption.objects.create(
        partner=partner,
        season=partner.season,
        training=training,
        provider="Ingram Micro Training",
        amount_eur=Decimal(amount),
    )


@pytest.mark.django_db
def test_approval_never_exceeds_the_available_value(staff_client, staff_user, company_a):
    approved_claim(company_a, staff_user, code="presales_sizing")  # 100 points = 100 €
    first, second = request(company_a, "80.00"), request(company_a, "50.00")
    page = staff_client.get(REDEMPTIONS)
    [row1, row2] = page.context["rows"]
    assert row1.balance["available"] == Decimal("100.00") and row1.fits and row2.fits

    english(staff_client)
    staff_client.post(REDEMPTIONS, {"redemption": first.pk, "action": "approve"})
    first.refresh_from_db()
    assert first.status == Redemption.Status.APPROVED

    # Only 20 € remain: the second request is refused and stays open.
    page = staff_client.get(REDEMPTIONS)
    [row] = page.context["rows"]
    assert row.balance["available"] == Decimal("20.00") and not row.fits
    response = staff_client.post(
        REDEMPTIONS, {"redemption": second.pk, "action": "approve"}, follow=True
    )
    assert any("available" in m for m in messages_of(response))
    second.refresh_from_db()
    assert second.status == Redemption.Status.REQUESTED

    # A double approval of the first is refused too.
    staff_client.post(REDEMPTIONS, {"redemption": first.pk, "action": "approve"})
    assert Redemption.objects.filter(status="approved").count() == 1


@pytest.mark.django_db
def test_rejection_needs_a_reason(staff_client, staff_user, company_a):
    approved_claim(company_a, staff_user)
    redemption = request(company_a, "10.00")
    english(staff_client)
    response = staff_client.post(
        REDEMPTIONS, {"redemption": redemption.pk, "action": "reject", "reason": ""}, follow=True
    )
    assert any("reason" in m for m in messages_of(response))
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.REQUESTED

    staff_client.post(
        REDEMPTIONS,
        {"redemption": redemption.pk, "action": "reject", "reason": "Not a Microsoft training."},
    )
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.REJECTED
    assert redemption.reason == "Not a Microsoft training." and redemption.decided_by == staff_user
    page = staff_client.get(REDEMPTIONS).content.decode()
    assert "Not a Microsoft training." in page  # in the recent decisions


@pytest.mark.django_db
def test_unknown_redemption_is_404(staff_client):
    assert staff_client.post(REDEMPTIONS, {"redemption": "x"}).status_code == 404
    assert staff_client.post(REDEMPTIONS, {"redemption": 999999}).status_code == 404
