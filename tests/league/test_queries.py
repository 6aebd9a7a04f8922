"""The table's pages answer in a constant number of SQL queries: 10 partners or 15,000."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.models import Membership, Partner
from tests.conftest import client_for
from tests.factories import MembershipFactory, PartnerFactory
from tests.league.helpers import at, book

pytestmark = pytest.mark.django_db


def add_partners(season, leagues, count, first_number):
    now = timezone.now()
    Partner.objects.bulk_create(
        (
            Partner(
                season=season,
                league=leagues[i % len(leagues)],
                status=Partner.Status.APPROVED,
                name=f"Massenpartner {first_number + i} GmbH",
                customer_number=f"M{first_number + i}",
                partner_id=str(8_000_000 + first_number + i),
                pseudonym_number=first_number + i,
                employer_approval_at=now,
                terms_accepted_at=now,
                privacy_accepted_at=now,
            )
            for i in range(count)
        ),
        batch_size=2500,
    )


def count_queries(client, url, cold: bool) -> int:
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_query_counts_do_not_grow_with_the_partners(season, leagues, staff_client):
    own = PartnerFactory(season=season, league=leagues[0], pseudonym_number=1)
    user = MembershipFactory(partner=own, role=Membership.Role.ADMIN).user
    book(own, "presales_sizing", at=at(1))
    add_partners(season, leagues, 9, first_number=100)
    partner_client = client_for(user)
    pages = [
        (Client(), "/leaderboard/", True),
        (Client(), "/leaderboard/", False),
        (Client(), f"/leaderboard/?league={leagues[1].slug}&page=1", True),
        (Client(), "/leaderboard.json", True),
        (Client(), "/leaderboard.json", False),
        (partner_client, "/leaderboard/", True),
        (partner_client, "/company/", True),
        (partner_client, "/company/", False),
        (staff_client, "/staff/leaderboard/", True),
        (staff_client, f"/staff/leaderboard/?league={leagues[1].slug}&page=2", False),
    ]
    few = [count_queries(client, url, cold) for client, url, cold in pages]

    add_partners(season, leagues, 14_990, first_number=1_000)
    assert Partner.objects.filter(season=season, status="approved").count() == 15_000
    many = [count_queries(client, url, cold) for client, url, cold in pages]

    assert many == few, (few, many)
    # A visitor's cached page needs no SQL at all.
    assert few[1] == 0 and few[4] == 0
