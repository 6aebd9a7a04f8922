"""The league table: order and tie-break (SPEC section 4), who is in it, the cache's versions,
the freeze, and the JSON."""

import json
import random

import pytest
from django.test import Client

from challenges.services.claims import claim_approve, claim_revoke
from challenges.services.disqualification import partner_disqualify
from league import leaderboard
from league.services import table_freeze, table_release
from partners.models import Partner
from tests.conftest import client_for
from tests.factories import ClaimFactory, EndCustomerFactory, PartnerFactory
from tests.league.helpers import at, book

pytestmark = pytest.mark.django_db


def json_rows(client=None, **params):
    response = (client or Client()).get("/leaderboard.json", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def league_rows(league_name, **params):
    data = json_rows(**params)
    return next(league["rows"] for league in data["leagues"] if league["name"] == league_name)


def names(rows):
    return [row["partner"] for row in rows]


@pytest.fixture
def league(leagues):
    return leagues[0]


def partner(league, number):
    return PartnerFactory(season=league.season, league=league, pseudonym_number=number)


# --- Order and tie-break -------------------------------------------------------------------------


def test_more_points_rank_higher(league):
    low, high = partner(league, 1), partner(league, 2)
    book(low, "sql_lead", at=at(1))
    book(high, "presales_sizing", at=at(2))
    rows = league_rows(league.name)
    assert rows == [
        {"rank": 1, "partner": "Partner 2", "points": 100, "new_customers": 0},
        {"rank": 2, "partner": "Partner 1", "points": 20, "new_customers": 0},
    ]


def test_equal_points_more_new_end_customers_rank_higher(league):
    meetings, customer = partner(league, 1), partner(league, 2)
    book(meetings, "presales_sizing", at=at(1))
    book(meetings, "presales_sizing", at=at(2))  # 200 points, no new end customer
    book(customer, "new_customer", at=at(3))  # 200 points, one new end customer, reached later
    rows = league_rows(league.name)
    assert names(rows) == ["Partner 2", "Partner 1"]
    assert [row["new_customers"] for row in rows] == [1, 0]


def test_equal_points_and_customers_the_earlier_moment_ranks_higher(league):
    late, early = partner(league, 1), partner(league, 2)
    book(late, "sales_meeting", at=at(10))
    book(early, "sales_meeting", at=at(5))
    assert names(league_rows(league.name)) == ["Partner 2", "Partner 1"]


def test_the_moment_is_when_the_current_points_were_reached(league):
    """A revocation that brings a partner back to a score it had earlier counts from the
    revocation: it reached its current points then."""
    steady, bounced = partner(league, 1), partner(league, 2)
    book(bounced, "sales_meeting", at=at(1))  # 50 at minute 1
    book(steady, "sales_meeting", at=at(2))  # 50 at minute 2
    claim = book(bounced, "sql_lead", at=at(3)).claim  # 70 at minute 3
    book(bounced, "sql_lead", kind="revoke", at=at(4), claim=claim)  # 50 again at minute 4
    assert names(league_rows(league.name)) == ["Partner 1", "Partner 2"]


def test_full_tie_goes_to_the_lower_pseudonym_number(league):
    for number in (30, 4, 17):
        partner(league, number)
    assert names(league_rows(league.name)) == ["Partner 4", "Partner 17", "Partner 30"]


def test_a_partner_without_entries_ranks_before_one_that_lost_its_points(league):
    partner(league, 9)  # never had an entry
    lost = partner(league, 2)
    claim = book(lost, "sql_lead", at=at(1)).claim
    book(lost, "sql_lead", kind="revoke", at=at(2), claim=claim)
    assert names(league_rows(league.name)) == ["Partner 9", "Partner 2"]


def test_the_order_matches_the_rule_for_a_random_league(league):
    """40 partners with random entries: the table's order is exactly the rule's order."""
    rng = random.Random(20250531)
    codes = ["sql_lead", "sales_meeting", "presales_sizing", "new_customer", "svc_security"]
    partners = [partner(league, n) for n in rng.sample(range(1, 200), 40)]
    expected = {}
    for p in partners:
        points = customers = 0
        last = None
        for _ in range(rng.randint(0, 4)):
            code = rng.choice(codes)
            minute = rng.randint(0, 30)  # equal moments happen; the number decides then
            entry = book(p, code, at=at(minute))
            points += entry.points
            customers += code == "new_customer"
            last = max(last, entry.created_at) if last else entry.created_at
        expected[p.pseudonym] = (-points, -customers, last is not None, last, p.pseudonym_number)
    rows = league_rows(league.name)
    assert names(rows) == sorted(expected, key=lambda name: expected[name])
    assert [row["rank"] for row in rows] == list(range(1, 41))


# --- Who is in the table -------------------------------------------------------------------------


def test_each_league_has_its_own_table(season, leagues, company_a, company_c):
    data = json_rows()
    assert data["season"] == season.slug
    assert [league["name"] for league in data["leagues"]] == [lg.name for lg in leagues]
    assert names(data["leagues"][0]["rows"]) == [company_a.pseudonym]
    assert names(data["leagues"][1]["rows"]) == [company_c.pseudonym]


def test_pending_withdrawn_and_disqualified_partners_are_not_in_the_table(league):
    partner(league, 1)
    PartnerFactory(season=league.season, league=league, status="pending", pseudonym_number=None)
    PartnerFactory(season=league.season, league=league, status="withdrawn", pseudonym_number=3)
    assert names(league_rows(league.name)) == ["Partner 1"]


def test_a_revoked_claim_leaves_the_table(league, staff_user, run_on_commit):
    p = partner(league, 5)
    claim = ClaimFactory(customer=EndCustomerFactory(partner=p), code="new_customer")
    with run_on_commit():
        claim_approve(claim=claim, reviewer=staff_user)
    # 200 for the new end customer + 200 first-customer bonus.
    assert league_rows(league.name)[0] == {
        "rank": 1,
        "partner": "Partner 5",
        "points": 400,
        "new_customers": 1,
    }
    with run_on_commit():
        claim_revoke(claim=claim, reviewer=staff_user, reason="Kein neuer Endkunde")
    assert league_rows(league.name)[0] == {
        "rank": 1,
        "partner": "Partner 5",
        "points": 0,
        "new_customers": 0,
    }


def test_a_disqualified_partner_leaves_the_table(league, staff_user, run_on_commit):
    cheat, honest = partner(league, 1), partner(league, 2)
    book(cheat, "presales_sizing", at=at(1))
    book(honest, "sql_lead", at=at(2))
    assert names(league_rows(league.name)) == ["Partner 1", "Partner 2"]
    with run_on_commit():
        partner_disqualify(partner=cheat, reviewer=staff_user, reason="Manipulation")
    assert names(league_rows(league.name)) == ["Partner 2"]
    assert "Partner 1<" not in Client().get("/leaderboard/").content.decode()


# --- Cache versions ------------------------------------------------------------------------------


def test_an_approval_shows_on_the_next_request_after_commit(league, staff_user, run_on_commit):
    first, second = partner(league, 1), partner(league, 2)
    book(first, "sales_meeting", at=at(1))
    visitor = Client()
    assert names(league_rows(league.name)) == ["Partner 1", "Partner 2"]
    assert visitor.get("/leaderboard/").content.decode().index("Partner 1") < (
        visitor.get("/leaderboard/").content.decode().index("Partner 2")
    )
    claim = ClaimFactory(customer=EndCustomerFactory(partner=second), code="presales_sizing")
    with run_on_commit():
        claim_approve(claim=claim, reviewer=staff_user)
    assert names(league_rows(league.name)) == ["Partner 2", "Partner 1"]
    page = visitor.get("/leaderboard/").content.decode()
    assert page.index("Partner 2") < page.index("Partner 1")


def test_the_cache_is_served_until_the_commit_bumps_the_version(league, staff_user):
    """The table is cached: a change whose transaction has not committed (its on-commit bump has
    not run) is not visible; the bump after the commit is what makes it so."""
    first, second = partner(league, 1), partner(league, 2)
    book(first, "sales_meeting", at=at(1))
    assert names(league_rows(league.name)) == ["Partner 1", "Partner 2"]
    book(second, "presales_sizing", at=at(2))  # on-commit bump not run
    assert names(league_rows(league.name)) == ["Partner 1", "Partner 2"]
    leaderboard.league_bump(league.season_id, league.pk)
    assert names(league_rows(league.name)) == ["Partner 2", "Partner 1"]


def test_a_bump_of_one_league_keeps_the_other_leagues_cached(leagues, django_assert_num_queries):
    a, b = leagues
    partner(a, 1), partner(b, 2)
    json_rows()  # both tables cached
    leaderboard.league_bump(a.season_id, a.pk)
    season = leaderboard.directory().season(None)
    with django_assert_num_queries(1):  # league a again; league b from the cache
        leaderboard.season_tables(season, public=True)


def test_a_lost_version_restarts_above_the_old_ones(league):
    partner(league, 1)
    season = leaderboard.directory().season(None)
    before = leaderboard.league_versions(season.id, [league.pk])[league.pk]
    from django.core.cache import cache

    cache.delete(f"lb:v:{season.id}:{league.pk}")
    after = leaderboard.league_versions(season.id, [league.pk])[league.pk]
    assert after > before


def test_a_partner_moved_to_another_league_changes_both_tables(leagues, run_on_commit):
    a, b = leagues
    moving = partner(a, 1)
    assert names(league_rows(a.name)) == ["Partner 1"] and league_rows(b.name) == []
    with run_on_commit():
        moving.league = b
        moving.save()
    assert league_rows(a.name) == [] and names(league_rows(b.name)) == ["Partner 1"]


# --- Freeze --------------------------------------------------------------------------------------


def test_freeze_hides_later_changes_from_the_public_only(
    league, staff_user, staff_client, run_on_commit
):
    from partners.models import Membership
    from tests.factories import MembershipFactory

    leader, chaser = partner(league, 1), partner(league, 2)
    member = MembershipFactory(partner=chaser, role=Membership.Role.ADMIN).user
    book(leader, "sales_meeting", at=at(1))
    book(chaser, "sql_lead", at=at(2))
    with run_on_commit():
        table_freeze(season=league.season, moment=at(10), actor=staff_user)
    late = ClaimFactory(customer=EndCustomerFactory(partner=chaser), code="presales_sizing")
    with run_on_commit():
        claim_approve(claim=late, reviewer=staff_user)  # after the freeze moment

    # Visitors: the frozen standing.
    assert league_rows(league.name) == [
        {"rank": 1, "partner": "Partner 1", "points": 50, "new_customers": 0},
        {"rank": 2, "partner": "Partner 2", "points": 20, "new_customers": 0},
    ]
    public = Client().get("/leaderboard/").content.decode()
    assert "Stand vom" in public or "standing of" in public
    assert public.index("Partner 1") < public.index("Partner 2")

    # The partner: its frozen row, and its own live score beside it.
    own = client_for(member).get("/leaderboard/").content.decode()
    assert "own-row" in own
    assert "120" in own  # 20 + 100, live
    home = client_for(member).get("/company/").content.decode()
    assert "120" in home

    # Staff: live.
    staff = staff_client.get("/staff/leaderboard/").content.decode()
    assert staff.index(chaser.name) < staff.index(leader.name)

    with run_on_commit():
        table_release(season=league.season, actor=staff_user)
    assert names(league_rows(league.name)) == ["Partner 2", "Partner 1"]


def test_a_partner_approved_after_the_freeze_is_not_in_the_frozen_table(
    league, staff_user, run_on_commit
):
    from django.utils import timezone

    partner(league, 1)
    with run_on_commit():
        table_freeze(season=league.season, moment=at(10), actor=staff_user)
        newcomer = partner(league, 2)
        Partner.objects.filter(pk=newcomer.pk).update(reviewed_at=timezone.now())
    assert names(league_rows(league.name)) == ["Partner 1"]


# --- JSON ----------------------------------------------------------------------------------------


def test_json_of_another_season_and_of_a_missing_one(league):
    from tests.factories import LeagueFactory, SeasonFactory

    partner(league, 1)
    old = SeasonFactory(slug="2023-24", is_active=False)
    old_league = LeagueFactory(season=old, name="Alte Liga")
    PartnerFactory(season=old, league=old_league, pseudonym_number=77)
    data = json_rows(season="2023-24")
    assert data == {
        "season": "2023-24",
        "leagues": [
            {
                "name": "Alte Liga",
                "rows": [{"rank": 1, "partner": "Partner 77", "points": 0, "new_customers": 0}],
            }
        ],
    }
    missing = Client().get("/leaderboard.json", {"season": "1999-00"})
    assert missing.status_code == 404
    assert "error" in json.loads(missing.content)


def test_pages_of_fifty_and_a_page_past_the_end(league):
    from partners.models import Partner as PartnerModel

    template = PartnerFactory.build(season=league.season, league=league)
    PartnerModel.objects.bulk_create(
        PartnerModel(
            **{
                f.name: getattr(template, f.name)
                for f in PartnerModel._meta.concrete_fields
                if f.name not in ("id", "partner_id", "pseudonym_number")
            },
            partner_id=str(6_000_000 + n),
            pseudonym_number=n,
        )
        for n in range(1, 121)
    )
    page = Client().get(f"/leaderboard/?league={league.slug}&page=2").content.decode()
    assert ">Partner 51<" in page and ">Partner 100<" in page
    assert ">Partner 50<" not in page and ">Partner 101<" not in page
    assert 'rel="prev"' in page and 'rel="next"' in page and "Seite 2 von 3" in page
    past = Client().get(f"/leaderboard/?league={league.slug}&page=9")
    assert past.status_code == 302 and past["Location"].endswith("page=3")
    assert Client().get(f"/leaderboard/?league={league.slug}&page=abc").status_code == 200
