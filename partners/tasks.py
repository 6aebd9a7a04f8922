"""Celery tasks of the partners app: each is named after the one service it calls."""

import contextlib

from celery import shared_task

from .models import OutboxEmail
from .notifications import email_deliver, email_outbox_sweep


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_deliver_task(*, email_id: int) -> bool:
    return email_deliver(email_id=email_id)


@shared_task
def email_outbox_sweep_task() -> int:
    """Every five minutes (beat): unsent e-mails are tried again, old ones deleted."""
    return email_outbox_sweep()


# The name before issue 10, for a message queued before the deploy (it carries the e-mail itself,
# not an outbox row): recorded in the outbox and sent once from there; a failure is left to the
# sweep. Remove in the release after (docs/decisions.md, "Tasks").
@shared_task(name="partners.tasks.send_email_task")
def _send_email_task_old_name(*, to: str, subject: str, body: str) -> None:
    email = OutboxEmail.objects.create(to=to, subject=subject, body=body)
    with contextlib.suppress(OSError):  # recorded on the row; the sweep sends it
        email_deliver(email_id=email.pk)
