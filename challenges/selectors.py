"""Read-only queries of the partner pages: each returns what one page shows, in a fixed number of
SQL queries however many rows there are."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.money import CENT
from partners.models import EndCustomer, Partner

from . import catalogue
from .models import AcademyDate, AcademySeat, Challenge, Claim, LedgerEntry, Redemption

GRANT_KINDS = (LedgerEntry.Kind.GRANT, LedgerEntry.Kind.REVOKE)
BONUS_KINDS = (LedgerEntry.Kind.BONUS, LedgerEntry.Kind.BONUS_REVOKE)


def challenge_claimable_list(season_id: int):
    """The challenges a partner claims itself (the catalogue's claimable ones), in catalogue
    order."""
    return Challenge.objects.filter(season_id=season_id, code__in=catalogue.claimable_codes())


def challenge_claimable_get(season_id: int, code: str) -> Challenge | None:
    return challenge_claimable_list(season_id).filter(code=code).first()


def _with_points(claims):
    return claims.annotate(
        points_booked=Coalesce(
            Sum("ledger_entries__points", filter=Q(ledger_entries__kind__in=GRANT_KINDS)),
            Value(0),
        ),
        bonus_booked=Coalesce(
            Sum("ledger_entries__points", filter=Q(ledger_entries__kind__in=BONUS_KINDS)),
            Value(0),
        ),
    )


def claim_list(partner: Partner):
    """The company's claims, newest first, each with the points its ledger entries hold (the page
    filters them with `challenges.filters.ClaimFilter`)."""
    claims = Claim.objects.filter(partner=partner).select_related("challenge", "customer")
    return _with_points(claims).order_by("-submitted_at", "-pk")


def claim_status_counts(partner: Partner) -> dict[str, int]:
    rows = Claim.objects.filter(partner=partner).values_list("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(Claim.Status.values, 0)
    counts.update(dict(rows))
    return counts


def claim_get(partner: Partner, pk: int) -> Claim:
    return _with_points(
        Claim.objects.filter(partner=partner).select_related(
            "challenge", "customer", "submitted_by", "decided_by"
        )
    ).get(pk=pk)


def claim_transitions(claim: Claim):
    return claim.transitions.select_related("actor").order_by("at", "pk")


def customer_list(partner: Partner):
    """The company's end customers with their number of claims and the points those hold."""
    points = (
        LedgerEntry.objects.filter(claim__customer=OuterRef("pk"))
        .order_by()
        .values("claim__customer")
        .annotate(total=Sum("points"))
        .values("total")
    )
    return (
        EndCustomer.objects.filter(partner=partner)
        .annotate(
            claim_count=Count("claims", distinct=True),
            approved_count=Count(
                "claims", filter=Q(claims__status=Claim.Status.APPROVED), distinct=True
            ),
            points=Coalesce(Subquery(points, output_field=IntegerField()), Value(0)),
        )
        .order_by("name", "pk")
    )


def customer_claims(customer: EndCustomer):
    return _with_points(customer.claims.select_related("challenge")).order_by(
        "-submitted_at", "-pk"
    )


@dataclass(frozen=True)
class CustomerChallenge:
    """A claimable challenge as seen from one end customer: can the partner still claim it?"""

    challenge: Challenge
    claim: Claim | None  # the open or approved claim that already counts it

    @property
    def available(self) -> bool:
        return self.claim is None


def customer_challenges(customer: EndCustomer, claims) -> list[CustomerChallenge]:
    counting = {
        c.challenge_id: c
        for c in sorted(claims, key=lambda c: c.submitted_at)
        if c.status in (Claim.Status.APPROVED, *Claim.OPEN)
    }
    return [
        CustomerChallenge(challenge=ch, claim=counting.get(ch.pk))
        for ch in challenge_claimable_list(customer.season_id)
    ]


@dataclass(frozen=True)
class StatementLine:
    entry: LedgerEntry
    balance: int


def statement(partner: Partner) -> tuple[list[StatementLine], int]:
    """The company's ledger, newest first, with the balance after each entry; one query."""
    entries = (
        LedgerEntry.objects.filter(partner=partner)
        .select_related("challenge", "claim", "claim__customer")
        .order_by("created_at", "pk")
    )
    lines, balance = [], 0
    for entry in entries:
        balance += entry.points
        lines.append(StatementLine(entry=entry, balance=balance))
    lines.reverse()
    return lines, balance


def academy_dates(partner: Partner) -> list[AcademyDate]:
    """The season's academy dates, each with `own_seats`: the company's bookings on it."""
    dates = list(AcademyDate.objects.filter(season_id=partner.season_id).order_by("date", "pk"))
    seats: dict[int, list[AcademySeat]] = {}
    for seat in AcademySeat.objects.filter(partner=partner, academy__in=dates).order_by("name"):
        seats.setdefault(seat.academy_id, []).append(seat)
    for academy in dates:
        academy.own_seats = seats.get(academy.pk, [])
    return dates


def academy_granted(partner: Partner) -> bool:
    return Claim.objects.filter(
        partner=partner, challenge__code="academy", status=Claim.Status.APPROVED
    ).exists()


def partner_points(partner: Partner) -> int:
    return LedgerEntry.objects.filter(partner=partner).aggregate(s=Sum("points"))["s"] or 0


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


def redemption_list(partner: Partner):
    return Redemption.objects.filter(partner=partner).order_by("-requested_at", "-pk")


def partner_summary(partner: Partner) -> dict:
    """Figures for the company's start page."""
    return {
        "points": partner_points(partner),
        "customers": EndCustomer.objects.filter(partner=partner).count(),
        "open_claims": Claim.objects.filter(partner=partner, status__in=Claim.OPEN).count(),
        "needs_info": Claim.objects.filter(partner=partner, status=Claim.Status.NEEDS_INFO).count(),
    }
