"""An end customer's eligibility history (staff): why it is or is not new, and existing for each
workload, month by month."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from partners.identity import Exclusions, normalise_tenant
from partners.models import EndCustomer
from seasons.models import Season

from .. import eligibility as rules
from ..caps import round_cents
from ..models import CreditLine, UsageRow
from .claims import credit_claims, rule_claims
from .season import billed_months, period_of, rates_of
from .usage import usage_facts


@dataclass(frozen=True)
class HistoryMonth:
    month: date
    eur: Decimal
    usd: Decimal | None
    converted: bool
    billed: bool


@dataclass(frozen=True)
class HistoryGroup:
    group: str
    first_usage: date | None
    verdicts: list


@dataclass(frozen=True)
class CustomerHistory:
    tenant_id: str
    names: list[str]
    customers: list[EndCustomer]
    months: list[HistoryMonth]
    first_usage: date | None
    groups: list[HistoryGroup]
    new_customer_verdicts: list
    lines: list[CreditLine]


def customer_history(season, tenant_id: str) -> CustomerHistory:
    """Why an end customer is or is not new, and existing for each workload, month by month.

    Uses the same facts and the same pure rules as the computation, for this one customer; a
    group without an approved claim is judged as if it had one ("what would happen").
    """
    tenant_id = normalise_tenant(tenant_id)
    facts = usage_facts(season_id=season.pk, tenant_id=tenant_id)
    index = rules.UsageIndex(facts)
    billed = frozenset(billed_months(season))
    period, rates = period_of(season), rates_of(season)
    exclusions = Exclusions.of_season(season.pk)
    claims = credit_claims(season, tenant_id=tenant_id)
    new_customer_claims, workload_claims = rule_claims(claims, exclusions)

    months = []
    for month, usage in sorted(index.customer_months.get(tenant_id, {}).items()):
        months.append(
            HistoryMonth(
                month=month,
                eur=round_cents(usage.eur),
                usd=usage.usd_total(rates.usd_per_eur),
                converted=usage.eur_without_usd != 0,
                billed=month in billed,
            )
        )

    new_verdicts = [rules.new_customer_verdict(c, index, period) for c in new_customer_claims]
    groups = []
    customers = list(
        EndCustomer.objects.filter(season=season, tenant_id=tenant_id).select_related("partner")
    )
    for group in rules.CREDIT_GROUPS:
        claimed = [c for c in workload_claims if c.service_group == group]
        if not claimed:
            domain = customers[0].domain if customers else ""
            claimed = [
                rules.WorkloadClaim(
                    None,
                    customers[0].partner_id if customers else 0,
                    tenant_id,
                    group,
                    exclusions.reason(tenant_id, domain),
                )
            ]
        verdicts = [rules.workload_verdict(c, index, period, rates, billed) for c in claimed]
        groups.append(
            HistoryGroup(
                group=group,
                first_usage=index.group_first.get((tenant_id, group)),
                verdicts=verdicts,
            )
        )
    names = sorted(
        set(
            UsageRow.objects.filter(
                season_id__in=Season.objects.values("pk"), customer_tenant_id=tenant_id
            )
            .exclude(customer_name="")
            .values_list("customer_name", flat=True)
            .distinct()[:5]
        )
        | {c.name for c in customers}
    )
    lines = list(
        CreditLine.objects.filter(season=season, customer_tenant_id=tenant_id).select_related(
            "partner"
        )
    )
    return CustomerHistory(
        tenant_id=tenant_id,
        names=names,
        customers=customers,
        months=months,
        first_usage=index.customer_first.get(tenant_id),
        groups=groups,
        new_customer_verdicts=new_verdicts,
        lines=lines,
    )
