"""Celery with its real broker: a worker thread consumes from Redis and runs the e-mail task.

Runs where REDIS_URL is set (CI sets it); without Redis the portal runs tasks in-process, which
the rest of the suite covers.
"""

import os

import pytest
from django.core import mail

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL) as the Celery broker"
)


def test_worker_consumes_the_email_task_from_redis(settings):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from partners.tasks import send_email_task

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = send_email_task.delay(to="x@example.com", subject="Hallo", body="Test")
            result.get(timeout=20)
    finally:
        app.conf.task_always_eager = eager
    assert [m.subject for m in mail.outbox] == ["Hallo"]
