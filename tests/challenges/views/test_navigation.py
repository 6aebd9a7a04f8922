import pytest

from partners.models import Partner
from tests.conftest import client_for
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

PARTNER_LINKS = (
    "/company/customers/",
    "/company/claims/",
    "/company/statement/",
    "/company/academy/",
    "/company/trainings/",
)


def test_approved_members_see_the_partner_links(alice_client):
    page = alice_client.get("/").content.decode()
    for link in PARTNER_LINKS:
        assert f'href="{link}"' in page


def test_pending_members_and_staff_do_not(alice, company_a, staff_client):
    company_a.status = Partner.Status.PENDING
    company_a.save()
    for client in (client_for(alice), staff_client):
        page = client.get("/").content.decode()
        for link in PARTNER_LINKS:
            assert f'href="{link}"' not in page


def test_current_page_is_marked(alice_client, customer_a):
    page = alice_client.get(f"/company/customers/{customer_a.pk}/").content.decode()
    assert '<a href="/company/customers/" aria-current="page">' in page


def test_home_shows_points_and_links(alice_client, customer_a, staff_user):
    from challenges.services.claims import claim_approve, claim_ask

    claim_approve(claim=ClaimFactory(customer=customer_a), reviewer=staff_user)
    claim_ask(
        claim=ClaimFactory(customer=customer_a, code="sql_lead"), reviewer=staff_user, question="?"
    )
    page = alice_client.get("/company/").content.decode()
    assert '<span class="stat-value" data-points>50</span>' in page
    assert "Ingram Micro has a question about 1 claim." in page
    assert 'href="/company/claims/new/"' in page


@pytest.mark.parametrize(
    "url",
    [
        *PARTNER_LINKS,
        "/company/customers/new/",
        "/company/claims/new/",
        "/company/claims/new/sales_meeting/",
    ],
)
def test_pages_answer_for_a_colleague(bob_client, url):
    assert bob_client.get(url).status_code == 200


@pytest.mark.parametrize("url", PARTNER_LINKS)
def test_anonymous_visitors_are_sent_to_login(client, season, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
