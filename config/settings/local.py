"""`DJANGO_ENV=local`: a developer's machine and `make run` (DEBUG, SQLite unless DATABASE_URL)."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .environment import env_bool, env_list

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: `make install` writes a generated one into .env for local runs."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

# A developer's or operator's terminal shows warnings and errors; commands print their own
# summaries. LOG_LEVEL=INFO brings back the portal's progress lines.
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "WARNING")  # noqa: F405
