"""A `new_customer` whose tenant shows consumption before the season in imported billing is
flagged in the review queue and on the claim (issue 3)."""

from datetime import date
from decimal import Decimal

import pytest

from credits.models import BillingImport, UsageRow
from tests.factories import ClaimFactory, EndCustomerFactory


def _usage(season, partner, tenant, day):
    billing = BillingImport.objects.create(season=season, file_name="x.csv", sha256="x" * 64)
    UsageRow.objects.create(
        season=season,
        billing_import=billing,
        partner=partner,
        month=day.replace(day=1),
        usage_date=day,
        customer_tenant_id=tenant,
        entitlement_id="sub",
        meter_category="Virtual Machines",
        billing_total=Decimal("12.5"),
    )


@pytest.mark.django_db
def test_new_customer_with_azure_before_the_season_is_flagged(staff_client, company_a, season):
    before = date(season.start_date.year - 1, 1, 1)
    old = EndCustomerFactory(partner=company_a)
    new = EndCustomerFactory(partner=company_a)
    flagged = ClaimFactory(customer=old, code="new_customer")
    clean = ClaimFactory(customer=new, code="new_customer")
    _usage(season, company_a, old.tenant_id, before)
    # Consumption inside the season (from its first day) does not make a customer old.
    _usage(season, company_a, new.tenant_id, season.start_date)

    queue = staff_client.get("/staff/claims/")
    rows = {row.claim.pk: row for row in queue.context["rows"]}
    assert rows[flagged.pk].used_before == before
    assert rows[clean.pk].used_before is None
    assert queue.content.decode().count("data-used-before") == 1

    page = staff_client.get(f"/staff/claims/{flagged.pk}/")
    assert page.context["used_before"] == before
    assert "data-used-before" in page.content.decode()
    assert staff_client.get(f"/staff/claims/{clean.pk}/").context["used_before"] is None
