import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class Task(DjangoTask):
    """The one way a service enqueues: `task.delay_on_commit(...)`, after its transaction commits
    (a rolled-back transaction sends nothing).

    Robust: the change that enqueues has committed by then, so a broker that cannot be reached (or,
    with tasks in-process, a failing task) is logged rather than raised into a caller whose work
    is done; a page then does not report an error for a change that stands, and a billing import
    is not taken for failed after its commit. What a lost message leaves behind is picked up
    again: e-mails by the outbox sweep, notes by "render again", credits by the next recompute.
    """

    def delay_on_commit(self, *args, **kwargs) -> None:
        def enqueue():
            self.delay(*args, **kwargs)

        # Django names the callback when it logs its failure (a partial has no name to give).
        enqueue.__qualname__ = f"{self.name}.delay"
        transaction.on_commit(enqueue, robust=True)


app = Celery("league", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
