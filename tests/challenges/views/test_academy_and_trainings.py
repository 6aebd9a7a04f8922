from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from challenges.models import AcademyDate, AcademySeat, Redemption
from challenges.services.academy import academy_attendance_record
from challenges.services.claims import claim_approve
from challenges.services.redemptions import redemption_decide
from tests.factories import ClaimFactory
from tests.helpers.pages import messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def academy_dates(season):
    today = timezone.localdate()
    return [
        AcademyDate.objects.create(
            season=season, date=today + timedelta(days=20), location="München"
        ),
        AcademyDate.objects.create(
            season=season, date=today + timedelta(days=50), location="Dornach"
        ),
    ]


def book(client, academy, name, email):
    return client.post(
        "/company/academy/", {"academy": academy.pk, "name": name, "email": email}, follow=True
    )


def test_book_seats_up_to_the_seasons_limit(alice_client, company_a, academy_dates):
    first, second = academy_dates
    for i, academy in enumerate([first, first, second]):
        response = book(alice_client, academy, f"Person {i}", f"p{i}@alpha.example")
        assert "is registered for the academy" in " ".join(messages_of(response))
    assert AcademySeat.objects.filter(partner=company_a).count() == 3
    page = response.content.decode()
    assert "Person 0" in page and "p2@alpha.example" in page
    assert "3 / 3" in page
    response = book(alice_client, second, "Person 4", "p4@alpha.example")
    assert response.status_code == 200
    assert "Your company has booked all 3 academy seats of the season." in (
        response.content.decode()
    )
    assert AcademySeat.objects.filter(partner=company_a).count() == 3


def test_booking_the_same_person_twice_is_refused(alice_client, academy_dates):
    book(alice_client, academy_dates[0], "Person", "p@alpha.example")
    response = book(alice_client, academy_dates[0], "Person", "P@alpha.example")
    assert "P@alpha.example is booked on this date already." in response.content.decode()
    assert AcademySeat.objects.count() == 1


def test_a_past_or_foreign_date_cannot_be_booked(alice_client, season, academy_dates):
    from tests.factories import SeasonFactory

    past = AcademyDate.objects.create(
        season=season, date=timezone.localdate() - timedelta(days=1), location="Vorbei"
    )
    other = AcademyDate.objects.create(
        season=SeasonFactory(is_active=False, catalogue=False),
        date=timezone.localdate() + timedelta(days=5),
        location="Elsewhere",
    )
    for academy in (past, other):
        response = book(alice_client, academy, "Person", "p@alpha.example")
        assert "Please choose one of the academy dates shown." in response.content.decode()
    assert not AcademySeat.objects.exists()


def test_attendance_recorded_by_staff_is_shown(alice_client, company_a, academy_dates, staff_user):
    book(alice_client, academy_dates[0], "Anna Attends", "anna@alpha.example")
    book(alice_client, academy_dates[0], "Max Missing", "max@alpha.example")
    anna, max_ = AcademySeat.objects.order_by("name")
    academy_attendance_record(seat=anna, attended=True, reviewer=staff_user)
    academy_attendance_record(seat=max_, attended=False, reviewer=staff_user)
    response = alice_client.get("/company/academy/")
    page = response.content.decode()
    assert response.context["granted"] is True
    assert "attended" in page and "did not attend" in page
    assert "the academy points are on your statement" in page


def test_academy_shows_only_the_own_seats(alice_client, company_c, academy_dates):
    AcademySeat.objects.create(
        academy=academy_dates[0], partner=company_c, name="Secret Charlie", email="c@c.example"
    )
    page = alice_client.get("/company/academy/").content.decode()
    assert "Secret Charlie" not in page
    assert "München" in page


# --- Training redemptions ------------------------------------------------------------------------


def test_balance_and_request(alice_client, company_a, customer_a, staff_user):
    claim_approve(claim=ClaimFactory(customer=customer_a), reviewer=staff_user)
    response = alice_client.get("/company/trainings/")
    assert response.context["balance"]["available"] == Decimal("50.00")
    assert "€50.00" in response.content.decode()
    response = alice_client.post(
        "/company/trainings/",
        {"training": "AZ-900", "provider": "Fast Lane", "amount_eur": "30.50"},
        follow=True,
    )
    assert messages_of(response) == ["Your request was sent to Ingram Micro."]
    redemption = Redemption.objects.get()
    assert (redemption.partner, redemption.amount_eur, redemption.status) == (
        company_a,
        Decimal("30.50"),
        Redemption.Status.REQUESTED,
    )
    assert "AZ-900" in response.content.decode()
    assert "€30.50 requested, not yet approved" in response.content.decode()


def test_request_above_the_available_value_is_refused(alice_client, customer_a, staff_user):
    claim_approve(claim=ClaimFactory(customer=customer_a), reviewer=staff_user)
    response = alice_client.post(
        "/company/trainings/",
        {"training": "AZ-104", "provider": "Fast Lane", "amount_eur": "50.01"},
    )
    assert response.status_code == 200
    assert "You can request at most €50.00 now." in response.content.decode()
    assert not Redemption.objects.exists()


def test_open_requests_reserve_their_amount(alice_client, customer_a, staff_user):
    claim_approve(claim=ClaimFactory(customer=customer_a), reviewer=staff_user)
    first = alice_client.post(
        "/company/trainings/", {"training": "AZ-104", "provider": "Fast Lane", "amount_eur": "40"}
    )
    assert first.status_code == 302
    second = alice_client.post(
        "/company/trainings/", {"training": "AZ-305", "provider": "Fast Lane", "amount_eur": "40"}
    )
    assert second.status_code == 200
    assert "You can request at most €10.00 now." in second.content.decode()
    assert Redemption.objects.count() == 1


def test_balance_is_capped(alice_client, company_a, customer_a, staff_user):
    company_a.season.points_cap_eur = Decimal("30")
    company_a.season.save()
    claim_approve(claim=ClaimFactory(customer=customer_a), reviewer=staff_user)
    response = alice_client.get("/company/trainings/")
    assert response.context["balance"]["value"] == Decimal("30")
    assert "€50.00 before the cap" in response.content.decode()


def test_approved_redemption_lowers_the_available_value(
    alice_client, company_a, customer_a, staff_user
):
    claim_approve(claim=ClaimFactory(customer=customer_a), reviewer=staff_user)
    redemption = Redemption.objects.create(
        partner=company_a, season=company_a.season, training="T", provider="P", amount_eur=20
    )
    redemption_decide(redemption=redemption, reviewer=staff_user, approve=True)
    response = alice_client.get("/company/trainings/")
    assert response.context["balance"]["available"] == Decimal("30.00")
    assert '<span class="stat-value" data-available>€30.00</span>' in response.content.decode()
