from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from challenges.models import Claim
from challenges.services.claims import ClaimData, claim_submit
from challenges.services.exclusions import exclusion_create
from core.errors import DomainError
from partners.models import CustomerExclusion, Membership
from tests.challenges.helpers import claim_for, points_of
from tests.factories import EndCustomerFactory
from tests.helpers.pages import english, messages_of

EXCLUSIONS = reverse("challenges:staff-exclusions")


@pytest.mark.django_db
def test_excluded_tenant_refuses_new_claims_and_approvals(
    staff_client, staff_user, season, company_a, alice
):
    customer = EndCustomerFactory(
        partner=company_a, tenant_id="3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    )
    open_claim = claim_for(company_a, customer=customer)
    response = staff_client.post(
        EXCLUSIONS,
        {
            "kind": "tenant",
            "value": "  {3F2504E0-4F89-11D3-9A0C-0305E82C3301} ",
            "reason": "Ingram Micro's own tenant.",
        },
    )
    assert response.status_code == 302
    exclusion = CustomerExclusion.objects.get()
    assert (exclusion.season, exclusion.kind, exclusion.value, exclusion.created_by) == (
        season,
        "tenant",
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        staff_user,
    )

    # A new claim for that customer is refused at submission…
    membership = Membership.objects.get(user=alice)
    with translation.override("en"), pytest.raises(DomainError, match="excluded"):
        claim_submit(
            membership=membership,
            challenge_code="presales_sizing",
            customer=customer,
            data=ClaimData(
                activity_date=season.start_date + timedelta(days=2),
                meeting_date=season.start_date + timedelta(days=2),
                distributor_contact="Ingrid",
            ),
        )
    assert Claim.objects.filter(customer=customer).count() == 1
    # …and the open one cannot be approved.
    english(staff_client)
    response = staff_client.post(
        reverse("challenges:staff-claim", args=[open_claim.pk]), {"action": "approve"}, follow=True
    )
    assert any("excluded" in m for m in messages_of(response))
    open_claim.refresh_from_db()
    assert open_claim.status == Claim.Status.SUBMITTED and points_of(company_a) == 0


@pytest.mark.django_db
def test_domain_exclusion_is_normalised_and_lists_affected_customers(
    staff_client, company_a, company_c
):
    hit_a = EndCustomerFactory(partner=company_a, domain="contoso.com")
    hit_c = EndCustomerFactory(partner=company_c, domain="eu.contoso.com")
    EndCustomerFactory(partner=company_c, domain="notcontoso.com")
    claim_for(company_a, customer=hit_a)
    staff_client.post(
        EXCLUSIONS,
        {"kind": "domain", "value": "https://www.Contoso.com/about", "reason": "Group of Contoso"},
    )
    assert CustomerExclusion.objects.get().value == "contoso.com"
    response = staff_client.get(EXCLUSIONS)
    [row] = response.context["rows"]
    assert {c.pk for c in row.customers} == {hit_a.pk, hit_c.pk}
    assert next(c for c in row.customers if c.pk == hit_a.pk).open_claims == 1
    body = response.content.decode()
    assert company_a.name in body and company_c.name in body


@pytest.mark.django_db
def test_exclusion_needs_a_reason_and_a_valid_value_and_is_not_doubled(staff_client, season):
    english(staff_client)
    response = staff_client.post(EXCLUSIONS, {"kind": "domain", "value": "contoso", "reason": "x"})
    assert response.status_code == 200 and response.context["form"].errors["value"]
    response = staff_client.post(EXCLUSIONS, {"kind": "tenant", "value": "abc", "reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert not CustomerExclusion.objects.exists()

    staff_client.post(EXCLUSIONS, {"kind": "domain", "value": "contoso.com", "reason": "x"})
    response = staff_client.post(
        EXCLUSIONS, {"kind": "domain", "value": "www.contoso.com", "reason": "y"}
    )
    assert response.status_code == 200
    assert "excluded already" in str(response.context["form"].non_field_errors())
    assert CustomerExclusion.objects.count() == 1


@pytest.mark.django_db
def test_exclusion_create_service_normalises_and_refuses_bad_input(season, staff_user):
    with translation.override("en"):
        with pytest.raises(DomainError, match="reason"):
            exclusion_create(
                season=season, kind="domain", value="a.example", reason=" ", actor=staff_user
            )
        with pytest.raises(DomainError):
            exclusion_create(
                season=season, kind="nonsense", value="a.example", reason="r", actor=staff_user
            )
    exclusion = exclusion_create(
        season=season, kind="domain", value="HTTP://WWW.A.Example/", reason="r", actor=staff_user
    )
    assert exclusion.value == "a.example"
