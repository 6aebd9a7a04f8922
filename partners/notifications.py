"""E-mails to people, in the recipient's language, through an outbox.

`email_send` renders the e-mail and writes it as an `OutboxEmail` row in the caller's transaction,
so it exists exactly when the change that causes it commits; its task is enqueued after the
commit. `email_deliver` (the task's service) claims the row with a conditional UPDATE, as the
staff digest claims its claims, and sends only if it changed the row: a retried, duplicated or
concurrent task sends nothing more. A failed send leaves the row unsent with its error, for the
task's retries and then `email_outbox_sweep` (beat, every few minutes).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db.models import F, Q
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.utils import translation

from core.jobs import on_commit

from .models import OutboxEmail

logger = logging.getLogger(__name__)

EMAIL_DELIVER = "partners.tasks.email_deliver_task"

# A send gives up after SEND_TIMEOUT (unless EMAIL_TIMEOUT says otherwise), well within its
# claim: a claim runs out only when its worker died, never while it is still sending.
SEND_TIMEOUT = 60
CLAIM = timedelta(minutes=5)
# The sweep tries an unsent e-mail until it has had this many attempts (the task's own included).
MAX_ATTEMPTS = 10
SWEEP_BATCH = 100
# E-mails hold personal data: rows older than this are deleted, sent or not.
KEEP = timedelta(days=30)


def email_send(
    *, to: str, template: str, context: dict, language: str | None = None
) -> OutboxEmail:
    """Render `templates/<template>_subject.txt` and `_body.txt` into the outbox; sent after
    commit."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    email = OutboxEmail.objects.create(to=to, subject=subject, body=body)
    on_commit(EMAIL_DELIVER, email_id=email.pk)
    return email


def email_deliver(*, email_id: int) -> bool:
    """Send one e-mail of the outbox unless it is sent or another worker is sending it; True if
    this call sent it. A failed send releases the claim, records the error and raises (the task
    retries)."""
    claimed = (
        OutboxEmail.objects.filter(pk=email_id, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=Now()))
        .update(claimed_until=Now() + CLAIM, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    email = OutboxEmail.objects.get(pk=email_id)
    try:
        connection = get_connection(
            timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SEND_TIMEOUT
        )
        send_mail(
            email.subject,
            email.body,
            settings.DEFAULT_FROM_EMAIL,
            [email.to],
            connection=connection,
        )
    except Exception as exc:
        OutboxEmail.objects.filter(pk=email_id).update(
            claimed_until=None, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    OutboxEmail.objects.filter(pk=email_id).update(sent_at=Now(), claimed_until=None)
    return True


def email_outbox_sweep() -> int:
    """Send what is still unsent and not being sent (its task was lost or ran out of retries),
    oldest first, up to MAX_ATTEMPTS each; delete e-mails older than KEEP. Returns how many it
    sent."""
    OutboxEmail.objects.filter(created_at__lt=Now() - KEEP).delete()
    due = list(
        OutboxEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=Now()))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = 0
    for email_id in due:
        try:
            sent += email_deliver(email_id=email_id)
        except Exception:
            # Recorded on the row; the next sweep tries again.
            logger.warning("E-mail %s not sent", email_id, exc_info=True)
    return sent
