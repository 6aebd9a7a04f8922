"""Celery with its real broker: a worker thread consumes from Redis and sends an e-mail of the
outbox.

Runs where REDIS_URL is set (CI sets it); without Redis the portal runs tasks in-process, which
the rest of the suite covers.
"""

import os

import pytest
from django.core import mail

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL) as the Celery broker"
)


@pytest.mark.django_db(transaction=True)  # the worker thread reads the row on its own connection
def test_worker_consumes_the_email_task_from_redis(settings):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from partners.models import OutboxEmail
    from partners.tasks import email_deliver_task

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            email = OutboxEmail.objects.create(to="x@example.com", subject="Hallo", body="Test")
            result = email_deliver_task.delay(email_id=email.pk)
            assert result.get(timeout=20) is True
    finally:
        app.conf.task_always_eager = eager
    assert [m.subject for m in mail.outbox] == ["Hallo"]
    assert OutboxEmail.objects.get().sent_at is not None
