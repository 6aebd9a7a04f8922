"""The Azure Sales Academy (SPEC 3, terms 2.3): dates, seats, attendance, and the `academy`
points that the first attendance of a partner grants, once per season."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from partners.models import Membership, Partner, User

from .. import rules
from ..models import AcademyDate, AcademySeat, Challenge, Claim, ClaimTransition, LedgerEntry
from .claims import activity_date_check
from .ledger import ledger_entry_book


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
    ledger_entry_book(
        claim=claim, kind=LedgerEntry.Kind.GRANT, points=challenge.points, actor=actor
    )
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
    activity_date_check(day, partner.season)
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
