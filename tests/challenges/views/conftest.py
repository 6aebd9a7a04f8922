"""Fixtures of the partner-page tests: a private MEDIA_ROOT per test, the companies' end customers,
and clients that ask for the English UI so that messages can be matched by their text."""

from pathlib import Path

import pytest

from tests.conftest import client_for
from tests.factories import EndCustomerFactory
from tests.helpers.pages import english


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def alice_client(alice):
    return english(client_for(alice))


@pytest.fixture
def bob_client(bob):
    return english(client_for(bob))


@pytest.fixture
def customer_a(company_a):
    return EndCustomerFactory(partner=company_a, name="Anton Bau GmbH", domain="anton-bau.example")


@pytest.fixture
def customer_c(company_c):
    return EndCustomerFactory(partner=company_c, name="Cäsar Secret AG", domain="caesar.example")
