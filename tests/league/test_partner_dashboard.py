"""The partner's own view of its league: rank, gaps, what would move it up, its points."""

from datetime import timedelta

import pytest
from django.utils import timezone

from challenges.models import AcademyDate
from league.dashboard import partner_dashboard
from partners.models import CustomerExclusion
from tests.conftest import client_for
from tests.factories import ClaimFactory, EndCustomerFactory, PartnerFactory
from tests.league.helpers import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def third_place(company_a, leagues):
    """alice's company in rank 3: 900 and 150 ahead, 100 points."""
    league = leagues[0]
    leader = PartnerFactory(season=league.season, league=league, pseudonym_number=11)
    second = PartnerFactory(season=league.season, league=league, pseudonym_number=12)
    for _ in range(9):
        book(leader, "presales_sizing", at=at(1))
    book(second, "presales_sizing", at=at(2))
    book(second, "sales_meeting", at=at(3))
    book(company_a, "presales_sizing", at=at(4))
    return leader, second


def codes(dashboard):
    return [s.option.code for s in dashboard.suggestions]


def test_rank_and_gaps(alice, company_a, third_place):
    dashboard = partner_dashboard(company_a)
    assert dashboard.own.rank == 3 and dashboard.size == 3
    assert dashboard.gap_next == 50 and dashboard.gap_first == 800
    assert dashboard.to_pass_next == 51
    page = client_for(alice).get("/company/").content.decode()
    section = page[page.index('id="standing"') :]
    assert '<span class="stat-value">50</span>' in section
    assert '<span class="stat-value">800</span>' in section


def test_open_challenges_with_reported_customers_are_suggested(alice, company_a, third_place):
    customer = EndCustomerFactory(partner=company_a, name="Bäckerei Huber KG")
    ClaimFactory(customer=customer, code="sales_meeting")  # open: counts already
    dashboard = partner_dashboard(company_a)
    by_code = {s.option.code: s for s in dashboard.suggestions}
    sizing = by_code["presales_sizing"]
    assert sizing.option.points == 100 and sizing.option.customers == ("Bäckerei Huber KG",)
    assert sizing.passes_next and not sizing.passes_first
    assert "Bäckerei Huber KG" not in by_code["sales_meeting"].option.customers  # one is open
    # No new end customer yet: the first one brings the bonus too.
    assert by_code["new_customer"].option.points == 400 and by_code["new_customer"].option.bonus
    assert by_code["sql_lead"].passes_next is False
    assert dashboard.pending_count == 1 and dashboard.pending_points == 50
    assert dashboard.pending_passes_next is False  # 150 vs 150: the other was first
    page = client_for(alice).get("/company/").content.decode()
    assert "+100" in page and "Bäckerei Huber KG" in page


def test_excluded_customers_and_the_academy(company_a, third_place, staff_user):
    EndCustomerFactory(partner=company_a, name="Gesperrt GmbH", domain="gesperrt.example")
    CustomerExclusion.objects.create(
        season=company_a.season, kind="domain", value="gesperrt.example", reason="Konzern"
    )
    assert "academy" not in codes(partner_dashboard(company_a))
    AcademyDate.objects.create(
        season=company_a.season, date=timezone.localdate() + timedelta(days=7), location="München"
    )
    dashboard = partner_dashboard(company_a)
    assert "academy" in codes(dashboard)
    assert all("Gesperrt GmbH" not in s.option.customers for s in dashboard.suggestions)


def test_the_leader_and_the_frozen_table(company_a, leagues, staff_user):
    from league.services import table_freeze

    book(company_a, "sales_meeting", at=at(1))
    dashboard = partner_dashboard(company_a)
    assert dashboard.own.rank == 1 and dashboard.next_place is None
    assert dashboard.suggestions  # still worth claiming
    table_freeze(season=company_a.season, moment=at(5), actor=staff_user)
    from league import leaderboard

    leaderboard.directory_bump()  # what the on-commit hook does
    book(company_a, "presales_sizing", at=at(10))
    leaderboard.league_bump(company_a.season_id, company_a.league_id)
    dashboard = partner_dashboard(company_a)
    assert dashboard.frozen and not dashboard.suggestions
    assert dashboard.own.points == 50 and dashboard.live.points == 150


def test_points_chart_follows_the_ledger(company_a):
    book(company_a, "presales_sizing", at=at(1))
    book(company_a, "sales_meeting", at=at(60 * 24))
    chart = partner_dashboard(company_a).chart
    assert chart.total == 150 and not chart.empty
