import re
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from challenges.models import Challenge, Claim
from partners.models import EndCustomer
from tests.challenges.helpers import approved_claim, claim_for
from tests.factories import EndCustomerFactory, PartnerFactory
from tests.helpers.files import PNG

QUEUE = reverse("challenges:staff-queue")


def pks(response) -> list[int]:
    return [row.claim.pk for row in response.context["rows"]]


def row_of(response, claim):
    return next(row for row in response.context["rows"] if row.claim.pk == claim.pk)


@pytest.mark.django_db
def test_default_queue_shows_open_claims_oldest_first(staff_client, company_a, staff_user):
    now = timezone.now()
    old = claim_for(company_a, submitted_at=now - timedelta(days=9))
    asked = claim_for(company_a, code="sql_lead", submitted_at=now - timedelta(days=5))
    asked.status = Claim.Status.NEEDS_INFO
    asked.save()
    new = claim_for(company_a, code="presales_sizing", submitted_at=now - timedelta(hours=1))
    approved = approved_claim(company_a, staff_user)
    response = staff_client.get(QUEUE)
    assert response.status_code == 200
    assert pks(response) == [old.pk, asked.pk, new.pk]
    assert approved.pk not in pks(response)
    assert pks(staff_client.get(QUEUE + "?order=newest")) == [new.pk, asked.pk, old.pk]
    assert pks(staff_client.get(QUEUE + "?status=approved")) == [approved.pk]
    assert pks(staff_client.get(QUEUE + "?status=needs_info")) == [asked.pk]
    assert set(pks(staff_client.get(QUEUE + "?status=all"))) == {
        old.pk,
        asked.pk,
        new.pk,
        approved.pk,
    }


@pytest.mark.django_db
def test_queue_filters_by_challenge_partner_league_and_age(
    staff_client, company_a, company_c, leagues
):
    now = timezone.now()
    a_meeting = claim_for(company_a, submitted_at=now - timedelta(days=10))
    a_lead = claim_for(company_a, code="sql_lead", submitted_at=now - timedelta(days=2))
    c_meeting = claim_for(company_c, submitted_at=now - timedelta(days=4))

    assert pks(staff_client.get(QUEUE + "?challenge=sales_meeting")) == [a_meeting.pk, c_meeting.pk]
    assert pks(staff_client.get(QUEUE + f"?partner={company_c.pk}")) == [c_meeting.pk]
    # company_a plays in leagues[0], company_c in leagues[1].
    assert pks(staff_client.get(QUEUE + f"?league={leagues[0].pk}")) == [a_meeting.pk, a_lead.pk]
    assert pks(staff_client.get(QUEUE + "?older_than=3")) == [a_meeting.pk, c_meeting.pk]
    assert pks(staff_client.get(QUEUE + "?older_than=7")) == [a_meeting.pk]
    combined = staff_client.get(QUEUE + f"?challenge=sales_meeting&league={leagues[1].pk}")
    assert pks(combined) == [c_meeting.pk]
    # A broken filter value is ignored, not an error.
    broken = staff_client.get(QUEUE + "?older_than=abc&partner=999999&status=nonsense")
    assert broken.status_code == 200
    assert set(pks(broken)) == {a_meeting.pk, a_lead.pk, c_meeting.pk}


@pytest.mark.django_db
def test_queue_shows_the_real_company_name_and_columns(staff_client, company_a):
    claim = claim_for(company_a, code="presales_sizing")
    body = staff_client.get(QUEUE).content.decode()
    assert company_a.name in body
    assert company_a.league.name in body
    assert claim.customer.name in body
    assert reverse("challenges:staff-claim", args=[claim.pk]) in body
    assert ">100<" in body  # the points of presales_sizing


@pytest.mark.django_db
@pytest.mark.parametrize("same", ["tenant", "domain"])
def test_conflict_flag_when_another_partner_reported_the_same_customer(
    staff_client, company_a, company_c, alice, charlie, same
):
    ours = EndCustomerFactory(partner=company_a, domain="contoso.example")
    if same == "tenant":
        EndCustomerFactory(partner=company_c, tenant_id=ours.tenant_id, domain="other.example")
    else:
        EndCustomerFactory(partner=company_c, domain="contoso.example")
    flagged = claim_for(company_a, customer=ours)
    clean = claim_for(company_a)
    response = staff_client.get(QUEUE)
    assert [c.partner.name for c in row_of(response, flagged).conflicts] == ["Charlie Cloud GmbH"]
    assert row_of(response, clean).conflicts == []
    # A conflicted claim is never approved in bulk.
    assert not row_of(response, flagged).simple and row_of(response, clean).simple
    assert "Charlie Cloud GmbH" in response.content.decode()

    # The claim page names the other partner and its claims.
    theirs = EndCustomer.objects.get(partner=company_c)
    their_claim = claim_for(company_c, customer=theirs, code="sql_lead")
    page = staff_client.get(reverse("challenges:staff-claim", args=[flagged.pk]))
    [conflict] = page.context["conflicts"]
    assert conflict.customer == theirs
    assert conflict.claims == [their_claim]
    assert reverse("challenges:staff-claim", args=[their_claim.pk]) in page.content.decode()


@pytest.mark.django_db
def test_only_simple_claims_get_a_checkbox(staff_client, company_a):
    simple = claim_for(company_a, code="sql_lead")
    with_evidence = claim_for(
        company_a, evidence=SimpleUploadedFile("p.png", PNG), evidence_name="p.png"
    )
    new_customer = claim_for(company_a, code="new_customer")
    response = staff_client.get(QUEUE)
    body = response.content.decode()
    assert f'name="claims" value="{simple.pk}"' in body
    assert f'name="claims" value="{with_evidence.pk}"' not in body
    assert f'name="claims" value="{new_customer.pk}"' not in body


@pytest.mark.django_db
def test_queue_paginates(staff_client, company_a):
    _claims_of(company_a, 60)
    first = staff_client.get(QUEUE)
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.count == 60
    second = staff_client.get(QUEUE + "?page=2&challenge=sales_meeting")
    assert len(second.context["rows"]) == 10
    assert "challenge=sales_meeting" in second.content.decode()  # links keep the filters


def _fill(season, partners, start, count, conflict_with=None):
    """`count` claims, one per new end customer, spread over `partners`; every fifth customer
    shares its tenant ID with a customer of another partner and every seventh has evidence."""
    challenges = list(
        Challenge.objects.filter(
            season=season, code__in=["sql_lead", "sales_meeting", "new_customer", "svc_avd"]
        )
    )
    customers = EndCustomer.objects.bulk_create(
        EndCustomer(
            partner=partners[i % len(partners)],
            season=season,
            name=f"Kunde {i}",
            tenant_id=str(uuid.uuid4()),
            domain=f"kunde{i}.example",
        )
        for i in range(start, start + count)
    )
    twins = EndCustomer.objects.bulk_create(
        EndCustomer(
            partner=partners[(i + 1) % len(partners)],
            season=season,
            name=f"Doppelt {i}",
            tenant_id=customer.tenant_id,
        )
        for i, customer in enumerate(customers)
        if i % 5 == 0
    )
    assert twins
    now = timezone.now()
    Claim.objects.bulk_create(
        Claim(
            partner=customer.partner,
            season=season,
            challenge=challenges[i % len(challenges)],
            customer=customer,
            count_key=f"customer:{customer.pk}",
            activity_date=season.start_date,
            submitted_at=now - timedelta(hours=i),
            evidence="evidence/x.pdf" if i % 7 == 0 else "",
            status=Claim.Status.NEEDS_INFO if i % 11 == 0 else Claim.Status.SUBMITTED,
        )
        for i, customer in enumerate(customers)
    )


@pytest.mark.django_db
def test_queue_runs_a_constant_number_of_queries_from_10_to_1000_claims(
    staff_client, season, leagues
):
    partners = [PartnerFactory(season=season, league=leagues[i % 2]) for i in range(5)]
    urls = [QUEUE, QUEUE + "?status=all&order=newest", QUEUE + f"?league={leagues[0].pk}"]

    def count_queries():
        counts = []
        for url in urls:
            staff_client.get(url)  # warm up whatever is cached per process
            with CaptureQueriesContext(connection) as queries:
                response = staff_client.get(url)
            assert response.status_code == 200
            counts.append(len(queries))
        return counts, response

    _fill(season, partners, 0, 10)
    small, response = count_queries()
    assert any(row.conflicts for row in response.context["rows"])
    _fill(season, partners, 10, 990)
    assert Claim.objects.count() == 1000
    large, response = count_queries()
    assert any(row.conflicts for row in response.context["rows"])
    assert len(response.context["rows"]) == 50
    assert small == large, (small, large)


def _claims_of(partner, count, hours_ago=0):
    """`count` sales meetings of `partner`, one per new end customer, submitted `hours_ago`."""
    customers = EndCustomer.objects.bulk_create(
        EndCustomer(
            partner=partner, season=partner.season, name=f"K{i}", tenant_id=str(uuid.uuid4())
        )
        for i in range(count)
    )
    challenge = Challenge.objects.get(season=partner.season, code="sales_meeting")
    return Claim.objects.bulk_create(
        Claim(
            partner=partner,
            season=partner.season,
            challenge=challenge,
            customer=c,
            count_key=f"customer:{c.pk}",
            activity_date=partner.season.start_date,
            submitted_at=timezone.now() - timedelta(hours=hours_ago),
        )
        for c in customers
    )


def names(response) -> list[str]:
    return [row.claim.partner.name for row in response.context["rows"]]


def _links(body: str, text: str) -> list[str]:
    """The query strings of the links whose text is `text`."""
    return [
        href.replace("&amp;", "&")
        for href in re.findall(rf'<a href="(\?[^"]*)"[^>]*>\s*{re.escape(text)}\s*</a>', body)
    ]


@pytest.mark.django_db
def test_queue_sorts_by_a_column_and_its_pages_keep_the_order_and_the_filters(
    staff_client, company_a, company_c
):
    # Alpha's claims are the newer ones: oldest first (the default) shows Charlie's first.
    _claims_of(company_a, 30, hours_ago=1)
    _claims_of(company_c, 30, hours_ago=5)
    assert names(staff_client.get(QUEUE))[:30] == ["Charlie Cloud GmbH"] * 30

    by_partner = staff_client.get(QUEUE + "?sort=partner&challenge=sales_meeting")
    assert names(by_partner) == ["Alpha Systemhaus GmbH"] * 30 + ["Charlie Cloud GmbH"] * 20
    body = by_partner.content.decode()
    assert 'aria-sort="ascending"' in body
    # The header sorts the other way round and keeps the filter; the pager keeps both.
    [header] = _links(body, "Partner")
    assert "sort=-partner" in header and "challenge=sales_meeting" in header
    [next_page] = re.findall(r'href="(\?[^"]*)" rel="next"', body)
    assert "page=2" in next_page and "sort=partner" in next_page
    assert "challenge=sales_meeting" in next_page

    second = staff_client.get(QUEUE + next_page.replace("&amp;", "&"))
    assert names(second) == ["Charlie Cloud GmbH"] * 10
    # Sorting from page 2 starts again at page 1.
    [header] = _links(second.content.decode(), "Partner")
    assert "page=" not in header

    backwards = staff_client.get(QUEUE + "?sort=-partner")
    assert names(backwards)[:30] == ["Charlie Cloud GmbH"] * 30
    assert 'aria-sort="descending"' in backwards.content.decode()
    # A column that cannot be sorted, or a made-up one, leaves the queue's own order.
    assert names(staff_client.get(QUEUE + "?sort=conflict"))[:30] == ["Charlie Cloud GmbH"] * 30
    assert staff_client.get(QUEUE + "?sort=nonsense").status_code == 200
