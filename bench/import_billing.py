#!/usr/bin/env python
"""Benchmark of the billing import against a bare `psql \\copy` of the same file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/import_billing.py --rows 1000000 [--partners 1000]

In one run, for each size asked for (`--rows 1000000,5000000`; a size above 1M also measures 1M as
the baseline of the memory growth):

1. generates a realistic Partner Center daily rated usage file: the 55 columns of SPEC section 6,
   one month, many partners, end customers, subscriptions, meters and days; ~10 % of the rows
   belong to resellers outside the league and ~1 % have no Tier2MpnId;
2. times the portal's import: `manage.py import_billing FILE --no-compute` in a subprocess (the
   CLI path: Django start, sha256 of the file, streaming parse and validation, COPY into the
   staging table, the one transaction that replaces and inserts the rows), with its peak RSS
   from wait4();
3. times a bare `psql \\copy` of the same file into an UNLOGGED table of 55 text columns;
4. prints the ratio and the peak RSS, and the RSS growth from the smallest to the largest size.

It works in its own database (`--database`, default league_bench: dropped and created anew,
migrated, seeded with an approved partner per `--partners`) and writes the files to `--workdir`
(about 1 GB per million rows; `--keep-files` keeps them for the next run).
Targets (issue 4): import <= 3x the bare COPY; peak RSS < 300 MB at 1M rows, growing < 20 % to 5M.
"""

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import database_url, portal_env  # noqa: E402

MONTH = date(2024, 10, 1)
DAYS = 31
SEASON_SLUG = "2024-25"


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--rows",
        default="1000000",
        help="rows per file; several sizes comma-separated (default 1000000)",
    )
    parser.add_argument("--partners", type=int, default=1000, help="league partners (default 1000)")
    parser.add_argument("--database", default="league_bench")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/league-bench"))
    parser.add_argument("--keep-files", action="store_true", help="keep (and reuse) the files")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--without-usage-fks",
        action="store_true",
        help="drop the foreign-key constraints of credits_usagerow and its single-column "
        "season_id index in the bench database, to measure that proposal",
    )
    return parser.parse_args()


def psql(url: str, *args: str, capture=False) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", *args],
        check=True,
        capture_output=capture,
        text=True,
        env={**os.environ, "PGOPTIONS": "--client-min-messages=warning"},
    )


def create_database(base_url: str, name: str) -> str:
    admin = database_url(base_url, "postgres")
    psql(admin, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(admin, "-c", f"CREATE DATABASE {name}")
    url = database_url(base_url, name)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=portal_env(url, LOG_LEVEL="INFO"),
        check=True,
    )
    return url


def seed_partners(url: str, partners: int) -> list[str]:
    """Approved partners of the season, created in a subprocess with the portal's models."""
    code = f"""
import django
django.setup()
from seasons.models import Season
from partners.models import Partner
from django.utils import timezone
season = Season.objects.get(slug={SEASON_SLUG!r})
now = timezone.now()
Partner.objects.bulk_create(
    Partner(season=season, status="approved", name=f"Bench Reseller {{i}} GmbH",
            customer_number=f"DE{{300000 + i}}", partner_id=str(7_000_000 + i),
            pseudonym_number=i + 1, reviewed_at=now, terms_accepted_at=now)
    for i in range({partners})
)
print(Partner.objects.filter(season=season, status="approved").count())
"""
    env = portal_env(url, LOG_LEVEL="INFO")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    return [str(7_000_000 + i) for i in range(partners)]


def drop_usage_fks(url: str) -> None:
    """What `db_constraint=False` on UsageRow's three foreign keys (and `db_index=False` on its
    season, which both composite indexes lead with) would do to the table."""
    sql = """
    DO $$
    DECLARE r record;
    BEGIN
      FOR r IN SELECT conname FROM pg_constraint
               WHERE conrelid = 'credits_usagerow'::regclass AND contype = 'f' LOOP
        EXECUTE format('ALTER TABLE credits_usagerow DROP CONSTRAINT %I', r.conname);
      END LOOP;
      FOR r IN SELECT indexrelid::regclass::text AS name FROM pg_index i
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
               WHERE i.indrelid = 'credits_usagerow'::regclass AND i.indnatts = 1
                 AND a.attname = 'season_id' LOOP
        EXECUTE format('DROP INDEX %s', r.name);
      END LOOP;
    END $$;
    """
    psql(url, "-c", sql)
    print("  credits_usagerow: foreign-key constraints and the season_id index dropped", flush=True)


def generate(path: Path, rows: int, league_ids: list[str], seed: int) -> None:
    """A month's file: customers x subscriptions x meters x days, until `rows` rows."""
    from credits.demo import COLUMNS, METERS, REGIONS, usage_row

    rng = random.Random(seed)
    i_date = COLUMNS.index("UsageDate")
    i_quantity = COLUMNS.index("Quantity")
    i_total = COLUMNS.index("BillingPreTaxTotal")
    i_usd = COLUMNS.index("PricingPreTaxTotal")
    outsiders = [str(6_000_000 + i) for i in range(max(10, len(league_ids) // 10))]
    days = [(MONTH + timedelta(days=d)).isoformat() for d in range(DAYS)]
    written = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        customer_number = 0
        while written < rows:
            customer_number += 1
            draw = rng.random()
            reseller = (
                ""
                if draw < 0.01
                else rng.choice(outsiders)
                if draw < 0.10
                else rng.choice(league_ids)
            )
            tenant = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            trade = rng.choice(("Autohaus", "Kanzlei", "Praxis", "Logistik", "Bäckerei"))
            name = f"{trade} {customer_number} GmbH"
            domain = f"kunde{customer_number}.de"
            for _subscription in range(rng.randint(1, 3)):
                entitlement = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                billing_sub = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                for meter in rng.sample(METERS, rng.randint(2, 6)):
                    template = usage_row(
                        reseller_id=reseller,
                        customer_id=tenant,
                        customer_name=name,
                        customer_domain=domain,
                        subscription_id=billing_sub,
                        entitlement_id=entitlement,
                        meter=meter,
                        day=MONTH,
                        quantity=meter.daily_units[0],
                        invoice=f"G24{rng.randrange(10**8):08d}",
                        region=rng.choice(REGIONS),
                    )
                    price = float(meter.price_eur)
                    low, high = meter.daily_units
                    for day in days:
                        quantity = rng.uniform(low, high)
                        total = quantity * price
                        template[i_date] = day
                        template[i_quantity] = f"{quantity:.6f}"
                        template[i_total] = f"{total:.8f}"
                        template[i_usd] = f"{total * 1.0842:.8f}"
                        writer.writerow(template)
                        written += 1
                        if written >= rows:
                            return


def measure_import(url: str, path: Path) -> tuple[float, int, str]:
    """The import in a child process; its peak RSS from wait4(), its wall time."""
    env = portal_env(url, LOG_LEVEL="INFO")
    cmd = [sys.executable, "manage.py", "import_billing", str(path), "--no-compute"]
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # Small outputs: reading them after the exit cannot block.
    _pid, status, rusage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.stderr.write(out + err)
        raise SystemExit(f"import_billing failed with exit code {proc.returncode}")
    phases = [line for line in err.splitlines() if line.startswith("billing import")]
    return elapsed, rusage.ru_maxrss * 1024, (out.strip() + "\n" + "\n".join(phases)).strip()


def measure_copy(url: str, path: Path) -> float:
    from credits.demo import COLUMNS

    columns = ", ".join(f'"{c}" text' for c in COLUMNS)
    psql(url, "-c", "DROP TABLE IF EXISTS bench_raw")
    psql(url, "-c", f"CREATE UNLOGGED TABLE bench_raw ({columns})")
    psql(url, "-c", "CHECKPOINT")
    started = time.perf_counter()
    psql(url, "-c", f"\\copy bench_raw FROM '{path}' WITH (FORMAT csv, HEADER true)")
    elapsed = time.perf_counter() - started
    psql(url, "-c", "DROP TABLE bench_raw")
    return elapsed


def reset(url: str) -> None:
    psql(
        url,
        "-c",
        "TRUNCATE credits_usagerow, credits_billedmonth, credits_billingimport CASCADE",
        "-c",
        "VACUUM ANALYZE",
        "-c",
        "CHECKPOINT",
    )


def main():
    args = parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (the database is not touched)")
    if not shutil.which("psql"):
        raise SystemExit("psql is needed for the bare COPY")
    sizes = sorted({int(n.replace("_", "")) for n in args.rows.split(",")})
    if sizes[-1] > 1_000_000 and 1_000_000 not in sizes:
        sizes.insert(0, 1_000_000)  # the baseline of the memory growth
    args.workdir.mkdir(parents=True, exist_ok=True)

    print(
        f"database {args.database}: create, migrate, seed {args.partners} partners ...", flush=True
    )
    url = create_database(base, args.database)
    league_ids = seed_partners(url, args.partners)
    if args.without_usage_fks:
        drop_usage_fks(url)

    results = []
    for rows in sizes:
        path = args.workdir / f"usage-{rows}.csv"
        if not (args.keep_files and path.exists()):
            print(f"{rows:,} rows: generating {path} ...", flush=True)
            started = time.perf_counter()
            generate(path, rows, league_ids, args.seed)
            print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
        size = path.stat().st_size
        # Read once so both contenders start from the page cache.
        subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)

        reset(url)
        print(f"{rows:,} rows: bare psql \\copy ...", flush=True)
        copy_s = measure_copy(url, path)
        reset(url)
        print(f"{rows:,} rows: manage.py import_billing ...", flush=True)
        import_s, rss, report = measure_import(url, path)
        print("  " + report.replace("\n", "\n  "), flush=True)
        results.append((rows, size, import_s, copy_s, rss))
        if not args.keep_files:
            path.unlink()

    print()
    copy_label = "\\copy"
    print(f"{'rows':>10} {'file':>9} {'import':>9} {copy_label:>9} {'ratio':>6} {'peak RSS':>9}")
    for rows, size, import_s, copy_s, rss in results:
        print(
            f"{rows:>10,} {size / 2**20:>7,.0f}MB {import_s:>8.1f}s {copy_s:>8.1f}s "
            f"{import_s / copy_s:>5.2f}x {rss / 2**20:>7.0f}MB"
        )
    ratio_ok = all(import_s <= 3 * copy_s for _r, _s, import_s, copy_s, _m in results)
    base_rss = (
        next(rss for rows, *_rest, rss in results if rows == 1_000_000)
        if any(r[0] == 1_000_000 for r in results)
        else None
    )
    print()
    print(f"target import <= 3x bare COPY: {'met' if ratio_ok else 'NOT met'}")
    if base_rss is not None:
        print(
            f"target peak RSS < 300 MB at 1M rows: "
            f"{'met' if base_rss < 300 * 2**20 else 'NOT met'} ({base_rss / 2**20:.0f} MB)"
        )
    if len(results) > 1:
        growth = results[-1][4] / results[0][4] - 1
        print(
            f"RSS growth {results[0][0]:,} -> {results[-1][0]:,} rows: {growth:+.1%} "
            f"(target < 20 %: {'met' if growth < 0.2 else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
