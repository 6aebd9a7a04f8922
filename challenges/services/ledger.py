"""The points ledger (SPEC 3): entries are booked, never changed; the first-customer bonus.

These functions run inside the caller's transaction, with the partner's row locked by the caller
(the claim and academy services), so that everything deciding one partner's points happens one
at a time; `ledger_once_per_claim_kind` is the last guard.
"""

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import override

from partners.models import Partner, User

from .. import rules
from ..models import Challenge, Claim, LedgerEntry


def rule_text(challenge: Challenge, language: str) -> str:
    """The rule an entry is booked under, frozen into the entry in both languages."""
    with override(language):
        return (
            f"{challenge.title} — {challenge.points} "
            f"{_('points')}, {challenge.get_counted_at_most_display()}"
        )[:300]


def ledger_entry_book(
    *, claim: Claim, kind: str, points: int, actor: User | None, challenge: Challenge | None = None
) -> LedgerEntry:
    challenge = challenge or claim.challenge
    return LedgerEntry.objects.create(
        partner_id=claim.partner_id,
        season_id=claim.season_id,
        challenge=challenge,
        claim=claim,
        kind=kind,
        points=points,
        rule_de=rule_text(challenge, "de"),
        rule_en=rule_text(challenge, "en"),
        actor=actor,
    )


def bonus_settle(*, partner: Partner, trigger: Claim, actor: User | None) -> None:
    """Hold the first-customer bonus exactly while an approved `new_customer` claim exists."""
    bonus = Challenge.objects.filter(season_id=partner.season_id, code=rules.BONUS_CODE).first()
    if bonus is None:
        return
    held = (
        LedgerEntry.objects.filter(partner=partner, challenge=bonus).aggregate(s=Sum("points"))["s"]
        or 0
    )
    approved = Claim.objects.filter(
        partner=partner, challenge__code=rules.NEW_CUSTOMER_CODE, status=Claim.Status.APPROVED
    )
    change = rules.bonus_change(approved.count(), held, bonus.points)
    if change > 0:
        ledger_entry_book(
            claim=trigger, kind=LedgerEntry.Kind.BONUS, points=change, actor=actor, challenge=bonus
        )
    elif change < 0:
        # Taken back on the claim that granted it, so the pair reads together on the statement.
        granted_on = (
            LedgerEntry.objects.filter(
                partner=partner, challenge=bonus, kind=LedgerEntry.Kind.BONUS
            )
            .exclude(claim__ledger_entries__kind=LedgerEntry.Kind.BONUS_REVOKE)
            .select_related("claim")
            .first()
        )
        ledger_entry_book(
            claim=granted_on.claim,
            kind=LedgerEntry.Kind.BONUS_REVOKE,
            points=change,
            actor=actor,
            challenge=bonus,
        )
