"""Settings chosen by `DJANGO_ENV` (SPEC 8): `local`, `production` or `test`.

A `.env` file beside manage.py (written once by `make install`: `DJANGO_ENV=local` and a generated
secret) is read first; variables set in the environment override it. Without either, the portal
takes the production settings, which refuse to start without `SECRET_KEY`.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .environment import BASE_DIR, read_dotenv

read_dotenv(BASE_DIR / ".env")

DJANGO_ENV = os.environ.get("DJANGO_ENV", "").strip() or "production"

if DJANGO_ENV == "local":
    from .local import *  # noqa: F403
elif DJANGO_ENV == "production":
    from .production import *  # noqa: F403
elif DJANGO_ENV == "test":
    from .test import *  # noqa: F403
else:
    raise ImproperlyConfigured(f"DJANGO_ENV must be local, production or test, not {DJANGO_ENV!r}.")
