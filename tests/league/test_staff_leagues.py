"""Staff publish each league's criterion (terms 1: leagues "nach transparenten Kriterien") and are
warned while partners play in a league that has none (issue 9)."""

import pytest
from django.test import Client
from django.urls import reverse

from seasons.models import League
from tests.factories import LeagueFactory, PartnerFactory, SeasonFactory
from tests.helpers.pages import english

pytestmark = pytest.mark.django_db

LEAGUES = reverse("league:staff-leagues")


@pytest.fixture
def bare(season):
    """A league partners play in, without a criterion, and an empty one without either."""
    league = LeagueFactory(season=season, name="Starter-Liga", slug="starter", criterion="")
    PartnerFactory(season=season, league=league)
    PartnerFactory(season=season, league=league)
    LeagueFactory(season=season, name="Leere Liga", slug="leer", criterion="  ")
    return league


def test_staff_are_warned_while_a_league_with_partners_has_no_criterion(staff_client, bare):
    english(staff_client)
    for url in (LEAGUES, reverse("league:staff-home"), reverse("league:staff-leaderboard")):
        page = staff_client.get(url).content.decode()
        assert "data-missing-criterion" in page, url
        assert 'data-league="starter"' in page and "2 partners play in it" in page, url
        assert "Leere Liga: " not in page  # nobody plays there yet
    response = staff_client.get(LEAGUES)
    assert [lg.name for lg in response.context["missing_criterion"]] == ["Starter-Liga"]


def test_staff_publish_a_criterion_and_visitors_see_it(
    staff_client, staff_user, bare, django_capture_on_commit_callbacks
):
    english(staff_client)
    assert "will be published soon" in english(Client()).get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            LEAGUES, {"league": bare.pk, "criterion": "  Bis 20 Mitarbeiter  "}, follow=True
        )
    assert response.status_code == 200
    assert any("is published" in str(m) for m in response.context["messages"])
    bare.refresh_from_db()
    assert bare.criterion == "Bis 20 Mitarbeiter"
    assert "data-missing-criterion" not in response.content.decode()
    assert (
        "data-missing-criterion"
        not in staff_client.get(reverse("league:staff-home")).content.decode()
    )
    for url in ("/", "/rules/", "/leaderboard/?league=starter"):
        assert "Bis 20 Mitarbeiter" in Client().get(url).content.decode(), url


def test_an_empty_criterion_is_refused_and_changes_nothing(staff_client, bare):
    english(staff_client)
    response = staff_client.post(LEAGUES, {"league": bare.pk, "criterion": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    bare.refresh_from_db()
    assert bare.criterion == ""


def test_a_league_of_another_season_or_junk_is_404(staff_client, bare):
    stranger = LeagueFactory(season=SeasonFactory(is_active=False), criterion="alt")
    assert staff_client.post(LEAGUES, {"league": stranger.pk, "criterion": "x"}).status_code == 404
    assert staff_client.post(LEAGUES, {"league": "x", "criterion": "x"}).status_code == 404
    assert staff_client.post(LEAGUES, {"criterion": "x"}).status_code == 404
    assert League.objects.get(pk=stranger.pk).criterion == "alt"


def test_partners_and_visitors_cannot_edit(alice, bare):
    from tests.conftest import client_for

    assert client_for(alice).post(LEAGUES, {"league": bare.pk, "criterion": "x"}).status_code == 403
    assert Client().post(LEAGUES, {"league": bare.pk, "criterion": "x"}).status_code == 302
    bare.refresh_from_db()
    assert bare.criterion == ""
