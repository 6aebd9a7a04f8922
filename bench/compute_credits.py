#!/usr/bin/env python
"""Benchmark of `compute_credits` against one bare SQL aggregate over the same usage rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/compute_credits.py --partners 1000 --customers 50000 --rows 10000000

In one run:

1. builds a database (`--database`, default league_bench_credits: dropped, created, migrated)
   holding season 2024/25 with `--partners` approved partners, `--customers` end customers and
   `--rows` usage rows, generated in PostgreSQL with generate_series (no Python loop per row):
   every customer has 1-3 subscriptions and uses them from its start month to June 2025 with a
   mix of meter categories (IaaS, security, databases, analytics & AI, AVD); 20 % are new customers
   starting inside the season (approved `new_customer` claim), 30 % existing customers that start a
   claimed workload inside the season (some of them below the 100 USD threshold), 50 % have no
   claim; ~10 % of the rows have no USD total, some are refunds. Months 2024-06 .. 2025-06 billed.
2. times one bare SQL aggregate (sum per customer, month and service group over all rows, with
   the MeterCategory → group mapping), run on the server (`SELECT count(*) FROM (...)`), and the
   same aggregate fetched to the client;
3. times `credits_compute` for the season (the service behind `manage.py compute_credits`):
   a first run that creates every line, and a repeat run that finds nothing to change; counts
   the SQL queries of both;
4. does 1-3 again on a small database (`--small-partners`, customers and rows scaled down) and
   prints both query counts: they must be equal (independent of the number of partners).

Target (issue 4): compute_credits <= 2x the bare aggregate, query count independent of partners.
`--reuse` keeps existing databases of the same size instead of building them again.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import database_url, portal_env  # noqa: E402

SEASON_SLUG = "2024-25"
BARE_AGGREGATE = """
    SELECT u.customer_tenant_id, u.month, COALESCE(m.service_group, '') AS service_group,
           SUM(u.billing_total) AS eur
    FROM credits_usagerow u
    LEFT JOIN credits_servicegroupmapping m ON m.category_key = LOWER(u.meter_category)
    GROUP BY 1, 2, 3
"""


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--small-partners", type=int, default=20, help="partners of the comparison run (20)"
    )
    parser.add_argument("--database", default="league_bench_credits")
    parser.add_argument("--reuse", action="store_true", help="reuse databases of the same size")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--explain", action="store_true", help="print the plan of the facts query")
    return parser.parse_args()


# --- Building the data ---------------------------------------------------------------------------


def build(base_url: str, name: str, partners: int, customers: int, rows: int, reuse: bool):
    import psycopg

    url = database_url(base_url, name)
    size = f"{partners}/{customers}/{rows}"
    if reuse:
        try:
            with psycopg.connect(url) as conn:
                row = conn.execute(
                    "SELECT obj_description('credits_usagerow'::regclass)"
                ).fetchone()
                if row and row[0] == size:
                    print(f"  reusing {name} ({size})", flush=True)
                    return url
        except psycopg.Error:
            pass
    with psycopg.connect(database_url(base_url, "postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=portal_env(url, CELERY_EAGER="1"),
        check=True,
    )
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        season = conn.execute(
            "UPDATE seasons_season SET is_active = true, usd_per_eur = 1.08 WHERE slug = %s "
            "RETURNING id",
            [SEASON_SLUG],
        ).fetchone()[0]
        league = conn.execute(
            "INSERT INTO seasons_league (name, slug, criterion, position, season_id) "
            "VALUES ('Bench-Liga', 'bench', '', 0, %s) RETURNING id",
            [season],
        ).fetchone()[0]
        conn.execute(
            """
            INSERT INTO partners_partner (status, name, customer_number, partner_id, street,
                postal_code, city, country, vat_id, contact_name, contact_email, contact_phone,
                pseudonym_number, created_at, decision_reason, league_id, season_id)
            SELECT 'approved', 'Bench Reseller ' || i || ' GmbH', 'DE' || (300000 + i),
                   (7000000 + i)::text, '', '', '', 'DE', '', '', '', '', i, now(), '', %s, %s
            FROM generate_series(1, %s) i ORDER BY i
            """,
            [league, season, partners],
        )
        first_partner, count = conn.execute(
            "SELECT min(id), count(*) FROM partners_partner WHERE season_id = %s", [season]
        ).fetchone()
        assert count == partners
        # Customer c belongs to partner (c / 10) % P, so every partner has customers of every
        # kind c % 10: 0-1 new, 2-4 workload (4: below the threshold), 5-9 no claim. Every 20th
        # partner is big (40x the consumption), so that its partner caps bind.
        conn.execute(
            """
            CREATE UNLOGGED TABLE bench_customer AS
            SELECT c,
                   %(first)s + (c / 10) %% %(partners)s AS partner_id,
                   CASE WHEN (c / 10) %% %(partners)s %% 20 = 0 THEN 40 ELSE 1 END AS scale,
                   md5('tenant-' || c)::uuid::text AS tenant,
                   c %% 10 AS kind,
                   1 + c %% 3 AS subs,
                   (ARRAY['Sentinel', 'SQL Database', 'Azure OpenAI'])[1 + c %% 3] AS category,
                   (ARRAY['security', 'databases', 'analytics_ai'])[1 + c %% 3] AS grp,
                   CASE WHEN c %% 10 < 2
                        THEN date '2024-09-01' + make_interval(months => (c + c / 10) %% 9)
                        ELSE date '2024-06-01' END::date AS start,
                   CASE WHEN c %% 10 BETWEEN 2 AND 4
                        THEN date '2024-09-01' + make_interval(months => (c + c / 10) %% 8)
                        ELSE date '2000-01-01' END::date AS group_start
            FROM generate_series(0, %(customers)s - 1) c
            """,
            {"first": first_partner, "partners": partners, "customers": customers},
        )
        conn.execute("ALTER TABLE bench_customer ADD PRIMARY KEY (c)")
        conn.execute(
            """
            INSERT INTO partners_endcustomer (name, tenant_id, domain, contact_name,
                contact_email, created_at, partner_id, season_id)
            SELECT 'Kunde ' || c, tenant, 'kunde' || c || '.example', '', '', now(),
                   partner_id, %s
            FROM bench_customer ORDER BY c
            """,
            [season],
        )
        import_id = conn.execute(
            """
            INSERT INTO credits_billingimport (file_name, stored_path, sha256, size_bytes,
                status, failure, attempt, league_digest, partner_months, progress_bytes,
                rows_total, rows_stored, rows_skipped, error_count, errors, months, unclassified,
                message, created_at, season_id)
            VALUES ('bench.csv', '', repeat('0', 64), 0, 'succeeded', '', 1, '', 0, 0, %s, %s,
                    0, 0, '[]', '[]', '[]', '', now(), %s) RETURNING id
            """,
            [rows, rows, season],
        ).fetchone()[0]
        per = -(-rows // customers)  # rows per customer
        chunk = 2_000_000
        for low in range(0, rows, chunk):
            high = min(rows, low + chunk)
            conn.execute(
                """
                INSERT INTO credits_usagerow (season_id, billing_import_id, partner_id, month,
                    usage_date, customer_tenant_id, customer_name, entitlement_id,
                    meter_category, billing_total, pricing_total_usd)
                SELECT %(season)s, %(import)s, b.partner_id, date_trunc('month', d)::date, d,
                       b.tenant, 'Kunde ' || b.c,
                       md5('sub-' || b.c || '-' || (k %% b.subs))::uuid::text,
                       CASE WHEN cat > 4 AND d < b.group_start THEN 'Virtual Machines'
                            WHEN cat = 5 THEN b.category
                            WHEN cat = 6 THEN (ARRAY['Azure Cosmos DB', 'Azure Databricks',
                                                     'Key Vault'])[1 + b.c %% 3]
                            WHEN cat = 7 THEN 'Azure Virtual Desktop'
                            ELSE (ARRAY['Virtual Machines', 'Storage', 'Bandwidth',
                                        'Virtual Network', 'Azure App Service'])[1 + cat]
                       END,
                       amount,
                       CASE WHEN (k + c) %% 10 = 0 THEN NULL ELSE round(amount * 1.08, 8) END
                FROM (
                    SELECT r, r %% %(customers)s AS c, r / %(customers)s AS k,
                           (r / %(customers)s * 5 + r * 3) %% 8 AS cat,
                           (CASE WHEN r %% 997 = 0 THEN -1 ELSE 1 END)
                             * ((r * 7919) %% 100000) / 1000.0 AS raw
                    FROM generate_series(%(low)s::bigint, %(high)s - 1) r
                ) g
                JOIN bench_customer b USING (c)
                CROSS JOIN LATERAL (
                    SELECT (b.start + ((date '2025-06-30' - b.start) * g.k / %(per)s)::int) AS d,
                           round((g.raw * b.scale
                                  * CASE WHEN b.kind = 4 THEN 0.002 ELSE 1 END)::numeric, 8)
                               AS amount
                ) x
                """,
                {
                    "season": season,
                    "import": import_id,
                    "customers": customers,
                    "low": low,
                    "high": high,
                    "per": per,
                },
            )
            conn.commit()
            print(f"  {high:,} usage rows", flush=True)
        conn.execute(
            """
            INSERT INTO challenges_claim (status, count_key, activity_date, distributor_contact,
                subscription_id, bant_budget, bant_authority, bant_need, bant_time, note,
                evidence, evidence_name, evidence_type, submitted_at, decided_at, reason,
                answer, challenge_id, customer_id, partner_id, season_id)
            SELECT 'approved', 'customer:' || e.id, date '2024-10-01', '',
                   CASE WHEN ch.code = 'new_customer'
                        THEN md5('sub-' || b.c || '-0')::uuid::text ELSE '' END,
                   true, true, true, true, '', '', '', '', now(), now(), '', '', ch.id, e.id,
                   e.partner_id, %(season)s
            FROM bench_customer b
            JOIN partners_endcustomer e ON e.tenant_id = b.tenant AND e.season_id = %(season)s
            JOIN challenges_challenge ch ON ch.season_id = %(season)s AND ch.code = CASE
                WHEN b.kind < 2 THEN 'new_customer'
                WHEN b.kind <= 4 THEN 'svc_' || b.grp END
            """,
            {"season": season},
        )
        conn.execute(
            """
            INSERT INTO credits_billedmonth (season_id, month, billing_import_id, billed_at)
            SELECT %s, m::date, %s, now()
            FROM generate_series(date '2024-06-01', date '2025-06-01', interval '1 month') m
            """,
            [season, import_id],
        )
        conn.execute("DROP TABLE bench_customer")
        conn.execute(f"COMMENT ON TABLE credits_usagerow IS '{size}'")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"  built {name} ({size}) in {time.perf_counter() - started:.0f} s", flush=True)
    return url


# --- Measuring (in a child process with the portal's settings) -----------------------------------


def measure(explain: bool) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from credits.computation import credits_compute
    from credits.models import CreditLine, UsageRow
    from credits.selectors import usage
    from seasons.models import Season

    season = Season.objects.current()
    result = {"rows": UsageRow.objects.count()}

    def bare(fetch: bool) -> float:
        with connection.cursor() as cursor:
            started = time.perf_counter()
            if fetch:
                cursor.execute(BARE_AGGREGATE)
                result["bare_groups"] = len(cursor.fetchall())
            else:
                cursor.execute(f"SELECT count(*) FROM ({BARE_AGGREGATE}) a")
                cursor.fetchone()
            return time.perf_counter() - started

    bare(False)  # warm the cache: every timing below reads the same pages from memory
    result["bare_server"] = [bare(False), bare(False)]
    result["bare_fetched"] = bare(True)

    CreditLine.objects.filter(season=season).delete()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        summary = credits_compute(season=season)
        result["compute_first"] = time.perf_counter() - started
    result["queries_first"] = len(queries)
    result["summary_first"] = str(summary)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        summary = credits_compute(season=season)
        result["compute_repeat"] = time.perf_counter() - started
    result["queries_repeat"] = len(queries)
    result["summary_repeat"] = str(summary)
    result["changed_on_repeat"] = summary.changed

    started = time.perf_counter()
    facts = usage.usage_facts(season_id=season.pk)
    result["facts_query"] = time.perf_counter() - started
    result["facts_rows"] = len(facts.subscriptions) + len(facts.groups) + len(facts.customers)
    if explain:
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS) " + usage._facts_sql(tenant_only=False),
                {"season": season.pk, "tenant": None},
            )
            result["plan"] = "\n".join(r[0] for r in cursor.fetchall())
    return result


def run_measure(url: str, explain: bool) -> dict:
    args = [sys.executable, __file__, "--measure"] + (["--explain"] if explain else [])
    proc = subprocess.run(
        args,
        cwd=ROOT,
        env=portal_env(url, CELERY_EAGER="1"),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.explain)))
        return
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (any database on it).")
    runs = [("full", args.partners, args.customers, args.rows, args.database)]
    small = args.small_partners
    runs.append(
        (
            "small",
            small,
            max(small, args.customers * small // args.partners),
            max(small * 10, args.rows * small // args.partners),
            f"{args.database}_small",
        )
    )
    results = {}
    for label, partners, customers, rows, name in runs:
        print(f"{label}: {partners:,} partners, {customers:,} customers, {rows:,} rows", flush=True)
        url = build(base, name, partners, customers, rows, args.reuse)
        results[label] = {
            "partners": partners,
            **run_measure(url, args.explain and label == "full"),
        }

    full, small_run = results["full"], results["small"]
    bare = min(full["bare_server"])
    print()
    print(f"usage rows:                         {full['rows']:>14,}")
    print(f"bare aggregate (server, best of 2): {bare:>12.2f} s   ({full['bare_groups']:,} groups)")
    print(f"bare aggregate fetched to Python:   {full['bare_fetched']:>12.2f} s")
    print(f"compute_credits, first run:         {full['compute_first']:>12.2f} s")
    print(f"compute_credits, repeat (no change):{full['compute_repeat']:>12.2f} s")
    print(
        f"the facts query alone (one SQL):    {full['facts_query']:>12.2f} s   "
        f"({full['facts_rows']:,} aggregate rows)"
    )
    print(
        f"ratio first run / bare aggregate:   {full['compute_first'] / bare:>12.2f}   (target <= 2)"
    )
    print(f"ratio repeat / bare aggregate:      {full['compute_repeat'] / bare:>12.2f}")
    print(f"  {full['summary_first']}")
    print(f"  repeat: {full['summary_repeat']}")
    print(
        f"SQL queries: {full['partners']:,} partners: first {full['queries_first']}, repeat "
        f"{full['queries_repeat']}; {small_run['partners']:,} partners: first "
        f"{small_run['queries_first']}, repeat {small_run['queries_repeat']}"
    )
    same = (full["queries_first"], full["queries_repeat"]) == (
        small_run["queries_first"],
        small_run["queries_repeat"],
    )
    print(f"query count independent of the number of partners: {'yes' if same else 'NO'}")
    if full.get("plan"):
        print()
        print(full["plan"])


if __name__ == "__main__":
    main()
