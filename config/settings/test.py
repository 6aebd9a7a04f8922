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
