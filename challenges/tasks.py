"""Background jobs of the challenges app (Celery beat runs `staff_digest_send_task` hourly)."""

from celery import shared_task

from .services.digest import staff_digest_send


@shared_task
def staff_digest_send_task() -> int:
    return staff_digest_send()


# The name before issue 10, for a beat message sent before the deploy; remove in the release after
# (docs/decisions.md, "Tasks").
@shared_task(name="challenges.tasks.staff_digest_task")
def _staff_digest_task_old_name() -> int:
    return staff_digest_send()
