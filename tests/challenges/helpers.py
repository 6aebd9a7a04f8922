"""Claims as the partner pages and staff make them, the points they earn, and billing that
contradicts a `new_customer` claim."""

from pathlib import Path

from django.db.models import Sum

from challenges.models import LedgerEntry
from challenges.services.claims import claim_approve
from tests.credits.helpers.billing_files import csv_text, import_bytes, line
from tests.factories import ClaimFactory, EndCustomerFactory

# The subscription of the end customers in the "new to Azure" tests.
SUB = "6b1a8e0c-3c5e-4a0e-9a65-2f1c8d1e7b42"


def points_of(partner) -> int:
    return LedgerEntry.objects.filter(partner=partner).aggregate(s=Sum("points"))["s"] or 0


def claim_for(partner, code="sales_meeting", customer=None, **kwargs):
    customer = customer or EndCustomerFactory(partner=partner)
    return ClaimFactory(customer=customer, code=code, **kwargs)


def approved_claim(partner, reviewer, code="sales_meeting", customer=None, **kwargs):
    claim = claim_for(partner, code, customer, **kwargs)
    return claim_approve(claim=claim, reviewer=reviewer)


def bill(season, tmp_path, partner, *usage, name="usage.csv"):
    """Import a real Partner Center file with one row per (tenant, day) for `partner`."""
    content = csv_text(
        line(partner.partner_id, customer=tenant, entitlement=SUB, day=f"{day:%Y-%m-%d}")
        for tenant, day in usage
    )
    result = import_bytes(season, tmp_path, content, name=name)
    assert result.status == "succeeded", result.errors
    return result


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
