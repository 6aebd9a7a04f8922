"""The background jobs the credits services start: the import of a recorded file, the credit
computation, the PDF of a credit note.

One direction: `credits.tasks` imports the services (a task takes ids and calls one service), and
no service imports `credits.tasks`, not even inside a function — that made the importer, the
tasks and the credit notes import each other in a cycle. A service starts a job here instead, and
this module finds the task in Celery's registry by its name. import-linter's contract "credits:
the tasks import the services, never the reverse" (pyproject.toml) keeps it so;
`CreditsConfig.ready` imports the tasks, so they are registered in every process (web, worker,
CLI, shell), and tests/credits/test_jobs.py checks that each name below is a task of
`credits.tasks`.

Every job starts after the caller's transaction commits (`delay_on_commit`, the one way a
service enqueues: config/celery.py), so a rolled-back change starts nothing.
"""

from core.jobs import on_commit

BILLING_IMPORT_RUN = "credits.tasks.billing_import_run_task"
CREDITS_COMPUTE = "credits.tasks.credits_compute_task"
CREDIT_NOTE_RENDER = "credits.tasks.credit_note_render_task"


def billing_import_run_on_commit(*, import_id: int) -> None:
    on_commit(BILLING_IMPORT_RUN, import_id=import_id)


def credits_compute_on_commit(*, season_id: int) -> None:
    on_commit(CREDITS_COMPUTE, season_id=season_id)


def credit_note_render_on_commit(*, note_id: int) -> None:
    on_commit(CREDIT_NOTE_RENDER, note_id=note_id)
