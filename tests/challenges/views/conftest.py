"""Fixtures of the partner-page tests: a private MEDIA_ROOT per test, the companies' end customers,
and clients that ask for the English UI so that messages can be matched by their text."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.conftest import client_for
from tests.factories import EndCustomerFactory

# A 1×1 transparent PNG, the start of a PDF, a Windows and a Linux executable.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


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


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]
