"""The lease of a running billing import (SPEC section 6): a run renews it while it works, an
expired one is marked failed, staff start it again, and a run that was given up never writes
again. The real thing, a worker killed with SIGKILL, is in test_import_worker.py."""

import os
import threading
from datetime import timedelta

import pytest
from celery import current_app
from django.db import connection
from django.utils import timezone, translation

from core.errors import DomainError
from credits import jobs
from credits.billing_import import parser, report
from credits.billing_import.lease import (
    Lease,
    billing_import_claim,
    billing_import_reap_expired,
    billing_import_restart,
)
from credits.billing_import.run import billing_import_run
from credits.billing_import.upload import billing_import_create
from credits.models import BillingImport, UsageRow, UsageSource
from credits.tasks import billing_import_reap_expired_task
from tests.credits.helpers.billing_files import csv_text, line, stored
from tests.factories import PartnerFactory, SeasonFactory

postgres_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the writer thread and a second connection need PostgreSQL",
)


@pytest.fixture(autouse=True)
def _private_media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):  # the report's messages are matched in English
        yield


@pytest.fixture(autouse=True)
def _no_credit_computation(monkeypatch):
    monkeypatch.setattr(current_app.tasks[jobs.CREDITS_COMPUTE], "delay", lambda **kw: None)


@pytest.fixture
def enqueued(monkeypatch):
    """The import tasks enqueued (instead of run at once)."""
    calls = []
    from credits.tasks import billing_import_run_task

    monkeypatch.setattr(billing_import_run_task, "delay", lambda **kw: calls.append(kw))
    return calls


def recorded(season, tmp_path, rows, name="usage.csv") -> BillingImport:
    path = tmp_path / name
    path.write_text(csv_text(rows))
    return billing_import_create(season=season, path=path, enqueue=False)


def expire(billing_import: BillingImport) -> None:
    BillingImport.objects.filter(pk=billing_import.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def interrupted(season, tmp_path, rows=None) -> BillingImport:
    """An import whose worker died: claimed, its lease run out, reaped."""
    billing_import = recorded(season, tmp_path, rows or [line("1111111")])
    billing_import_claim(import_id=billing_import.pk)
    expire(billing_import)
    assert billing_import_reap_expired() == [billing_import.pk]
    billing_import.refresh_from_db()
    return billing_import


@pytest.fixture
def alpha(season):
    return PartnerFactory(season=season, partner_id="1111111")


# --- The reaper ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_reaper_marks_only_running_imports_without_a_live_lease(season, alpha, tmp_path):
    waiting = recorded(season, tmp_path, [line("1111111")], name="waiting.csv")
    live = recorded(season, tmp_path, [line("1111111")], name="live.csv")
    billing_import_claim(import_id=live.pk)
    dead = recorded(season, tmp_path, [line("1111111")], name="dead.csv")
    billing_import_claim(import_id=dead.pk)
    expire(dead)
    # Claimed by a worker from before leases existed: its start is its last sign of life.
    old = recorded(season, tmp_path, [line("1111111")], name="old.csv")
    BillingImport.objects.filter(pk=old.pk).update(
        status=BillingImport.Status.RUNNING, started_at=timezone.now() - timedelta(minutes=3)
    )
    young = recorded(season, tmp_path, [line("1111111")], name="young.csv")
    BillingImport.objects.filter(pk=young.pk).update(
        status=BillingImport.Status.RUNNING, started_at=timezone.now()
    )
    done = billing_import_run(import_id=waiting.pk, compute=False)
    BillingImport.objects.filter(pk=done.pk).update(
        lease_expires_at=timezone.now() - timedelta(hours=1)
    )

    assert sorted(billing_import_reap_expired()) == sorted([dead.pk, old.pk])

    status = dict(BillingImport.objects.values_list("pk", "status"))
    assert status == {
        waiting.pk: "succeeded",
        live.pk: "running",
        dead.pk: "failed",
        old.pk: "failed",
        young.pk: "running",
    }
    dead.refresh_from_db()
    assert dead.failure == BillingImport.Failure.WORKER and dead.finished_at is not None
    assert "The worker stopped during the import" in dead.message


@pytest.mark.django_db
def test_the_beat_task_reaps(season, alpha, tmp_path):
    billing_import = recorded(season, tmp_path, [line("1111111")])
    billing_import_claim(import_id=billing_import.pk)
    expire(billing_import)

    billing_import_reap_expired_task.delay()

    billing_import.refresh_from_db()
    assert billing_import.status == BillingImport.Status.FAILED


def test_the_beat_schedule_runs_the_reaper_every_minute(settings):
    (entry,) = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == billing_import_reap_expired_task.name
    ]
    assert entry["schedule"] <= 60


@pytest.mark.django_db
def test_the_lease_lasts_as_long_as_the_setting_says(season, alpha, tmp_path, settings):
    settings.BILLING_IMPORT_LEASE_SECONDS = 600
    billing_import = recorded(season, tmp_path, [line("1111111")])
    before = timezone.now()

    billing_import_claim(import_id=billing_import.pk)

    billing_import.refresh_from_db()
    assert (
        before + timedelta(seconds=595)
        < billing_import.lease_expires_at
        < timezone.now() + timedelta(seconds=605)
    )


# --- Starting it again --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_double_click_on_start_again_enqueues_once(
    season, alpha, tmp_path, enqueued, django_capture_on_commit_callbacks
):
    billing_import = interrupted(season, tmp_path)

    with django_capture_on_commit_callbacks(execute=True):
        billing_import_restart(billing_import=billing_import)
    with pytest.raises(DomainError, match="already waiting or running"):
        with django_capture_on_commit_callbacks(execute=True):
            billing_import_restart(billing_import=billing_import)

    assert enqueued == [{"import_id": billing_import.pk}]
    billing_import.refresh_from_db()
    assert (billing_import.status, billing_import.failure, billing_import.message) == (
        "pending",
        "",
        "",
    )
    assert billing_import_run(import_id=billing_import.pk, compute=False).status == "succeeded"


@pytest.mark.django_db
def test_a_refused_or_finished_import_cannot_be_started_again(season, alpha, tmp_path, enqueued):
    refused = recorded(season, tmp_path, [line("1111111", currency="USD")], name="usd.csv")
    refused = billing_import_run(import_id=refused.pk, compute=False)
    assert refused.failure == BillingImport.Failure.FILE
    done = billing_import_run(
        import_id=recorded(season, tmp_path, [line("1111111")]).pk, compute=False
    )

    for billing_import in (refused, done):
        with pytest.raises(DomainError, match="Only an import whose worker stopped"):
            billing_import_restart(billing_import=billing_import)
    assert enqueued == []
    assert sorted(BillingImport.objects.values_list("status", flat=True)) == [
        "failed",
        "succeeded",
    ]


@pytest.mark.django_db
def test_an_import_without_its_stored_file_cannot_be_started_again(
    season, alpha, tmp_path, enqueued
):
    billing_import = interrupted(season, tmp_path)
    os.remove(billing_import.stored_path)

    with pytest.raises(DomainError, match="stored file is gone"):
        billing_import_restart(billing_import=billing_import)

    billing_import.refresh_from_db()
    assert billing_import.status == BillingImport.Status.FAILED and enqueued == []


@pytest.mark.django_db
def test_a_run_started_again_refuses_a_stored_file_that_changed(season, alpha, tmp_path, enqueued):
    billing_import = interrupted(season, tmp_path)
    billing_import_restart(billing_import=billing_import)
    with open(billing_import.stored_path, "a") as f:
        f.write(csv_text([line("1111111", amount="999")]).split("\r\n", 1)[1])

    result = billing_import_run(import_id=billing_import.pk, compute=False)

    assert result.status == BillingImport.Status.FAILED
    assert result.failure == BillingImport.Failure.FILE and not result.can_restart
    assert "no longer the one uploaded" in result.message
    assert not UsageRow.objects.exists()


# --- A run that was given up never writes again -------------------------------------------------


def _in_another_connection(work) -> None:
    """What another process (the reaper, staff, a second worker) does meanwhile, committed."""
    failures = []

    def run():
        try:
            work()
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "blocked by the run's transaction"
    assert not failures, failures


def _given_up(billing_import: BillingImport, how: str) -> None:
    expire(billing_import)
    assert billing_import_reap_expired() == [billing_import.pk]
    if how == "started again and claimed by another worker":
        billing_import_restart(billing_import=billing_import)
        assert billing_import_claim(import_id=billing_import.pk).attempt == 2


GIVEN_UP = ["marked failed", "started again and claimed by another worker"]


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", GIVEN_UP)
def test_a_run_given_up_while_it_commits_stores_nothing(tmp_path, monkeypatch, enqueued, how):
    """The fence: the reaper (and a new attempt) get in just before the run's final UPDATE,
    after its rows are copied and the old ones deleted in its transaction. It rolls back."""
    season = SeasonFactory()
    PartnerFactory(season=season, partner_id="1111111")
    earlier = billing_import_run(
        import_id=recorded(season, tmp_path, [line("1111111", amount="1")], "a.csv").pk,
        compute=False,
    )
    before = stored(season)
    sources = list(UsageSource.objects.values_list("partner_id", "month", "billing_import_id"))
    billing_import = recorded(
        season, tmp_path, [line("1111111", day=f"2024-10-{d:02d}") for d in range(1, 31)], "b.csv"
    )
    unclassified = report.unclassified_of

    def meanwhile(categories):
        _in_another_connection(lambda: _given_up(billing_import, how))
        return unclassified(categories)

    monkeypatch.setattr(report, "unclassified_of", meanwhile)

    billing_import_run(import_id=billing_import.pk, compute=False)

    assert stored(season) == before
    assert (
        list(UsageSource.objects.values_list("partner_id", "month", "billing_import_id")) == sources
    )
    assert sources == [(sources[0][0], sources[0][1], earlier.pk)]
    billing_import.refresh_from_db()
    if how == "marked failed":
        assert billing_import.status == BillingImport.Status.FAILED
        assert billing_import.failure == BillingImport.Failure.WORKER
    else:  # the new attempt's import: untouched by the old run
        assert (billing_import.status, billing_import.attempt) == ("running", 2)
        assert billing_import.message == "" and billing_import.rows_stored == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_run_given_up_while_it_reads_stops_and_stores_nothing(tmp_path, monkeypatch, enqueued):
    monkeypatch.setattr(parser, "PROGRESS_EVERY_LINES", 10)
    monkeypatch.setattr(parser, "BATCH_ROWS", 10)
    season = SeasonFactory()
    PartnerFactory(season=season, partner_id="1111111")
    billing_import = recorded(
        season, tmp_path, [line("1111111", day=f"2024-10-{1 + n % 28:02d}") for n in range(200)]
    )
    renew = Lease.renew
    renewals = []

    def renew_until_given_up(lease, **fields):
        renewals.append(fields)
        if len(renewals) == 3:
            _in_another_connection(lambda: _given_up(billing_import, "marked failed"))
        renew(lease, **fields)

    monkeypatch.setattr(Lease, "renew", renew_until_given_up)

    billing_import_run(import_id=billing_import.pk, compute=False)

    assert len(renewals) == 3  # it stopped at the lease it could not renew
    billing_import.refresh_from_db()
    assert billing_import.status == BillingImport.Status.FAILED
    assert billing_import.failure == BillingImport.Failure.WORKER
    assert billing_import.progress_bytes < billing_import.size_bytes
    assert not UsageRow.objects.exists() and not UsageSource.objects.exists()

    # Staff start it again: the whole file is imported.
    monkeypatch.setattr(Lease, "renew", renew)
    billing_import_restart(billing_import=billing_import)
    result = billing_import_run(import_id=billing_import.pk, compute=False)
    assert (result.status, result.attempt, result.rows_stored) == ("succeeded", 2, 200)
    assert UsageRow.objects.count() == 200
