"""Starting a background job by its task's name, after the caller's transaction commits.

Services never import their app's `tasks` module (the tasks import the services: a task takes ids
and calls one service), so a service names the task and this finds it in Celery's registry.
`delay_on_commit` is the project's one way to enqueue (config/celery.py): a rolled-back change
starts nothing, and a broker error after the commit is logged, not raised into a change that
stands. import-linter's contract "the tasks import the services, never the reverse" keeps it so.
"""

from celery import current_app


def on_commit(task_name: str, **kwargs) -> None:
    current_app.tasks[task_name].delay_on_commit(**kwargs)
