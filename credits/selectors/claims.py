"""The approved credit claims of a season, as the computation and the pure rules take them."""

from dataclasses import dataclass

from challenges.catalogue import credit_workload_codes
from challenges.models import Claim
from partners.models import Partner

from .. import eligibility as rules

# Challenge code → service group of a workload credit (SPEC section 5; `svc_avd` earns no credit).
WORKLOAD_CODES = credit_workload_codes()
NEW_CUSTOMER_CODE = "new_customer"
CREDIT_CODES = (NEW_CUSTOMER_CODE, *WORKLOAD_CODES)


@dataclass(frozen=True)
class ClaimRow:
    claim_id: int
    partner_id: int
    code: str
    customer_id: int
    tenant_id: str
    domain: str
    subscription_id: str


def credit_claims(season, *, tenant_id: str | None = None) -> list[ClaimRow]:
    """Approved credit claims (new customer, svc_<group>) of the season's approved partners."""
    claims = Claim.objects.filter(
        season=season,
        status=Claim.Status.APPROVED,
        challenge__code__in=CREDIT_CODES,
        partner__status=Partner.Status.APPROVED,
        customer__isnull=False,
    )
    if tenant_id is not None:
        claims = claims.filter(customer__tenant_id=tenant_id)
    return [
        ClaimRow(*values)
        for values in claims.values_list(
            "pk",
            "partner_id",
            "challenge__code",
            "customer_id",
            "customer__tenant_id",
            "customer__domain",
            "subscription_id",
        )
    ]


def rule_claims(claims: list[ClaimRow], exclusions):
    """The claims as the pure rules take them."""
    new_customers, workloads = [], []
    for c in claims:
        excluded = exclusions.reason(c.tenant_id, c.domain)
        if c.code == NEW_CUSTOMER_CODE:
            if c.subscription_id:
                new_customers.append(
                    rules.NewCustomerClaim(
                        c.claim_id, c.partner_id, c.tenant_id, c.subscription_id.lower(), excluded
                    )
                )
        else:
            workloads.append(
                rules.WorkloadClaim(
                    c.claim_id, c.partner_id, c.tenant_id, WORKLOAD_CODES[c.code], excluded
                )
            )
    return new_customers, workloads
