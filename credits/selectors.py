"""Reads of the credits app: the set-based usage aggregates that feed the pure rules, and what the
credit pages show. No writes here (those are in `credits.computation`)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Min, Q, Sum
from django.utils.translation import gettext as _

from challenges.catalogue import credit_workload_codes
from challenges.models import Claim
from challenges.selectors import redemption_balance
from core import formatting
from partners.identity import Exclusions, normalise_tenant
from partners.models import EndCustomer, Partner
from seasons.models import Season

from . import eligibility as rules
from .caps import round_cents
from .models import (
    BilledMonth,
    CreditLine,
    CreditNote,
    CreditNoteLine,
    ServiceGroupMapping,
    UsageRow,
)

# Challenge code → service group of a workload credit (SPEC section 5; `svc_avd` earns no credit).
WORKLOAD_CODES = credit_workload_codes()
NEW_CUSTOMER_CODE = "new_customer"
CREDIT_CODES = (NEW_CUSTOMER_CODE, *WORKLOAD_CODES)
SCALE = 10**8  # UsageRow amounts have 8 decimals


# --- Usage aggregates ---------------------------------------------------------------------------


def _sum(expression: str) -> str:
    """An exact SQL sum of a decimal column. PostgreSQL's numeric is exact; SQLite stores decimals
    as floats, so there the 8-decimal amounts are summed as integers (exact) and scaled back."""
    if connection.vendor == "sqlite":
        return f"SUM(CAST(ROUND(({expression}) * {SCALE}) AS INTEGER))"
    return f"SUM({expression})"


def _converters():
    """Value converters for the aggregate rows, chosen once per query (not per value)."""
    if connection.vendor == "sqlite":

        def decimal_of(value) -> Decimal:
            return Decimal(int(value)) / SCALE if value is not None else Decimal(0)

        def date_of(value) -> date:
            return date.fromisoformat(str(value)[:10])

    else:

        def decimal_of(value) -> Decimal:
            return value if value is not None else Decimal(0)

        def date_of(value) -> date:
            return value

    return decimal_of, date_of


def _has_materialized() -> bool:
    if connection.vendor == "sqlite":
        return connection.Database.sqlite_version_info >= (3, 35)
    return connection.vendor == "postgresql"


def _facts_sql(*, tenant_only: bool) -> str:
    """One statement, one pass over the usage rows: a fine aggregate per (partner, customer,
    subscription, service group, month, season or history), then the three sums the rules need.

    For the computation only the customers of approved credit claims are read, and of those only
    the claimed subscriptions and the claimed (customer, group) pairs are returned per month. For a
    customer's history page (`tenant_only`) everything of that one customer is returned.
    """
    usage = UsageRow._meta.db_table
    mapping = ServiceGroupMapping._meta.db_table
    claim = Claim._meta.db_table
    customer = EndCustomer._meta.db_table
    partner = Partner._meta.db_table
    challenge = Claim._meta.get_field("challenge").related_model._meta.db_table
    codes = ", ".join(f"'{code}'" for code in CREDIT_CODES)
    group_of_code = " ".join(
        f"WHEN '{code}' THEN '{group}'" for code, group in WORKLOAD_CODES.items()
    )
    materialized = "MATERIALIZED" if _has_materialized() else ""
    if tenant_only:
        claimed_cte = ""
        # Every season's rows of one customer: naming the seasons lets PostgreSQL use the
        # (season, customer_tenant_id) index once per season instead of reading every row.
        season = Season._meta.db_table
        scope = f"u.season_id IN (SELECT id FROM {season}) AND u.customer_tenant_id = %(tenant)s"
        sub_filter = "1 = 1"
        group_filter = "agg.grp <> ''"
    else:
        claimed_cte = f"""
        claimed AS (
            SELECT e.tenant_id AS tenant, LOWER(c.subscription_id) AS ent, ch.code AS code,
                   CASE ch.code {group_of_code} ELSE '' END AS grp
            FROM {claim} c
            JOIN {challenge} ch ON ch.id = c.challenge_id
            JOIN {customer} e ON e.id = c.customer_id
            JOIN {partner} p ON p.id = c.partner_id
            WHERE c.season_id = %(season)s AND c.status = 'approved' AND p.status = 'approved'
              AND ch.code IN ({codes})
        ),"""
        scope = "u.customer_tenant_id IN (SELECT tenant FROM claimed)"
        sub_filter = f"agg.ent IN (SELECT ent FROM claimed WHERE code = '{NEW_CUSTOMER_CODE}')"
        group_filter = (
            "agg.grp <> '' AND EXISTS (SELECT 1 FROM claimed k "
            "WHERE k.tenant = agg.tenant AND k.grp = agg.grp)"
        )
    return f"""
    WITH {claimed_cte}
    agg AS {materialized} (
        SELECT u.partner_id AS partner_id, u.customer_tenant_id AS tenant,
               u.entitlement_id AS ent, COALESCE(m.service_group, '') AS grp, u.month AS month,
               CASE WHEN u.season_id = %(season)s THEN 1 ELSE 0 END AS cur,
               {_sum("u.billing_total")} AS eur,
               {_sum("COALESCE(u.pricing_total_usd, 0)")} AS usd,
               {_sum("CASE WHEN u.pricing_total_usd IS NULL THEN u.billing_total ELSE 0 END")}
                   AS eur_nousd,
               MIN(u.usage_date) AS first
        FROM {usage} u
        LEFT JOIN {mapping} m ON m.category_key = LOWER(u.meter_category)
        WHERE {scope}
        GROUP BY u.partner_id, u.customer_tenant_id, u.entitlement_id,
                 COALESCE(m.service_group, ''), u.month,
                 CASE WHEN u.season_id = %(season)s THEN 1 ELSE 0 END
    )
    SELECT 'S', partner_id, tenant, ent, month, cur, SUM(eur),
           CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC), MIN(first)
    FROM agg WHERE {sub_filter}
    GROUP BY partner_id, tenant, ent, month, cur
    UNION ALL
    SELECT 'G', partner_id, tenant, grp, month, cur, SUM(eur), NULL, NULL, MIN(first)
    FROM agg WHERE {group_filter}
    GROUP BY partner_id, tenant, grp, month, cur
    UNION ALL
    SELECT 'C', NULL, tenant, NULL, month, cur, SUM(eur), SUM(usd), SUM(eur_nousd), MIN(first)
    FROM agg
    GROUP BY tenant, month, cur
    """


def usage_facts(*, season_id: int, tenant_id: str | None = None) -> rules.Facts:
    """The usage aggregates of the computation (or of one customer), in ONE query whatever the
    number of partners, customers or rows.

    Rows of every season are read: other seasons' imports count as history ("consumed before",
    "first usage") but their amounts are never credited (`current`).
    """
    subs, groups, customers = [], [], []
    params = {"season": season_id, "tenant": tenant_id}
    money, day = _converters()
    with connection.cursor() as cursor:
        cursor.execute(_facts_sql(tenant_only=tenant_id is not None), params)
        for level, partner_id, tenant, key, month, cur, eur, usd, nousd, first in cursor:
            month, first, current = day(month), day(first), bool(cur)
            if level == "S":
                subs.append(
                    rules.SubscriptionUsage(
                        partner_id, tenant, key.lower(), month, money(eur), first, current
                    )
                )
            elif level == "G":
                groups.append(
                    rules.GroupUsage(partner_id, tenant, key, month, money(eur), first, current)
                )
            else:
                customers.append(
                    rules.CustomerUsage(
                        tenant, month, money(eur), money(usd), money(nousd), first, current
                    )
                )
    return rules.Facts(tuple(subs), tuple(groups), tuple(customers))


def azure_first_usage_before(*, tenant_ids, before: date) -> dict[str, date]:
    """For each of `tenant_ids` with Azure consumption before `before` in any imported billing
    (any season, partner or subscription): the day of its first usage. "New to Azure" (SPEC 3)
    asks this of the claims (`challenges.billing`, registered in `CreditsConfig.ready`), with the
    same test as the credit rules (`eligibility.new_customer_verdict`). One query; naming the
    seasons lets PostgreSQL use the (season, customer_tenant_id) index.
    """
    tenant_ids = {t for t in tenant_ids if t}
    if not tenant_ids:
        return {}
    return dict(
        UsageRow.objects.filter(
            season_id__in=Season.objects.values("pk"),
            customer_tenant_id__in=tenant_ids,
            usage_date__lt=before,
        )
        .values("customer_tenant_id")
        .annotate(first=Min("usage_date"))
        .values_list("customer_tenant_id", "first")
    )


def period_of(season) -> rules.Period:
    return rules.Period(start=season.start_date, end=season.end_date)


def rates_of(season) -> rules.Rates:
    return rules.Rates(
        new_customer_cap=season.new_customer_cap_eur,
        new_customer_partner_cap=season.new_customer_partner_cap_eur,
        workload_cap=season.workload_cap_eur,
        workload_partner_cap=season.workload_partner_cap_eur,
        existing_customer_min_usd=season.existing_customer_min_usd,
        usd_per_eur=season.usd_per_eur,
    )


def billed_months(season) -> list[date]:
    return list(BilledMonth.objects.filter(season=season).values_list("month", flat=True))


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


# --- Pages --------------------------------------------------------------------------------------


def credit_line_list(season, *, partner=None, filters: dict | None = None):
    lines = CreditLine.objects.filter(season=season).select_related("partner", "customer")
    if partner is not None:
        lines = lines.filter(partner=partner)
    filters = filters or {}
    if filters.get("partner"):
        lines = lines.filter(partner=filters["partner"])
    if filters.get("kind"):
        lines = lines.filter(kind=filters["kind"])
    if filters.get("status"):
        lines = lines.filter(status=filters["status"])
    if filters.get("booking_month"):
        lines = lines.filter(booking_month=filters["booking_month"])
    return lines.order_by("partner__name", "booking_month", "customer_tenant_id", "service_group")


def credit_totals(lines) -> dict:
    """Sum of credits and consumption, and a count per status, of a filtered queryset."""
    totals = lines.order_by().aggregate(
        credit=Sum("credit_eur"),
        consumption=Sum("consumption_eur"),
        count=Count("pk"),
        final=Count("pk", filter=Q(status=CreditLine.Status.FINAL)),
        provisional=Count("pk", filter=Q(status=CreditLine.Status.PROVISIONAL)),
        capped=Count("pk", filter=Q(status=CreditLine.Status.CAPPED)),
    )
    totals["credit"] = totals["credit"] or Decimal("0.00")
    totals["consumption"] = totals["consumption"] or Decimal("0.00")
    return totals


def partner_cap_usage(season, partner) -> dict:
    """Credits of the partner per kind (provisional lines count, as they do for the cap)."""
    sums = dict(
        CreditLine.objects.filter(season=season, partner=partner)
        .values("kind")
        .annotate(total=Sum("credit_eur"))
        .values_list("kind", "total")
    )
    return {
        CreditLine.Kind.NEW_CUSTOMER: sums.get(CreditLine.Kind.NEW_CUSTOMER) or Decimal("0.00"),
        CreditLine.Kind.WORKLOAD: sums.get(CreditLine.Kind.WORKLOAD) or Decimal("0.00"),
    }


def _bar(used, cap) -> dict:
    percent = 0 if not cap else min(100, round(float(used) / float(cap) * 100))
    return {"used": used, "cap": cap, "percent": percent, "left": max(cap - used, 0)}


def partner_cap_bars(partner) -> list[dict]:
    """The partner's progress towards its three caps: new-customer credits, workload credits
    and the training value of its points."""
    season = partner.season
    used = partner_cap_usage(season, partner)
    trainings = redemption_balance(partner)
    return [
        {
            "label": _("New end customers"),
            "help": _("One free month per new end customer, at most %(cap)s each.")
            % {"cap": _eur(season.new_customer_cap_eur, 0)},
            **_bar(used[CreditLine.Kind.NEW_CUSTOMER], season.new_customer_partner_cap_eur),
        },
        {
            "label": _("New workloads"),
            "help": _(
                "Two free months per new workload at an existing customer, at most %(cap)s each."
            )
            % {"cap": _eur(season.workload_cap_eur, 0)},
            **_bar(used[CreditLine.Kind.WORKLOAD], season.workload_partner_cap_eur),
        },
        {
            "label": _("Trainings"),
            "help": _("Points redeemed for trainings (value earned: %(value)s).")
            % {"value": _eur(trainings["value"])},
            **_bar(trainings["redeemed"], season.points_cap_eur),
        },
    ]


def partner_credit_notes(partner):
    return CreditNote.objects.filter(partner=partner).order_by("-issued_at", "-sequence")


@dataclass(frozen=True)
class PartnerMoney:
    """What a disqualification does to a partner's money (shown before it happens)."""

    issued: Decimal  # net on its issued credit notes: what a reclaim takes back
    notes: list  # its credit notes, in number order
    unissued_lines: int  # credit lines never on a note: removed
    unissued: Decimal


def partner_money(partner) -> PartnerMoney:
    issued = CreditNoteLine.objects.filter(note__partner=partner).aggregate(s=Sum("amount_eur"))
    unissued = CreditLine.objects.filter(partner=partner, note_lines__isnull=True).aggregate(
        n=Count("pk"), s=Sum("credit_eur")
    )
    return PartnerMoney(  # (cents: SQLite hands sums back as whole numbers or floats)
        issued=round_cents(Decimal(issued["s"] or 0)),
        notes=list(CreditNote.objects.filter(partner=partner).order_by("sequence")),
        unissued_lines=unissued["n"],
        unissued=round_cents(Decimal(unissued["s"] or 0)),
    )


def billed_month_list(season):
    return BilledMonth.objects.filter(season=season).order_by("month")


# --- Explanations and the eligibility history ---------------------------------------------------


def _eur(value, decimals=2) -> str:
    return formatting.money(value, decimals=decimals)


def _usd(value) -> str:
    return formatting.usd(value)


def group_label(group: str) -> str:
    from .models import ServiceGroup

    return str(dict(ServiceGroup.choices).get(group, group))


def verdict_text(code: str, kind: str, group: str, details: dict) -> str:
    """The reason of a verdict, in a sentence (for staff)."""
    d = details or {}
    month = d.get("month", "")
    existing = d.get("existing") or {}
    group_name = group_label(group)
    if code == rules.ELIGIBLE:
        if kind == rules.NEW_CUSTOMER:
            return _("new end customer: subscription first used in %(month)s") % {"month": month}
        return _(
            "existing customer for a workload in %(month)s: %(prev)s consumption %(usd)s "
            "> %(threshold)s; %(group)s first consumed in %(month)s"
        ) % {
            "month": month,
            "prev": existing.get("previous_month", ""),
            "usd": _usd(existing.get("usd") or 0),
            "threshold": _usd(existing.get("threshold_usd") or 0),
            "group": group_name,
        }
    if code == rules.EXCLUDED:
        return _("end customer excluded by staff: %(reason)s") % {"reason": d.get("reason", "")}
    if code == rules.NOT_NEW:
        return _("not a new customer: consumption in %(month)s before the season") % {
            "month": month
        }
    if code == rules.NO_USAGE:
        if kind == rules.NEW_CUSTOMER:
            return _("the subscription %(sub)s has no usage in any imported billing yet") % {
                "sub": d.get("subscription", "")
            }
        return _("no %(group)s consumption in any imported billing yet") % {"group": group_name}
    if code == rules.NO_CLAIM:
        return _("no approved claim for %(group)s") % {"group": group_name}
    if code == rules.BOOKED_BEFORE:
        return _("booked in %(month)s, before the season") % {"month": month}
    if code == rules.BOOKED_AFTER:
        return _("booked in %(month)s, after the season") % {"month": month}
    if code == rules.CONSUMED_BEFORE:
        return _("%(group)s consumed before in %(month)s") % {"group": group_name, "month": month}
    if code == rules.NOT_EXISTING:
        text = _(
            "not an existing customer for a workload in %(month)s: %(prev)s consumption "
            "%(usd)s ≤ %(threshold)s"
        ) % {
            "month": month,
            "prev": existing.get("previous_month", ""),
            "usd": _usd(existing.get("usd") or 0),
            "threshold": _usd(existing.get("threshold_usd") or 0),
        }
        if not existing.get("billed", True):
            text += " " + _("(%(prev)s is not billed yet)") % {
                "prev": existing.get("previous_month", "")
            }
        return text
    if code.startswith("partner_"):
        status = code.removeprefix("partner_")
        return _("the partner's status is now “%(status)s”") % {
            "status": dict(Partner.Status.choices).get(status, status)
        }
    if code == rules.NO_RATE:
        return _(
            "existing-customer test for %(month)s impossible: %(prev)s has rows without a USD "
            "total and the season has no USD per EUR rate"
        ) % {"month": month, "prev": existing.get("previous_month", "")}
    return code


def _day(iso: str) -> str:
    from django.utils.formats import date_format

    try:
        return date_format(date.fromisoformat(iso), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return iso or ""


def line_explanation(line: CreditLine) -> list[str]:
    """The stored explanation of a credit line, as sentences."""
    e = line.explanation or {}
    parts = []
    if e.get("reclaimed"):
        parts.append(
            _("Reclaimed when the partner was disqualified (%(amount)s): %(reason)s")
            % {
                "amount": _eur(e["reclaimed"].get("previous_credit", 0)),
                "reason": e["reclaimed"].get("reason", ""),
            }
        )
    if e.get("kept"):
        kept = e["kept"]
        parts.append(
            _(
                "No longer eligible: %(reason)s. Kept at %(amount)s, the amount on its credit "
                "notes (issued notes never change by themselves)."
            )
            % {
                "reason": verdict_text(
                    kept.get("code", ""), line.kind, line.service_group, kept.get("details", {})
                ),
                "amount": _eur(kept.get("noted", 0)),
            }
        )
    if "free_months" not in e:
        return parts
    if line.kind == CreditLine.Kind.NEW_CUSTOMER:
        parts.append(
            _("Subscription first used on %(date)s: booking month %(month)s.")
            % {"date": _day(e.get("first_usage", "")), "month": e.get("booking_month", "")}
        )
    else:
        parts.append(
            _("%(group)s first consumed on %(date)s: booking month %(month)s.")
            % {
                "group": group_label(line.service_group),
                "date": _day(e.get("first_usage", "")),
                "month": e.get("booking_month", ""),
            }
        )
        existing = e.get("existing") or {}
        if existing:
            parts.append(
                _("Existing customer: %(prev)s consumption %(usd)s > %(threshold)s.")
                % {
                    "prev": existing.get("previous_month", ""),
                    "usd": _usd(existing.get("usd") or 0),
                    "threshold": _usd(existing.get("threshold_usd") or 0),
                }
            )
    not_billed = " (" + _("not billed yet") + ")"
    months = "; ".join(
        f"{m['month']}: {_eur(m['eur'])}" + ("" if m["billed"] else not_billed)
        for m in e.get("free_months", [])
    )
    parts.append(_("Free months: %(months)s.") % {"months": months})
    if e.get("refund"):
        parts.append(_("Refunds exceed the consumption: no credit, never a debit."))
    if e.get("line_capped"):
        parts.append(_("Capped at %(cap)s per line.") % {"cap": _eur(e.get("line_cap", 0))})
    if e.get("partner_capped"):
        parts.append(
            _("Partner cap of %(cap)s: %(left)s remained for this line.")
            % {"cap": _eur(e.get("partner_cap", 0)), "left": _eur(e.get("partner_cap_left", 0))}
        )
    return parts


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
