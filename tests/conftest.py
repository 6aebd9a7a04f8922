"""Personas (after healthchecks' hc/test.py): alice is the admin of company A, bob her colleague,
charlie the admin of another company C; staff is the distributor's staff user with a second factor.
"""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.test import Client

from partners.models import Membership

from . import einvoices
from .factories import LeagueFactory, MembershipFactory, PartnerFactory, SeasonFactory, UserFactory

PASSWORD = "correct-horse-battery"
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The real hasher is slow by design; the suite hashes hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # With REDIS_URL the cache is shared between tests: start each one empty.
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _issued_notes_are_valid_einvoices(request):
    """Every credit note a test issues passes the XSD and the EN 16931 Schematron (issue 11):
    checked after the test, while its data is still there. (The test's database fixture is set
    up first, so that it is torn down after this check.)"""
    names = set(request.fixturenames)
    if "transactional_db" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    elif not request.node.get_closest_marker("django_db"):
        yield
        return
    yield
    try:
        with transaction.atomic():
            einvoices.validate_issued_notes()
    except DatabaseError:
        # The test left its transaction broken on purpose; it issued nothing after that.
        return


def pytest_terminal_summary(terminalreporter):
    line = einvoices.summary()
    if line:
        terminalreporter.write_line(line)


@pytest.fixture
def season(db):
    return SeasonFactory()


@pytest.fixture
def leagues(season):
    return [
        LeagueFactory(season=season, name="Einsteiger-Liga"),
        LeagueFactory(season=season, name="Profi-Liga"),
    ]


@pytest.fixture
def company_a(season, leagues):
    return PartnerFactory(season=season, league=leagues[0], name="Alpha Systemhaus GmbH")


@pytest.fixture
def company_c(season, leagues):
    return PartnerFactory(season=season, league=leagues[1], name="Charlie Cloud GmbH")


@pytest.fixture
def alice(company_a):
    return MembershipFactory(
        partner=company_a,
        user=UserFactory(email="alice@alpha.example"),
        role=Membership.Role.ADMIN,
    ).user


@pytest.fixture
def bob(company_a):
    return MembershipFactory(
        partner=company_a,
        user=UserFactory(email="bob@alpha.example"),
        role=Membership.Role.MEMBER,
    ).user


@pytest.fixture
def charlie(company_c):
    return MembershipFactory(
        partner=company_c,
        user=UserFactory(email="charlie@charlie.example"),
        role=Membership.Role.ADMIN,
    ).user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def totp_code(secret: str = STAFF_TOTP_SECRET) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def staff_user(db):
    user = UserFactory(email="staff@ingram.example", is_staff=True)
    TOTP.activate(user, STAFF_TOTP_SECRET)
    return user


@pytest.fixture
def staff_client(staff_user, season, settings):
    """A staff user logged in through the real allauth flow: password, then the TOTP code."""
    settings.ACCOUNT_RATE_LIMITS = False
    client = Client()
    response = client.post("/accounts/login/", {"login": staff_user.email, "password": PASSWORD})
    assert response.status_code == 302 and "/2fa/authenticate" in response["Location"]
    response = client.post(response["Location"], {"code": totp_code()})
    assert response.status_code == 302, response.content[:500]
    return client


def link_from(body: str, path_fragment: str) -> str:
    match = re.search(rf"https?://[^\s]+{re.escape(path_fragment)}[^\s]*", body)
    assert match, f"no link with {path_fragment!r} in:\n{body}"
    return match.group(0)
