"""The dead worker for real (issue 9): a Celery worker process imports a big billing file and is
killed with SIGKILL half-way. Its lease runs out, the import is marked failed (never left
"running"), nothing of it is stored, and staff start it again: the whole file is imported.

Needs PostgreSQL and Redis (the broker). The worker runs with
a 2-second lease (BILLING_IMPORT_LEASE_SECONDS) on a queue of its own, so nothing else consumes the
message it leaves unacknowledged; the test removes that message from Redis afterwards.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery import current_app
from django.db import connection
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from credits import jobs
from credits.billing_import.lease import billing_import_reap_expired
from credits.billing_import.upload import billing_import_create
from credits.models import BilledMonth, BillingImport, UsageRow
from tests.factories import PartnerFactory

pytestmark = pytest.mark.skipif(
    not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")),
    reason="needs a real Celery worker: Redis (REDIS_URL) and PostgreSQL",
)

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2  # seconds: the test waits seconds, not minutes
ROWS = 800_000  # enough for the worker to read for a few seconds on a quiet machine
HEADER = (
    "Tier2MpnId,CustomerId,CustomerName,EntitlementId,MeterCategory,UsageDate,"
    "BillingPreTaxTotal,BillingCurrency,PricingPreTaxTotal,PricingCurrency\n"
)


def write_usage_file(path: Path) -> tuple[int, Decimal]:
    """A month of usage: every tenth row a reseller outside the league (in GBP). Returns the
    rows and the total the league partner's rows must add up to."""
    customers = [f"{i:08x}-d9cb-469f-a165-70867728950e" for i in range(50)]
    kept, cents = 0, 0
    with open(path, "w") as f:
        f.write(HEADER)
        lines = []
        for i in range(ROWS):
            euros, hundredths = i % 997, i % 89
            if i % 10:
                tier2, currency = "1111111", "EUR"
                kept += 1
                cents += euros * 100 + hundredths
            else:
                tier2, currency = "9999999", "GBP"
            lines.append(
                f"{tier2},{customers[i % 50]},Kunde {i % 50} GmbH,{customers[i * 7 % 50]},"
                f"SQL Database,2024-10-{1 + i % 31:02d},{euros}.{hundredths:02d},{currency},"
                f"{i % 991}.5,USD\n"
            )
            if len(lines) == 10_000:
                f.write("".join(lines))
                lines = []
        f.write("".join(lines))
    return kept, Decimal(cents) / 100


def _test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def start_worker(queue: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "BILLING_IMPORT_LEASE_SECONDS": str(LEASE),
        "DJANGO_ENV": "test",
        "CELERY_EAGER": "0",
        "DATABASE_URL": _test_database_url(),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with open(log, "wb") as out:
        return subprocess.Popen(
            [*command, "-l", "INFO"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def forget_unacked(queue: str) -> None:
    """The killed worker's message waits in Redis to be redelivered (after an hour) to a queue
    nobody consumes: remove it and the queue."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for tag, payload in client.hgetall("unacked").items():
        _message, _exchange, routing_key = json.loads(payload)
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    for key in client.scan_iter(match=f"*{queue}*"):  # the queue and its bindings
        client.delete(key)


def wait_for(what: str, condition, timeout: float, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    pytest.fail(f"timed out waiting for {what}; worker log:\n{tail}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_is_marked_failed_and_the_import_starts_again_fully(
    staff_client, season, tmp_path, monkeypatch
):
    from config.celery import app
    from credits.tasks import billing_import_run_task

    monkeypatch.setattr(current_app.tasks[jobs.CREDITS_COMPUTE], "delay", lambda **kw: None)
    alpha = PartnerFactory(season=season, partner_id="1111111")
    path = tmp_path / "oktober.csv"
    kept, total = write_usage_file(path)
    billing_import = billing_import_create(season=season, path=path, enqueue=False)
    queue = f"billing-import-kill-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    worker = start_worker(queue, log)
    try:
        eager, app.conf.task_always_eager = app.conf.task_always_eager, False
        try:
            billing_import_run_task.apply_async(
                kwargs={"import_id": billing_import.pk}, queue=queue
            )
        finally:
            app.conf.task_always_eager = eager

        def state():
            return BillingImport.objects.values(
                "status", "progress_bytes", "started_at", "lease_expires_at"
            ).get(pk=billing_import.pk)

        def claimed():
            now = state()
            return now if now["status"] == "running" else None

        first = wait_for("the worker to claim the import", claimed, 60, log)

        def past_its_first_lease():
            now = claimed()
            if now and timezone.now() - now["started_at"] > timedelta(seconds=LEASE + 0.5):
                return now
            return None

        # Past the lease it was claimed with, still reading: it lives on renewed leases, and the
        # reaper leaves it alone.
        alive = wait_for("the worker to read past its first lease", past_its_first_lease, 60, log)
        assert 0 < alive["progress_bytes"] < billing_import.size_bytes, "read it all already?"
        assert alive["lease_expires_at"] > first["lease_expires_at"]
        assert billing_import_reap_expired() == []

        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        killed_at = timezone.now()
        dead = state()
        assert dead["status"] == "running"
        assert dead["progress_bytes"] < billing_import.size_bytes  # half-way, not committing

        # Within the lease (plus a poll) the reaper finds it dead; until then it leaves it.
        wait_for("the lease to run out", lambda: billing_import_reap_expired(), LEASE + 10, log)
        assert timezone.now() - killed_at < timedelta(seconds=LEASE + 5)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        forget_unacked(queue)

    billing_import.refresh_from_db()
    assert billing_import.status == BillingImport.Status.FAILED
    assert billing_import.failure == BillingImport.Failure.WORKER
    assert not UsageRow.objects.exists()  # the killed transaction took its rows with it
    assert not BilledMonth.objects.exists()

    staff_client.cookies["django_language"] = "en"
    detail = reverse("credits:staff-billing-import", kwargs={"pk": billing_import.pk})
    restart = reverse("credits:staff-billing-restart", kwargs={"pk": billing_import.pk})
    page = staff_client.get(detail).content.decode()
    assert "The import was interrupted; nothing was stored." in page and restart in page
    response = staff_client.post(
        restart, follow=True
    )  # the task runs in-process here (CELERY_EAGER), the writer on a thread of its own

    assert response.redirect_chain == [(detail, 302)]
    billing_import.refresh_from_db()
    assert (billing_import.status, billing_import.attempt) == ("succeeded", 2)
    assert (billing_import.rows_total, billing_import.rows_stored) == (ROWS, kept)
    assert billing_import.rows_skipped == ROWS - kept
    rows = UsageRow.objects.filter(partner=alpha, billing_import=billing_import)
    assert rows.count() == UsageRow.objects.count() == kept
    assert rows.aggregate(total=Sum("billing_total"))["total"] == total
    assert list(BilledMonth.objects.values_list("month__month", "billing_import")) == [
        (10, billing_import.pk)
    ]
