"""Helpers of the staff-page tests."""

from django.conf import settings as django_settings
from django.db.models import Sum

from challenges.models import LedgerEntry
from challenges.services.claims import claim_approve
from tests.factories import ClaimFactory, EndCustomerFactory

# A 1×1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def english(client):
    """Ask for the English UI (the portal is German by default), to match messages by text."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def points_of(partner) -> int:
    return LedgerEntry.objects.filter(partner=partner).aggregate(s=Sum("points"))["s"] or 0


def claim_for(partner, code="sales_meeting", customer=None, **kwargs):
    customer = customer or EndCustomerFactory(partner=partner)
    return ClaimFactory(customer=customer, code=code, **kwargs)


def approved_claim(partner, reviewer, code="sales_meeting", customer=None, **kwargs):
    claim = claim_for(partner, code, customer, **kwargs)
    return claim_approve(claim=claim, reviewer=reviewer)
