"""`DJANGO_ENV=test`: the test suite (pytest sets it). Tasks run in-process unless CELERY_EAGER=0;
tests/test_celery.py starts a real worker on Redis itself."""

import os

from .base import *  # noqa: F403
from .environment import env_bool

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY") or "insecure-test-key-only-for-the-test-suite"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_EAGER", default=True)
ACCOUNT_EMAIL_SUBJECT_PREFIX = os.environ.get("ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# A demo seller VAT ID (a valid check digit, not Ingram Micro's) and register, so credit notes can
# be issued and validated on a developer's machine; production sets SELLER_VAT_ID/SELLER_REGISTER.
CREDIT_NOTE_SELLER = {  # noqa: F405
    **CREDIT_NOTE_SELLER,  # noqa: F405
    "vat_id": CREDIT_NOTE_SELLER["vat_id"] or "DE136695976",  # noqa: F405
    "register": CREDIT_NOTE_SELLER["register"] or "Amtsgericht München, HRB 000000 (Demo)",  # noqa: F405
}
