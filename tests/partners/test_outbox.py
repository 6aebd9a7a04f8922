"""E-mails go through an outbox: written with the change that causes them, sent once after the
commit however often the task runs, kept unsent (with the error) while the mail server fails,
and sent later by the sweep."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app
from core.errors import DomainError
from partners import notifications
from partners.models import Invitation, Membership, OutboxEmail
from partners.notifications import email_deliver, email_outbox_sweep
from partners.services import invitation_create
from partners.tasks import email_deliver_task, email_outbox_sweep_task
from tests.helpers.concurrency import at_once

pytestmark = pytest.mark.django_db

INVITE = {"email": "dana@alpha.example", "base_url": "https://portal.example"}


class DownBackend(BaseEmailBackend):
    """A mail server that refuses the connection."""

    def send_messages(self, messages):
        raise smtplib.SMTPConnectError(421, "Service not available")


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"


def invite(alice):
    return invitation_create(membership=Membership.objects.get(user=alice), **INVITE)


def waiting() -> OutboxEmail:
    return OutboxEmail.objects.get()


def test_an_invitation_writes_its_e_mail_and_sends_it_once_after_commit(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(alice)
    email = waiting()
    assert email.to == "dana@alpha.example" and email.sent_at is not None
    assert email.attempts == 1 and email.last_error == ""
    (message,) = mail.outbox
    assert (message.to, message.subject, message.body) == ([email.to], email.subject, email.body)


def test_a_change_that_rolls_back_leaves_no_e_mail(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            invite(alice)
            1 / 0  # noqa: B018 - whatever fails after the e-mail was written
    assert callbacks == []
    assert not Invitation.objects.exists() and not OutboxEmail.objects.exists()
    assert mail.outbox == []


def test_a_refused_invitation_writes_no_e_mail(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(alice)
        with pytest.raises(DomainError, match="dana@alpha.example"):
            invite(alice)  # a double click
    assert OutboxEmail.objects.count() == 1 and len(mail.outbox) == 1


def test_the_task_run_twice_sends_one_mail(alice):
    invite(alice)  # not committed in this test: the task has not run
    email = waiting()
    assert email_deliver_task.delay(email_id=email.pk).get() is True
    assert email_deliver_task.delay(email_id=email.pk).get() is False  # a retry or duplicate
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_an_e_mail_another_worker_is_sending_is_left_to_it(alice):
    invite(alice)
    OutboxEmail.objects.update(claimed_until=timezone.now() + timedelta(minutes=4))
    assert email_deliver(email_id=waiting().pk) is False
    assert mail.outbox == []
    # Its worker died: once the claim has run out, the e-mail is taken again.
    OutboxEmail.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert email_deliver(email_id=waiting().pk) is True
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_leaves_the_e_mail_unsent_for_a_retry(alice, smtp_down, settings):
    invite(alice)
    email = waiting()
    with pytest.raises(smtplib.SMTPConnectError):
        email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.sent_at is None and email.claimed_until is None
    assert email.attempts == 1
    assert email.last_error == "SMTPConnectError: (421, 'Service not available')"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_deliver_task.delay(email_id=email.pk).get() is True
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 2
    assert len(mail.outbox) == 1


def test_the_task_retries_then_the_sweep_sends_it(alice, smtp_down, settings):
    invite(alice)
    email = waiting()
    # As a worker runs it: retried (at once, in-process) until max_retries, then given up.
    propagates, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    try:
        result = email_deliver_task.apply(kwargs={"email_id": email.pk})
    finally:
        app.conf.task_eager_propagates = propagates
    assert isinstance(result.result, smtplib.SMTPConnectError)
    email.refresh_from_db()
    assert email.attempts == 1 + email_deliver_task.max_retries and email.sent_at is None

    assert email_outbox_sweep_task.delay().get() == 0  # the server is still down
    email.refresh_from_db()
    assert email.attempts == 2 + email_deliver_task.max_retries
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_outbox_sweep_task.delay().get() == 1
    assert email_outbox_sweep_task.delay().get() == 0
    assert len(mail.outbox) == 1


def test_a_decision_stands_while_the_mail_server_is_down(
    alice, smtp_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(alice)
    assert Invitation.objects.get() == invitation
    email = waiting()
    assert email.sent_at is None and "SMTPConnectError" in email.last_error
    assert "partners.tasks.email_deliver_task" in caplog.text


def test_the_sweep_gives_up_after_max_attempts_and_forgets_old_e_mails(alice, monkeypatch):
    invite(alice)
    OutboxEmail.objects.update(attempts=notifications.MAX_ATTEMPTS)
    assert email_outbox_sweep() == 0
    assert waiting().sent_at is None

    OutboxEmail.objects.update(created_at=timezone.now() - notifications.KEEP - timedelta(hours=1))
    invite_again = OutboxEmail.objects.create(to="x@example.com", subject="Hallo", body="Text")
    assert email_outbox_sweep() == 1  # the new one; the old one is deleted, unsent
    assert list(OutboxEmail.objects.values_list("pk", flat=True)) == [invite_again.pk]


def test_a_message_queued_under_the_old_task_name_is_sent_from_the_outbox():
    app.tasks["partners.tasks.send_email_task"].delay(
        to="x@example.com", subject="Hallo", body="Text"
    ).get()
    email = waiting()
    assert (email.to, email.subject, email.sent_at is not None) == ("x@example.com", "Hallo", True)
    assert [m.subject for m in mail.outbox] == ["Hallo"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections at once need PostgreSQL"
)
def test_two_workers_at_once_send_one_mail():
    for _ in range(10):
        mail.outbox.clear()
        email = OutboxEmail.objects.create(to="x@example.com", subject="Hallo", body="Text")
        results = at_once(*[lambda pk=email.pk: email_deliver(email_id=pk)] * 2)
        assert sorted(results) == [False, True], results
        assert len(mail.outbox) == 1
        email.refresh_from_db()
        assert email.attempts == 1 and email.sent_at is not None
