"""German formats everywhere (issue 9, section 5): the pages a partner and staff see, the e-mails
and the credit-note PDF, rendered with figures above a thousand (1.270 points, 1.234,56 €,
10.000 € caps, a 10,5 MB file, 1.200 errors), checked for English number formats and for
unseparated thousands where a number is shown to a person; the English pages for theirs.

Only visible text is checked (tags, SVG coordinates, `data-*` and form values are not for people),
and an unseparated number counts only next to a unit (€, Punkte, MB, USD, Zeilen …) or in a cell
that holds a figure, so years, IDs, postcodes and MPN IDs are left alone."""

import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from challenges.models import Redemption
from challenges.services.claims import claim_approve
from credits.computation import credits_compute
from credits.models import BillingImport, CreditNote
from credits.notes.issuing import credit_notes_issue
from partners.notifications import email_send
from tests.conftest import client_for
from tests.credits.helpers.billing_files import csv_text, import_bytes, line
from tests.credits.helpers.computation import (
    billed,
    league_season,
    sub_of,
    usage,
    workload_claim,
)
from tests.factories import ClaimFactory, EndCustomerFactory, PartnerFactory
from tests.league.helpers import book

MB = 1024 * 1024
NEW = [f"aaaaaaaa-0000-4000-8000-00000000000{i}" for i in range(5)]
WORKLOAD = "bbbbbbbb-0000-4000-8000-000000000001"
UNCLASSIFIED = "cccccccc-0000-4000-8000-000000000001"

# --- What counts as wrong ----------------------------------------------------------------------

UNITS_DE = r"(?:€|Punkte?\b|MB\b|KB\b|GB\b|Bytes?\b|USD\b|US-\$|Zeilen?\b|Fehler\b|%)"
UNITS_EN = r"(?:points?\b|MB\b|KB\b|GB\b|bytes?\b|USD\b|rows?\b|errors?\b|%)"
GERMAN_OFFENCES = {
    "an English decimal point before €": re.compile(r"\d\.\d\d(?!\d)\s*€"),
    "€ in front of the amount": re.compile(r"€-?\d"),
    "an English thousands separator": re.compile(r"\d,\d\d\d(?!\d)"),
    "a decimal point in a file size": re.compile(r"\d\.\d\s*(?:KB|MB|GB)\b"),
    "an unseparated number ≥ 1000 next to its unit": re.compile(
        rf"(?<![\d.,])\d{{4,}}(?:,\d+)?\s*{UNITS_DE}"
    ),
}
ENGLISH_OFFENCES = {
    "a German decimal comma": re.compile(r"\d,\d\d(?!\d)(?:\s*€|\s*USD)"),
    "€ after the amount": re.compile(r"\d\s*€(?![\d-])"),
    "a German thousands separator": re.compile(r"\d\.\d\d\d(?!\d)"),
    "a decimal comma in a file size": re.compile(r"\d,\d\s*(?:KB|MB|GB)\b"),
    "an unseparated number ≥ 1000 next to its unit": re.compile(
        rf"(?:€\d{{4,}}|(?<![\d.,])\d{{4,}}(?:\.\d+)?\s*{UNITS_EN})"
    ),
}
# Elements that hold a figure: their own text is a number people read.
FIGURE_CLASSES = {
    "num",
    "stat-value",
    "points",
    "tab-count",
    "leader-rank",
    "leader-points",
    "chart-y",
    "suggestion-points",
}
UNSEPARATED = re.compile(r"(?<![\d.,])\d{4,}(?![\d.,])")
VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area", "base"}
SHOWN_ATTRIBUTES = {"title", "aria-label", "aria-valuetext", "alt", "placeholder"}


class _Reader(HTMLParser):
    """What a person sees of a page: text outside script/style, some attributes, and the text
    of the elements that hold a figure."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.figures: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.text.extend(v for k, v in attrs.items() if k in SHOWN_ATTRIBUTES and v)
        if tag in VOID:
            return
        classes = set((attrs.get("class") or "").split())
        self.stack.append((tag, bool(classes & FIGURE_CLASSES)))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(tag in ("script", "style") for tag, _ in self.stack):
            return
        self.text.append(data)
        if self.stack and self.stack[-1][1] and data.strip():
            self.figures.append(data.strip())


def read(html: str) -> tuple[str, list[str]]:
    reader = _Reader()
    reader.feed(html)
    text = re.sub(r"\s+", " ", " ".join(reader.text).replace("\u00a0", " "))
    return text, reader.figures


def offences(text: str, rules: dict, figures=()) -> list[str]:
    found = []
    for name, pattern in rules.items():
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 40) : match.end() + 20]
            found.append(f"{name}: …{context}…")
    found += [
        f"an unseparated figure: {figure!r}" for figure in figures if UNSEPARATED.search(figure)
    ]
    return found


def assert_german(html: str, *expected: str) -> str:
    text, figures = read(html)
    assert offences(text, GERMAN_OFFENCES, figures) == []
    for figure in expected:
        assert figure in text, f"{figure!r} not shown"
    return text


def assert_english(html: str, *expected: str) -> str:
    text, figures = read(html)
    assert offences(text, ENGLISH_OFFENCES, figures) == []
    for figure in expected:
        assert figure in text, f"{figure!r} not shown"
    return text


# --- The world: figures above a thousand everywhere --------------------------------------------


@pytest.fixture
def season(db):
    # Season 2024/25 as in the terms (the personas' companies build on it).
    return league_season()


@pytest.fixture
def world(
    season,
    company_a,
    company_c,
    alice,
    charlie,
    staff_user,
    leagues,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    """Alpha (alice) has 1.270 points, a rival in its league 2.500; credits of 1.234,56 €, one
    capped at 10.000 € and a workload at an existing customer (2.160,00 USD the month before);
    a credit note; 1.234,50 € redeemed for trainings; a refused billing file of 10,5 MB with
    1.200 errors and an imported one with 1.234 unclassified rows."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("de"), django_capture_on_commit_callbacks(execute=True):
        customers = [
            EndCustomerFactory(partner=company_a, tenant_id=tenant, name=f"Neukunde {i} GmbH")
            for i, tenant in enumerate(NEW)
        ]
        for customer in customers:
            claim = ClaimFactory(
                code="new_customer", customer=customer, subscription_id=sub_of(customer.tenant_id)
            )
            claim_approve(claim=claim, reviewer=staff_user)
        for code in ("sql_lead", "sales_meeting"):
            claim_approve(claim=ClaimFactory(code=code, customer=customers[0]), reviewer=staff_user)
        ClaimFactory(code="presales_sizing", customer=customers[1])  # in review: +100
        rival = PartnerFactory(season=season, league=leagues[0], name="Rivale GmbH")
        book(rival, "new_customer", points=2500)
        book(company_c, "new_customer", points=1999)

        usage(company_a, NEW[0], date(2024, 10, 5), "1.00")
        usage(company_a, NEW[0], date(2024, 11, 3), "1234.56")
        usage(company_a, NEW[1], date(2024, 10, 5), "1.00")
        usage(company_a, NEW[1], date(2024, 11, 3), "12345.67")
        workload_claim(company_a, WORKLOAD, "security")
        usage(company_a, WORKLOAD, date(2024, 9, 10), "2000.00", usd="2160.00")
        usage(company_a, WORKLOAD, date(2024, 10, 3), "5.00", category="Sentinel")
        usage(company_a, WORKLOAD, date(2024, 11, 3), "1500.25", category="Sentinel")
        usage(company_a, WORKLOAD, date(2024, 12, 3), "999.99", category="Sentinel")
        billed(season, date(2024, 9, 1), date(2024, 10, 1), date(2024, 11, 1), date(2024, 12, 1))
        credits_compute(season=season)
        credit_notes_issue(season=season, issued_by=staff_user)

        Redemption.objects.create(
            partner=company_a,
            season=season,
            training="AZ-104",
            provider="Fast Lane",
            amount_eur=Decimal("1234.50"),
            status=Redemption.Status.APPROVED,
            requested_by=alice,
        )
        Redemption.objects.create(
            partner=company_a,
            season=season,
            training="AZ-305",
            provider="Fast Lane",
            amount_eur=Decimal("20.25"),
            requested_by=alice,
        )

        bad = [line(company_a.partner_id, currency="USD", day="2025-01-15")] * 1200
        refused = import_bytes(season, tmp_path, csv_text(bad).encode(), name="refused.csv")
        BillingImport.objects.filter(pk=refused.pk).update(size_bytes=int(10.5 * MB))
        rows = [
            line(
                company_a.partner_id,
                customer=UNCLASSIFIED,
                category="Quantum Widgets",
                day="2025-01-15",
                amount="1.00",
            )
        ] * 1234
        imported = import_bytes(season, tmp_path, csv_text(rows).encode(), name="januar.csv")
        BillingImport.objects.filter(pk=imported.pk).update(size_bytes=int(10.5 * MB))
    return {"refused": refused, "imported": imported, "customers": customers}


def german_client(user) -> Client:
    return client_for(user)


def english_client(user) -> Client:
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def german_staff(staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    return staff_client


# --- Partner pages ---------------------------------------------------------------------------

PARTNER_PAGES = {
    "/company/": ["1.270", "1.230", "100 Punkte"],
    "/company/statement/": ["1.270", "+200"],
    "/company/credits/": ["1.234,56 €", "10.000,00 €", "30.000 €", "60.000 €"],
    "/company/trainings/": ["1.270", "1.234,50 €", "35,50 €", "20,25 €", "10.000 €"],
    "/company/claims/": [],
    "/company/customers/": [],
    "/company/academy/": ["249 €"],
    "/leaderboard/": ["1.270", "2.500"],
    "/rules/": ["10.000 €", "30.000 €", "60.000 €", "1,00 €", "100 US-$"],
    "/": ["10.000 €"],
}


@pytest.mark.parametrize("url", PARTNER_PAGES)
def test_the_partner_sees_german_figures(world, alice, url):
    assert_german(get(german_client(alice), url), *PARTNER_PAGES[url])


def test_a_customer_and_a_claim_page_in_german(world, alice):
    client = german_client(alice)
    customer = world["customers"][0]
    assert_german(get(client, f"/company/customers/{customer.pk}/"), "470 Punkte")
    claim = customer.claims.filter(challenge__code="new_customer").get()
    assert_german(get(client, f"/company/claims/{claim.pk}/"), "200 Punkte")


ENGLISH_PARTNER_PAGES = {
    "/company/": ["1,270", "1,230"],
    "/company/statement/": ["1,270"],
    "/company/credits/": ["€1,234.56", "€10,000.00", "€30,000"],
    "/company/trainings/": ["€1,234.50", "€35.50", "€10,000"],
    "/leaderboard/": ["1,270", "2,500"],
    "/rules/": ["€10,000", "€30,000", "€60,000", "€1.00", "US$100"],
}


@pytest.mark.parametrize("url", ENGLISH_PARTNER_PAGES)
def test_the_english_pages_have_english_figures(world, alice, url):
    assert_english(get(english_client(alice), url), *ENGLISH_PARTNER_PAGES[url])


# --- Staff pages ------------------------------------------------------------------------------

STAFF_PAGES = {
    "/staff/": ["1.270 Punkte", "2.500 Punkte", "1.999 Punkte", "11.234,56 €", "90.000 €"],
    "/staff/leaderboard/": ["1.270", "2.500"],
    "/staff/credits/": ["1.234,56 €", "10.000,00 €", "2.500,24 €"],
    "/staff/credit-notes/": ["13.734,80 €"],
    "/staff/billing/": ["10,5 MB", "1.234"],
    "/staff/claims/": [],
    "/staff/trainings/": ["20,25 €", "35,50 €", "1.270,00 €", "1.234,50 €"],
    "/staff/service-groups/": [],
    "/staff/seasons/": [],
}


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_see_german_figures(world, staff_client, url):
    assert_german(get(german_staff(staff_client), url), *STAFF_PAGES[url])


def test_the_billing_reports_in_german(world, staff_client):
    client = german_staff(staff_client)
    refused = assert_german(
        get(client, f"/staff/billing/{world['refused'].pk}/"),
        "10,5 MB",
        "1.200 Fehler in 1.200 Zeile(n)",
    )
    assert "1.200" in refused
    assert_german(
        get(client, f"/staff/billing/{world['imported'].pk}/"),
        "1.234 Zeilen gespeichert",
        "Quantum Widgets",
        "1.234,00 €",
    )


def test_a_claim_review_and_the_disqualification_page_in_german(world, staff_client, company_a):
    client = german_staff(staff_client)
    claim = world["customers"][1].claims.get(challenge__code="presales_sizing")
    assert_german(get(client, f"/staff/claims/{claim.pk}/"), "1.270")
    page = assert_german(get(client, f"/staff/partners/{company_a.pk}/disqualify/"), "1.270")
    assert "von 1.270 auf 0" in page


def test_a_customer_history_in_german(world, staff_client):
    client = german_staff(staff_client)
    page = assert_german(
        get(client, f"/staff/credits/customers/{WORKLOAD}/"),
        "2.160,00 USD",
        "1.500,25 €",
    )
    assert "100,00 USD" in page


def test_the_staff_dashboard_in_english(world, staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert_english(get(staff_client, "/staff/"), "1,270 points", "€11,234.56", "€90,000")
    assert_english(get(staff_client, "/staff/credits/"), "€1,234.56", "€2,500.24")
    # (The refused import's report is a sentence stored in the language of the import: German.)
    assert_english(
        get(staff_client, f"/staff/billing/{world['imported'].pk}/"),
        "10.5 MB",
        "1,234 rows stored",
        "€1,234.00",
    )


# --- Messages, e-mails, the PDF ---------------------------------------------------------------


def test_a_refused_evidence_file_says_its_size_in_german(world, alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    customer = world["customers"][2]
    evidence = SimpleUploadedFile("gross.pdf", b"%PDF-1.7\n" + b"\0" * int(10.5 * MB))
    response = german_client(alice).post(
        "/company/claims/new/sales_meeting/",
        {
            "customer": customer.pk,
            "activity_date": "2024-10-01",
            "meeting_date": "2024-10-01",
            "distributor_contact": "Ingrid Sales",
            "evidence": evidence,
        },
    )
    assert response.status_code == 200
    page = assert_german(response.content.decode(), "höchstens 10 MB")
    assert "Die Datei ist 10,6 MB groß" in page  # 10,5 MB and the header, rounded up


def test_a_training_request_above_the_balance_says_the_amount_in_german(world, alice):
    response = german_client(alice).post(
        "/company/trainings/", {"training": "AZ-400", "provider": "X", "amount_eur": "920"}
    )
    assert response.status_code == 200
    assert_german(response.content.decode(), "höchstens 15,25 € beantragen")


def test_a_training_request_below_a_cent_is_refused_without_an_english_number(world, alice):
    response = german_client(alice).post(
        "/company/trainings/", {"training": "AZ-400", "provider": "X", "amount_eur": "0"}
    )
    assert response.status_code == 200
    assert_german(response.content.decode(), "Der Betrag muss mindestens einen Cent betragen.")


def test_the_e_mails_are_in_german_format(world, django_capture_on_commit_callbacks):
    approvals = [m for m in mail.outbox if m.subject.startswith("Meldung freigegeben")]
    assert approvals, [m.subject for m in mail.outbox]
    for message in approvals:
        assert offences(message.subject + "\n" + message.body, GERMAN_OFFENCES) == []
    assert any("+200" in m.body for m in approvals)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        email_send(
            to="staff@ingram.example",
            template="challenges/email/staff_digest",
            context={"count": 1234, "items": [], "more": 1184, "queue_url": "https://x/"},
            language="de",
        )
    (digest,) = mail.outbox
    assert offences(digest.subject + "\n" + digest.body, GERMAN_OFFENCES) == []
    assert "1.234" in digest.subject and "1.234" in digest.body and "1.184" in digest.body


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils are not installed")
def test_the_credit_note_pdf_is_in_german_format(world):
    note = CreditNote.objects.get()
    text = subprocess.run(
        ["pdftotext", "-layout", note.pdf.path, "-"], check=True, capture_output=True, text=True
    ).stdout
    assert offences(re.sub(r"\s+", " ", text), GERMAN_OFFENCES) == []
    for figure in ("1.234,56 €", "10.000,00 €", "13.734,80 €", "10.000 €"):
        assert figure in text


# --- The check itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p>höchstens 920.00 €</p>",
        "<p>Die Datei ist 10.5 MB groß</p>",
        "<p>1270 Punkte</p>",
        '<td class="num">1270</td>',
        "<p>30.000 € und 1,270 Punkte</p>",
        "<p>€1.234,56</p>",
        '<div aria-valuetext="1,234.56 € von 30.000 €"></div>',
        '<text class="chart-y">1500</text>',
    ],
)
def test_the_check_catches_english_and_unseparated_figures(html):
    text, figures = read(html)
    assert offences(text, GERMAN_OFFENCES, figures)


@pytest.mark.parametrize(
    "html",
    [
        "<p>Saison 2024/25, 01.09.2024 – 31.05.2025</p>",
        "<p>MPN ID 5000123, Kundennummer DE10001, 80331 München</p>",
        '<p>Gutschrift GS-2025-00001</p><a href="/company/claims/12345/">#12345</a>',
        '<polyline points="44,200.0 100.5,1234.5"></polyline><input value="1234.50">',
        "<p>1.270 Punkte, 1.234,56 €, 10,5 MB, Partner 1042</p>",
    ],
)
def test_the_check_leaves_years_ids_and_coordinates_alone(html):
    text, figures = read(html)
    assert offences(text, GERMAN_OFFENCES, figures) == []


def test_the_english_check_catches_german_figures():
    for html in ("<p>1.234,56 €</p>", "<p>1.270 points</p>", "<p>1270 points</p>"):
        text, figures = read(html)
        assert offences(text, ENGLISH_OFFENCES, figures), html
