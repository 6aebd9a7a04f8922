""" "Already imported" (SPEC section 6): a file whose content is already what UsageRow holds for
every (month, partner) of it ends as "unchanged"; an earlier file uploaded again after a
correction is imported. Told before reading the file (the same content, imported with the same
league, still holds every pair it stored) and again after (every pair of it is held by an import
of this content)."""

import hashlib
from datetime import date

from ..models import BillingImport, UsageSource


class AlreadyImported(Exception):
    def __init__(self, original: BillingImport):
        self.original = original


def league_digest(league: dict[str, int]) -> str:
    """The league an import saw (Tier2MpnId → partner pk), as a digest stored on the import."""
    text = "\n".join(f"{partner_id}\t{pk}" for partner_id, pk in sorted(league.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def _same_content_before(billing_import: BillingImport):
    return (
        BillingImport.objects.filter(
            season_id=billing_import.season_id,
            sha256=billing_import.sha256,
            status=BillingImport.Status.SUCCEEDED,
        )
        .exclude(pk=billing_import.pk)
        .order_by("-finished_at", "-pk")
    )


def imported_before(billing_import: BillingImport, league_digest: str) -> BillingImport | None:
    """ "Already imported", told before reading the file: an import of the same content with the
    same league stored the same (month, partner) pairs; they are all still held by imports of
    this content and league exactly when as many of them are."""
    earlier = _same_content_before(billing_import).filter(league_digest=league_digest).first()
    if earlier is None:
        return None
    held = UsageSource.objects.filter(
        season_id=billing_import.season_id,
        billing_import__sha256=billing_import.sha256,
        billing_import__league_digest=league_digest,
    ).count()
    return earlier if held == earlier.partner_months else None


def held_by_same_file(billing_import: BillingImport, pairs: set) -> BillingImport | None:
    """ "Already imported", told after reading the file (SPEC section 6): the stored rows of every
    (month, partner) of it are an import's of the same content."""
    earlier = _same_content_before(billing_import).first()
    if earlier is None:
        return None
    held = set(
        UsageSource.objects.filter(
            season_id=billing_import.season_id, billing_import__sha256=billing_import.sha256
        ).values_list("partner_id", "month")
    )
    if all((partner_pk, date.fromisoformat(month)) in held for partner_pk, month in pairs):
        return earlier
    return None
