"""Settings of the Celery worker that tests/credits/test_import_worker.py starts and kills: the
test settings with a short billing-import lease, so the test waits seconds, not minutes."""

from league.settings import *  # noqa: F403

BILLING_IMPORT_LEASE_SECONDS = 2
