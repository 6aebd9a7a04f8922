import pytest

from partners.models import EndCustomer
from tests.factories import ClaimFactory, EndCustomerFactory, PartnerFactory, SeasonFactory

pytestmark = pytest.mark.django_db

TENANT = "0F8FAD5B-D9CB-469F-A165-70867728950E"


def test_partner_reports_an_end_customer(alice_client, alice, company_a):
    response = alice_client.post(
        "/company/customers/new/",
        {
            "name": " Neukunde GmbH ",
            "tenant_id": "{" + TENANT + "}",
            "domain": "https://www.Neukunde.example/",
            "contact_name": "Nina Neu",
            "contact_email": "Nina@Neukunde.example",
        },
        follow=True,
    )
    customer = EndCustomer.objects.get()
    assert response.redirect_chain[-1][0] == f"/company/customers/{customer.pk}/"
    assert (customer.partner, customer.name, customer.tenant_id, customer.domain) == (
        company_a,
        "Neukunde GmbH",
        TENANT.lower(),
        "neukunde.example",
    )
    assert customer.created_by == alice
    assert "Neukunde GmbH was added" in response.content.decode()


@pytest.mark.parametrize(
    "tenant_id", ["not-a-guid", "0f8fad5b-d9cb-469f-a165", "0f8fad5b-d9cb-469f-a165-70867728950z"]
)
def test_tenant_id_must_be_a_guid(alice_client, tenant_id):
    response = alice_client.post(
        "/company/customers/new/",
        {"name": "X GmbH", "tenant_id": tenant_id, "domain": "x.example"},
    )
    assert response.status_code == 200
    assert "An Azure tenant ID is a GUID" in response.content.decode()
    assert not EndCustomer.objects.exists()


def test_domain_is_checked(alice_client):
    response = alice_client.post(
        "/company/customers/new/",
        {"name": "X GmbH", "tenant_id": TENANT, "domain": "not a domain"},
    )
    assert "Please give a domain such as example.de." in response.content.decode()
    assert not EndCustomer.objects.exists()


def test_the_same_tenant_twice_is_refused_with_a_message(alice_client, company_a):
    EndCustomerFactory(partner=company_a, tenant_id=TENANT.lower())
    response = alice_client.post(
        "/company/customers/new/",
        {"name": "Again GmbH", "tenant_id": TENANT, "domain": "again.example"},
    )
    assert "You have reported the end customer with tenant ID" in response.content.decode()
    assert EndCustomer.objects.count() == 1


def test_a_pending_company_cannot_report_customers(season, alice_client, company_a):
    company_a.status = company_a.Status.PENDING
    company_a.save()
    response = alice_client.get("/company/customers/new/")
    assert response.status_code == 302 and response["Location"] == "/company/"


def test_list_shows_own_customers_with_claims_and_points(
    alice_client, company_a, customer_a, customer_c, staff_user
):
    from challenges.services.claims import claim_approve

    approved = ClaimFactory(customer=customer_a, code="sales_meeting")
    claim_approve(claim=approved, reviewer=staff_user)
    ClaimFactory(customer=customer_a, code="sql_lead")
    page = alice_client.get("/company/customers/").content.decode()
    assert "Anton Bau GmbH" in page and customer_a.tenant_id in page
    assert "Cäsar Secret AG" not in page and customer_c.tenant_id not in page
    row = page[page.index("Anton Bau GmbH") :]
    assert '<td class="num">2</td>' in row  # claims
    assert '<td class="num">1</td>' in row  # approved
    assert '<span class="points">50</span>' in row


def test_detail_lists_every_claim_and_offers_the_open_challenges(
    alice_client, customer_a, staff_user
):
    from challenges.services.claims import claim_approve

    meeting = ClaimFactory(customer=customer_a, code="sales_meeting")
    claim_approve(claim=meeting, reviewer=staff_user)
    lead = ClaimFactory(customer=customer_a, code="sql_lead")
    response = alice_client.get(f"/company/customers/{customer_a.pk}/")
    page = response.content.decode()
    assert response.context["points"] == 50
    assert f"/company/claims/{meeting.pk}/" in page and f"/company/claims/{lead.pk}/" in page
    assert "Approved" in page and "Submitted" in page
    # Claimed challenges link to their claim; the others can still be claimed for this customer.
    assert f"/company/claims/new/sales_meeting/?customer={customer_a.pk}" not in page
    assert f"/company/claims/new/sql_lead/?customer={customer_a.pk}" not in page
    assert f"/company/claims/new/presales_sizing/?customer={customer_a.pk}" in page
    assert f"/company/claims/new/svc_security/?customer={customer_a.pk}" in page
    assert "/company/claims/new/academy/" not in page
    assert "/company/claims/new/first_customer_bonus/" not in page


def test_colleague_sees_the_companys_customers(bob_client, customer_a):
    assert bob_client.get(f"/company/customers/{customer_a.pk}/").status_code == 200


def test_another_seasons_partner_does_not_leak(alice_client, season):
    old_season = SeasonFactory(is_active=False)
    other = EndCustomerFactory(partner=PartnerFactory(season=old_season), name="Other Season Kunde")
    assert "Other Season Kunde" not in alice_client.get("/company/customers/").content.decode()
    assert alice_client.get(f"/company/customers/{other.pk}/").status_code == 404
