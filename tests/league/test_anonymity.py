"""No company, person, end customer or ID on anything a visitor can fetch (terms 3.1, SPEC 2).

The public URLs are not listed by hand: every URL without parameters is fetched anonymously, and
every one that answers 200 is searched — plus the table's variants (each league, pages, seasons,
English, JSON, CSV). The seeded secrets have distinctive values, internal IDs included, so that a
match is a leak and not a coincidence.
"""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from challenges.services.claims import claim_approve
from league.models import SpecialPrize
from partners.models import Membership
from tests.conftest import client_for
from tests.factories import (
    ClaimFactory,
    EndCustomerFactory,
    LeagueFactory,
    MembershipFactory,
    PartnerFactory,
    SeasonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PARTNER_PK = 910_001
CUSTOMER_PK = 920_001


def parameterless_urls(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from parameterless_urls(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if "<" not in route and not any(ch in route for ch in "^$()?*+[]\\"):
                yield "/" + route


def seed(ended: bool, frozen: bool, staff_user, run_on_commit):
    today = timezone.localdate()
    if ended:
        season = SeasonFactory(
            start_date=today - timedelta(days=300),
            end_date=today - timedelta(days=10),
            registration_deadline=today - timedelta(days=301),
        )
    else:
        season = SeasonFactory()
    leagues = [
        LeagueFactory(season=season, name="Einsteiger-Liga", slug="einsteiger"),
        LeagueFactory(season=season, name="Profi-Liga", slug="profi"),
    ]
    secrets = []
    partners = []
    for i in range(6):
        partner = PartnerFactory(
            pk=PARTNER_PK + i,
            season=season,
            league=leagues[i % 2],
            name=f"Geheimfirma{i} Systemhaus GmbH",
            partner_id=str(7_770_100 + i),
            customer_number=f"KDNR-GEHEIM-{i}",
            contact_name=f"Erika Geheimkontakt{i}",
            contact_email=f"kontakt{i}@geheimfirma{i}.example",
            street=f"Geheimweg {i}",
            pseudonym_number=60 + i,
        )
        partners.append(partner)
        user = UserFactory(
            email=f"mitarbeiter{i}@geheimfirma{i}.example",
            first_name=f"Vorname{i}x",
            last_name=f"Nachname{i}x",
        )
        MembershipFactory(partner=partner, user=user, role=Membership.Role.ADMIN)
        customer = EndCustomerFactory(
            pk=CUSTOMER_PK + i,
            partner=partner,
            name=f"Endkundin{i} Geheim AG",
            tenant_id=str(uuid.uuid4()),
            domain=f"endkundin{i}-geheim.example",
            contact_name=f"Kundenkontakt{i}x",
            contact_email=f"it{i}@endkundin{i}-geheim.example",
        )
        secrets += [
            partner.name,
            partner.partner_id,
            partner.customer_number,
            partner.contact_name,
            partner.contact_email,
            partner.street,
            str(partner.pk),
            user.email,
            user.first_name,
            user.last_name,
            customer.name,
            customer.tenant_id,
            customer.domain,
            customer.contact_name,
            customer.contact_email,
            str(customer.pk),
        ]
        with run_on_commit():
            for code in ("new_customer", "presales_sizing")[: 1 + i % 2]:
                claim = ClaimFactory(
                    customer=customer, code=code, subscription_id=str(uuid.uuid4())
                )
                claim_approve(claim=claim, reviewer=staff_user)
                secrets.append(claim.subscription_id)
    SpecialPrize.objects.create(
        season=season, partner=partners[1], title_de="Bestes Migrationsprojekt"
    )
    if frozen:
        season.table_frozen_at = timezone.now() - timedelta(hours=1)
        season.save()
    return season, leagues, partners, secrets


def assert_no_secret(url, body: str, secrets):
    folded = body.casefold()
    leaked = [secret for secret in secrets if secret.casefold() in folded]
    assert not leaked, f"{url} shows {leaked}"


@pytest.mark.parametrize(("ended", "frozen"), [(False, False), (True, True)])
def test_no_public_url_names_a_partner_person_customer_or_id(
    ended, frozen, staff_user, run_on_commit
):
    season, leagues, partners, secrets = seed(ended, frozen, staff_user, run_on_commit)
    table_urls = [
        "/leaderboard/",
        "/leaderboard/?page=2",
        f"/leaderboard/?season={season.slug}",
        "/leaderboard.json",
        f"/leaderboard.json?season={season.slug}",
    ]
    for league in leagues:
        table_urls += [
            f"/leaderboard/?league={league.slug}",
            f"/leaderboard.csv?league={league.slug}",
        ]
    checked = []
    for language in ("de", "en"):
        visitor = Client()
        visitor.cookies["django_language"] = language
        for url in [*parameterless_urls(), *table_urls]:
            response = visitor.get(url, follow=True)
            if response.status_code != 200:
                continue
            assert_no_secret(url, response.content.decode(errors="replace"), secrets)
            checked.append(url)
    for url in table_urls:
        assert url in checked, f"{url} was not fetched"
    assert "/" in checked and "/rules/" in checked
    # The published table has every partner under its pseudonym, nothing else.
    body = Client().get("/leaderboard.json").content.decode()
    for partner in partners:
        assert partner.pseudonym in body
    if ended:
        page = Client().get("/leaderboard/").content.decode()
        assert "Bestes Migrationsprojekt" in page and partners[1].pseudonym in page


def test_a_partner_sees_no_other_company_on_the_public_table(staff_user, run_on_commit):
    season, leagues, partners, secrets = seed(False, False, staff_user, run_on_commit)
    own = partners[0]
    user = own.memberships.get().user
    # Everything but the user's own e-mail address, which the account menu shows.
    hidden = [secret for secret in secrets if secret != user.email]
    client = client_for(user)
    for league in leagues:
        page = client.get(f"/leaderboard/?league={league.slug}").content.decode()
        assert_no_secret(league.slug, page, hidden)
    assert "own-row" in client.get(f"/leaderboard/?league={leagues[0].slug}").content.decode()
