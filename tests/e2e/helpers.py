"""Helpers shared by the browser tests."""

import time

STAFF_EMAIL = "sam.staff@ingrammicro.example"
STAFF_PASSWORD = "Staff-Zugang-2025!"


def submit_button(page, form_selector: str):
    return page.locator(form_selector).locator("button[type=submit], input[type=submit]").first


def current_totp_code(secret: str, totp) -> str:
    """The authenticator app's code, not about to expire, and not yet marked as used."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from django.core.cache import cache

    period = app_settings.TOTP_PERIOD
    remaining = period - time.time() % period
    if remaining < 3:  # the server checks only the current period (TOTP_TOLERANCE = 0)
        time.sleep(remaining + 0.2)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // period))
    # allauth refuses a code twice within a period. The cache (Redis with REDIS_URL) outlives the
    # test database, which is created afresh with ids from 1: forget a use by an earlier run.
    cache.delete(totp._get_used_cache_key(code))
    return code


def running_season(slug: str, name: str):
    """An active season that started 20 days ago, with the challenge catalogue of the terms."""
    from datetime import timedelta

    from django.utils import timezone

    from challenges.catalogue import CATALOGUE
    from challenges.models import Challenge
    from seasons.models import Season

    today = timezone.localdate()
    season = Season.objects.create(
        slug=slug,
        name=name,
        start_date=today - timedelta(days=20),
        end_date=today + timedelta(days=250),
        registration_deadline=today,
        is_active=True,
    )
    Challenge.objects.bulk_create(
        Challenge(season=season, position=i, **spec.challenge_fields())
        for i, spec in enumerate(CATALOGUE)
    )
    return season
