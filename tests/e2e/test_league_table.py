"""End to end: a visitor opens the league table, switches league and sees only pseudonyms; a
partner sees its own row highlighted and, on its company page, its rank, the gap to the next place
and what would move it up (issue 5)."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from challenges.catalogue import CATALOGUE
from challenges.models import Challenge, Claim, LedgerEntry
from partners.models import EndCustomer, Membership, Partner, User
from seasons.models import League

from .helpers import running_season, submit_button

pytestmark = pytest.mark.e2e

PARTNER_EMAIL = "paula@fabrikam-it.example"
PARTNER_PASSWORD = "Tabelle-Ansehen-2025!"

BEGINNERS_CRITERION = "Partner mit weniger als 50.000 EUR Azure-Umsatz im Vorjahr."
PROS_CRITERION = "Partner ab 50.000 EUR Azure-Umsatz im Vorjahr."

# Per league, in table order: (company, MPN ID, contact e-mail, pseudonym number, challenges that
# were approved for it, one end customer each). Points: sql_lead 20, sales_meeting 50,
# presales_sizing 100, svc_* 200.
BEGINNERS = [
    ("Contoso Cloud Solutions AG", "6100231", "it@contoso-cloud.example", 31,
     ["svc_security", "presales_sizing"]),  # 300
    ("Northwind Systemhaus GmbH", "6100232", "info@northwind-sh.example", 12,
     ["presales_sizing", "sales_meeting"]),  # 150
    ("Fabrikam IT GmbH", "6100233", PARTNER_EMAIL, 7, ["presales_sizing"]),  # 100
    ("Tailspin Datentechnik KG", "6100234", "kontakt@tailspin-dt.example", 44,
     ["sql_lead"]),  # 20
]  # fmt: skip
PROS = [
    ("Litware Rechenzentrum GmbH", "6100241", "office@litware-rz.example", 5,
     ["svc_security", "svc_databases", "sales_meeting"]),  # 450
    ("Adatum Consulting GmbH", "6100242", "hallo@adatum-consulting.example", 23,
     ["svc_analytics_ai", "sql_lead"]),  # 220
    ("Woodgrove IT-Service GmbH", "6100243", "service@woodgrove-it.example", 68,
     ["sales_meeting"]),  # 50
]  # fmt: skip
POINTS = {spec.code: spec.points for spec in CATALOGUE}
# The partner's end customer without a "Sizing and Pricing" meeting yet (the +100 suggestion).
OPEN_CUSTOMER = "Bäckerei Huber KG"


def expected_rows(partners):
    return [
        [str(rank), f"Partner {number}", str(sum(POINTS[code] for code in codes)), "0"]
        for rank, (_name, _mpn, _email, number, codes) in enumerate(partners, start=1)
    ]


@pytest.fixture
def two_leagues(db):
    """A season with two leagues of approved partners and their points in the ledger; the user
    PARTNER_EMAIL is the admin of Fabrikam IT GmbH (rank 3 of the Einsteiger-Liga)."""
    today = timezone.localdate()
    season = running_season("e2e-table", "E2E Tabellen-Saison")
    challenges = {c.code: c for c in Challenge.objects.filter(season=season)}
    beginners = League.objects.create(
        season=season,
        name="Einsteiger-Liga",
        slug="einsteiger",
        criterion=BEGINNERS_CRITERION,
        position=0,
    )
    pros = League.objects.create(
        season=season, name="Profi-Liga", slug="profi", criterion=PROS_CRITERION, position=1
    )
    booked_at = timezone.now() - timedelta(days=5)
    partners = {}
    secrets = {}  # company -> what must never reach another partner or a visitor
    for league, rows in ((beginners, BEGINNERS), (pros, PROS)):
        for name, mpn, email, number, codes in rows:
            partner = Partner.objects.create(
                season=season,
                league=league,
                status=Partner.Status.APPROVED,
                name=name,
                customer_number=f"DE{mpn}",
                partner_id=mpn,
                pseudonym_number=number,
                contact_email=email,
            )
            partners[name] = partner
            secrets[name] = [name, mpn, email, partner.customer_number]
            for i, code in enumerate(codes):
                customer = EndCustomer.objects.create(
                    partner=partner,
                    season=season,
                    name=f"Endkunde {number}-{i} von {name}",
                    tenant_id=f"00000000-0000-4000-8000-{number:06d}{i:06d}",
                )
                secrets[name].append(customer.name)
                claim = Claim.objects.create(
                    partner=partner,
                    season=season,
                    challenge=challenges[code],
                    customer=customer,
                    status=Claim.Status.APPROVED,
                    count_key=f"customer:{customer.pk}",
                    activity_date=today - timedelta(days=6),
                    decided_at=booked_at,
                )
                LedgerEntry.objects.create(
                    partner=partner,
                    season=season,
                    challenge=challenges[code],
                    claim=claim,
                    kind=LedgerEntry.Kind.GRANT,
                    points=challenges[code].points,
                    rule_de="Test",
                    rule_en="Test",
                    created_at=booked_at,
                )
                booked_at += timedelta(minutes=1)

    fabrikam = partners["Fabrikam IT GmbH"]
    open_customer = EndCustomer.objects.create(
        partner=fabrikam,
        season=season,
        name=OPEN_CUSTOMER,
        tenant_id="3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        domain="baeckerei-huber.example",
    )
    secrets[fabrikam.name].append(open_customer.name)
    user = User.objects.create_user(email=PARTNER_EMAIL, password=PARTNER_PASSWORD)
    EmailAddress.objects.create(user=user, email=PARTNER_EMAIL, verified=True, primary=True)
    Membership.objects.create(user=user, partner=fabrikam, season=season, role="admin")
    # No cache.clear() needed: the autouse _fresh_cache fixture (tests/conftest.py) has emptied the
    # cache before this fixture ran, and the live server shares it (Redis, or the process's
    # local memory); the version bumps after the commits above are harmless.
    return fabrikam, secrets


def log_in(page, email, password):
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    submit_button(page, "form:has(input[name=login])").click()


def assert_no_secret(page, secrets):
    html = page.content()
    text = page.locator("body").inner_text()
    leaked = [secret for secret in secrets if secret in html or secret in text]
    assert not leaked, f"{page.url} shows {leaked}"


def expect_table(page, rows):
    body_rows = page.locator("table.league-table tbody tr")
    expect(body_rows).to_have_count(len(rows))
    for row, cells in zip(body_rows.all(), rows, strict=True):
        expect(row.locator("td")).to_have_text(cells)


def test_visitor_switches_league_and_sees_only_pseudonyms(live_server, new_context, two_leagues):
    _fabrikam, secrets = two_leagues
    secrets = [value for values in secrets.values() for value in values]
    page = new_context(base_url=live_server.url).new_page()

    page.goto("/")
    assert_no_secret(page, secrets)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Tabelle", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/leaderboard/$"))

    # --- The first league's table ---------------------------------------------------------------
    tabs = page.locator("nav ul.league-tabs a")
    expect(tabs).to_have_text(["Einsteiger-Liga", "Profi-Liga"])
    expect(tabs.filter(has_text="Einsteiger-Liga")).to_have_attribute("aria-current", "page")
    expect(tabs.filter(has_text="Profi-Liga")).not_to_have_attribute("aria-current", "page")
    expect(page.locator(".league-head h2")).to_have_text("Einsteiger-Liga")
    expect(page.locator(".criterion")).to_have_text(f"Kriterium: {BEGINNERS_CRITERION}")
    expect(page.locator("table.league-table thead th")).to_have_text(
        ["Platz", "Partner", "Punkte", "Neue Endkunden"]
    )
    expect_table(page, expected_rows(BEGINNERS))
    expect(page.locator("tr.own-row")).to_have_count(0)
    expect(page.locator(".own-standing")).to_have_count(0)
    assert_no_secret(page, secrets)

    # --- The other league -----------------------------------------------------------------------
    tabs.filter(has_text="Profi-Liga").click()
    expect(page).to_have_url(re.compile(r"/leaderboard/\?league=profi$"))
    expect(page.locator(".league-head h2")).to_have_text("Profi-Liga")
    expect(tabs.filter(has_text="Profi-Liga")).to_have_attribute("aria-current", "page")
    expect(tabs.filter(has_text="Einsteiger-Liga")).not_to_have_attribute("aria-current", "page")
    expect(page.locator(".criterion")).to_have_text(f"Kriterium: {PROS_CRITERION}")
    expect(page.locator("body")).not_to_contain_text(BEGINNERS_CRITERION)
    expect_table(page, expected_rows(PROS))
    assert_no_secret(page, secrets)

    # --- And back: the first league again (now from the cached page) ------------------------------
    tabs.filter(has_text="Einsteiger-Liga").click()
    expect(page).to_have_url(re.compile(r"/leaderboard/\?league=einsteiger$"))
    expect_table(page, expected_rows(BEGINNERS))
    assert_no_secret(page, secrets)


def test_partner_sees_its_highlighted_row_and_the_gap_to_the_next_place(
    live_server, new_context, e2e_settings, two_leagues
):
    fabrikam, secrets = two_leagues
    # The partner's own data may appear on its pages (its e-mail in the account menu, its company
    # and end customers on the company page); nobody else's may.
    others = [
        value for name, values in secrets.items() if name != fabrikam.name for value in values
    ]
    page = new_context(base_url=live_server.url).new_page()
    log_in(page, PARTNER_EMAIL, PARTNER_PASSWORD)
    expect(page).to_have_url(re.compile(r"/company/$"))

    # --- The table opens on the partner's league, its row highlighted ---------------------------
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Tabelle", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/leaderboard/$"))
    expect(page.locator(".league-head h2")).to_have_text("Einsteiger-Liga")
    expect_table(page, expected_rows(BEGINNERS))
    own_row = page.locator("table.league-table tbody tr.own-row")
    expect(own_row).to_have_count(1)
    expect(own_row.locator("td")).to_have_text(["3", "Partner 7", "100", "0"])
    expect(page.locator("table.league-table tbody tr").nth(2)).to_have_class(
        re.compile(r"\bown-row\b")
    )
    expect(page.locator(".own-standing")).to_contain_text(
        "Ihr Unternehmen erscheint als Partner 7 (hervorgehoben): Platz 3 von 4 mit 100 Punkten."
    )
    assert_no_secret(page, others)

    # --- The other league's table has no highlighted row ------------------------------------------
    page.locator("nav ul.league-tabs a", has_text="Profi-Liga").click()
    expect(page.locator(".league-head h2")).to_have_text("Profi-Liga")
    expect_table(page, expected_rows(PROS))
    expect(page.locator("tr.own-row")).to_have_count(0)
    expect(page.locator(".own-standing")).to_have_count(0)
    assert_no_secret(page, others)

    # --- The company page: rank, gaps and what would move the partner up ------------------------
    page.goto("/leaderboard/")
    page.locator(".own-standing a[href$='#standing']").click()
    expect(page).to_have_url(re.compile(r"/company/#standing$"))
    standing = page.locator("#standing")
    expect(standing).to_be_visible()
    expect(standing.locator("h2")).to_have_text("Ihr Platz in der Einsteiger-Liga")
    expect(standing).to_contain_text(BEGINNERS_CRITERION)
    expect(standing.locator("[data-rank]")).to_have_text(re.compile(r"^\s*3\s*/\s*4\s*$"))
    # rank 2 has 150 points, the partner 100: "50 points behind rank 2"
    gap_next = standing.locator("[data-gap-next]")
    expect(gap_next.locator(".stat-value")).to_have_text("50")
    expect(gap_next.locator(".stat-label")).to_have_text("Punkte hinter Platz 2")
    # rank 1 has 300 points
    expect(standing.locator("[data-gap-first] .stat-value")).to_have_text("200")
    expect(standing).to_contain_text("Mit 51 Punkten mehr überholen Sie Platz 2.")

    expect(standing.locator("h3")).to_have_text("Was Sie nach oben bringt")

    sizing = standing.locator(".suggestion-list li").filter(
        has=page.locator(".suggestion-points", has_text=re.compile(r"^\+100$"))
    )
    expect(sizing).to_have_count(1)
    expect(sizing).to_contain_text(
        Challenge.objects.get(season=fabrikam.season, code="presales_sizing").title_de
    )
    expect(sizing).to_contain_text(OPEN_CUSTOMER)
    # The end customer that had its sizing meeting already is not suggested again.
    counted = EndCustomer.objects.get(partner=fabrikam, claims__challenge__code="presales_sizing")
    expect(sizing).not_to_contain_text(counted.name)
    # 100 more points (200) pass rank 2 (150), not rank 1 (300).
    expect(sizing.locator(".badge-pass")).to_have_text("überholt Platz 2")
    assert_no_secret(page, others)
