"""Helpers for the league-table tests: book ledger entries with a chosen moment."""

from datetime import timedelta

from django.utils import timezone

from challenges.models import Challenge, LedgerEntry
from tests.factories import ClaimFactory, EndCustomerFactory

# Within the factories' season (it started 30 days ago), before now.
BASE = timezone.now().replace(microsecond=0) - timedelta(days=10)


def book(partner, code="sales_meeting", *, points=None, kind="grant", at=None, claim=None):
    """A ledger entry for `partner` (with a claim behind it, as the ledger requires).

    The table is computed from the ledger alone, so this is all it needs; services are used where
    a test is about them (approval, revocation, disqualification)."""
    challenge = Challenge.objects.get(season=partner.season, code=code)
    if claim is None:
        claim = ClaimFactory(
            customer=EndCustomerFactory(partner=partner), code=code, status="approved"
        )
    if points is None:
        points = challenge.points if kind == "grant" else -challenge.points
    return LedgerEntry.objects.create(
        partner=partner,
        season=partner.season,
        challenge=challenge,
        claim=claim,
        kind=kind,
        points=points,
        rule_de="Test",
        rule_en="Test",
        created_at=at or timezone.now(),
    )


def at(minutes: int):
    return BASE + timedelta(minutes=minutes)
