"""Claims (SPEC 3): submitted by a partner, approved, rejected, asked about, answered, withdrawn,
revoked; every transition recorded with who, when and why.

Approvals and revocations lock the partner's row first, so that everything that decides points
for one partner ("counted at most", the first-customer bonus) happens one at a time; the unique
constraints on claims and ledger entries are the last guard.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from partners.models import EndCustomer, Membership, Partner, User
from partners.notifications import email_send
from partners.services import customer_check_not_excluded

from .. import billing, catalogue, rules, selectors, staff_selectors
from ..models import Challenge, Claim, ClaimTransition, LedgerEntry
from .ledger import bonus_settle, ledger_entry_book


def _rule_of(challenge: Challenge) -> rules.ChallengeRule:
    return rules.ChallengeRule(
        code=challenge.code,
        points=challenge.points,
        counted_at_most=challenge.counted_at_most,
        automatic=challenge.kind == Challenge.Kind.AUTOMATIC,
    )


def _transition(claim: Claim, to_status: str, actor: User | None, note: str = "") -> None:
    ClaimTransition.objects.create(
        claim=claim, from_status=claim.status, to_status=to_status, actor=actor, note=note
    )
    claim.status = to_status


def _notify_partner(claim: Claim) -> None:
    """Tell the company's users about a decision on its claim, each in their language."""
    url = settings.PORTAL_URL + reverse("challenges:claim-detail", args=[claim.pk])
    for membership in claim.partner.memberships.select_related("user"):
        email_send(
            to=membership.user.email,
            template=f"challenges/email/claim_{claim.status}",
            context={"claim": claim, "partner": claim.partner, "url": url},
            language=membership.user.language,
        )


@dataclass(frozen=True)
class ClaimData:
    activity_date: date
    meeting_date: date | None = None
    distributor_contact: str = ""
    subscription_id: str = ""
    bant_budget: bool = False
    bant_authority: bool = False
    bant_need: bool = False
    bant_time: bool = False
    note: str = ""


def activity_date_check(day: date, season) -> None:
    """The day of an activity lies within the season and not in the future."""
    if not (season.start_date <= day <= season.end_date):
        raise DomainError(
            _("The activity must lie within the season (%(start)s – %(end)s).")
            % {"start": f"{season.start_date:%d.%m.%Y}", "end": f"{season.end_date:%d.%m.%Y}"}
        )
    if day > timezone.localdate():
        raise DomainError(_("The date of the activity lies in the future."))


def _check_claim_content(challenge: Challenge, data: ClaimData, season) -> None:
    """What the challenge's catalogue entry says its claim needs (a claimable challenge has one)."""
    activity_date_check(data.activity_date, season)
    spec = challenge.spec
    if spec.needs_bant:
        try:
            rules.check_bant(
                {
                    "budget": data.bant_budget,
                    "authority": data.bant_authority,
                    "need": data.bant_need,
                    "time": data.bant_time,
                }
            )
        except rules.RuleBroken as exc:
            raise DomainError(
                _("All four BANT criteria (Budget, Authority, Need, Time) must be confirmed.")
            ) from exc
    if spec.needs_meeting:
        if not data.meeting_date or not data.distributor_contact.strip():
            raise DomainError(_("Please give the meeting date and your contact at Ingram Micro."))
    if spec.subscription == catalogue.REQUIRED and not data.subscription_id.strip():
        raise DomainError(_("Please give the Azure subscription ID of the new end customer."))


def _check_new_to_azure(challenge: Challenge, customer: EndCustomer | None, season) -> None:
    if challenge.code != rules.NEW_CUSTOMER_CODE or customer is None:
        return
    first = billing.azure_first_usage(tenant_ids=[customer.tenant_id], season=season).get(
        customer.tenant_id
    )
    if first is not None:
        raise DomainError(billing.not_new_reason(first))


def _counted_keys(partner_id: int, challenge: Challenge, statuses) -> list[str]:
    return list(
        Claim.objects.filter(
            partner_id=partner_id, challenge=challenge, status__in=statuses
        ).values_list("count_key", flat=True)
    )


def claim_submit(
    *,
    membership: Membership,
    challenge_code: str,
    customer: EndCustomer | None,
    data: ClaimData,
    evidence=None,
) -> Claim:
    partner = membership.partner
    if partner.status != Partner.Status.APPROVED:
        raise DomainError(_("Only approved participants can submit claims."))
    challenge = selectors.challenge_claimable_get(partner.season_id, challenge_code)
    if challenge is None:
        raise DomainError(
            _("There is no challenge “%(code)s” to claim in this season.")
            % {"code": challenge_code}
        )
    if customer is None or customer.partner_id != partner.pk:
        raise DomainError(_("Please choose one of your own end customers."))
    customer_check_not_excluded(
        season_id=partner.season_id, tenant_id=customer.tenant_id, domain=customer.domain
    )
    _check_claim_content(challenge, data, partner.season)
    _check_new_to_azure(challenge, customer, partner.season)
    rule = _rule_of(challenge)
    with transaction.atomic():
        # Checked again under the lock: a disqualification may have committed since the check
        # above (or the caller's partner object is stale), and it must not get new claims.
        locked = Partner.objects.lock(partner.pk)
        if locked.status != Partner.Status.APPROVED:
            raise DomainError(_("Only approved participants can submit claims."))
        key = rules.count_key(rule, customer.pk)
        try:
            rules.check_countable(
                rule,
                key,
                _counted_keys(partner.pk, challenge, (Claim.Status.APPROVED, *Claim.OPEN)),
            )
        except rules.RuleBroken as exc:
            raise DomainError(
                _(
                    "“%(title)s” counts once per end customer and is already claimed for "
                    "%(customer)s."
                )
                % {"title": challenge.title, "customer": customer.name}
            ) from exc
        claim = Claim(
            partner=partner,
            season_id=partner.season_id,
            challenge=challenge,
            customer=customer,
            count_key=key,
            submitted_by=membership.user,
            **data.__dict__,
        )
        try:
            if evidence is not None:
                claim.evidence_name = evidence.name[:200]
                claim.evidence_type = getattr(evidence, "content_type", "")[:40]
                claim.evidence.save(evidence.name, evidence, save=False)
            claim.save()
            ClaimTransition.objects.create(
                claim=claim,
                from_status="",
                to_status=Claim.Status.SUBMITTED,
                actor=membership.user,
            )
        except BaseException:
            # The transaction rolls back; the file stored for it must not stay behind.
            if claim.evidence:
                claim.evidence.delete(save=False)
            raise
    return claim


def _lock_claim(claim: Claim) -> tuple[Claim, Partner]:
    partner = Partner.objects.lock(claim.partner_id)
    claim = (
        # Lock the claim row only: PostgreSQL refuses FOR UPDATE on the nullable (outer-joined)
        # customer side.
        Claim.objects.select_for_update(of=("self",))
        .select_related("challenge", "customer")
        .get(pk=claim.pk)
    )
    return claim, partner


def claim_approve(*, claim: Claim, reviewer: User) -> Claim:
    try:
        with transaction.atomic():
            claim, partner = _lock_claim(claim)
            if claim.status == Claim.Status.APPROVED:
                raise DomainError(_("This claim is already approved."))
            if claim.status not in Claim.OPEN:
                raise DomainError(
                    _("Only open claims can be approved; this one is %(status)s.")
                    % {"status": claim.get_status_display()}
                )
            if partner.status != Partner.Status.APPROVED:
                raise DomainError(_("The partner no longer takes part in the league."))
            customer = claim.customer
            if customer is not None:
                customer_check_not_excluded(
                    season_id=claim.season_id, tenant_id=customer.tenant_id, domain=customer.domain
                )
            # Read again inside this transaction: a billing import that committed since the
            # submission (or since the reviewer opened the page) refuses the approval. One that
            # commits after this read lists the approved claim as "contradicted by billing"
            # (staff_selectors.claim_contradicted_list, a query, not a flag), so either order ends
            # right.
            _check_new_to_azure(claim.challenge, customer, partner.season)
            rule = _rule_of(claim.challenge)
            try:
                rules.check_countable(
                    rule,
                    claim.count_key,
                    _counted_keys(partner.pk, claim.challenge, (Claim.Status.APPROVED,)),
                )
            except rules.RuleBroken as exc:
                raise DomainError(
                    _("“%(title)s” has already counted for this end customer; reject this claim.")
                    % {"title": claim.challenge.title}
                ) from exc
            _transition(claim, Claim.Status.APPROVED, reviewer)
            claim.decided_by, claim.decided_at, claim.reason = reviewer, timezone.now(), ""
            claim.save()
            ledger_entry_book(
                claim=claim,
                kind=LedgerEntry.Kind.GRANT,
                points=claim.challenge.points,
                actor=reviewer,
            )
            if claim.challenge.code == rules.NEW_CUSTOMER_CODE:
                bonus_settle(partner=partner, trigger=claim, actor=reviewer)
            _notify_partner(claim)
    except IntegrityError as exc:  # the constraint saw a concurrent approval first
        raise DomainError(_("This claim was counted by a concurrent approval already.")) from exc
    return claim


# One request approves at most this many claims (each is its own transaction).
BULK_LIMIT = 200


@dataclass
class BulkApproval:
    approved: list[Claim] = field(default_factory=list)
    refused: list[tuple[Claim, str]] = field(default_factory=list)  # the claim and why


def claim_bulk_approve(*, claim_ids: Iterable[int], reviewer: User) -> BulkApproval:
    """Approve the claims staff ticked in the review queue, oldest first. Only simple claims
    (`staff_selectors.is_simple`: a challenge the catalogue allows bulk approval for, no evidence,
    no conflict) are approved here; the others are refused with the reason, to be reviewed on
    their own page. Each approval is `claim_approve` in its own transaction, so one refusal does
    not undo the others, and a second submission of the same selection approves nothing twice."""
    ids = set(claim_ids)
    if len(ids) > BULK_LIMIT:
        raise DomainError(_("Please approve at most %(n)s claims at once.") % {"n": BULK_LIMIT})
    result = BulkApproval()
    for row in staff_selectors.claims_for_bulk(ids=ids):
        claim = row.claim
        if claim.status == Claim.Status.NEEDS_INFO:
            result.refused.append(
                (claim, _("waiting for the partner's answer; review it on its own page."))
            )
        elif claim.status == Claim.Status.SUBMITTED and not row.simple:
            result.refused.append(
                (
                    claim,
                    _(
                        "not a simple claim (evidence, conflict or challenge); review it on its "
                        "own page."
                    ),
                )
            )
        else:
            try:
                claim_approve(claim=claim, reviewer=reviewer)
            except DomainError as exc:
                result.refused.append((claim, str(exc)))
            else:
                result.approved.append(claim)
    return result


def _decide(claim: Claim, reviewer: User, to_status: str, text: str, required_message: str):
    if not text.strip():
        raise DomainError(required_message)
    with transaction.atomic():
        claim, _partner = _lock_claim(claim)
        if claim.status not in Claim.OPEN:
            raise DomainError(
                _("This claim is already decided (%(status)s).")
                % {"status": claim.get_status_display()}
            )
        if claim.status == to_status:
            raise DomainError(_("This claim is already waiting for the partner's answer."))
        _transition(claim, to_status, reviewer, text.strip())
        claim.decided_by, claim.decided_at, claim.reason = reviewer, timezone.now(), text.strip()
        claim.save()
        _notify_partner(claim)
    return claim


def claim_reject(*, claim: Claim, reviewer: User, reason: str) -> Claim:
    return _decide(
        claim, reviewer, Claim.Status.REJECTED, reason, _("Please give a reason for the rejection.")
    )


def claim_ask(*, claim: Claim, reviewer: User, question: str) -> Claim:
    return _decide(
        claim, reviewer, Claim.Status.NEEDS_INFO, question, _("Please write your question.")
    )


def claim_answer(*, claim: Claim, membership: Membership, answer: str) -> Claim:
    if not answer.strip():
        raise DomainError(_("Please write your answer."))
    with transaction.atomic():
        claim, _partner = _lock_claim(claim)
        if claim.partner_id != membership.partner_id:
            raise DomainError(_("This claim belongs to another company."))
        if claim.status != Claim.Status.NEEDS_INFO:
            raise DomainError(_("This claim is not waiting for an answer."))
        _transition(claim, Claim.Status.SUBMITTED, membership.user, answer.strip())
        claim.answer = answer.strip()
        claim.staff_notified_at = None
        claim.save()
    return claim


def claim_withdraw(*, claim: Claim, membership: Membership) -> Claim:
    with transaction.atomic():
        claim, _partner = _lock_claim(claim)
        if claim.partner_id != membership.partner_id:
            raise DomainError(_("This claim belongs to another company."))
        if claim.status not in Claim.OPEN:
            raise DomainError(_("Only open claims can be withdrawn."))
        _transition(claim, Claim.Status.WITHDRAWN, membership.user)
        claim.save()
    return claim


def claim_revoke_locked(claim: Claim, partner: Partner, reviewer: User, reason: str) -> None:
    """Revoke an approved claim whose row and partner the caller has locked: the counter-entry,
    and the first-customer bonus settled again."""
    _transition(claim, Claim.Status.REVOKED, reviewer, reason)
    claim.decided_by, claim.decided_at, claim.reason = reviewer, timezone.now(), reason
    claim.save()
    granted = LedgerEntry.objects.filter(claim=claim, kind=LedgerEntry.Kind.GRANT).first()
    if granted is not None:
        ledger_entry_book(
            claim=claim, kind=LedgerEntry.Kind.REVOKE, points=-granted.points, actor=reviewer
        )
    if claim.challenge.code == rules.NEW_CUSTOMER_CODE:
        bonus_settle(partner=partner, trigger=claim, actor=reviewer)


def claim_reject_locked(claim: Claim, reviewer: User, reason: str) -> None:
    """Reject an open claim whose row and partner the caller has locked, without a notice."""
    _transition(claim, Claim.Status.REJECTED, reviewer, reason)
    claim.decided_by, claim.decided_at, claim.reason = reviewer, timezone.now(), reason
    claim.save()


def claim_revoke(*, claim: Claim, reviewer: User, reason: str) -> Claim:
    if not reason.strip():
        raise DomainError(_("Please give a reason for the revocation."))
    with transaction.atomic():
        claim, partner = _lock_claim(claim)
        if claim.status != Claim.Status.APPROVED:
            raise DomainError(_("Only approved claims can be revoked."))
        claim_revoke_locked(claim, partner, reviewer, reason.strip())
        _notify_partner(claim)
    return claim
