"""`DJANGO_ENV=production`: the Docker image and docker-compose.yml. Refuses to start without
SECRET_KEY; `manage.py check --deploy` is clean (tests/test_settings.py)."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .environment import env_bool, env_int

DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production (DJANGO_ENV=production).")

# HTTPS only, whatever ALLOWED_HOSTS says. The proxy in front terminates TLS and says so in
# X-Forwarded-Proto (base.py trusts that header).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)

# A task that hangs must not hold a worker for ever. The soft limit raises inside the task (a
# billing import rolls back and is marked failed, staff start it again); the hard one kills it.
# The largest job, a month's billing file of several million rows, takes minutes.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 30 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", CELERY_TASK_SOFT_TIME_LIMIT + 60)
