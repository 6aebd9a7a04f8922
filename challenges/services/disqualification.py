"""Disqualification (terms 4): the partner's points. Its money is settled by
`credits.disqualification`, which calls this inside its own transaction."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from partners.models import Partner, User

from ..models import Claim
from .claims import claim_reject_locked, claim_revoke_locked


def partner_disqualify(*, partner: Partner, reviewer: User, reason: str) -> Partner:
    """Terms 4: the partner leaves the table; all its points are revoked, the reason recorded."""
    if not reason.strip():
        raise DomainError(_("Please give a reason for the disqualification."))
    with transaction.atomic():
        partner = Partner.objects.lock(partner.pk)
        if partner.status == Partner.Status.DISQUALIFIED:
            raise DomainError(_("This partner is already disqualified."))
        for claim in (
            Claim.objects.select_for_update()
            .select_related("challenge")
            .filter(partner=partner, status__in=(Claim.Status.APPROVED, *Claim.OPEN))
        ):
            if claim.status == Claim.Status.APPROVED:
                claim_revoke_locked(claim, partner, reviewer, reason.strip())
            else:
                claim_reject_locked(claim, reviewer, reason.strip())
        partner.status = Partner.Status.DISQUALIFIED
        partner.decision_reason = reason.strip()
        partner.reviewed_by, partner.reviewed_at = reviewer, timezone.now()
        partner.save()
    return partner
