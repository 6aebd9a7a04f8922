"""Celery tasks of the credits app: each is named after the one service it calls, takes ids and is
safe to run twice."""

from celery import shared_task

from seasons.models import Season

from .billing_import.lease import billing_import_reap_expired
from .billing_import.run import billing_import_run
from .computation import credits_compute
from .notes.rendering import credit_note_render


@shared_task(acks_late=True)
def billing_import_run_task(*, import_id: int) -> None:
    billing_import_run(import_id=import_id)


@shared_task
def billing_import_reap_expired_task() -> None:
    """Every minute (beat): imports whose worker died are marked failed."""
    billing_import_reap_expired()


@shared_task(acks_late=True)
def credits_compute_task(*, season_id: int) -> None:
    credits_compute(season=Season.objects.get(pk=season_id))


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def credit_note_render_task(*, note_id: int) -> None:
    credit_note_render(note_id=note_id)


# --- The names before issue 10 ------------------------------------------------------------------
# Messages queued under the old names when the renaming is deployed (a retry waiting for its
# countdown, a queue not yet drained) still run: each old name calls the same service. Remove
# them in the release after (docs/decisions.md, "Tasks").


@shared_task(name="credits.tasks.import_billing_task", acks_late=True)
def _import_billing_task_old_name(*, import_id: int) -> None:
    billing_import_run_task(import_id=import_id)


@shared_task(name="credits.tasks.compute_credits_task", acks_late=True)
def _compute_credits_task_old_name(*, season_id: int) -> None:
    credits_compute_task(season_id=season_id)


@shared_task(
    name="credits.tasks.render_credit_note_task",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
)
def _render_credit_note_task_old_name(*, note_id: int) -> None:
    credit_note_render_task(note_id=note_id)
