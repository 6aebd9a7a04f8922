"""Celery tasks of the credits app: each takes ids, calls one service and is safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def import_billing_task(*, import_id: int) -> None:
    from .importer import billing_import_run

    billing_import_run(import_id=import_id)


@shared_task
def billing_import_reap_expired_task() -> None:
    """Every minute (beat): imports whose worker died are marked failed."""
    from .import_lease import billing_import_reap_expired

    billing_import_reap_expired()


@shared_task(acks_late=True)
def compute_credits_task(*, season_id: int) -> None:
    from seasons.models import Season

    from .computation import credits_compute

    credits_compute(season=Season.objects.get(pk=season_id))


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_credit_note_task(*, note_id: int) -> None:
    from .notes import credit_note_render

    credit_note_render(note_id=note_id)
