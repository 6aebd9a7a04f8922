"""The Gutschrift PDF: rendered once by the task after issuing, looked at as an image and as text,
served to staff and to the partner's own company only."""

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from PIL import Image

from credits.models import CreditLine
from credits.notes.issuing import credit_notes_issue
from credits.notes.rendering import (
    credit_note_pdf_bytes,
    credit_note_pdf_record,
    credit_note_render,
)
from tests.conftest import client_for
from tests.credits.helpers.notes import change_credit, credit_line

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="poppler-utils (pdftoppm, pdftotext) are not installed",
)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo_note(company_a, season, staff_user, django_capture_on_commit_callbacks):
    credit_line(company_a, "1000.00", customer_name="Bäckerei Müller GmbH", tenant_id="a" * 36)
    credit_line(
        company_a,
        "234.56",
        kind=CreditLine.Kind.WORKLOAD,
        group="security",
        consumption="20234.56",
        status=CreditLine.Status.CAPPED,
        customer_name="Stadtwerke Musterstadt",
        tenant_id="b" * 36,
    )
    # The render task is enqueued after commit and runs in-process (CELERY_EAGER in tests).
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        (note,) = credit_notes_issue(season=season, issued_by=staff_user)
    note.refresh_from_db()
    return note


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def first_page_png(path: Path, tmp_path: Path) -> Path:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    return png


@pytest.mark.django_db
def test_the_pdf_is_a_german_gutschrift_with_number_and_total(demo_note, company_a, tmp_path):
    assert demo_note.pdf_rendered_at is not None
    assert demo_note.pdf.name == f"credit_notes/{demo_note.number}.pdf"
    path = Path(demo_note.pdf.path)
    assert path.read_bytes().startswith(b"%PDF-")

    png = first_page_png(path, tmp_path)
    assert png.stat().st_size > 20_000
    with Image.open(png) as image:
        grey = image.convert("L")
        width, height = grey.size
        assert abs(width - 661) <= 2 and abs(height - 935) <= 2  # A4 portrait at 80 dpi
        dark = sum(grey.histogram()[:200])
    assert dark > 0.01 * grey.size[0] * grey.size[1]  # text on the page, not a blank sheet

    text = pdf_text(path)
    # German though the issuing request was in English.
    assert f"Gutschrift {demo_note.number}" in text
    flat = " ".join(text.split())
    # Net, VAT (once on the net, category S) and gross (SPEC 5).
    assert "Gutschriftsbetrag netto 1.234,56 €" in flat
    assert "zzgl. USt 19 % (Kategorie S) 234,57 €" in flat
    assert "Gutschriftsbetrag brutto 1.469,13 €" in flat
    assert "Der Betrag wird Ihrem Xvantage-Konto gutgeschrieben." in text
    # The seller with VAT ID and register, the buyer with its address; the billing period.
    assert "Ingram Micro Distribution GmbH" in text and "Heisenbergbogen 3" in text
    assert "85609 Dornach" in text
    assert "USt-IdNr. DE136695976 · Amtsgericht München, HRB 000000 (Demo)" in text
    assert company_a.name in text and company_a.customer_number in text
    assert f"{company_a.street}" in text and f"{company_a.postal_code} {company_a.city}" in text
    start, end = demo_note.period_start, demo_note.period_end
    assert f"Leistungszeitraum {start:%d.%m.%Y} – {end:%d.%m.%Y}" in flat
    assert f"{demo_note.issued_at.astimezone():%d.%m.%Y}" in text
    assert "Neuer Endkunde Bäckerei Müller GmbH" in text
    assert "Neuer Workload Security bei Bestandskunde" in text
    assert "Deckel je Workload 20.000 € und Partner-Deckel 60.000 € angewendet" in " ".join(
        text.split()
    )
    assert "Seite 1 von 1" in text


@pytest.mark.django_db
def test_a_correction_note_says_what_it_corrects(
    demo_note, company_a, season, staff_user, django_capture_on_commit_callbacks
):
    line = demo_note.lines.order_by("pk").first().credit_line
    change_credit(line, "900.00")
    with django_capture_on_commit_callbacks(execute=True):
        (correction,) = credit_notes_issue(season=season, issued_by=staff_user)
    correction.refresh_from_db()

    text = pdf_text(Path(correction.pdf.path))
    assert f"Korrektur-Gutschrift {correction.number}" in text
    assert f"Korrektur zu {demo_note.number}" in text
    assert "-100,00 €" in text


@pytest.mark.django_db
def test_rendering_twice_changes_nothing(demo_note):
    before = (demo_note.pdf.name, demo_note.pdf_rendered_at, Path(demo_note.pdf.path).stat())
    again = credit_note_render(note_id=demo_note.pk)
    assert (again.pdf.name, again.pdf_rendered_at, Path(again.pdf.path).stat()) == before
    assert [p.name for p in Path(demo_note.pdf.path).parent.iterdir()] == [
        f"{demo_note.number}.pdf"
    ]


@pytest.mark.django_db
def test_a_render_that_loses_the_race_keeps_no_file(demo_note):
    # A second worker finishes rendering after the first one recorded its file.
    late = credit_note_pdf_bytes(demo_note)
    assert credit_note_pdf_record(note=demo_note, content=late) is False
    demo_note.refresh_from_db()
    assert demo_note.pdf.name == f"credit_notes/{demo_note.number}.pdf"
    assert [p.name for p in Path(demo_note.pdf.path).parent.iterdir()] == [
        f"{demo_note.number}.pdf"
    ]


# --- Download ------------------------------------------------------------------------------------


def assert_pdf_response(response, note):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert f'filename="{note.number}.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.django_db
def test_the_company_downloads_its_own_note(demo_note, alice, bob):
    for user in (alice, bob):
        response = client_for(user).get(f"/company/credit-notes/{demo_note.pk}/pdf/")
        assert_pdf_response(response, demo_note)


@pytest.mark.django_db
def test_another_companys_note_answers_404(demo_note, charlie):
    response = client_for(charlie).get(f"/company/credit-notes/{demo_note.pk}/pdf/")
    assert response.status_code == 404
    missing = client_for(charlie).get(f"/company/credit-notes/{demo_note.pk + 999}/pdf/")
    assert missing.status_code == 404


@pytest.mark.django_db
def test_staff_download_any_note(demo_note, staff_client):
    assert_pdf_response(staff_client.get(f"/staff/credit-notes/{demo_note.pk}/pdf/"), demo_note)
    page = staff_client.get("/staff/credit-notes/").content.decode()
    assert f"/staff/credit-notes/{demo_note.pk}/pdf/" in page


@pytest.mark.django_db
def test_a_note_not_rendered_yet_shows_a_waiting_page(company_a, season, staff_user, alice):
    credit_line(company_a, "10.00")
    (note,) = credit_notes_issue(season=season, issued_by=staff_user)  # nothing committed: no task

    client = client_for(alice)
    client.cookies["django_language"] = "en"  # the text below is asserted in English
    response = client.get(f"/company/credit-notes/{note.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert note.number in page and "The PDF is being generated." in page
    assert '<meta http-equiv="refresh" content="5">' in page


@pytest.mark.django_db
def test_staff_can_enqueue_a_lost_render_again(
    staff_client, company_a, season, staff_user, django_capture_on_commit_callbacks
):
    credit_line(company_a, "10.00")
    (note,) = credit_notes_issue(season=season, issued_by=staff_user)
    staff_client.cookies["django_language"] = "en"  # the message is asserted in English
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/staff/credit-notes/", {"action": "render", "note": note.pk}, follow=True
        )
    assert f"The PDF of {note.number} is being generated again." in response.content.decode()
    note.refresh_from_db()
    assert note.pdf_rendered_at is not None  # the eager task ran
    assert note.total_eur == Decimal("10.00")
