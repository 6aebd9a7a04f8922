"""The lease of a running billing import (SPEC section 6): an import whose worker died is marked
failed within minutes, never left "running", and staff can start it again.

- A run claims its import with a conditional UPDATE (pending → running) that counts `attempt` up:
  the run's fencing token. Every later write of the run (progress, the report, the final status
  in the transaction that stores the rows) is conditional on (attempt, running), so a run that
  was given up can never write again, let alone commit its rows.
- The run renews `lease_expires_at` (database time + the lease) with its progress, every
  PROGRESS_EVERY_LINES lines read, and every quarter lease while it waits for the database.
- `billing_import_reap_expired` (a Celery beat task, and the staff pages when they are opened)
  marks running imports whose lease has passed failed: "the worker stopped; start it again".
- `billing_import_restart` (staff) puts such an import back to pending and enqueues it again; the
  stored file is read anew, and a run that is not the first checks its SHA-256 first.
"""

import logging
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError

from .models import BillingImport

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120  # setting BILLING_IMPORT_LEASE_SECONDS; the beat reaps every minute


def lease_duration() -> timedelta:
    return timedelta(seconds=getattr(settings, "BILLING_IMPORT_LEASE_SECONDS", LEASE_SECONDS))


class LeaseLost(Exception):
    """The import is not this run's any more: it was marked failed, or started again."""


class Lease:
    """A claimed run of one import: renews its lease and writes only while the import is its."""

    def __init__(self, import_id: int, attempt: int):
        self.import_id = import_id
        self.attempt = attempt
        self.duration = lease_duration()
        self.renew_every = self.duration.total_seconds() / 4
        self.renewed = time.monotonic()

    def mine(self):
        """The import, if it is still this run's: every write of the run goes through it."""
        return BillingImport.objects.filter(
            pk=self.import_id, attempt=self.attempt, status=BillingImport.Status.RUNNING
        )

    def renew(self, **fields) -> None:
        """Extend the lease and write `fields` (the progress); LeaseLost if it is not ours."""
        if not self.mine().update(lease_expires_at=Now() + self.duration, **fields):
            raise LeaseLost
        self.renewed = time.monotonic()

    def beat(self) -> None:
        """While waiting (for the writer, for another import's lock): renew when due."""
        if time.monotonic() - self.renewed >= self.renew_every:
            self.renew()

    def finish(self, **fields) -> bool:
        """The run's last word on its import outside the rows' transaction. False (and nothing
        written) if the import is not this run's any more."""
        fields.setdefault("finished_at", timezone.now())
        done = bool(self.mine().update(lease_expires_at=None, **fields))
        if not done:
            logger.warning(
                "billing import %s: attempt %s lost its lease; its result is dropped",
                self.import_id,
                self.attempt,
            )
        return done


def billing_import_claim(*, import_id: int) -> Lease | None:
    """pending → running with a new attempt number; None if the import is not pending (a Celery
    retry, a second worker, an import that already ran or failed)."""
    with transaction.atomic():
        claimed = BillingImport.objects.filter(
            pk=import_id, status=BillingImport.Status.PENDING
        ).update(
            status=BillingImport.Status.RUNNING,
            attempt=F("attempt") + 1,
            started_at=timezone.now(),
            finished_at=None,
            progress_bytes=0,
            lease_expires_at=Now() + lease_duration(),
        )
        if not claimed:
            return None
        # The UPDATE holds the row until commit: nobody changes the attempt in between.
        attempt = BillingImport.objects.values_list("attempt", flat=True).get(pk=import_id)
    return Lease(import_id, attempt)


def billing_import_reap_expired() -> list[int]:
    """Mark every running import whose lease has passed as failed (its worker stopped). Safe to
    run twice and beside live imports: an import whose rows are being committed right now is
    locked and skipped, and a run that comes back later is fenced off by its attempt."""
    now = timezone.now()
    duration = lease_duration()
    expired = Q(lease_expires_at__lt=Now()) | Q(
        # Claimed before leases existed: its start is the last sign of life.
        lease_expires_at__isnull=True,
        started_at__lt=now - duration,
    )
    reaped = []
    with transaction.atomic():
        stale = list(
            BillingImport.objects.filter(expired, status=BillingImport.Status.RUNNING)
            .select_for_update(skip_locked=True, no_key=True)
            .values_list("pk", "lease_expires_at", "started_at")
        )
        for pk, lease_expires_at, started_at in stale:
            last_sign = (
                max(lease_expires_at - duration, started_at) if lease_expires_at else started_at
            )
            shown = timezone.localtime(last_sign).strftime("%d.%m.%Y %H:%M")
            BillingImport.objects.filter(pk=pk, status=BillingImport.Status.RUNNING).update(
                status=BillingImport.Status.FAILED,
                failure=BillingImport.Failure.WORKER,
                lease_expires_at=None,
                finished_at=now,
                message=_(
                    "The worker stopped during the import (last sign of life: %(time)s). "
                    "Nothing was stored; start the import again."
                )
                % {"time": shown},
            )
            reaped.append(pk)
    for pk in reaped:
        logger.warning("billing import %s: its worker stopped; marked failed", pk)
    return reaped


def billing_import_restart(*, billing_import: BillingImport) -> BillingImport:
    """Staff start an interrupted import again with its stored file. A double click finds it
    pending already and changes nothing."""
    with transaction.atomic():
        # NO KEY: a given-up run's open transaction holds a key-share lock on the row (its rows
        # refer to it); staff need not wait for it, its commit is fenced anyway.
        locked = BillingImport.objects.select_for_update(no_key=True).get(pk=billing_import.pk)
        if locked.status in (BillingImport.Status.PENDING, BillingImport.Status.RUNNING):
            raise DomainError(_("The import is already waiting or running."))
        if not locked.can_restart:
            raise DomainError(
                _(
                    "Only an import whose worker stopped can be started again; a refused or "
                    "finished file is uploaded anew instead."
                )
            )
        if not locked.stored_path or not Path(locked.stored_path).is_file():
            raise DomainError(_("The stored file is gone; upload the file again."))
        BillingImport.objects.filter(pk=locked.pk).update(
            status=BillingImport.Status.PENDING,
            failure=BillingImport.Failure.NONE,
            message="",
            progress_bytes=0,
            rows_total=0,
            rows_stored=0,
            rows_skipped=0,
            error_count=0,
            errors=[],
            months=[],
            unclassified=[],
            started_at=None,
            finished_at=None,
            lease_expires_at=None,
        )
        from .tasks import billing_import_run_task

        billing_import_run_task.delay_on_commit(import_id=locked.pk)
    locked.refresh_from_db()
    return locked
