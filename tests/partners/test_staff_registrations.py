"""The staff's list of registrations: one status at a time (`?status=`, pending by default),
sorted by a column, 50 a page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import Partner

pytestmark = pytest.mark.django_db

URL = "/staff/registrations/"


def registered(season, count, status, prefix, first_id):
    now = timezone.now()
    Partner.objects.bulk_create(
        Partner(
            season=season,
            status=status,
            name=f"{prefix} {i:02d} GmbH",
            customer_number=f"{prefix[0]}{i}",
            partner_id=str(first_id + i),
            created_at=now - timedelta(minutes=count - i),
        )
        for i in range(count)
    )


def companies(response) -> list[str]:
    return re.findall(r"<strong>([^<]+ GmbH)</strong>", response.content.decode())


def test_pending_registrations_oldest_first_50_a_page(staff_client, season):
    registered(season, 55, Partner.Status.PENDING, "Neu", 7_000_000)
    registered(season, 3, Partner.Status.REJECTED, "Abgelehnt", 7_100_000)
    first = staff_client.get(URL)
    assert companies(first) == [f"Neu {i:02d} GmbH" for i in range(50)]
    [next_page] = re.findall(r'href="(\?[^"]*)" rel="next"', first.content.decode())
    assert companies(staff_client.get(URL + next_page.replace("&amp;", "&"))) == [
        f"Neu {i:02d} GmbH" for i in range(50, 55)
    ]
    # A broken status shows the pending ones, as no status does.
    assert companies(staff_client.get(URL + "?status=bogus"))[:1] == ["Neu 00 GmbH"]


def test_the_status_narrows_and_a_column_sorts(staff_client, season):
    registered(season, 55, Partner.Status.PENDING, "Neu", 7_000_000)
    registered(season, 3, Partner.Status.REJECTED, "Abgelehnt", 7_100_000)
    rejected = staff_client.get(URL + "?status=rejected&sort=-name")
    assert companies(rejected) == ["Abgelehnt 02 GmbH", "Abgelehnt 01 GmbH", "Abgelehnt 00 GmbH"]
    body = rejected.content.decode()
    assert re.search(r'href="\?status=rejected"\s*aria-current="page"', body)
    # The header sorts the other way round within the status.
    assert 'href="?status=rejected&amp;sort=name"' in body
    by_name = staff_client.get(URL + "?sort=-name&page=2")
    assert companies(by_name) == [f"Neu {i:02d} GmbH" for i in range(4, -1, -1)]
