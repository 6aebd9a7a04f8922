"""Every staff page opens for staff, and answers 403 to partner users (GET and POST)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from challenges.models import AcademyDate, AcademySeat, Claim, Redemption
from tests.challenges.helpers import approved_claim, claim_for
from tests.conftest import client_for
from tests.helpers.files import PNG


@pytest.fixture
def world(season, company_a, company_c, staff_user):
    claim = claim_for(
        company_a,
        evidence=SimpleUploadedFile("proof.png", PNG, content_type="image/png"),
        evidence_name="proof.png",
        evidence_type="image/png",
    )
    approved_claim(company_a, staff_user, code="presales_sizing")
    academy = AcademyDate.objects.create(season=season, date=season.start_date, location="Munich")
    AcademySeat.objects.create(
        academy=academy, partner=company_a, name="Ann", email="ann@a.example"
    )
    Redemption.objects.create(
        partner=company_a, season=season, training="AZ-900", provider="Fast Lane", amount_eur=50
    )
    return {"claim": claim, "partner": company_a}


def staff_urls(world):
    claim, partner = world["claim"], world["partner"]
    return [
        reverse("challenges:staff-queue"),
        reverse("challenges:staff-queue") + "?status=all&order=newest",
        reverse("challenges:staff-claim", args=[claim.pk]),
        reverse("challenges:staff-evidence", args=[claim.pk]),
        reverse("credits:staff-disqualify", args=[partner.pk]),
        reverse("challenges:staff-exclusions"),
        reverse("challenges:staff-academy"),
        reverse("challenges:staff-redemptions"),
        reverse("challenges:staff-contradicted"),
        reverse("league:staff-home"),
        reverse("league:staff-leagues"),
    ]


@pytest.mark.django_db
def test_each_staff_page_opens_for_staff(staff_client, world):
    for url in staff_urls(world):
        response = staff_client.get(url)
        assert response.status_code == 200, url


@pytest.mark.django_db
def test_staff_home_links_the_claim_pages(staff_client, world):
    body = staff_client.get(reverse("league:staff-home")).content.decode()
    for name in ("staff-queue", "staff-exclusions", "staff-academy", "staff-redemptions"):
        assert f'href="{reverse(f"challenges:{name}")}"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["alice", "charlie"])
def test_partner_users_get_403_on_every_staff_url(request, world, persona):
    client = client_for(request.getfixturevalue(persona))
    urls = [*staff_urls(world), reverse("challenges:staff-bulk-approve")]
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(
            url, {"action": "approve", "claims": [world["claim"].pk]}
        ).status_code == (403), url
    world["claim"].refresh_from_db()
    assert world["claim"].status == Claim.Status.SUBMITTED


@pytest.mark.django_db
def test_visitors_are_sent_to_the_login(client, world):
    for url in staff_urls(world):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
