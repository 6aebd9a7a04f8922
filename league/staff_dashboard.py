"""Reads of the staff dashboard (`/staff/`): the current season's figures at a glance.

Every selector here runs a fixed number of queries, however many partners, claims or credit lines
the season has (the league tables come from the cached live tables of `league.leaderboard`, one
aggregate query per league when the cache is cold). They return plain frozen dataclasses; money is
`Decimal`.

Whose figures count: the league figures and the new end customers are those of the partners that
take part (status `approved`), as in the league tables, so the total equals the sum of the leagues
and of the tables. Open claims, credits and registrations are the whole season's.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Min, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from challenges.models import Claim, LedgerEntry
from challenges.rules import NEW_CUSTOMER_CODE
from credits.models import CreditLine, CreditNoteLine
from partners.models import Partner
from seasons.models import Season

from . import leaderboard
from .charts import LineChart, running_total

TOP = 3
ZERO = Decimal("0.00")


def percent(part, whole) -> int:
    """`part` as a whole percentage of `whole`, 0..100 (for bar widths)."""
    if not whole or part <= 0:
        return 0
    return min(100, round(Decimal(part) * 100 / Decimal(whole)))


# --- Leagues -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leader:
    rank: int
    name: str
    pseudonym: str
    points: int
    new_customers: int


@dataclass(frozen=True)
class LeagueFigures:
    id: int
    slug: str
    name: str
    criterion: str
    partners: int  # approved partners in the league
    leaders: tuple[Leader, ...]  # the top of the live table, with the real company names


def league_figures_list(season_info: leaderboard.SeasonInfo | None) -> list[LeagueFigures]:
    """Per league: its approved partners and the top three of its live table."""
    if season_info is None:
        return []
    tables = leaderboard.season_tables(season_info, public=False)
    tops = [(table, table[:TOP]) for table in tables]
    ids = {standing.partner_id for _table, top in tops for standing in top}
    names = (
        dict(Partner.objects.filter(pk__in=ids).order_by().values_list("pk", "name")) if ids else {}
    )
    return [
        LeagueFigures(
            id=table.league.id,
            slug=table.league.slug,
            name=table.league.name,
            criterion=table.league.criterion,
            partners=len(table),
            leaders=tuple(
                Leader(
                    rank=s.rank,
                    name=names.get(s.partner_id, s.pseudonym),
                    pseudonym=s.pseudonym,
                    points=s.points,
                    new_customers=s.new_customers,
                )
                for s in top
            ),
        )
        for table, top in tops
    ]


# --- New end customers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LeagueCount:
    name: str
    count: int


@dataclass(frozen=True)
class NewCustomers:
    total: int
    per_league: tuple[LeagueCount, ...]
    chart: LineChart


def new_customers_get(
    season: Season, season_info: leaderboard.SeasonInfo | None, *, today: date
) -> NewCustomers:
    """Approved `new_customer` claims of the partners that take part, from the points ledger (a
    grant counts +1, its revocation −1): the running total per day of the season, and the count
    per league."""
    grant = LedgerEntry.Kind.GRANT
    rows = (
        LedgerEntry.objects.filter(
            season=season,
            challenge__code=NEW_CUSTOMER_CODE,
            kind__in=(grant, LedgerEntry.Kind.REVOKE),
            partner__status=Partner.Status.APPROVED,
        )
        .annotate(day=TruncDate("created_at"))
        .values("day", "partner__league_id")
        .annotate(
            change=Sum(
                Case(When(kind=grant, then=Value(1)), default=Value(-1)),
                output_field=IntegerField(),
            )
        )
        .order_by()
        .values_list("day", "partner__league_id", "change")
    )
    changes, per_league_id = [], {}
    for day, league_id, change in rows:
        changes.append((day, change))
        per_league_id[league_id] = per_league_id.get(league_id, 0) + change
    leagues = season_info.leagues if season_info else ()
    return NewCustomers(
        total=sum(per_league_id.values()),
        per_league=tuple(LeagueCount(lg.name, per_league_id.get(lg.id, 0)) for lg in leagues),
        chart=running_total(changes, season.start_date, season.end_date, today),
    )


# --- Open claims ---------------------------------------------------------------------------------

# (key, label, the youngest age in whole days): a claim is in the last bucket whose minimum its
# age reaches; an age is the whole days elapsed since submission (2 days 23 hours is 2 days).
AGE_BUCKETS = (
    ("fresh", _("up to 2 days"), 0),
    ("week", _("3–7 days"), 3),
    ("fortnight", _("8–14 days"), 8),
    ("old", _("older than 14 days"), 15),
)


@dataclass(frozen=True)
class AgeBucket:
    key: str
    label: str
    count: int
    percent: int  # of the largest bucket, for the bar width


@dataclass(frozen=True)
class PendingClaims:
    total: int
    needs_info: int  # waiting for the partner's answer
    buckets: tuple[AgeBucket, ...]
    oldest_days: int | None


def pending_claims_get(season: Season, *, now: datetime) -> PendingClaims:
    """Open claims (submitted or waiting for the partner) by age, in one query."""
    bounds = [now - timedelta(days=days) for _key, _label, days in AGE_BUCKETS]
    buckets = {}
    for i, (key, _label, _days) in enumerate(AGE_BUCKETS):
        condition = Q(submitted_at__lte=bounds[i]) if i else Q()
        if i + 1 < len(bounds):
            condition &= Q(submitted_at__gt=bounds[i + 1])
        buckets[key] = Count("pk", filter=condition)
    figures = Claim.objects.filter(season=season, status__in=Claim.OPEN).aggregate(
        total=Count("pk"),
        needs_info=Count("pk", filter=Q(status=Claim.Status.NEEDS_INFO)),
        oldest=Min("submitted_at"),
        **buckets,
    )
    largest = max(figures[key] for key, _label, _days in AGE_BUCKETS)
    oldest = figures["oldest"]
    return PendingClaims(
        total=figures["total"],
        needs_info=figures["needs_info"],
        buckets=tuple(
            AgeBucket(key, str(label), figures[key], percent(figures[key], largest))
            for key, label, _days in AGE_BUCKETS
        ),
        oldest_days=max((now - oldest).days, 0) if oldest else None,
    )


# --- Credits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditUsage:
    kind: str
    label: str
    computed: Decimal  # all credit lines (provisional ones too, as for the caps)
    provisional: Decimal  # of which still provisional
    issued: Decimal  # on issued credit notes (corrections included)
    partner_cap: Decimal
    capacity: Decimal  # the partner cap × approved partners

    @property
    def computed_percent(self) -> int:
        return percent(self.computed, self.capacity)

    @property
    def issued_percent(self) -> int:
        return percent(self.issued, self.capacity)


def credit_usage_list(season: Season, *, approved_partners: int) -> list[CreditUsage]:
    """Per kind (new end customer, workload): credits computed and issued against the caps."""
    computed = {
        kind: (total, provisional)
        for kind, total, provisional in CreditLine.objects.filter(season=season)
        .values("kind")
        .annotate(
            total=Sum("credit_eur"),
            provisional=Sum("credit_eur", filter=Q(status=CreditLine.Status.PROVISIONAL)),
        )
        .order_by()
        .values_list("kind", "total", "provisional")
    }
    issued = dict(
        CreditNoteLine.objects.filter(note__season=season)
        .values("credit_line__kind")
        .annotate(total=Sum("amount_eur"))
        .order_by()
        .values_list("credit_line__kind", "total")
    )
    caps = (
        (CreditLine.Kind.NEW_CUSTOMER, _("New end customers"), season.new_customer_partner_cap_eur),
        (CreditLine.Kind.WORKLOAD, _("New workloads"), season.workload_partner_cap_eur),
    )
    result = []
    for kind, label, cap in caps:
        total, provisional = computed.get(kind, (None, None))
        result.append(
            CreditUsage(
                kind=kind,
                label=str(label),
                partner_cap=cap,
                computed=total or ZERO,
                provisional=provisional or ZERO,
                issued=issued.get(kind) or ZERO,
                capacity=(cap * approved_partners).quantize(Decimal("0.01")),
            )
        )
    return result


# --- Registrations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class Registrations:
    counts: tuple[StatusCount, ...]
    total: int
    start: date
    end: date
    chart: LineChart

    @property
    def by_status(self) -> dict[str, int]:
        return {c.status: c.count for c in self.counts}


def registration_period(
    created: date, deadline: date, first: date | None, last: date | None
) -> tuple[date, date]:
    """From the season's creation (or an earlier registration) to the registration deadline (or a
    later registration, e.g. one staff entered afterwards); never empty."""
    start = min(d for d in (created, first) if d is not None)
    end = max(d for d in (deadline, last) if d is not None)
    if end <= start:
        start = end - timedelta(days=1)
    return start, end


def registrations_get(season: Season, *, today: date) -> Registrations:
    """Registrations by status, and their running total over the registration period."""
    partners = Partner.objects.filter(season=season).order_by()
    counts = partners.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Partner.Status.values}
    )
    per_day = list(
        partners.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    days = [day for day, _n in per_day]
    start, end = registration_period(
        timezone.localdate(season.created_at),
        season.registration_deadline,
        min(days, default=None),
        max(days, default=None),
    )
    return Registrations(
        counts=tuple(
            StatusCount(status, str(label), counts[status])
            for status, label in Partner.Status.choices
        ),
        total=sum(counts.values()),
        start=start,
        end=end,
        chart=running_total(per_day, start, end, today),
    )


# --- All of it -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    season: Season
    leagues: list[LeagueFigures]
    new_customers: NewCustomers
    pending: PendingClaims
    credits: list[CreditUsage]
    registrations: Registrations


def dashboard_get(season: Season, *, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    season_info = leaderboard.directory().season(season.slug)
    registrations = registrations_get(season, today=today)
    return Dashboard(
        season=season,
        leagues=league_figures_list(season_info),
        new_customers=new_customers_get(season, season_info, today=today),
        pending=pending_claims_get(season, now=now),
        credits=credit_usage_list(
            season, approved_partners=registrations.by_status[Partner.Status.APPROVED]
        ),
        registrations=registrations,
    )
