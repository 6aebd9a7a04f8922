"""The league table (SPEC section 4): computed from the points ledger, cached in Redis.

One aggregate query per (season, league) sums each approved partner's ledger: points, new end
customers (approved `new_customer` claims: grants minus revocations), and the moment of its last
entry, which is the moment the partner reached its current points (every entry changes them). The
order is points, then new end customers, then that moment (earlier first; a partner without
entries has held its 0 points since the start), then the pseudonym number; rank = position.

Caching. Each (season, league) has a version counter in the cache; anything that can change a
table (a ledger entry, a partner's status or league, a freeze, a prize) bumps it after its
transaction commits (league.signals). Tables, rendered pages and the JSON are stored under keys
that contain the versions they were computed from, so a bump makes the next request compute
afresh and the old entries simply expire: nothing is ever purged, and a reader that computed from
the old data before the commit stores its result under the old version, where nobody looks. A
version that the cache lost restarts at the current time in nanoseconds, above every number used
before. Only one process computes a missing table at a time; the others wait for its result.

The public table is the ledger as of the season's `table_frozen_at` while that is set (partners
approved after that moment are not in it; disqualified and withdrawn partners never are). Staff
pages and each partner's own figures use the live table.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, IntegerField, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from challenges.models import Challenge, LedgerEntry
from challenges.rules import NEW_CUSTOMER_CODE
from partners.models import Partner
from seasons.models import League, Season

DATA_TTL = 24 * 3600  # tables and pages of an old version expire; nothing deletes them
LOCK_TTL = 30  # seconds a computing process may hold the lock
LOCK_WAIT = 10.0  # seconds another process waits for that result before computing itself
POLL = 0.02

DIRECTORY_VERSION_KEY = "lb:dv"


def _now_version() -> int:
    return time.time_ns()


def _version_get_many(keys: list[str]) -> dict[str, int]:
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _now_version(), timeout=None)
        found.update(cache.get_many(missing))
    return found


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # never read yet, or lost: restart above every earlier number
        cache.add(key, _now_version(), timeout=None)


def _league_version_key(season_id: int, league_id: int) -> str:
    return f"lb:v:{season_id}:{league_id}"


def league_versions(season_id: int, league_ids: Sequence[int]) -> dict[int, int]:
    keys = {_league_version_key(season_id, league_id): league_id for league_id in league_ids}
    found = _version_get_many(list(keys))
    return {keys[key]: version for key, version in found.items()}


def league_bump(season_id: int, league_id: int) -> None:
    _bump(_league_version_key(season_id, league_id))


def season_bump(season_id: int) -> None:
    for league_id in League.objects.filter(season_id=season_id).values_list("pk", flat=True):
        league_bump(season_id, league_id)


def directory_bump() -> None:
    _bump(DIRECTORY_VERSION_KEY)


def partner_changed(partner_id: int) -> None:
    """After the current transaction commits: the partner's league table is outdated."""

    def bump():
        row = Partner.objects.filter(pk=partner_id).values_list("season_id", "league_id").first()
        if row and row[1]:
            league_bump(*row)

    transaction.on_commit(bump)


def season_changed(season_id: int, directory: bool = False) -> None:
    """After the current transaction commits: every table of the season is outdated (and, with
    `directory`, the list of seasons and leagues)."""

    def bump():
        if directory:
            directory_bump()
        season_bump(season_id)

    transaction.on_commit(bump)


# --- Which seasons and leagues exist (read on every request, so cached as well) ------------------


@dataclass(frozen=True)
class LeagueInfo:
    id: int
    slug: str
    name: str
    criterion: str


@dataclass(frozen=True)
class SeasonInfo:
    id: int
    slug: str
    name: str
    end_date: object
    frozen_at: datetime | None
    leagues: tuple[LeagueInfo, ...]
    new_customer_id: int | None = None  # the season's `new_customer` challenge
    ends_at: float = 0.0  # the first moment after the season (midnight after end_date, local)

    def league(self, slug: str | None) -> LeagueInfo | None:
        if not slug:
            return self.leagues[0] if self.leagues else None
        return next((league for league in self.leagues if league.slug == slug), None)

    def frozen_now(self, now: datetime | None = None) -> bool:
        return self.frozen_at is not None and self.frozen_at <= (now or timezone.now())

    def has_ended(self) -> bool:
        return time.time() >= self.ends_at


@dataclass(frozen=True)
class Directory:
    version: int
    current: str | None
    seasons: dict[str, SeasonInfo]

    def season(self, slug: str | None) -> SeasonInfo | None:
        return self.seasons.get(slug or self.current or "")


def _directory_compute(version: int) -> Directory:
    leagues: dict[int, list[LeagueInfo]] = {}
    for league in League.objects.order_by("position", "name", "pk"):
        leagues.setdefault(league.season_id, []).append(
            LeagueInfo(league.pk, league.slug, league.name, league.criterion)
        )
    new_customer_ids = dict(
        Challenge.objects.filter(code=NEW_CUSTOMER_CODE).values_list("season_id", "pk")
    )
    seasons = {
        season.slug: SeasonInfo(
            id=season.pk,
            slug=season.slug,
            name=season.name,
            end_date=season.end_date,
            frozen_at=season.table_frozen_at,
            leagues=tuple(leagues.get(season.pk, ())),
            new_customer_id=new_customer_ids.get(season.pk),
            ends_at=timezone.make_aware(
                datetime.combine(season.end_date + timedelta(days=1), datetime.min.time())
            ).timestamp(),
        )
        for season in Season.objects.all()
    }
    current = Season.objects.current()
    return Directory(version=version, current=current.slug if current else None, seasons=seasons)


class Recent:
    """A small per-process store of the most recently used values (LRU). Only for values whose
    key names the versions they were computed from, so that it can never serve a stale one."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def latest(self):
        with self._lock:
            return next(reversed(self._values.values()), None)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_directories = Recent(4)
# Rendered public pages and JSON by their versioned keys: a visitor's request costs one round
# trip to Redis (the versions) and no unpickling of a 30 kB page or a 1 MB JSON.
rendered = Recent(128)


def directory() -> Directory:
    version = _version_get_many([DIRECTORY_VERSION_KEY])[DIRECTORY_VERSION_KEY]
    board = _directories.get(version)
    if board is None:
        board = cached(f"lb:dir:{version}", lambda: _directory_compute(version))
        _directories.put(version, board)
    return board


def season_state(slug: str | None) -> tuple[Directory, SeasonInfo | None, dict[int, int]]:
    """The directory, the season named by `slug` (None: the current one) and the versions of its
    leagues — in one round trip to Redis when this process knows the directory's version."""
    board = _directories.latest()
    if board is not None:
        season = board.season(slug)
        keys = {DIRECTORY_VERSION_KEY: None}
        if season is not None:
            keys |= {_league_version_key(season.id, lg.id): lg.id for lg in season.leagues}
        found = cache.get_many(list(keys))
        if found.get(DIRECTORY_VERSION_KEY) == board.version and len(found) == len(keys):
            return board, season, {keys[key]: v for key, v in found.items() if keys[key]}
    board = directory()
    season = board.season(slug)
    versions = league_versions(season.id, [lg.id for lg in season.leagues]) if season else {}
    return board, season, versions


# --- The tables ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    partner_id: int
    number: int
    points: int
    new_customers: int
    reached_at: datetime | None

    @property
    def pseudonym(self) -> str:
        return f"Partner {self.number}"


class LeagueTable(Sequence):
    """One league's table in order. Indexing builds `Standing`s only for the rows asked for, so a
    page of 50 out of 15,000 costs 50."""

    def __init__(self, league: LeagueInfo, rows: tuple, computed_at: datetime, as_of=None):
        self.league = league
        self.rows = rows  # (partner_id, number, points, new_customers, reached_at) in order
        self.computed_at = computed_at
        self.as_of = as_of  # the freeze moment, or None for the live table
        self._positions: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, _stop, _step = index.indices(len(self.rows))
            return [
                Standing(start + offset + 1, *row) for offset, row in enumerate(self.rows[index])
            ]
        if index < 0:
            index += len(self.rows)
        return Standing(index + 1, *self.rows[index])

    def position_of(self, partner_id: int) -> int | None:
        """The 0-based position of the partner, or None if it is not in the table."""
        if self._positions is None:
            self._positions = {row[0]: i for i, row in enumerate(self.rows)}
        return self._positions.get(partner_id)

    def standing_of(self, partner_id: int) -> Standing | None:
        position = self.position_of(partner_id)
        return None if position is None else self[position]


def table_queryset(season: SeasonInfo, league_id: int | None, as_of: datetime | None = None):
    """The aggregate query behind a table: one row per partner, in table order (`league_id`
    None: every league of the season, for comparison in bench/leaderboard.py)."""
    partners = Partner.objects.filter(season_id=season.id, status=Partner.Status.APPROVED)
    partners = partners.filter(league_id=league_id) if league_id else partners.exclude(league=None)
    entries = Q()
    if as_of is not None:
        entries = Q(ledger__created_at__lte=as_of)
        partners = partners.filter(Q(reviewed_at__lte=as_of) | Q(reviewed_at__isnull=True))
    new_customer = Q(ledger__challenge_id=season.new_customer_id)
    return (
        partners.annotate(
            points=Coalesce(Sum("ledger__points", filter=entries or None), Value(0)),
            new_customers=Coalesce(
                Sum(
                    Case(
                        When(new_customer & Q(ledger__kind=LedgerEntry.Kind.GRANT), then=1),
                        When(new_customer & Q(ledger__kind=LedgerEntry.Kind.REVOKE), then=-1),
                        default=0,
                        output_field=IntegerField(),
                    ),
                    filter=entries or None,
                ),
                Value(0),
            ),
            reached_at=Max("ledger__created_at", filter=entries or None),
        )
        .order_by(
            F("points").desc(),
            F("new_customers").desc(),
            F("reached_at").asc(nulls_first=True),
            "pseudonym_number",
        )
        .values_list("pk", "pseudonym_number", "points", "new_customers", "reached_at")
    )


def _table_compute(season: SeasonInfo, league_id: int, as_of: datetime | None) -> tuple:
    return (tuple(table_queryset(season, league_id, as_of)), timezone.now())


def cached(key: str, compute):
    """The cached value, or computed by one process while the others wait for it. The key must
    name the versions the value is computed from."""
    value = cache.get(key)
    if value is not None:
        return value
    lock = f"{key}:lock"
    deadline = time.monotonic() + LOCK_WAIT
    while not (locked := cache.add(lock, 1, LOCK_TTL)):
        time.sleep(POLL)
        value = cache.get(key)
        if value is not None:
            return value
        if time.monotonic() > deadline:  # the holder is slow or gone: compute as well
            break
    try:
        value = compute()
        cache.set(key, value, DATA_TTL)
    finally:
        if locked:
            cache.delete(lock)
    return value


def _as_of_marker(as_of: datetime | None) -> str:
    return "live" if as_of is None else f"f{int(as_of.timestamp() * 1_000_000)}"


def league_table(
    season: SeasonInfo, league: LeagueInfo, *, public: bool, version: int | None = None
) -> LeagueTable:
    """The table of one league: the public one (frozen while the season is frozen) or live."""
    as_of = season.frozen_at if public else None
    if version is None:
        version = league_versions(season.id, [league.id])[league.id]
    key = f"lb:t:{season.id}:{league.id}:{version}:{_as_of_marker(as_of)}"
    rows, computed_at = cached(key, lambda: _table_compute(season, league.id, as_of))
    return LeagueTable(league, rows, computed_at, as_of)


def season_tables(season: SeasonInfo, *, public: bool) -> list[LeagueTable]:
    versions = league_versions(season.id, [league.id for league in season.leagues])
    return [
        league_table(season, league, public=public, version=versions[league.id])
        for league in season.leagues
    ]


def season_info(season: Season) -> SeasonInfo | None:
    return directory().seasons.get(season.slug)


def partner_place(partner: Partner) -> tuple[SeasonInfo, LeagueTable, LeagueTable] | None:
    """The public and the live table of the partner's league (the same while not frozen)."""
    if partner.league_id is None:
        return None
    season = season_info(partner.season)
    if season is None:
        return None
    league = next((lg for lg in season.leagues if lg.id == partner.league_id), None)
    if league is None:
        return None
    version = league_versions(season.id, [league.id])[league.id]
    live = league_table(season, league, public=False, version=version)
    public = (
        league_table(season, league, public=True, version=version) if season.frozen_at else live
    )
    return season, public, live
