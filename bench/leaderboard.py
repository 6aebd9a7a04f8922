#!/usr/bin/env python
"""Benchmark of the public league table through gunicorn against a trivial Django view and the
bare aggregate SQL behind it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/leaderboard.py [--partners 15000 --entries 200000]

In one run:

1. creates the database `--database` (default league_bench_lb: dropped, created, migrated) and
   seeds season 2024/25 with `--partners` approved partners in three leagues (2/3, 1/5, 2/15 of
   them: 10,000 / 3,000 / 2,000) with distinct pseudonym numbers, and exactly `--entries` ledger
   entries with the claims and end customers they need, written with COPY: grants of every
   claimable challenge of the catalogue (about 15 % `new_customer`), ~4 % of them revoked later,
   the first-customer bonus (and its removal when a partner's only new end customer is revoked);
   activity per partner is skewed (log-normal, 10 % never score), spread over the season;
2. starts gunicorn on 127.0.0.1 (a free port; `--workers` sync workers, DEBUG off) with
   `bench.settings`: the portal's settings and URLs plus `/bench/trivial/` (HttpResponse("ok"),
   same middleware) as the baseline; the cache is the Redis database `--redis-db` (default 12,
   flushed at the start; refused if it holds keys that are not the benchmark's);
3. drives wrk (`--threads`, `--connections`, `--duration`) against the trivial view,
   `/leaderboard/` (anonymous: the cached page) and `/leaderboard.json` (cached), each warmed
   first (one GET fills the cache, 2 s of wrk warm every worker), in `--rounds` interleaved
   rounds; prints the medians of requests/s and p95 latency, the ratio to the trivial view, and
   the gunicorn workers' CPU time per request (from /proc: steadier than requests/s when other
   processes share the machine; the load average is printed too);
4. cache misses, `--misses` times each, interleaved with the bare SQL: bump the biggest league's
   version (`league.leaderboard.league_bump`, what the signals do after a ledger entry commits)
   and time one GET of `/leaderboard/?league=<it>` end to end; time the SQL of
   `table_queryset(season, league)` run with psycopg and fetched completely. Then the same for
   `/leaderboard.json` after bumping every league of the season (`season_bump`: the JSON holds
   all three tables) against the SQL of `table_queryset(season, None)`;
5. stops gunicorn, drops the database (unless `--keep`), prints a summary.

Targets (issue 5): the cached page >= 60 % of the trivial view's requests/s (p95 reported); the
first render after a bump <= 3x the bare SQL.
"""

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import database_url, portal_env  # noqa: E402

SEASON_SLUG = "2024-25"
SEASON_START = datetime(2024, 9, 1, 7, 0, tzinfo=UTC)
SEASON_END = datetime(2025, 5, 31, 20, 0, tzinfo=UTC)
REVIEWS_FROM = datetime(2024, 6, 1, tzinfo=UTC)  # partners were approved in this span
REVIEWS_UNTIL = datetime(2024, 12, 31, tzinfo=UTC)
# (slug, name, share of the partners); the biggest first, so `/leaderboard/` opens with it.
LEAGUES = (
    ("regionalliga", "Regionalliga", 10),
    ("oberliga", "Oberliga", 3),
    ("bundesliga", "Bundesliga", 2),
)
# Claimable challenges and how often they are granted (first_customer_bonus is automatic).
MIX = {
    "sql_lead": 35,
    "sales_meeting": 20,
    "presales_sizing": 11,
    "new_customer": 15,
    "svc_security": 3,
    "svc_analytics_ai": 3,
    "svc_databases": 3,
    "svc_avd": 3,
    "academy": 7,
}
REVOKED = 0.04
INACTIVE = 0.10
CACHE_KEY_PREFIX = "league-bench"

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d bytes=%d status_errors=%d socket_errors=%d "
      .. "p50_us=%d p95_us=%d p99_us=%d max_us=%d\\n",
    summary.requests, summary.duration, summary.bytes, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=15_000)
    parser.add_argument("--entries", type=int, default=200_000, help="ledger entries (exact)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run (20)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections (50)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of the three wrk runs, interleaved; medians are reported (3)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--misses", type=int, default=15, help="cache misses timed per URL (15)")
    parser.add_argument("--database", default="league_bench_lb")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    parser.add_argument(
        "--redis-db",
        type=int,
        default=12,
        help="the Redis database of the run (12): the cache, also named as REDIS_URL (nothing "
        "uses the broker here); flushed at the start, refused if it holds other keys; never "
        "CI's 14 and 15",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args()


def redis_url(base: str, db: int) -> str:
    return urlunsplit(urlsplit(base)._replace(path=f"/{db}"))


def bench_env(url: str, redis_base: str, redis_db: int) -> dict:
    return portal_env(
        url,
        # One Redis database for everything: only the cache is used (no Celery task runs here).
        REDIS_URL=redis_url(redis_base, redis_db),
        REDIS_CACHE_URL=redis_url(redis_base, redis_db),
        CACHE_KEY_PREFIX=CACHE_KEY_PREFIX,
        DJANGO_SETTINGS_MODULE="bench.settings",
        LOG_LEVEL="WARNING",
        # WhiteNoise warns once per process that STATIC_ROOT was never collected; no view here
        # serves static files, and its per-request lookup costs the same either way.
        PYTHONWARNINGS="ignore:No directory at:UserWarning",
    )


def create_database(base_url: str, name: str, env: dict) -> str:
    import psycopg

    with psycopg.connect(database_url(base_url, "postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    return database_url(base_url, name)


def drop_database(base_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(database_url(base_url, "postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- Seeding ------------------------------------------------------------------------------------


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.uniform(0, max((end - start).total_seconds(), 1)))


def generate(partners: int, entries: int, challenges: dict, season_id: int, seed: int):
    """Partners, end customers, claims and ledger entries as rows for COPY (ids assigned here)."""
    rng = random.Random(seed)
    total_share = sum(share for _s, _n, share in LEAGUES)
    league_of = []
    for index, (_slug, _name, share) in enumerate(LEAGUES):
        count = partners * share // total_share if index else 0
        league_of += [index] * count
    league_of = [0] * (partners - len(league_of)) + league_of
    rng.shuffle(league_of)
    pseudonyms = rng.sample(range(100, 100 + 4 * partners), partners)

    partner_rows, reviewed = [], {}
    for pid in range(1, partners + 1):
        reviewed_at = _moment(rng, REVIEWS_FROM, REVIEWS_UNTIL)
        reviewed[pid] = reviewed_at
        partner_rows.append(
            (
                pid, "approved", f"Bench Reseller {pid} GmbH", f"DE{300000 + pid}",
                str(7_000_000 + pid), f"Teststraße {pid % 200 + 1}", f"{10000 + pid % 89999}",
                "Berlin", "DE", f"Kontakt {pid}", f"kontakt{pid}@reseller{pid}.example",
                "+49 30 1234567", pseudonyms[pid - 1], reviewed_at - timedelta(days=3), "",
                league_of[pid - 1], season_id, reviewed_at, reviewed_at - timedelta(days=3),
                reviewed_at - timedelta(days=3), reviewed_at - timedelta(days=3), "",
            )
        )  # fmt: skip

    cumulative, running = [], 0.0
    for _ in range(partners):
        running += 0.0 if rng.random() < INACTIVE else rng.lognormvariate(0, 1.0)
        cumulative.append(running)
    codes = list(MIX)
    code_weights = list(MIX.values())

    customers: list[tuple] = []
    customers_of: dict[int, list[int]] = {}
    used: set[tuple] = set()  # (partner, challenge code, customer): counted at most once
    academy: set[int] = set()
    claims: list[tuple] = []
    ledger: list[tuple] = []
    bonus_claim: dict[int, int] = {}  # partner -> the new_customer claim that got the bonus
    approved_new: dict[int, int] = {}
    last_revoke: dict[int, datetime] = {}
    due = [0]  # bonus removals owed: partners holding the bonus without an approved new customer

    def owes(pid: int) -> bool:
        return pid in bonus_claim and not approved_new.get(pid)

    def new_customer(pid: int, when: datetime) -> int:
        cid = len(customers) + 1
        tenant = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        customers.append(
            (cid, f"Kunde {cid} GmbH", tenant, f"kunde{cid}.example", "", "", when, pid, season_id)
        )
        customers_of.setdefault(pid, []).append(cid)
        return cid

    def entry(pid, code, claim_id, kind, points, when):
        challenge = challenges[code]
        ledger.append(
            (
                len(ledger) + 1, pid, season_id, challenge["id"], claim_id, kind, points,
                challenge["rule_de"], challenge["rule_en"], when,
            )
        )  # fmt: skip

    def grant(pid: int, code: str, revocable: bool) -> None:
        challenge = challenges[code]
        granted_at = _moment(rng, max(SEASON_START, reviewed[pid]), SEASON_END)
        submitted_at = granted_at - timedelta(hours=rng.uniform(2, 240))
        if challenge["per_partner"]:
            customer, count_key = None, "partner"
        else:
            pool = customers_of.get(pid, [])
            customer = None
            if code != "new_customer" and pool and rng.random() < 0.6:
                customer = rng.choice(pool)
                if (pid, code, customer) in used:
                    customer = None
            if customer is None:
                customer = new_customer(pid, submitted_at)
            used.add((pid, code, customer))
            count_key = f"customer:{customer}"
        revoked = revocable and rng.random() < REVOKED
        revoked_at = min(granted_at + timedelta(days=rng.uniform(0.5, 45)), SEASON_END)
        claim_id = len(claims) + 1
        claims.append(
            (
                claim_id, "revoked" if revoked else "approved", count_key,
                (submitted_at - timedelta(days=rng.randint(0, 14))).date(),
                "", "", True, True, True, True, "", "", "", "", submitted_at,
                revoked_at if revoked else granted_at,
                "Nachweis nicht ausreichend" if revoked else "", "", challenge["id"], customer,
                pid, season_id,
            )
        )  # fmt: skip
        entry(pid, code, claim_id, "grant", challenge["points"], granted_at)
        owed = owes(pid)
        if code == "new_customer":
            if pid not in bonus_claim:
                bonus_claim[pid] = claim_id
                bonus = challenges["first_customer_bonus"]
                entry(pid, "first_customer_bonus", claim_id, "bonus", bonus["points"], granted_at)
            approved_new[pid] = approved_new.get(pid, 0) + (0 if revoked else 1)
        if revoked:
            entry(pid, code, claim_id, "revoke", -challenge["points"], revoked_at)
            if code == "new_customer":
                last_revoke[pid] = max(revoked_at, last_revoke.get(pid, revoked_at))
        due[0] += owes(pid) - owed

    batch: list[int] = []
    # Each grant adds at most 3 entries (grant, bonus, revoke) and one bonus removal later.
    while len(ledger) + due[0] < entries - 4:
        if not batch:
            batch = rng.choices(range(1, partners + 1), cum_weights=cumulative, k=10_000)
        pid = batch.pop()
        code = rng.choices(codes, weights=code_weights)[0]
        if code == "academy" and pid in academy:
            code = "sql_lead"
        if code == "academy":
            academy.add(pid)
        grant(pid, code, revocable=True)
    while len(ledger) + due[0] < entries:  # single entries up to the exact count
        if not batch:
            batch = rng.choices(range(1, partners + 1), cum_weights=cumulative, k=10_000)
        grant(batch.pop(), "sql_lead", revocable=False)
    # The bonus is taken back (on the claim that granted it) when no approved new end customer
    # is left; with several, the real service may move it, which the table cannot tell apart.
    for pid, claim_id in bonus_claim.items():
        if not approved_new.get(pid):
            bonus = challenges["first_customer_bonus"]
            entry(
                pid, "first_customer_bonus", claim_id, "bonus_revoke", -bonus["points"],
                last_revoke[pid],
            )  # fmt: skip
    assert len(ledger) == entries, (len(ledger), entries)
    return partner_rows, customers, claims, ledger


def seed(url: str, partners: int, entries: int, seed_value: int) -> dict:
    import psycopg

    from challenges.services.ledger import rule_text
    from seasons.models import Season

    season = Season.objects.get(slug=SEASON_SLUG)
    challenges = {
        c.code: {
            "id": c.pk,
            "points": c.points,
            "per_partner": c.counted_at_most == "per_partner",
            "rule_de": rule_text(c, "de"),
            "rule_en": rule_text(c, "en"),
        }
        for c in season.challenges.all()
    }
    missing = set(MIX) - set(challenges)
    if missing:
        raise SystemExit(f"the season's catalogue lacks {sorted(missing)}")

    started = time.perf_counter()
    partner_rows, customers, claims, ledger = generate(
        partners, entries, challenges, season.pk, seed_value
    )
    generated = time.perf_counter() - started

    tables = {
        "partners_partner": (
            "id, status, name, customer_number, partner_id, street, postal_code, city, country, "
            "contact_name, contact_email, contact_phone, pseudonym_number, created_at, "
            "decision_reason, league_id, season_id, reviewed_at, terms_accepted_at, "
            "privacy_accepted_at, employer_approval_at, vat_id",
            partner_rows,
        ),
        "partners_endcustomer": (
            "id, name, tenant_id, domain, contact_name, contact_email, created_at, partner_id, "
            "season_id",
            customers,
        ),
        "challenges_claim": (
            "id, status, count_key, activity_date, distributor_contact, subscription_id, "
            "bant_budget, bant_authority, bant_need, bant_time, note, evidence, evidence_name, "
            "evidence_type, submitted_at, decided_at, reason, answer, challenge_id, customer_id, "
            "partner_id, season_id",
            claims,
        ),
        "challenges_ledgerentry": (
            "id, partner_id, season_id, challenge_id, claim_id, kind, points, rule_de, rule_en, "
            "created_at",
            ledger,
        ),
    }
    with psycopg.connect(url) as conn:
        league_ids = []
        for position, (slug, name, _share) in enumerate(LEAGUES):
            league_ids.append(
                conn.execute(
                    "INSERT INTO seasons_league (season_id, name, slug, criterion, position) "
                    "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                    [season.pk, name, slug, f"Bench: {name}", position],
                ).fetchone()[0]
            )
        # Column 15 holds the league's index in LEAGUES until now.
        partner_rows[:] = [(*row[:15], league_ids[row[15]], *row[16:]) for row in partner_rows]
        with conn.cursor() as cursor:
            for table, (columns, rows) in tables.items():
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        conn.commit()  # the deferred foreign-key checks run here
    copied = time.perf_counter() - started - generated
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    elapsed = time.perf_counter() - started
    kinds = {}
    for row in ledger:
        kinds[row[5]] = kinds.get(row[5], 0) + 1
    new_customer_id = challenges["new_customer"]["id"]
    return {
        "seconds": elapsed,
        "generate_seconds": generated,
        "copy_seconds": copied,
        "partners": len(partner_rows),
        "customers": len(customers),
        "claims": len(claims),
        "entries": len(ledger),
        "kinds": kinds,
        "new_customer_grants": sum(
            1 for row in ledger if row[3] == new_customer_id and row[5] == "grant"
        ),
        "league_sizes": [
            sum(1 for row in partner_rows if row[15] == league_id) for league_id in league_ids
        ],
    }


# --- gunicorn and wrk ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start_gunicorn(env: dict, workers: int, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [
        str(gunicorn), "config.wsgi:application", f"--bind=127.0.0.1:{port}",
        f"--workers={workers}", "--worker-class=sync", "--timeout=120", "--no-control-socket",
        f"--error-logfile={log}", "--log-level=warning",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {log}")
        try:
            if get(port, "/bench/trivial/", timeout=5)[0] == 200:
                return proc, port
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_gunicorn(proc)
            raise SystemExit(f"gunicorn did not answer within 60 s; see {log}")
        time.sleep(0.2)


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the arbiter stops its workers
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wrk(port: int, path: str, args, script: Path, duration: int | None = None) -> dict:
    cmd = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration or args.duration}s",
        "--timeout=30s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}{path}",
    ]  # fmt: skip
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    match = re.search(r"^WRK (.*)$", out, re.M)
    if not match:
        raise SystemExit(f"no figures from wrk:\n{out}")
    figures = {k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def worker_pids(arbiter: int) -> list[int]:
    """gunicorn's workers: the arbiter's children."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == arbiter:
            pids.append(int(stat.parent.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the processes so far (robust to other load on a shared machine)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def summarize(runs: list[dict], size: int) -> dict:
    """The median of the rounds (requests/s, p95, p99, worker CPU per request)."""
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "rps_all": [r["rps"] for r in runs],
        "p95_us": statistics.median(r["p95_us"] for r in runs),
        "p99_us": statistics.median(r["p99_us"] for r in runs),
        "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
        "errors": sum(r["status_errors"] + r["socket_errors"] for r in runs),
        "size": size,
    }


# --- Cache misses -------------------------------------------------------------------------------


def timed_get(port: int, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    status, body = get(port, path)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"GET {path}: HTTP {status}")
    return elapsed, len(body)


def timed_sql(conn, sql: str, params) -> tuple[float, int]:
    import psycopg

    started = time.perf_counter()
    with psycopg.ClientCursor(conn) as cursor:  # client-side binding, as Django's backend does
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)


def measure_misses(port: int, url: str, args, season, league, path: str, bump) -> dict:
    """`bump()` then one timed GET of `path`, interleaved with the bare SQL of the same table
    (`league` None: the whole season), `args.misses` times each."""
    import psycopg

    from league import leaderboard

    sql, params = leaderboard.table_queryset(season, league).query.sql_with_params()
    http_times, sql_times, orm_times = [], [], []
    with psycopg.connect(url, autocommit=True) as conn:
        _t, rows = timed_sql(conn, sql, params)  # warm-up, not counted
        for _ in range(args.misses):
            bump()
            elapsed, size = timed_get(port, path)
            http_times.append(elapsed)
            time.sleep(0.2)
            sql_times.append(timed_sql(conn, sql, params)[0])
            # The same query through the ORM in this process, for the breakdown.
            started = time.perf_counter()
            tuple(leaderboard.table_queryset(season, league))
            orm_times.append(time.perf_counter() - started)
            time.sleep(0.2)
    return {
        "http": statistics.median(http_times),
        "http_all": http_times,
        "sql": statistics.median(sql_times),
        "sql_all": sql_times,
        "orm": statistics.median(orm_times),
        "rows": rows,
        "bytes": size,
    }


# --- Main ---------------------------------------------------------------------------------------


def main():
    args = parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (any database on it).")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    if not 0 <= args.redis_db <= 13:
        raise SystemExit("--redis-db must be 0..13 (14 and 15 belong to CI)")
    import redis

    cache_redis = redis.Redis.from_url(redis_url(args.redis_url, args.redis_db))
    ours = f"{CACHE_KEY_PREFIX}:".encode()
    foreign = next((k for k in cache_redis.scan_iter(count=1000) if not k.startswith(ours)), None)
    if foreign is not None:
        raise SystemExit(
            f"Redis database {args.redis_db} holds keys that are not this benchmark's (e.g. "
            f"{foreign.decode(errors='replace')}): choose a free one with --redis-db"
        )
    cache_redis.flushdb()

    print(f"database {args.database}: create, migrate ...", flush=True)
    env = bench_env(database_url(base, args.database), args.redis_url, args.redis_db)
    url = create_database(base, args.database, env)
    os.environ.update(env)  # this process talks to the same database and cache as gunicorn

    import django

    django.setup()
    from django.conf import settings

    from league import leaderboard

    assert settings.CACHES["default"]["LOCATION"].endswith(f"/{args.redis_db}")

    print(f"seeding {args.partners:,} partners, {args.entries:,} ledger entries ...", flush=True)
    seeded = seed(url, args.partners, args.entries, args.seed)
    print(
        f"  seeded in {seeded['seconds']:.1f} s ({seeded['generate_seconds']:.1f} s generating in "
        f"Python, {seeded['copy_seconds']:.1f} s COPY and commit, the rest VACUUM ANALYZE): "
        f"leagues {' / '.join(f'{n:,}' for n in seeded['league_sizes'])}, "
        f"{seeded['customers']:,} end customers, {seeded['claims']:,} claims, "
        f"{seeded['entries']:,} entries {seeded['kinds']}",
        flush=True,
    )

    board = leaderboard.directory()
    season = board.season(SEASON_SLUG)
    biggest = season.leagues[0]
    script = Path(tempfile.mkstemp(prefix="league-bench-", suffix=".lua")[1])
    script.write_text(WRK_SCRIPT)
    log = Path(tempfile.gettempdir()) / "league-bench-gunicorn.log"
    load_before = os.getloadavg()
    proc, port = start_gunicorn(env, args.workers, log)
    print(f"gunicorn on 127.0.0.1:{port}, {args.workers} sync workers (log {log})", flush=True)
    try:
        urls = {
            "trivial view": "/bench/trivial/",
            "/leaderboard/ (cached)": "/leaderboard/",
            "/leaderboard.json (cached)": "/leaderboard.json",
        }
        sizes = {}
        for label, path in urls.items():
            status, body = get(port, path)  # fills the cache
            if status != 200:
                raise SystemExit(f"GET {path}: HTTP {status}")
            sizes[label] = len(body)
            wrk(port, path, args, script, duration=2)  # warms every worker
        workers = worker_pids(proc.pid)
        runs = {label: [] for label in urls}
        for round_number in range(1, args.rounds + 1):
            for label, path in urls.items():
                cpu = cpu_seconds(workers)
                figures = wrk(port, path, args, script)
                figures["cpu_ms"] = (cpu_seconds(workers) - cpu) * 1000 / figures["requests"]
                runs[label].append(figures)
                print(
                    f"  round {round_number} {label:28} {figures['rps']:>7,.0f} requests/s, p95 "
                    f"{figures['p95_us'] / 1000:6.1f} ms, worker CPU {figures['cpu_ms']:.2f} ms"
                    f"/request, errors {figures['status_errors']} HTTP / "
                    f"{figures['socket_errors']} socket",
                    flush=True,
                )
        results = {label: summarize(figures, sizes[label]) for label, figures in runs.items()}

        print(f"cache misses of /leaderboard/?league={biggest.slug}: {args.misses} ...", flush=True)
        page_miss = measure_misses(
            port, url, args, season, biggest.id, f"/leaderboard/?league={biggest.slug}",
            lambda: leaderboard.league_bump(season.id, biggest.id),
        )  # fmt: skip
        print(f"cache misses of /leaderboard.json: {args.misses} ...", flush=True)
        json_miss = measure_misses(
            port, url, args, season, None, "/leaderboard.json",
            lambda: leaderboard.season_bump(season.id),
        )  # fmt: skip
    finally:
        stop_gunicorn(proc)
        script.unlink()
        if not args.keep:
            drop_database(base, args.database)
            cache_redis.flushdb()

    load_after = os.getloadavg()
    trivial = results["trivial view"]["rps"]
    page = results["/leaderboard/ (cached)"]
    page_ratio = page["rps"] / trivial
    miss_ratio = page_miss["http"] / page_miss["sql"]
    print()
    print(
        f"=== bench/leaderboard.py {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, "
        f"{os.cpu_count()} cores "
        f"(load average {load_before[0]:.1f} before, {load_after[0]:.1f} after); gunicorn "
        f"{args.workers} sync workers; wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s x {args.rounds} rounds"
    )
    print(
        f"data: {seeded['partners']:,} approved partners (leagues "
        f"{' / '.join(f'{n:,}' for n in seeded['league_sizes'])}), {seeded['entries']:,} ledger "
        f"entries ({', '.join(f'{k} {v:,}' for k, v in sorted(seeded['kinds'].items()))}; "
        f"{seeded['new_customer_grants']:,} new_customer grants), {seeded['claims']:,} claims, "
        f"{seeded['customers']:,} end customers; seeded in {seeded['seconds']:.1f} s"
    )
    print(
        f"{'median of the rounds':28} {'requests/s':>11} {'ratio':>6} {'p95':>9} {'p99':>9} "
        f"{'CPU/req':>9} {'body':>10}  requests/s per round"
    )
    for label, figures in results.items():
        print(
            f"{label:28} {figures['rps']:>11,.0f} {figures['rps'] / trivial:>6.0%} "
            f"{figures['p95_us'] / 1000:>7.1f}ms {figures['p99_us'] / 1000:>7.1f}ms "
            f"{figures['cpu_ms']:>7.2f}ms {figures['size']:>9,}B  "
            f"{' / '.join(f'{rps:,.0f}' for rps in figures['rps_all'])}"
        )
    errors = sum(figures["errors"] for figures in results.values())
    if errors:
        print(f"wrk counted {errors} errors (HTTP >= 400 or socket)")
    for label, miss in (
        (f"/leaderboard/?league={biggest.slug} after a league bump", page_miss),
        ("/leaderboard.json after a season bump", json_miss),
    ):
        print(
            f"{label}: median {miss['http'] * 1000:.1f} ms (min {min(miss['http_all']) * 1000:.1f}"
            f", max {max(miss['http_all']) * 1000:.1f}; {miss['bytes']:,} B); bare SQL median "
            f"{miss['sql'] * 1000:.1f} ms ({miss['rows']:,} rows): {miss['http'] / miss['sql']:.2f}"
            f"x; the same query through the ORM {miss['orm'] * 1000:.1f} ms"
        )
    print()
    print(
        f"target cached page >= 60 % of the trivial view's requests/s: "
        f"{'met' if page_ratio >= 0.6 else 'NOT met'} ({page_ratio:.0%}; p95 "
        f"{page['p95_us'] / 1000:.1f} ms against {results['trivial view']['p95_us'] / 1000:.1f} ms)"
    )
    print(
        f"target first render after a bump <= 3x the bare SQL: "
        f"{'met' if miss_ratio <= 3 else 'NOT met'} ({miss_ratio:.2f}x)"
    )
    if args.keep:
        print(f"database {args.database} kept (cache: Redis database {args.redis_db})")


if __name__ == "__main__":
    main()
