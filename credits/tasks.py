"""Celery tasks of the credits app: each takes ids, calls one service and is safe to run twice."""

from celery import shared_task

from seasons.models import Season

from .billing_import.lease import billing_import_reap_expired
from .billing_import.run import billing_import_run
from .computation import credits_compute
from .notes import credit_note_render


@shared_task(acks_late=True)
def import_billing_task(*, import_id: int) -> None:
    billing_import_run(import_id=import_id)


@shared_task
def billing_import_reap_expired_task() -> None:
    """Every minute (beat): imports whose worker died are marked failed."""
    billing_import_reap_expired()


@shared_task(acks_late=True)
def compute_credits_task(*, season_id: int) -> None:
    credits_compute(season=Season.objects.get(pk=season_id))


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_credit_note_task(*, note_id: int) -> None:
    credit_note_render(note_id=note_id)
