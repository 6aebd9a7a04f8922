"""Training redemptions (terms 2.3): points redeemed for trainings, up to their value; they never
lower the table's points."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.formatting import money
from partners.models import Membership, Partner, User

from ..models import Redemption
from ..selectors import redemption_balance


def redemption_request(
    *, membership: Membership, training: str, provider: str, amount_eur: Decimal
) -> Redemption:
    partner = membership.partner
    if partner.status != Partner.Status.APPROVED:
        raise DomainError(_("Only approved participants can redeem points."))
    if amount_eur <= 0:
        raise DomainError(_("The amount must be positive."))
    with transaction.atomic():
        # Serialise requests of one partner: two at once must not both pass the balance check.
        Partner.objects.lock(partner.pk)
        requestable = redemption_balance(partner)["requestable"]
        if amount_eur > requestable:
            raise DomainError(
                _("You can request at most %(amount)s now.") % {"amount": money(requestable)}
            )
        return Redemption.objects.create(
            partner=partner,
            season_id=partner.season_id,
            training=training.strip(),
            provider=provider.strip(),
            amount_eur=amount_eur,
            requested_by=membership.user,
        )


def redemption_decide(
    *, redemption: Redemption, reviewer: User, approve: bool, reason: str = ""
) -> Redemption:
    with transaction.atomic():
        partner = Partner.objects.lock(redemption.partner_id)
        redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
        if redemption.status != Redemption.Status.REQUESTED:
            raise DomainError(_("This redemption is already decided."))
        if approve:
            available = redemption_balance(partner)["available"]
            if redemption.amount_eur > available:
                raise DomainError(
                    _("Only %(amount)s are available; the request is higher.")
                    % {"amount": money(available)}
                )
            redemption.status = Redemption.Status.APPROVED
        else:
            if not reason.strip():
                raise DomainError(_("Please give a reason for the rejection."))
            redemption.status = Redemption.Status.REJECTED
        redemption.decided_by, redemption.decided_at = reviewer, timezone.now()
        redemption.reason = reason.strip()
        redemption.save()
    return redemption
