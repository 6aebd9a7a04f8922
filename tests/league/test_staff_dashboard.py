"""The staff dashboard on /staff/: the current season's figures above the staff tools."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from challenges.models import Claim
from challenges.services.claims import claim_approve, claim_revoke
from credits.models import CreditLine
from credits.notes.issuing import credit_notes_issue
from league.charts import month_starts
from partners.models import Partner
from tests.conftest import client_for
from tests.credits.helpers.notes import credit_line
from tests.factories import ClaimFactory, EndCustomerFactory, PartnerFactory, SeasonFactory
from tests.helpers.pages import english

URL = "/staff/"

pytestmark = pytest.mark.django_db


def page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def block(body: str, attribute: str) -> str:
    """The element that carries `attribute` (e.g. `data-league="x"`), up to its section's end."""
    start = body.index(attribute)
    return body[start : body.index("</section>", start)]


def approve(partner, reviewer, code="sales_meeting", **kwargs) -> Claim:
    claim = ClaimFactory(customer=EndCustomerFactory(partner=partner), code=code, **kwargs)
    return claim_approve(claim=claim, reviewer=reviewer)


def figure(body: str, name: str) -> int:
    match = re.search(rf'data-figure="{name}">\s*(\d+)', body)
    assert match, f"no figure {name}"
    return int(match.group(1))


# --- Leagues -------------------------------------------------------------------------------------


def test_the_top_three_of_each_league_show_the_real_company_names_in_table_order(
    staff_client, staff_user, season, leagues, company_a, company_c
):
    beta = PartnerFactory(season=season, league=leagues[0], name="Beta IT AG")
    gamma = PartnerFactory(season=season, league=leagues[0], name="Gamma Cloud KG")
    PartnerFactory(season=season, league=leagues[0], name="Delta Nachzügler GmbH")
    approve(company_a, staff_user, "presales_sizing")  # 100
    approve(beta, staff_user, "presales_sizing")  # 100 + 50 = 150
    approve(beta, staff_user, "sales_meeting")
    approve(gamma, staff_user, "new_customer")  # 200 + first-customer bonus 200
    approve(company_c, staff_user, "sales_meeting")

    body = page(english(staff_client))

    first = block(body, f'data-league="{leagues[0].slug}"')
    names = re.findall(r"<strong data-name>([^<]+)</strong>", first)
    assert names == ["Gamma Cloud KG", "Beta IT AG", "Alpha Systemhaus GmbH"]
    assert "Delta Nachzügler GmbH" not in body  # fourth place: not in the top three
    assert re.findall(r'data-points="(\d+)"', first) == ["400", "150", "100"]
    assert gamma.pseudonym in first
    assert re.search(r'class="stat-value">4<', first)  # approved partners in the league
    second = block(body, f'data-league="{leagues[1].slug}"')
    assert "Charlie Cloud GmbH" in second and "Alpha" not in second


def test_each_league_links_its_whole_table_once_the_staff_table_exists(staff_client, leagues):
    body = page(staff_client)
    try:
        table = reverse("league:staff-leaderboard")
    except NoReverseMatch:  # the staff table page is not there (yet): no dead link
        assert "?league=" not in body
    else:
        for league in leagues:
            assert f'href="{table}?league={league.slug}"' in block(
                body, f'data-league="{league.slug}"'
            )


def test_a_league_without_partners_says_so(staff_client, leagues):
    body = page(english(staff_client))
    assert "No approved partner in this league yet." in block(
        body, f'data-league="{leagues[1].slug}"'
    )


# --- New end customers ---------------------------------------------------------------------------


def test_new_end_customers_count_approvals_and_drop_a_revocation(
    staff_client, staff_user, company_a, company_c, leagues
):
    first = approve(company_a, staff_user, "new_customer")
    approve(company_a, staff_user, "new_customer")
    approve(company_c, staff_user, "new_customer")
    approve(company_c, staff_user, "sales_meeting")  # points, but no new end customer

    body = page(english(staff_client))
    assert figure(body, "new-customers") == 3
    assert re.findall(r'data-league-customers="\d">(\d+)<', body) == ["2", "1"]
    assert "3 so far" in body  # the chart's description

    claim_revoke(claim=first, reviewer=staff_user, reason="Kein Neukunde.")
    body = page(english(staff_client))
    assert figure(body, "new-customers") == 2
    assert re.findall(r'data-league-customers="\d">(\d+)<', body) == ["1", "1"]


def test_the_new_customer_chart_labels_the_months_and_survives_the_german_locale(
    staff_client, staff_user, season, company_a
):
    approve(company_a, staff_user, "new_customer")
    body = page(staff_client)  # German by default
    svg = body[body.index('data-chart="chart-new-customers"') : body.index("</svg>")]
    months = month_starts(season.start_date, season.end_date)
    german = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]
    labels = re.findall(r'<text class="chart-x"[^>]*>([^<]+)</text>', svg)
    assert labels == [german[month.month - 1] for month in months]
    assert re.findall(r'<text class="chart-y"[^>]*>(\d+)</text>', svg)[:2] == ["0", "1"]
    # Coordinates stay numbers a browser can draw: no German decimal comma.
    coordinates = re.findall(r'\s(?:x1|x2|y1|y2|x|y)="([^"]*)"', svg)
    assert len(coordinates) > 20
    for value in coordinates:
        float(value)
    assert 'class="chart-line"' in svg and 'class="chart-area"' in svg


# --- Open claims ---------------------------------------------------------------------------------


def test_open_claims_are_counted_by_age_with_the_oldest_linked_to_the_queue(
    staff_client, staff_user, company_a, company_c
):
    now = timezone.now()

    def open_claim(partner, age, **kwargs):
        return ClaimFactory(
            customer=EndCustomerFactory(partner=partner), submitted_at=now - age, **kwargs
        )

    open_claim(company_a, timedelta(hours=3))
    open_claim(company_a, timedelta(days=2, hours=23))  # still "up to 2 days"
    open_claim(company_c, timedelta(days=3, hours=1))
    open_claim(company_c, timedelta(days=6), status=Claim.Status.NEEDS_INFO)
    open_claim(company_a, timedelta(days=10))
    open_claim(company_a, timedelta(days=20))
    open_claim(company_c, timedelta(days=31), status=Claim.Status.NEEDS_INFO)
    approve(company_a, staff_user)  # decided: not waiting
    open_claim(company_a, timedelta(days=40), status=Claim.Status.WITHDRAWN)
    other_season = PartnerFactory(season=SeasonFactory(is_active=False))
    open_claim(other_season, timedelta(days=50))

    body = page(english(staff_client))

    assert figure(body, "open-claims") == 7
    buckets = dict(re.findall(r'data-age="(\w+)">.*?data-count>(\d+)<', body, re.S))
    assert buckets == {"fresh": "2", "week": "2", "fortnight": "1", "old": "2"}
    assert "2 claims waiting for the partner's answer" in body
    oldest = block(body, 'data-figure="oldest"')
    assert "submitted 31 days ago" in oldest
    assert f'href="{reverse("challenges:staff-queue")}"' in oldest


def test_without_open_claims_the_queue_is_shown_empty(staff_client, company_a):
    body = page(english(staff_client))
    assert figure(body, "open-claims") == 0
    assert "No claim is waiting for review." in body


# --- Credits and caps ----------------------------------------------------------------------------


def test_credits_computed_and_issued_are_shown_against_the_caps_of_all_partners(
    staff_client, staff_user, season, company_a, company_c
):
    credit_line(company_a, "100.00")
    credit_line(company_c, "250.50")
    credit_line(company_a, "40.00", kind=CreditLine.Kind.WORKLOAD, group="security")
    credit_line(
        company_c,
        "9.99",
        kind=CreditLine.Kind.WORKLOAD,
        group="databases",
        status=CreditLine.Status.PROVISIONAL,
    )
    credit_notes_issue(season=season, issued_by=staff_user)  # the settled lines only
    PartnerFactory(season=season, status=Partner.Status.PENDING, pseudonym_number=None)

    body = page(staff_client)  # German amounts

    def bars(kind):
        section = block(body, f'data-credits="{kind}"')
        return section, re.findall(r'aria-valuemax="([\d.]+)" aria-valuenow="([\d.]+)"', section)

    new, new_bars = bars("new_customer")
    # two approved partners × 30.000 € new-customer cap; the pending one does not count
    assert new_bars == [("60000.00", "350.50"), ("60000.00", "350.50")]
    assert "350,50 €" in new and "60.000 €" in new
    workload, workload_bars = bars("workload")
    assert workload_bars == [("120000.00", "49.99"), ("120000.00", "40.00")]
    assert "9,99 €" in workload  # still provisional, so not on a note
    assert "120.000 €" in workload


# --- Registrations -------------------------------------------------------------------------------


def test_registrations_are_counted_by_status_and_the_pending_ones_link_to_the_review(
    staff_client, season, company_a, company_c
):
    for status, count in (
        (Partner.Status.PENDING, 3),
        (Partner.Status.REJECTED, 1),
        (Partner.Status.WITHDRAWN, 1),
        (Partner.Status.DISQUALIFIED, 2),
    ):
        PartnerFactory.create_batch(count, season=season, status=status, pseudonym_number=None)
    PartnerFactory(season=SeasonFactory(is_active=False), status=Partner.Status.PENDING)

    body = page(english(staff_client))

    counts = dict(re.findall(r'data-status="(\w+)">.*?data-count>(\d+)<', body, re.S))
    assert counts == {
        "pending": "3",
        "approved": "2",
        "rejected": "1",
        "withdrawn": "1",
        "disqualified": "2",
    }
    pending = block(body, 'data-status="pending"')
    assert 'href="/staff/registrations/?status=pending"' in pending
    chart = body[body.index('data-chart="chart-registrations"') :]
    assert "9 so far" in chart[: chart.index("</desc>")]


# --- Access and cost -----------------------------------------------------------------------------


def test_a_partner_user_gets_no_figures(alice, company_a, company_c, staff_user):
    approve(company_c, staff_user, "new_customer")
    response = client_for(alice).get(URL)
    assert response.status_code == 403
    body = response.content.decode()
    assert "Charlie Cloud GmbH" not in body and "data-figure" not in body


def test_staff_home_links_the_claim_pages(staff_client):
    body = staff_client.get(reverse("league:staff-home")).content.decode()
    for name in ("staff-queue", "staff-exclusions", "staff-academy", "staff-redemptions"):
        assert f'href="{reverse(f"challenges:{name}")}"' in body


def test_visitors_are_sent_to_the_login(client, season):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_number_of_queries_does_not_grow_with_the_partners(
    staff_client, staff_user, season, leagues
):
    def add_partners(n):
        for i in range(n):
            partner = PartnerFactory(season=season, league=leagues[i % 2])
            approve(partner, staff_user, "new_customer")
            ClaimFactory(customer=EndCustomerFactory(partner=partner))
            credit_line(partner, "10.00")

    def queries() -> int:
        cache.clear()  # compute the tables afresh, as after any change
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(URL).status_code == 200
        return len(captured)

    add_partners(2)
    few = queries()
    add_partners(28)
    assert queries() == few
    body = page(english(staff_client))
    assert figure(body, "new-customers") == 30 and figure(body, "open-claims") == 30
