"""Running an import (SPEC section 6). Safe to run twice: `billing_import_run` claims the import
with a conditional UPDATE (pending → running, `lease.billing_import_claim`) and goes on only if it
changed one row, so a Celery retry or a second worker does nothing; the run writes only while it
holds its lease. It reads the stored file with the pure parser, hands the valid rows to the
writer (on a thread of its own on PostgreSQL) and records the outcome: "unchanged", "failed" with
the report (nothing stored), or — in the writer's one transaction — "succeeded"."""

import logging
import sys
import time
from pathlib import Path

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core import formatting
from core.errors import DomainError
from partners.models import Partner
from seasons.models import Season

from ..models import BillingImport
from .lease import Lease, LeaseLost, billing_import_claim
from .parser import FileRefused, Report, parse
from .report import errors_shown, refusal
from .unchanged import AlreadyImported, imported_before, league_digest
from .upload import billing_import_create, sha256_of
from .writer import Writer, WriterThread

logger = logging.getLogger(__name__)

# Store while reading on a thread of its own (PostgreSQL outside a caller's transaction).
THREADED_WRITER = True
SWITCH_INTERVAL = 0.0002  # seconds; see _run


def billing_import_file(
    *, path: Path | str, season: Season | None = None, user=None, compute: bool = True
) -> BillingImport:
    """The CLI's synchronous import: the same code as the Celery task, without Celery."""
    season = season or Season.objects.current()
    if season is None:
        raise DomainError(_("There is no season; create one first."))
    billing_import = billing_import_create(season=season, path=path, user=user, enqueue=False)
    return billing_import_run(import_id=billing_import.pk, compute=compute)


def _league(season_id: int) -> dict[str, int]:
    """The league as the import sees it: Tier2MpnId → partner pk of the approved partners."""
    return dict(
        Partner.objects.approved().filter(season_id=season_id).values_list("partner_id", "pk")
    )


def _mark_unchanged(lease: Lease, billing_import: BillingImport, original: BillingImport) -> None:
    lease.finish(
        status=BillingImport.Status.UNCHANGED,
        progress_bytes=billing_import.size_bytes,
        message=_(
            "Already imported: the same file was imported on %(date)s (import #%(id)s). "
            "Nothing changed."
        )
        % {
            "date": timezone.localtime(original.finished_at or original.created_at).strftime(
                "%d.%m.%Y %H:%M"
            ),
            "id": original.pk,
        },
    )


def _stored_file_changed(billing_import: BillingImport) -> bool:
    """A run started again reads the stored file anew: it must still be the uploaded one."""
    try:
        sha256, size = sha256_of(Path(billing_import.stored_path))
    except OSError:
        return False  # _run reports the unreadable file
    return (sha256, size) != (billing_import.sha256, billing_import.size_bytes)


def billing_import_run(*, import_id: int, compute: bool = True) -> BillingImport | None:
    """Import one recorded file. Safe to run twice: only the run that claims it does anything,
    and only while it holds its lease."""
    lease = billing_import_claim(import_id=import_id)
    if lease is None:
        logger.info("billing import %s: not pending, nothing to do", import_id)
        return BillingImport.objects.filter(pk=import_id).first()
    billing_import = BillingImport.objects.select_related("season").get(pk=import_id)
    try:
        league = _league(billing_import.season_id)
        original = imported_before(billing_import, league_digest(league))
        if original is not None:
            _mark_unchanged(lease, billing_import, original)
        elif lease.attempt > 1 and _stored_file_changed(billing_import):
            lease.finish(
                status=BillingImport.Status.FAILED,
                failure=BillingImport.Failure.FILE,
                message=_(
                    "The stored file is no longer the one uploaded; nothing was stored. Upload "
                    "the file again."
                ),
            )
        else:
            _run(billing_import, lease=lease, league=league, compute=compute)
    except LeaseLost:
        logger.warning(
            "billing import %s: attempt %s lost its lease (marked failed or started again); "
            "nothing of it was stored",
            import_id,
            lease.attempt,
        )
    except Exception:
        logger.exception("billing import %s failed", import_id)
        try:
            lease.finish(
                status=BillingImport.Status.FAILED,
                failure=BillingImport.Failure.ERROR,
                message=_("The import stopped with an internal error; nothing was stored."),
            )
        except Exception:  # the database itself may be gone; the log has the first error
            logger.exception("billing import %s: could not record the failure", import_id)
        raise
    return _refreshed(billing_import)


def _refreshed(billing_import: BillingImport) -> BillingImport:
    billing_import.refresh_from_db()
    return billing_import


def _run(
    billing_import: BillingImport, *, lease: Lease, league: dict[str, int], compute: bool
) -> None:
    size = billing_import.size_bytes
    try:
        f = open(billing_import.stored_path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        lease.finish(
            status=BillingImport.Status.FAILED,
            failure=BillingImport.Failure.ERROR,
            message=_("The stored file cannot be read: %(reason)s") % {"reason": exc.strerror},
        )
        return
    # A thread of its own only where a second connection can see what this one committed: not
    # inside a caller's transaction (the test suite), not on SQLite (one writer at a time).
    threaded = (
        THREADED_WRITER and connection.vendor == "postgresql" and not connection.in_atomic_block
    )
    writer = Writer(
        billing_import,
        lease=lease,
        league_digest=league_digest(league),
        compute=compute,
        immediate=threaded,
    )
    sink = WriterThread(writer, beat=lease.beat) if threaded else writer
    report = Report()

    def tick() -> None:
        # With a writer thread this runs outside its transaction: the browser sees it now.
        lease.renew(progress_bytes=min(f.tell(), size))

    started = time.monotonic()
    switch_interval = sys.getswitchinterval()
    if threaded:
        # The writer thread wakes for every 32 kB sent to PostgreSQL and then waits for the GIL
        # while this thread parses: at the default 5 ms per hand-over that wait, not the
        # database, would set the pace (a million rows: 34 s at 5 ms, 26 s at 0.2 ms).
        sys.setswitchinterval(SWITCH_INTERVAL)
    with f:
        try:
            sink.open()
            parsed = parse(
                f,
                league=league,
                season_id=billing_import.season_id,
                import_id=billing_import.pk,
                flush=sink.write,
                report=report,
                tick=tick,
            )
        except AlreadyImported as already:
            sink.rollback()
            _mark_unchanged(lease, billing_import, already.original)
            return
        except FileRefused as refused:
            sink.rollback()
            lease.finish(
                status=BillingImport.Status.FAILED,
                failure=BillingImport.Failure.FILE,
                progress_bytes=min(f.tell(), size),
                error_count=report.count,
                errors=errors_shown(report),
                message=refusal(refused),
            )
            return
        except BaseException:
            sink.rollback()
            raise
        finally:
            sys.setswitchinterval(switch_interval)
    if report.count:
        sink.rollback()
        lease.finish(
            status=BillingImport.Status.FAILED,
            failure=BillingImport.Failure.FILE,
            progress_bytes=size,
            rows_total=parsed.rows_total,
            error_count=report.count,
            errors=errors_shown(report),
            months=sorted(m[:7] for m in parsed.months),
            message=_(
                "%(count)s error(s) in %(rows)s row(s): nothing was imported. Correct the "
                "file and upload it again."
            )
            % {
                "count": formatting.number(report.count),
                "rows": formatting.number(parsed.rows_total),
            },
        )
        return
    read = time.monotonic()
    try:
        lease.renew(progress_bytes=size)  # "Storing the rows …"
        sink.commit(parsed)
    except AlreadyImported as already:
        _mark_unchanged(lease, billing_import, already.original)
    except BaseException:
        sink.rollback()
        raise
    logger.info(
        "billing import %s: read %s rows (%s kept) in %.1f s, stored %s more s after the last",
        billing_import.pk,
        parsed.rows_total,
        parsed.rows_kept,
        read - started,
        f"{time.monotonic() - read:.1f}",
    )
