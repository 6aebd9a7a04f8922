"""The Celery tasks as the broker knows them: each named after the service it calls, the beat
schedule naming registered tasks, and the names before issue 10 still running their service for
messages queued before the deploy."""

import pytest

from config.celery import app

# Old name → (where the task finds its service, service, the task's keyword arguments).
OLD_NAMES = {
    "credits.tasks.import_billing_task": ("credits.tasks", "billing_import_run", "import_id"),
    "credits.tasks.compute_credits_task": ("credits.tasks", "credits_compute", "season_id"),
    "credits.tasks.render_credit_note_task": ("credits.tasks", "credit_note_render", "note_id"),
}
OLD_DIGEST = "challenges.tasks.staff_digest_task"
OLD_EMAIL = "partners.tasks.send_email_task"  # tests/partners/test_outbox.py


def project_tasks() -> dict[str, object]:
    app.loader.import_default_modules()
    apps = ("partners.", "challenges.", "credits.", "league.", "seasons.", "core.")
    return {name: task for name, task in app.tasks.items() if name.startswith(apps)}


def test_every_task_is_named_after_its_service():
    old = {*OLD_NAMES, OLD_DIGEST, OLD_EMAIL}
    current = [name.rsplit(".", 1)[1] for name in project_tasks() if name not in old]
    assert current and all(name.endswith("_task") for name in current)
    # `<entity>_<verb>_task`: no verb-first names left (import_billing_task...).
    verbs_first = ("import_", "compute_", "render_", "send_")
    assert not [name for name in current if name.startswith(verbs_first)]


def test_the_beat_schedule_names_registered_tasks(settings):
    tasks = project_tasks()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in tasks
        assert entry["task"] not in OLD_NAMES and entry["task"] != OLD_DIGEST


@pytest.mark.parametrize("old_name", sorted(OLD_NAMES))
def test_a_message_queued_under_the_old_name_still_runs_the_service(old_name, monkeypatch):
    module, service, argument = OLD_NAMES[old_name]
    calls = []
    monkeypatch.setattr(f"{module}.{service}", lambda **kwargs: calls.append(kwargs))
    if service == "credits_compute":
        monkeypatch.setattr("seasons.models.Season.objects.get", lambda pk: f"season {pk}")

    app.tasks[old_name].delay(**{argument: 7}).get()

    expected = {"season": "season 7"} if service == "credits_compute" else {argument: 7}
    assert calls == [expected]


def test_the_old_digest_name_still_sends_the_digest(monkeypatch):
    monkeypatch.setattr("challenges.tasks.staff_digest_send", lambda: 3)
    assert app.tasks[OLD_DIGEST].delay().get() == 3
