from datetime import timedelta

import pytest
from django.urls import reverse

from challenges.models import AcademyDate, AcademySeat, Claim, LedgerEntry
from tests.challenges.helpers import points_of
from tests.helpers.pages import english, messages_of

ACADEMY = reverse("challenges:staff-academy")


@pytest.fixture
def academy(season):
    return AcademyDate.objects.create(
        season=season, date=season.start_date + timedelta(days=3), location="München"
    )


def seat(academy, partner, name):
    return AcademySeat.objects.create(
        academy=academy, partner=partner, name=name, email=f"{name.lower()}@x.example"
    )


@pytest.mark.django_db
def test_staff_add_an_academy_date_within_the_season(staff_client, season):
    day = season.start_date + timedelta(days=20)
    response = staff_client.post(ACADEMY, {"date": day.isoformat(), "location": "Dornach"})
    assert response.status_code == 302
    academy = AcademyDate.objects.get()
    assert (academy.season, academy.date, academy.location) == (season, day, "Dornach")

    english(staff_client)
    outside = season.end_date + timedelta(days=1)
    response = staff_client.post(ACADEMY, {"date": outside.isoformat(), "location": "Dornach"})
    assert response.status_code == 200
    assert "within the season" in str(response.context["form"].non_field_errors())
    response = staff_client.post(ACADEMY, {"date": day.isoformat(), "location": "Dornach"})
    assert "exists already" in str(response.context["form"].non_field_errors())
    assert AcademyDate.objects.count() == 1


@pytest.mark.django_db
def test_attendance_grants_academy_points_once_per_partner(
    staff_client, staff_user, academy, company_a, company_c
):
    ann, ben = seat(academy, company_a, "Ann"), seat(academy, company_a, "Ben")
    cleo = seat(academy, company_c, "Cleo")
    page = staff_client.get(ACADEMY)
    body = page.content.decode()
    assert all(s.name in body for s in (ann, ben, cleo)) and company_a.name in body

    english(staff_client)
    response = staff_client.post(
        ACADEMY,
        {
            "action": "attendance",
            "academy": academy.pk,
            f"seat-{ann.pk}": "yes",
            f"seat-{cleo.pk}": "no",
        },
        follow=True,
    )
    assert points_of(company_a) == 30 and points_of(company_c) == 0
    assert any(company_a.name in m and "academy points" in m for m in messages_of(response))
    ann.refresh_from_db()
    cleo.refresh_from_db()
    assert ann.attended is True and ann.recorded_by == staff_user
    assert cleo.attended is False

    # The second attendee of the same partner: recorded, no second grant.
    staff_client.post(
        ACADEMY,
        {
            "action": "attendance",
            "academy": academy.pk,
            f"seat-{ann.pk}": "yes",
            f"seat-{ben.pk}": "yes",
        },
    )
    ben.refresh_from_db()
    assert ben.attended is True
    assert points_of(company_a) == 30
    assert LedgerEntry.objects.filter(partner=company_a).count() == 1
    claim = Claim.objects.get(partner=company_a, challenge__code="academy")
    assert claim.status == Claim.Status.APPROVED
    assert claim.transitions.get().actor == staff_user


@pytest.mark.django_db
def test_attendance_for_a_date_of_another_season_or_junk_is_404(staff_client, academy):
    assert staff_client.post(ACADEMY, {"action": "attendance", "academy": "x"}).status_code == 404
    assert (
        staff_client.post(ACADEMY, {"action": "attendance", "academy": 999999}).status_code == 404
    )
