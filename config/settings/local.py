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

# A demo seller VAT ID (a valid check digit, not Ingram Micro's) and register, so credit notes can
# be issued and validated on a developer's machine; production sets SELLER_VAT_ID/SELLER_REGISTER.
CREDIT_NOTE_SELLER = {  # noqa: F405
    **CREDIT_NOTE_SELLER,  # noqa: F405
    "vat_id": CREDIT_NOTE_SELLER["vat_id"] or "DE136695976",  # noqa: F405
    "register": CREDIT_NOTE_SELLER["register"] or "Amtsgericht München, HRB 000000 (Demo)",  # noqa: F405
}
