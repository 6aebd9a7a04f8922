"""A disqualification with its money (SPEC 2, terms 4), in one step.

`partner_disqualify` revokes the partner's points
(`challenges.services.disqualification.partner_disqualify`) and,
in the same transaction, settles its credits:

- credit lines never on a credit note are removed (unissued credits);
- lines on issued notes keep the amount the notes cover: issued money stays with the partner, and
  no later recompute or issue run produces a negative note for it;
- only when staff decide so in the same step (`reclaim_eur`, the amount the screen showed) is that
  money reclaimed ("nachträglich aberkannt und zurückgefordert"): the lines go to 0 with the reason,
  and correction notes for the negative difference are issued at once (gap-free numbers, one per
  note being corrected, usually one).

The partner row is locked, then the season row (which the credit computation and the issuing
lock): a second submission waits, finds the partner disqualified and changes nothing, so money is
never reclaimed twice. When the amount on issued notes is no longer the one staff saw
(a note issued meanwhile), nothing happens and staff are asked to look again.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from challenges.services import disqualification as points
from core import formatting
from core.errors import DomainError
from partners.models import Partner, User
from seasons.models import Season

from .computation import SETTLED, kept_explanation, noted_lines, partner_status_code
from .models import CreditLine, CreditNote
from .notes.issuing import credit_notes_issue


def partner_disqualify(
    *, partner: Partner, reviewer: User, reason: str, reclaim_eur: Decimal | None = None
) -> list[CreditNote]:
    """Disqualify `partner`; with `reclaim_eur` (the amount shown to staff) also reclaim the money
    on its issued credit notes. Returns the correction notes issued (none without a reclaim)."""
    with transaction.atomic():
        # Partner, then season: the order of every lock pair on them (partners.services).
        Partner.objects.lock(partner.pk)
        season = Season.objects.select_for_update(no_key=True).get(pk=partner.season_id)
        partner = points.partner_disqualify(partner=partner, reviewer=reviewer, reason=reason)
        lines = noted_lines(
            CreditLine.objects.filter(season=season, partner=partner).select_for_update(
                of=("self",)
            )
        )
        issued = sum((line.noted for line in lines if line.noted is not None), Decimal("0.00"))
        if reclaim_eur is not None:
            if not issued:
                raise DomainError(_("There is no money on issued credit notes to reclaim."))
            if Decimal(reclaim_eur) != issued:
                raise DomainError(
                    _(
                        "The amount on issued credit notes is now %(amount)s. Nothing has been "
                        "changed; please check the amount and confirm again."
                    )
                    % {"amount": formatting.money(issued)}
                )
        CreditLine.objects.filter(
            pk__in=[line.pk for line in lines if line.noted is None], note_lines__isnull=True
        ).delete()
        now = timezone.now()
        changed = []
        for line in (line for line in lines if line.noted is not None):
            explanation = kept_explanation(
                line.explanation,
                code=partner_status_code(Partner.Status.DISQUALIFIED),
                details={},
                noted=Decimal("0.00") if reclaim_eur is not None else line.noted,
            )
            if reclaim_eur is not None:
                explanation["reclaimed"] = {
                    "reason": partner.decision_reason,
                    "previous_credit": str(line.noted),
                    "by": reviewer.pk,
                    "at": now.isoformat(),
                }
                line.credit_eur = Decimal("0.00")
            else:
                line.credit_eur = line.noted  # a pending difference is not issued any more
            line.consumption_eur = line.noted_consumption
            line.status = line.status if line.status in SETTLED else CreditLine.Status.FINAL
            line.explanation, line.computed_at = explanation, now
            changed.append(line)
        CreditLine.objects.bulk_update(
            changed, ["credit_eur", "consumption_eur", "status", "explanation", "computed_at"]
        )
        if reclaim_eur is None:
            return []
        return credit_notes_issue(season=season, issued_by=reviewer, partner=partner)
