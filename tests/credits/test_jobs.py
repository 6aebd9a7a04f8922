"""The services start the credits tasks by name (credits.jobs), so that they need not import
credits.tasks: every name must be a task that credits.tasks defines, or a job would never run."""

from celery import Task

from credits import jobs, tasks


def test_every_job_the_services_start_is_a_task_of_credits_tasks():
    defined = {task.name for task in vars(tasks).values() if isinstance(task, Task)}
    started = {name for key, name in vars(jobs).items() if key.isupper()}
    assert started == {
        jobs.BILLING_IMPORT_RUN,
        jobs.CREDITS_COMPUTE,
        jobs.CREDIT_NOTE_RENDER,
    }
    assert started <= defined, f"not a task of credits.tasks: {sorted(started - defined)}"
