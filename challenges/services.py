"""Every change of claims, points, academy seats and redemptions goes through these functions.

Approvals and revocations lock the partner's row first, so that everything that decides points
for one partner ("counted at most", the first-customer bonus) happens one at a time; the unique
constraints on claims and ledger entries are the last guard.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.errors import DomainError
from core.formatting import money
from partners import identity
from partners.identity import Exclusions
from partners.models import CustomerExclusion, EndCustomer, Membership, Partner, User
from partners.notifications import email_send

from . import billing, rules
from .models import (
    AcademyDate,
    AcademySeat,
    Challenge,
    Claim,
    ClaimTransition,
    LedgerEntry,
    Redemption,
)

CLAIMABLE_KINDS = (Challenge.Kind.RECURRING, Challenge.Kind.SERVICE)


def _rule_of(challenge: Challenge) -> rules.ChallengeRule:
    return rules.ChallengeRule(
        code=challenge.code,
        points=challenge.points,
        counted_at_most=challenge.counted_at_most,
        automatic=challenge.kind == Challenge.Kind.AUTOMATIC,
    )


def _rule_text(challenge: Challenge, language: str) -> str:
    with override(language):
        return (
            f"{challenge.title} — {challenge.points} "
            f"{_('points')}, {challenge.get_counted_at_most_display()}"
        )[:300]


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


# --- End customers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerData:
    name: str
    tenant_id: str
    domain: str = ""
    contact_name: str = ""
    contact_email: str = ""


def customer_create(*, partner: Partner, data: CustomerData, actor: User | None) -> EndCustomer:
    if partner.status != Partner.Status.APPROVED:
        raise DomainError(_("Only approved participants can report end customers."))
    tenant_id, domain = (
        identity.normalise_tenant(data.tenant_id),
        identity.normalise_domain(data.domain),
    )
    exclusion = Exclusions.of_season(partner.season_id).covering(tenant_id, domain)
    if exclusion is not None:
        raise DomainError(
            _("This end customer is excluded from the league: %(reason)s")
            % {"reason": exclusion.reason}
        )
    try:
        with transaction.atomic():
            return EndCustomer.objects.create(
                partner=partner,
                season_id=partner.season_id,
                name=data.name.strip(),
                tenant_id=tenant_id,
                domain=domain,
                contact_name=data.contact_name.strip(),
                contact_email=data.contact_email.strip().lower(),
                created_by=actor,
            )
    except IntegrityError as exc:
        raise DomainError(
            _("You have reported the end customer with tenant ID %(id)s already.")
            % {"id": tenant_id}
        ) from exc


def customer_conflicts(customer: EndCustomer):
    """Other partners' end customers with the same tenant ID or the same domain."""

    same = Q(tenant_id=customer.tenant_id)
    if customer.domain:
        same |= Q(domain=customer.domain)
    return (
        EndCustomer.objects.filter(same, season_id=customer.season_id)
        .exclude(partner_id=customer.partner_id)
        .select_related("partner")
    )


# --- Claims --------------------------------------------------------------------------------------


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


def _check_activity_date(day: date, season) -> None:
    if not (season.start_date <= day <= season.end_date):
        raise DomainError(
            _("The activity must lie within the season (%(start)s – %(end)s).")
            % {"start": f"{season.start_date:%d.%m.%Y}", "end": f"{season.end_date:%d.%m.%Y}"}
        )
    if day > timezone.localdate():
        raise DomainError(_("The date of the activity lies in the future."))


def _check_claim_content(challenge: Challenge, data: ClaimData, season) -> None:
    _check_activity_date(data.activity_date, season)
    if challenge.code == "sql_lead":
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
    if challenge.code in ("sales_meeting", "presales_sizing"):
        if not data.meeting_date or not data.distributor_contact.strip():
            raise DomainError(_("Please give the meeting date and your contact at Ingram Micro."))
    if challenge.code == rules.NEW_CUSTOMER_CODE and not data.subscription_id.strip():
        raise DomainError(_("Please give the Azure subscription ID of the new end customer."))


def not_new_reason(first_usage: date) -> str:
    """Why a `new_customer` claim does not count; also the reason staff revoke it with."""
    return _(
        "The end customer is not new to Azure: the imported billing shows Azure consumption "
        "from %(month)s, before the season."
    ) % {"month": formats.date_format(first_usage, "YEAR_MONTH_FORMAT")}


def _check_new_to_azure(challenge: Challenge, customer: EndCustomer | None, season) -> None:
    if challenge.code != rules.NEW_CUSTOMER_CODE or customer is None:
        return
    first = billing.azure_first_usage(tenant_ids=[customer.tenant_id], season=season).get(
        customer.tenant_id
    )
    if first is not None:
        raise DomainError(not_new_reason(first))


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
    challenge = Challenge.objects.filter(
        season_id=partner.season_id, code=challenge_code, kind__in=CLAIMABLE_KINDS
    ).first()
    if challenge is None:
        raise DomainError(
            _("There is no challenge “%(code)s” to claim in this season.")
            % {"code": challenge_code}
        )
    if customer is None or customer.partner_id != partner.pk:
        raise DomainError(_("Please choose one of your own end customers."))
    exclusion = Exclusions.of_season(partner.season_id).covering(
        customer.tenant_id, customer.domain
    )
    if exclusion is not None:
        raise DomainError(
            _("This end customer is excluded from the league: %(reason)s")
            % {"reason": exclusion.reason}
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


def _book(claim: Claim, kind: str, points: int, actor: User | None, challenge=None) -> LedgerEntry:
    challenge = challenge or claim.challenge
    return LedgerEntry.objects.create(
        partner_id=claim.partner_id,
        season_id=claim.season_id,
        challenge=challenge,
        claim=claim,
        kind=kind,
        points=points,
        rule_de=_rule_text(challenge, "de"),
        rule_en=_rule_text(challenge, "en"),
        actor=actor,
    )


def _settle_bonus(partner: Partner, trigger: Claim, actor: User | None) -> None:
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
        _book(trigger, LedgerEntry.Kind.BONUS, change, actor, challenge=bonus)
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
        _book(granted_on.claim, LedgerEntry.Kind.BONUS_REVOKE, change, actor, challenge=bonus)


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
                exclusion = Exclusions.of_season(claim.season_id).covering(
                    customer.tenant_id, customer.domain
                )
                if exclusion is not None:
                    raise DomainError(
                        _("This end customer is excluded from the league: %(reason)s")
                        % {"reason": exclusion.reason}
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
            _book(claim, LedgerEntry.Kind.GRANT, claim.challenge.points, reviewer)
            if claim.challenge.code == rules.NEW_CUSTOMER_CODE:
                _settle_bonus(partner, claim, reviewer)
            _notify_partner(claim)
    except IntegrityError as exc:  # the constraint saw a concurrent approval first
        raise DomainError(_("This claim was counted by a concurrent approval already.")) from exc
    return claim


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


def _revoke_locked(claim: Claim, partner: Partner, reviewer: User, reason: str) -> None:
    _transition(claim, Claim.Status.REVOKED, reviewer, reason)
    claim.decided_by, claim.decided_at, claim.reason = reviewer, timezone.now(), reason
    claim.save()
    granted = LedgerEntry.objects.filter(claim=claim, kind=LedgerEntry.Kind.GRANT).first()
    if granted is not None:
        _book(claim, LedgerEntry.Kind.REVOKE, -granted.points, reviewer)
    if claim.challenge.code == rules.NEW_CUSTOMER_CODE:
        _settle_bonus(partner, claim, reviewer)


def claim_revoke(*, claim: Claim, reviewer: User, reason: str) -> Claim:
    if not reason.strip():
        raise DomainError(_("Please give a reason for the revocation."))
    with transaction.atomic():
        claim, partner = _lock_claim(claim)
        if claim.status != Claim.Status.APPROVED:
            raise DomainError(_("Only approved claims can be revoked."))
        _revoke_locked(claim, partner, reviewer, reason.strip())
        _notify_partner(claim)
    return claim


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
                _revoke_locked(claim, partner, reviewer, reason.strip())
            else:
                _transition(claim, Claim.Status.REJECTED, reviewer, reason.strip())
                claim.decided_by, claim.decided_at, claim.reason = (
                    reviewer,
                    timezone.now(),
                    reason.strip(),
                )
                claim.save()
        partner.status = Partner.Status.DISQUALIFIED
        partner.decision_reason = reason.strip()
        partner.reviewed_by, partner.reviewed_at = reviewer, timezone.now()
        partner.save()
    return partner


def partner_points(partner: Partner) -> int:
    return LedgerEntry.objects.filter(partner=partner).aggregate(s=Sum("points"))["s"] or 0


# --- Academy -------------------------------------------------------------------------------------


def academy_seat_book(
    *, membership: Membership, academy: AcademyDate, name: str, email: str
) -> AcademySeat:
    partner = membership.partner
    if partner.status != Partner.Status.APPROVED:
        raise DomainError(_("Only approved participants can book academy seats."))
    if academy.season_id != partner.season_id:
        raise DomainError(_("This academy date belongs to another season."))
    with transaction.atomic():
        Partner.objects.lock(partner.pk)
        taken = AcademySeat.objects.filter(partner=partner, academy__season_id=partner.season_id)
        if taken.count() >= partner.season.academy_seats:
            raise DomainError(
                _("Your company has booked all %(n)s academy seats of the season.")
                % {"n": partner.season.academy_seats}
            )
        try:
            with transaction.atomic():
                return AcademySeat.objects.create(
                    academy=academy, partner=partner, name=name.strip(), email=email.strip().lower()
                )
        except IntegrityError as exc:
            raise DomainError(
                _("%(email)s is booked on this date already.") % {"email": email}
            ) from exc


def _academy_challenge(season_id: int) -> Challenge:
    challenge = Challenge.objects.filter(season_id=season_id, code=rules.ACADEMY_CODE).first()
    if challenge is None:
        raise DomainError(_("This season has no academy challenge."))
    return challenge


def _academy_granted(partner: Partner, challenge: Challenge) -> bool:
    return Claim.objects.filter(
        partner=partner, challenge=challenge, status=Claim.Status.APPROVED
    ).exists()


def _academy_grant_locked(
    partner: Partner, challenge: Challenge, day: date, note: str, actor: User | None
) -> Claim:
    """The approved `academy` claim that records the attendance, with its points (the partner's
    row is locked by the caller, and `counted_at_most_once` is the last guard)."""
    claim = Claim.objects.create(
        partner=partner,
        season_id=partner.season_id,
        challenge=challenge,
        count_key=rules.PARTNER_KEY,
        activity_date=day,
        note=note,
        submitted_by=actor,
        status=Claim.Status.APPROVED,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    ClaimTransition.objects.create(
        claim=claim,
        from_status="",
        to_status=Claim.Status.APPROVED,
        actor=actor,
        note=_("Attendance recorded"),
    )
    _book(claim, LedgerEntry.Kind.GRANT, challenge.points, actor)
    return claim


def academy_attendance_record(*, seat: AcademySeat, attended: bool, reviewer: User) -> AcademySeat:
    """Staff record attendance; the first attendance of a partner grants `academy` once."""
    with transaction.atomic():
        partner = Partner.objects.lock(seat.partner_id)
        seat = AcademySeat.objects.select_for_update().select_related("academy").get(pk=seat.pk)
        seat.attended, seat.recorded_by, seat.recorded_at = attended, reviewer, timezone.now()
        seat.save()
        if not attended or partner.status != Partner.Status.APPROVED:
            return seat
        challenge = _academy_challenge(partner.season_id)
        if not _academy_granted(partner, challenge):
            _academy_grant_locked(
                partner, challenge, seat.academy.date, f"{seat.academy} — {seat.name}", reviewer
            )
    return seat


def academy_attendance_grant(*, partner: Partner, day: date, note: str, actor: User) -> Claim:
    """The partner's attendance at an academy on `day`, recorded without a booked seat
    (`import_claims`): grants `academy`, once per partner and season. Unlike a second attendee
    on the attendance page, a second grant is refused, so the operator learns that the row did
    not count."""
    _check_activity_date(day, partner.season)
    try:
        with transaction.atomic():
            locked = Partner.objects.lock(partner.pk)
            if locked.status != Partner.Status.APPROVED:
                raise DomainError(_("Only approved participants can receive academy points."))
            challenge = _academy_challenge(locked.season_id)
            if _academy_granted(locked, challenge):
                raise DomainError(
                    _("“%(title)s” counts once per partner and has counted for %(company)s.")
                    % {"title": challenge.title, "company": locked.name}
                )
            return _academy_grant_locked(locked, challenge, day, note, actor)
    except IntegrityError as exc:  # the constraint saw a concurrent grant first
        raise DomainError(_("This claim was counted by a concurrent approval already.")) from exc


# --- Training redemptions ------------------------------------------------------------------------

CENT = Decimal("0.01")


def redemption_balance(partner: Partner) -> dict[str, Decimal]:
    """Value earned (points × rate, at most the cap), redeemed (approved) and still open."""
    season = partner.season
    earned = (Decimal(partner_points(partner)) * season.eur_per_point).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    value = max(Decimal(0), min(earned, season.points_cap_eur))
    sums = Redemption.objects.filter(partner=partner).aggregate(
        redeemed=Sum("amount_eur", filter=Q(status=Redemption.Status.APPROVED)),
        requested=Sum("amount_eur", filter=Q(status=Redemption.Status.REQUESTED)),
    )
    redeemed = sums["redeemed"] or Decimal(0)
    requested = sums["requested"] or Decimal(0)
    return {
        "earned": earned,
        "value": value,
        "redeemed": redeemed,
        "requested": requested,
        "available": max(Decimal(0), value - redeemed),
        # What a new request may still ask for: open requests reserve their amount.
        "requestable": max(Decimal(0), value - redeemed - requested),
    }


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


# --- Staff: exclusions and academy dates ---------------------------------------------------------


def exclusion_create(
    *, season, kind: str, value: str, reason: str, actor: User | None
) -> CustomerExclusion:
    """Exclude an end customer (tenant ID) or a group of them (a domain and its subdomains).

    From now on their claims are refused at submission and at approval (`Exclusions`); claims
    approved before stay until staff revoke them, so points never vanish without a reason.
    """
    if kind not in CustomerExclusion.Kind.values:
        raise DomainError(_("Please choose whether to exclude a tenant ID or a domain."))
    if kind == CustomerExclusion.Kind.TENANT:
        value = identity.normalise_tenant(value)
    else:
        value = identity.normalise_domain(value)
    if not value:
        raise DomainError(_("Please give the tenant ID or the domain to exclude."))
    if not reason.strip():
        raise DomainError(_("Please give a reason for the exclusion."))
    try:
        with transaction.atomic():
            return CustomerExclusion.objects.create(
                season=season, kind=kind, value=value, reason=reason.strip(), created_by=actor
            )
    except IntegrityError as exc:
        raise DomainError(_("%(value)s is excluded already.") % {"value": value}) from exc


def academy_date_create(*, season, day: date, location: str) -> AcademyDate:
    """An academy date of the season (terms 2.3: September to May, places announced later)."""
    if not location.strip():
        raise DomainError(_("Please give the location."))
    if not (season.start_date <= day <= season.end_date):
        raise DomainError(
            _("The academy must take place within the season (%(start)s – %(end)s).")
            % {"start": f"{season.start_date:%d.%m.%Y}", "end": f"{season.end_date:%d.%m.%Y}"}
        )
    try:
        with transaction.atomic():
            return AcademyDate.objects.create(season=season, date=day, location=location.strip())
    except IntegrityError as exc:  # the unique constraint: a double click or two staff at once
        raise DomainError(_("This academy date exists already.")) from exc
