"""E-mails to people, in the recipient's language, sent by a Celery task after commit."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .tasks import send_email_task


def email_send(*, to: str, template: str, context: dict, language: str | None = None) -> None:
    """Render `templates/<template>_subject.txt` and `_body.txt` and send them after commit."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    send_email_task.delay_on_commit(to=to, subject=subject, body=body)
