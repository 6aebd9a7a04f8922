"""Billing facts and claims for the credit computation, built directly (the import and the
review are other modules' jobs). Season 2024/25: 2024-09-01 .. 2025-05-31."""

import hashlib
import uuid
from datetime import date
from decimal import Decimal

from challenges.models import Claim
from credits.models import BilledMonth, BillingImport, CreditLine, UsageRow
from tests.factories import ClaimFactory, EndCustomerFactory, SeasonFactory

NEW = CreditLine.Kind.NEW_CUSTOMER
WORKLOAD = CreditLine.Kind.WORKLOAD
M = {m: date(2024 if m >= 6 else 2025, m, 1) for m in range(1, 13)}  # M[10] == 2024-10-01


def league_season(**kwargs):
    defaults = {
        "slug": "test-2024-25",
        "name": "Saison 2024/25",
        "start_date": date(2024, 9, 1),
        "end_date": date(2025, 5, 31),
        "registration_deadline": date(2024, 8, 31),
        "usd_per_eur": Decimal("1.08"),
    }
    return SeasonFactory(**{**defaults, **kwargs})


def sub_of(tenant: str) -> str:
    """The default subscription of a test customer: a GUID derived from its tenant ID."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, tenant))


def billing_import(season, name="file.csv") -> BillingImport:
    return BillingImport.objects.create(
        season=season,
        file_name=name,
        sha256=hashlib.sha256(f"{name}{uuid.uuid4()}".encode()).hexdigest(),
        status=BillingImport.Status.SUCCEEDED,
    )


def usage(
    partner,
    tenant,
    day: date,
    eur,
    *,
    entitlement="",
    category="Virtual Machines",
    usd=None,
    source=None,
    season=None,
) -> UsageRow:
    season = season or partner.season
    return UsageRow.objects.create(
        season=season,
        billing_import=source or billing_import(season),
        partner=partner,
        month=day.replace(day=1),
        usage_date=day,
        customer_tenant_id=tenant,
        customer_name="Kunde",
        entitlement_id=entitlement or sub_of(tenant),
        meter_category=category,
        billing_total=Decimal(eur),
        pricing_total_usd=None if usd is None else Decimal(usd),
    )


def billed(season, *months: date) -> None:
    for month in months:
        BilledMonth.objects.get_or_create(season=season, month=month)


def new_customer_claim(partner, tenant=None, subscription=None, **customer) -> Claim:
    tenant = tenant or str(uuid.uuid4())
    return ClaimFactory(
        code="new_customer",
        status=Claim.Status.APPROVED,
        customer=EndCustomerFactory(partner=partner, tenant_id=tenant, **customer),
        subscription_id=subscription or sub_of(tenant),
    )


def workload_claim(partner, tenant, group) -> Claim:
    customer = partner.customers.filter(tenant_id=tenant).first() or EndCustomerFactory(
        partner=partner, tenant_id=tenant
    )
    return ClaimFactory(
        code=f"svc_{group}", status=Claim.Status.APPROVED, customer=customer, subscription_id=""
    )


def line(partner, tenant, kind=NEW, group="") -> CreditLine:
    return CreditLine.objects.get(
        partner=partner, customer_tenant_id=tenant, kind=kind, service_group=group
    )
