"""The usage aggregates: set-based reads of UsageRow (raw SQL, one pass over the rows) that feed
the pure rules, and "new to Azure" for the claims."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Min

from challenges.models import Claim
from partners.models import EndCustomer, Partner
from seasons.models import Season

from .. import eligibility as rules
from ..models import ServiceGroupMapping, UsageRow
from .claims import CREDIT_CODES, NEW_CUSTOMER_CODE, WORKLOAD_CODES

SCALE = 10**8  # UsageRow amounts have 8 decimals


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
