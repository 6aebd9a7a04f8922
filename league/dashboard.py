"""The partner's own view of its league (SPEC section 4): where it stands, the gap to the next and
to the first place, the challenges that would close it, its points over time.

While the public table is frozen, rank and gaps are those of the frozen table (what everybody
sees); the partner's own live score is shown beside them, never anybody else's.
"""

from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from challenges import catalogue, rules
from challenges.models import AcademyDate, Challenge, Claim, LedgerEntry
from partners.identity import Exclusions
from partners.models import EndCustomer, Partner

from . import charts, leaderboard, standings

NAMES_SHOWN = 3


@dataclass(frozen=True)
class PartnerDashboard:
    season: leaderboard.SeasonInfo
    league: leaderboard.LeagueInfo
    size: int
    own: leaderboard.Standing | None  # in the public table (None: not in it, e.g. joined later)
    live: leaderboard.Standing | None
    frozen: bool
    next_place: leaderboard.Standing | None
    first: leaderboard.Standing | None
    to_pass_next: int | None
    suggestions: list[standings.Suggestion]
    pending_count: int
    pending_points: int
    pending_passes_next: bool
    chart: charts.LineChart

    @property
    def gap_next(self) -> int | None:
        return None if self.next_place is None else self.next_place.points - self.own.points

    @property
    def gap_first(self) -> int | None:
        return None if self.first is None else self.first.points - self.own.points


def _place(standing: leaderboard.Standing) -> standings.Place:
    return standings.Place(standing.rank, standing.points, standing.new_customers)


def _options(partner: Partner, challenges: list[Challenge], bonus: int) -> list[standings.Option]:
    """Every challenge the partner can still claim, with the end customers it is open for;
    `bonus` is what a new end customer brings on top (the first one's bonus, else 0)."""
    counted = set(
        Claim.objects.filter(
            partner=partner, status__in=(Claim.Status.APPROVED, *Claim.OPEN)
        ).values_list("challenge_id", "count_key")
    )
    exclusions = Exclusions.of_season(partner.season_id)
    customers = [
        customer
        for customer in EndCustomer.objects.filter(partner=partner).order_by("name", "pk")
        if exclusions.covering(customer.tenant_id, customer.domain) is None
    ]
    options = []
    claimable = catalogue.claimable_codes()
    for challenge in challenges:
        if challenge.code in claimable:
            rule = rules.ChallengeRule(challenge.code, challenge.points, challenge.counted_at_most)
            open_for = tuple(
                customer.name
                for customer in customers
                if (challenge.pk, rules.count_key(rule, customer.pk)) not in counted
            )
            new_customer = challenge.code == rules.NEW_CUSTOMER_CODE
            extra = bonus if new_customer else 0
            options.append(
                standings.Option(
                    code=challenge.code,
                    title=challenge.title,
                    points=challenge.points + extra,
                    new_customers=int(new_customer),
                    customers=open_for,
                    needs_new_customer=not open_for,
                    bonus=extra,
                )
            )
        elif (
            challenge.code == "academy"
            and (challenge.pk, rules.PARTNER_KEY) not in counted
            and AcademyDate.objects.filter(
                season_id=partner.season_id, date__gte=timezone.localdate()
            ).exists()
        ):
            options.append(standings.Option("academy", challenge.title, challenge.points))
    return options


def _pending(partner: Partner, bonus: int) -> tuple[int, int, int]:
    """Open claims: how many, the points they would bring (with `bonus` if one is a new end
    customer), the new end customers among them."""
    claims = list(
        Claim.objects.filter(partner=partner, status__in=Claim.OPEN).values_list(
            "challenge__code", "challenge__points"
        )
    )
    new_customers = sum(code == rules.NEW_CUSTOMER_CODE for code, _points in claims)
    points = sum(points for _code, points in claims)
    if new_customers:
        points += bonus
    return len(claims), points, new_customers


def points_chart(partner: Partner, season) -> charts.LineChart:
    """The partner's points over the season, per day (Europe/Berlin)."""
    changes = (
        LedgerEntry.objects.filter(partner=partner)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(total=Sum("points"))
        .order_by("day")
    )
    return charts.running_total(
        changes, season.start_date, season.end_date, until=timezone.localdate()
    )


def partner_dashboard(partner: Partner) -> PartnerDashboard | None:
    place = leaderboard.partner_place(partner)
    if place is None:
        return None
    season, public, live = place
    own = public.standing_of(partner.pk)
    own_live = live.standing_of(partner.pk)
    next_place = first = None
    if own is not None and own.rank > 1:
        next_place, first = public[own.rank - 2], public[0]
    frozen = season.frozen_now()
    challenges = list(
        Challenge.objects.filter(season_id=partner.season_id).order_by("position", "pk")
    )
    # Until the partner has a new end customer, the first one also brings the bonus.
    bonus = 0
    if own_live is None or own_live.new_customers == 0:
        bonus = next((c.points for c in challenges if c.code == rules.BONUS_CODE), 0)
    open_season = not frozen and not season.has_ended()
    suggestions = []
    if own is not None and open_season:
        suggestions = standings.suggestions(
            _options(partner, challenges, bonus),
            _place(own),
            next_place and _place(next_place),
            first and _place(first),
        )
    pending_count, pending_points, pending_customers = _pending(partner, bonus)
    return PartnerDashboard(
        season=season,
        league=public.league,
        size=len(public),
        own=own,
        live=own_live,
        frozen=frozen,
        next_place=next_place,
        first=first,
        to_pass_next=standings.points_to_pass(_place(own), _place(next_place))
        if own and next_place
        else None,
        suggestions=suggestions,
        pending_count=pending_count,
        pending_points=pending_points,
        pending_passes_next=bool(
            own
            and next_place
            and pending_count
            and standings.passes(_place(own), _place(next_place), pending_points, pending_customers)
        ),
        chart=points_chart(partner, partner.season),
    )
