"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live
server.

No `playwright install` here: the tests use the system browser at /usr/bin/chromium. Without it
they are skipped locally and fail in CI (CI must never skip them silently).
"""

import os
from pathlib import Path

import pytest

from .helpers import STAFF_EMAIL, STAFF_PASSWORD

# Playwright's sync API runs an asyncio event loop in the test thread; Django's async-safety check
# would then refuse ORM calls made by the test itself.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# The live server listens on 127.0.0.1 only (not "localhost", which may resolve to ::1 too);
# --liveserver or an explicit DJANGO_LIVE_TEST_SERVER_ADDRESS still win.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEFAULT_TIMEOUT_MS = 10_000
FAILURE_SCREENSHOT_DIR = Path("/tmp")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: browser tests must run in CI, not be skipped)")
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Make the outcome of each phase available to fixtures (for screenshots on failure).
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; stopped afterwards so that no event loop outlives it."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium package")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements-dev
        _unavailable("playwright (Python) is not installed")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(browser, request):
    """Factory for isolated browser contexts (one per person: own cookies and session)."""
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("locale", "de-DE")
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**kwargs)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make

    failed = getattr(request.node, "rep_call", None)
    for index, context in enumerate(contexts):
        if failed is not None and failed.failed:
            for page_index, page in enumerate(context.pages):
                path = FAILURE_SCREENSHOT_DIR / (
                    f"e2e-failure-{request.node.name}-{index}-{page_index}.png"
                )
                try:
                    page.screenshot(path=str(path), full_page=True)
                    print(f"screenshot of {page.url} on failure: {path}")
                except Exception as exc:  # noqa: BLE001 - best effort only
                    print(f"no screenshot of {page.url}: {exc}")
        context.close()


@pytest.fixture
def celery_eager():
    """Run Celery tasks in-process, also when REDIS_URL makes Redis the broker.

    The app is configured once at import, so the `settings` fixture cannot switch this; the app's
    configuration is changed directly and restored afterwards.
    """
    from config.celery import app

    saved = {
        "task_always_eager": app.conf.task_always_eager,
        "task_eager_propagates": app.conf.task_eager_propagates,
    }
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield app
    finally:
        for key, value in saved.items():
            app.conf[key] = value


@pytest.fixture
def e2e_settings(settings):
    settings.ACCOUNT_RATE_LIMITS = False
    return settings


@pytest.fixture
def staff_user(db):
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from partners.models import User

    user = User.objects.create_user(
        email=STAFF_EMAIL,
        password=STAFF_PASSWORD,
        is_staff=True,
        first_name="Sam",
        last_name="Staff",
    )
    EmailAddress.objects.create(user=user, email=STAFF_EMAIL, verified=True, primary=True)
    secret = generate_totp_secret()
    totp = TOTP.activate(user, secret)
    return user, secret, totp
