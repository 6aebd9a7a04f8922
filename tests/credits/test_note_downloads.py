"""The e-invoice's XML alone for the partner's own company and for staff, the partner's page, and
the e-mail the partner's users get when a note is issued (issue 11)."""

import pytest

from credits.notes.issuing import credit_notes_issue
from partners.models import OutboxEmail
from tests.conftest import client_for
from tests.credits.helpers.notes import change_credit, credit_line, legacy_note
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def note(company_a, season, staff_user):
    credit_line(company_a, "1234.56")
    (note,) = credit_notes_issue(season=season, issued_by=staff_user)
    return note


def assert_xml_response(response, note):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{note.number}.xml"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == note.xml.encode("utf-8")
    assert response.content.startswith(b"<?xml")


def test_the_company_downloads_the_xml_of_its_own_note(note, alice, bob):
    for user in (alice, bob):
        assert_xml_response(client_for(user).get(f"/company/credit-notes/{note.pk}/xml/"), note)


def test_another_companys_xml_answers_404(note, charlie):
    client = client_for(charlie)
    assert client.get(f"/company/credit-notes/{note.pk}/xml/").status_code == 404
    assert client.get(f"/company/credit-notes/{note.pk + 999}/xml/").status_code == 404


def test_nobody_logged_in_is_sent_to_the_login(note, client):
    response = client.get(f"/company/credit-notes/{note.pk}/xml/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(f"/staff/credit-notes/{note.pk}/xml/").status_code == 302


def test_staff_download_any_xml_partners_cannot(note, staff_client, alice):
    assert_xml_response(staff_client.get(f"/staff/credit-notes/{note.pk}/xml/"), note)
    page = staff_client.get("/staff/credit-notes/").content.decode()
    assert f"/staff/credit-notes/{note.pk}/xml/" in page
    assert client_for(alice).get(f"/staff/credit-notes/{note.pk}/xml/").status_code == 403


def test_a_note_from_before_e_invoicing_has_no_xml_and_says_so(
    company_a, alice, staff_client, season
):
    old = legacy_note(company_a)
    assert client_for(alice).get(f"/company/credit-notes/{old.pk}/xml/").status_code == 404
    assert staff_client.get(f"/staff/credit-notes/{old.pk}/xml/").status_code == 404
    client = client_for(alice)
    client.cookies["django_language"] = "en"
    page = client.get("/company/credits/").content.decode()
    assert old.number in page and "issued before e-invoicing" in page
    assert f"/company/credit-notes/{old.pk}/pdf/" in page
    assert f"/company/credit-notes/{old.pk}/xml/" not in page
    staff_client.cookies["django_language"] = "en"
    assert "issued before e-invoicing" in staff_client.get("/staff/credit-notes/").content.decode()


def test_the_partner_page_offers_pdf_and_xml_with_the_gross(note, alice):
    client = client_for(alice)
    client.cookies["django_language"] = "en"
    page = client.get("/company/credits/").content.decode()
    assert f"/company/credit-notes/{note.pk}/pdf/" in page
    assert f"/company/credit-notes/{note.pk}/xml/" in page
    assert "€1,234.56" in page and "€1,469.13" in page  # net and gross
    assert "Every credit note is an e-invoice (ZUGFeRD/Factur-X, EN 16931)" in page
    assert "issued before e-invoicing" not in page


# --- The e-mail ----------------------------------------------------------------------------------


def test_the_partners_users_get_an_email_in_their_language(
    company_a, company_c, season, staff_user, alice, bob, charlie
):
    bob.language = "en"
    bob.save()
    credit_line(company_a, "1234.56")
    credit_line(company_c, "10.00")
    MembershipFactory(partner=company_a, user=UserFactory(email="gone@alpha.example"))
    UserFactory._meta.model.objects.filter(email="gone@alpha.example").update(is_active=False)

    notes = credit_notes_issue(season=season, issued_by=staff_user)

    mine = next(n for n in notes if n.partner == company_a)
    to_alice = OutboxEmail.objects.get(to=alice.email)
    to_bob = OutboxEmail.objects.get(to=bob.email)
    assert to_alice.subject.endswith(f"Neue Gutschrift {mine.number}")
    assert to_bob.subject.endswith(f"New credit note {mine.number}")
    for email in (to_alice, to_bob):
        assert company_a.name not in email.subject
        assert "/company/credits/" in email.body
    assert "Netto: 1.234,56 €" in to_alice.body
    assert "USt 19 %: 234,57 €" in to_alice.body
    assert "Brutto: 1.469,13 €" in to_alice.body
    assert "Xvantage-Konto gutgeschrieben" in to_alice.body
    assert "Net: €1,234.56" in to_bob.body and "Gross: €1,469.13" in to_bob.body
    # Charlie hears of Charlie's note only; an inactive colleague of nobody's.
    assert company_a.name not in OutboxEmail.objects.get(to=charlie.email).body
    assert not OutboxEmail.objects.filter(to="gone@alpha.example").exists()

    # A second run issues and sends nothing.
    before = OutboxEmail.objects.count()
    assert credit_notes_issue(season=season, issued_by=staff_user) == []
    assert OutboxEmail.objects.count() == before


def test_a_correction_email_names_the_note_it_corrects(company_a, season, alice):
    line = credit_line(company_a, "100.00")
    (original,) = credit_notes_issue(season=season, issued_by=None)
    change_credit(line, "80.00")
    credit_line(company_a, "5.00")

    regular, correction = credit_notes_issue(season=season, issued_by=None)

    # One e-mail per user and run, with both notes.
    email = OutboxEmail.objects.filter(to=alice.email).latest("pk")
    assert email.subject.endswith(f"Neue Gutschriften {regular.number}, {correction.number}")
    assert f"{correction.number} (Korrektur zu {original.number})" in email.body
    assert "Netto: -20,00 €" in email.body and "Brutto: -23,80 €" in email.body
