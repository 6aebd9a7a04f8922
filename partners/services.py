"""Every write to partners, memberships, invitations and end customers goes through these
functions."""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from seasons.models import League, Season

from . import identity
from .identity import Exclusions
from .models import EndCustomer, Invitation, Membership, Partner, User
from .notifications import email_send
from .pseudonyms import pseudonym_draw


@dataclass(frozen=True)
class RegistrationData:
    name: str
    customer_number: str
    partner_id: str
    street: str
    postal_code: str
    city: str
    country: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""
    vat_id: str = ""


def _check_partner_id_free(season: Season, partner_id: str, exclude_pk: int | None = None) -> None:
    taken = Partner.objects.filter(season=season, partner_id=partner_id).exclude(
        status=Partner.Status.REJECTED
    )
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DomainError(
            _(
                "A company with the Microsoft partner ID %(id)s is already registered for this "
                "season."
            )
            % {"id": partner_id}
        )


def partner_register(
    *,
    user: User,
    season: Season,
    data: RegistrationData,
    employer_approval: bool,
    terms_accepted: bool,
    privacy_accepted: bool,
    today=None,
) -> Partner:
    """A user registers a company for `season`; the user becomes its admin (terms 1 and 3.1)."""
    if not season.registration_open(today):
        raise DomainError(
            _("Registration for %(season)s closed on %(date)s.")
            % {"season": season.name, "date": season.registration_deadline.strftime("%d.%m.%Y")}
        )
    if not (employer_approval and terms_accepted and privacy_accepted):
        raise DomainError(
            _(
                "Please confirm your employer's approval and accept the terms and the data "
                "processing."
            )
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            if Membership.objects.filter(user=user, season=season).exists():
                raise DomainError(_("You already belong to a company in this season."))
            _check_partner_id_free(season, data.partner_id)
            partner = Partner.objects.create(
                season=season,
                status=Partner.Status.PENDING,
                registered_by=user,
                employer_approval_at=now,
                terms_accepted_at=now,
                privacy_accepted_at=now,
                **data.__dict__,
            )
            Membership.objects.create(
                user=user, partner=partner, season=season, role=Membership.Role.ADMIN
            )
    except IntegrityError as exc:  # a concurrent registration of the same company or user
        raise DomainError(_("This company or user is already registered for this season.")) from exc
    return partner


def _assign_pseudonym(partner: Partner) -> None:
    # The season row lock serialises draws, the unique constraint is the last guard.
    Season.objects.select_for_update().get(pk=partner.season_id)
    used = set(
        Partner.objects.filter(
            season_id=partner.season_id, pseudonym_number__isnull=False
        ).values_list("pseudonym_number", flat=True)
    )
    partner.pseudonym_number = pseudonym_draw(used)


def partner_approve(*, partner: Partner, reviewer: User | None, league: League) -> Partner:
    with transaction.atomic():
        partner = Partner.objects.lock(partner.pk)
        if partner.status != Partner.Status.PENDING:
            raise DomainError(
                _("This registration is already decided (%(status)s).")
                % {"status": partner.get_status_display()}
            )
        if league.season_id != partner.season_id:
            raise DomainError(_("The league belongs to another season."))
        if partner.pseudonym_number is None:
            _assign_pseudonym(partner)
        partner.status = Partner.Status.APPROVED
        partner.league = league
        partner.reviewed_by = reviewer
        partner.reviewed_at = timezone.now()
        partner.decision_reason = ""
        partner.save()
        _notify_members(partner, "partners/email/registration_approved")
    return partner


def partner_details_update(*, partner: Partner, actor: User, details: dict) -> Partner:
    """The company admin or staff (`actor`) change the address, VAT ID or contact, as the form
    checked them; other keys of `details` are ignored."""
    fields = [name for name in details if name in Partner.DETAIL_FIELDS]
    with transaction.atomic():
        locked = Partner.objects.lock(partner.pk)
        for name in fields:
            setattr(locked, name, details[name])
        locked.save(update_fields=fields)
    return locked


def partner_reject(*, partner: Partner, reviewer: User, reason: str) -> Partner:
    if not reason.strip():
        raise DomainError(_("Please give a reason for the rejection."))
    with transaction.atomic():
        partner = Partner.objects.lock(partner.pk)
        if partner.status != Partner.Status.PENDING:
            raise DomainError(
                _("This registration is already decided (%(status)s).")
                % {"status": partner.get_status_display()}
            )
        partner.status = Partner.Status.REJECTED
        partner.reviewed_by = reviewer
        partner.reviewed_at = timezone.now()
        partner.decision_reason = reason.strip()
        partner.save()
        _notify_members(partner, "partners/email/registration_rejected")
        # The people are free to register again (with a corrected registration).
        partner.memberships.all().delete()
    return partner


def partner_withdraw(*, partner: Partner, actor: User | None) -> Partner:
    """Terms 3.1: the company withdraws (in the portal, or by letter that staff record).

    The one place that sets the status to withdrawn: it records when and who. The partner leaves
    the table and can submit nothing more; its money is decided by the status (SPEC 2, see
    `credits.computation`): issued notes stay, lines final at this moment are still issued, and no
    new lines come. The season row is locked after the partner's (the order of every lock pair
    on them), so a credit computation running now finishes first and "final before the withdrawal"
    means exactly the lines computed before it.
    """
    with transaction.atomic():
        partner = Partner.objects.lock(partner.pk)
        Season.objects.select_for_update(no_key=True).get(pk=partner.season_id)
        if partner.status == Partner.Status.WITHDRAWN:
            raise DomainError(_("This company has already withdrawn from the league."))
        if partner.status not in (Partner.Status.APPROVED, Partner.Status.PENDING):
            raise DomainError(
                _("A company that is %(status)s cannot withdraw.")
                % {"status": partner.get_status_display()}
            )
        partner.status = Partner.Status.WITHDRAWN
        partner.withdrawn_at = timezone.now()
        partner.withdrawn_by = actor
        partner.save(update_fields=["status", "withdrawn_at", "withdrawn_by"])
    return partner


def _notify_members(partner: Partner, template: str) -> None:
    url = settings.PORTAL_URL + reverse("partners:home")
    for membership in partner.memberships.select_related("user"):
        email_send(
            to=membership.user.email,
            template=template,
            context={"partner": partner, "user": membership.user, "url": url},
            language=membership.user.language,
        )


def invitation_create(*, membership: Membership, email: str, base_url: str) -> Invitation:
    """A company admin invites a colleague by e-mail."""
    if not membership.is_admin:
        raise DomainError(_("Only the company's admin can invite colleagues."))
    email = email.strip().lower()
    partner = membership.partner
    if partner.status not in (Partner.Status.PENDING, Partner.Status.APPROVED):
        raise DomainError(_("This company no longer takes part in the league."))
    if Membership.objects.filter(partner=partner, user__email__iexact=email).exists():
        raise DomainError(_("%(email)s is already a member of your company.") % {"email": email})
    with transaction.atomic():  # the invitation and its e-mail in the outbox, or neither
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    partner=partner, email=email, invited_by=membership.user
                )
        except IntegrityError as exc:
            raise DomainError(
                _("%(email)s has an open invitation already.") % {"email": email}
            ) from exc
        url = base_url.rstrip("/") + reverse("partners:invitation-accept", args=[invitation.token])
        email_send(
            to=email,
            template="partners/email/invitation",
            context={
                "invitation": invitation,
                "partner": partner,
                "url": url,
                "inviter": membership.user,
                "valid_days": Invitation.VALID_DAYS,
            },
            language=membership.user.language,
        )
    return invitation


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("partner").get(pk=invitation.pk)
        )
        if invitation.accepted_by_id == user.pk:
            return Membership.objects.get(user=user, partner=invitation.partner)
        if not invitation.is_open:
            raise DomainError(_("This invitation is no longer valid."))
        if user.email.lower() != invitation.email.lower():
            raise DomainError(
                _("This invitation is for %(email)s. Please log in with that address.")
                % {"email": invitation.email}
            )
        season_id = invitation.partner.season_id
        if Membership.objects.filter(user=user, season_id=season_id).exists():
            raise DomainError(_("You already belong to a company in this season."))
        membership = Membership.objects.create(
            user=user, partner=invitation.partner, season_id=season_id, role=invitation.role
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def invitation_revoke(*, invitation: Invitation, actor: Membership) -> Invitation:
    if not actor.is_admin or actor.partner_id != invitation.partner_id:
        raise DomainError(_("Only the company's admin can revoke invitations."))
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise DomainError(_("This invitation was already accepted or revoked."))
    invitation.refresh_from_db()
    return invitation


def membership_remove(*, membership: Membership, actor: Membership) -> None:
    if not actor.is_admin or actor.partner_id != membership.partner_id:
        raise DomainError(_("Only the company's admin can remove colleagues."))
    if membership.pk == actor.pk:
        raise DomainError(_("You cannot remove yourself; hand the admin role over first."))
    membership.delete()


# --- End customers (they belong to the partner that reported them, SPEC 3) ----------------------


@dataclass(frozen=True)
class CustomerData:
    name: str
    tenant_id: str
    domain: str = ""
    contact_name: str = ""
    contact_email: str = ""


def customer_check_not_excluded(*, season_id: int, tenant_id: str, domain: str) -> None:
    """Refuse an end customer that a staff exclusion covers, naming its reason (terms 1): when it
    is reported, claimed for and approved."""
    exclusion = Exclusions.of_season(season_id).covering(tenant_id, domain)
    if exclusion is not None:
        raise DomainError(
            _("This end customer is excluded from the league: %(reason)s")
            % {"reason": exclusion.reason}
        )


def customer_create(*, partner: Partner, data: CustomerData, actor: User | None) -> EndCustomer:
    if partner.status != Partner.Status.APPROVED:
        raise DomainError(_("Only approved participants can report end customers."))
    tenant_id, domain = (
        identity.normalise_tenant(data.tenant_id),
        identity.normalise_domain(data.domain),
    )
    customer_check_not_excluded(season_id=partner.season_id, tenant_id=tenant_id, domain=domain)
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
