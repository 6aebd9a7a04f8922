"""The operator commands of issue 11 (SPEC 7): `issue_credit_notes [--dry-run]`,
`export_credit_notes [--output FILE] [--pdf-dir DIR]`, and `check_einvoice FILE...`."""

import importlib.util
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from credits.einvoice_check import check
from credits.models import CreditNote
from credits.notes.issuing import credit_notes_issue
from credits.notes.rendering import credit_note_pdf_bytes
from partners.models import OutboxEmail
from seasons.models import Season
from tests.credits.helpers.notes import change_credit, credit_line, legacy_note
from tests.einvoices import assert_valid_einvoice
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(command: str, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def partners(season):
    return [
        PartnerFactory(season=season, partner_id="1000001", name="Alpha GmbH"),
        PartnerFactory(season=season, partner_id="2000002", name="Beta GmbH"),
    ]


# --- issue_credit_notes --------------------------------------------------------------------------


def test_issue_prints_one_line_per_note_and_a_second_run_issues_nothing(partners, season):
    alpha, beta = partners
    line = credit_line(alpha, "1234.5")
    credit_line(beta, "0.07")

    out, err = run("issue_credit_notes")

    year = season.end_date.year
    assert out == f"GS-{year}-00001 1000001 1234.50\nGS-{year}-00002 2000002 0.07\n"
    assert err == "2 credit note(s) issued\n"
    assert CreditNote.objects.count() == 2

    assert run("issue_credit_notes") == ("", "nothing to issue\n")

    # A correction that takes money back prints its negative net.
    change_credit(line, "1000.00")
    assert run("issue_credit_notes")[0] == f"GS-{year}-00003 1000001 -234.50\n"


def test_a_dry_run_shows_the_numbers_and_numbers_nothing(partners, season):
    for partner in partners:
        credit_line(partner, "10.00")

    dry, err = run("issue_credit_notes", "--dry-run")

    assert err == "dry run: 2 credit note(s) would be issued; nothing was numbered\n"
    assert CreditNote.objects.count() == 0
    assert not OutboxEmail.objects.exists()
    real, _err = run("issue_credit_notes")
    assert dry == real and real.count("\n") == 2


def test_partners_held_back_are_listed_on_stderr(partners, season):
    alpha, beta = partners
    beta.street, beta.postal_code = "", ""
    beta.save()
    for partner in partners:
        credit_line(partner, "10.00")

    out, err = run("issue_credit_notes")

    assert out == f"GS-{season.end_date.year}-00001 1000001 10.00\n"
    assert err.splitlines() == [
        "held back: 2000002 Beta GmbH: no street; no postal code",
        "1 credit note(s) issued; 1 partner(s) held back until their details are complete",
    ]


def test_issue_without_a_configured_seller_fails_with_one_line(partners, settings):
    credit_line(partners[0], "10.00")
    settings.CREDIT_NOTE_SELLER = {**settings.CREDIT_NOTE_SELLER, "vat_id": ""}
    with pytest.raises(CommandError) as error:
        run("issue_credit_notes")
    assert str(error.value) == (
        "The seller of the credit notes is not configured: SELLER_VAT_ID not set."
    )
    assert "\n" not in str(error.value)
    assert CreditNote.objects.count() == 0


def test_issue_without_a_season_fails(db):
    Season.objects.all().delete()
    with pytest.raises(CommandError, match="there is no season"):
        run("issue_credit_notes")


# --- export_credit_notes -------------------------------------------------------------------------


def test_export_writes_the_staff_csv_and_every_pdf(partners, season, staff_client, tmp_path):
    alpha, beta = partners
    credit_line(alpha, "100.00")
    credit_line(beta, "20.00")
    notes = credit_notes_issue(season=season, issued_by=None)  # not rendered: nothing committed
    old = legacy_note(alpha, "5.00")
    assert all(note.pdf_rendered_at is None for note in [*notes, old])
    target, pdfs = tmp_path / "gutschriften.csv", tmp_path / "pdf" / "2025"

    out, _err = run("export_credit_notes", "--output", str(target), "--pdf-dir", str(pdfs))

    assert out.splitlines() == [
        f"3 credit notes of {season.name} written to {target}",
        f"3 PDFs written to {pdfs}",
    ]
    staff_csv = staff_client.get("/staff/credit-notes/export.csv").content
    assert target.read_bytes() == staff_csv
    assert sorted(p.name for p in pdfs.iterdir()) == sorted(
        f"{note.number}.pdf" for note in [*notes, old]
    )
    for note in notes:
        note.refresh_from_db()
        content = (pdfs / f"{note.number}.pdf").read_bytes()
        assert content == Path(note.pdf.path).read_bytes()  # rendered once, and kept
        assert_valid_einvoice(content, name=note.number)
    assert (pdfs / f"{old.number}.pdf").read_bytes().startswith(b"%PDF-")

    # Again: the same PDFs, not rendered anew.
    rendered = {note.number: Path(note.pdf.path).stat().st_mtime_ns for note in notes}
    run("export_credit_notes", "--output", str(target), "--pdf-dir", str(pdfs))
    for note in notes:
        assert Path(note.pdf.path).stat().st_mtime_ns == rendered[note.number]


def test_export_to_stdout_is_the_csv_alone(partners, season):
    credit_line(partners[0], "100.00")
    (note,) = credit_notes_issue(season=season, issued_by=None)
    out, err = run("export_credit_notes")
    assert out.startswith("\ufeffnumber;date;partner_id;customer_number;partner_name;")
    assert out.splitlines()[1].endswith(";100,00;;100,00;19,00;119,00")
    assert err == ""


def test_export_refuses_an_unwritable_pdf_dir(partners, season, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CommandError, match="cannot write"):
        run("export_credit_notes", "--output", str(tmp_path / "x.csv"), "--pdf-dir", str(blocker))


# --- check_einvoice ------------------------------------------------------------------------------


@pytest.fixture
def files(partners, season, tmp_path):
    credit_line(partners[0], "100.00")
    (note,) = credit_notes_issue(season=season, issued_by=None)
    pdf = tmp_path / f"{note.number}.pdf"
    pdf.write_bytes(credit_note_pdf_bytes(note))
    xml = tmp_path / f"{note.number}.xml"
    xml.write_text(note.xml)
    broken = tmp_path / "broken.xml"
    broken.write_text(note.xml.replace(">119.00<", ">119.01<"))
    return pdf, xml, broken


def test_check_einvoice_passes_a_valid_pdf_and_xml(files):
    pdf, xml, _broken = files
    out, err = run("check_einvoice", str(pdf), str(xml))
    lines = out.splitlines()
    assert lines[0].startswith(f"{pdf}: valid (XSD passed, ")
    assert lines[0].endswith(" Schematron rules fired, 0 fatal, 0 warnings)")
    assert lines[1].startswith(f"{xml}: valid (XSD passed, ")
    assert err == ""


def test_check_einvoice_fails_on_a_fatal_finding_and_names_it(files):
    _pdf, xml, broken = files
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 2 files are not valid e-invoices"):
        call_command("check_einvoice", str(xml), str(broken), stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert f"{broken}: NOT VALID (XSD passed, " in text
    assert "  fatal BR-CO-15: [BR-CO-15]-Invoice total amount with VAT (BT-112)" in text


def test_check_einvoice_says_what_it_cannot_check(tmp_path, files):
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(b"%PDF-1.7 not really")
    err = StringIO()
    with pytest.raises(CommandError, match="2 of 2 files"):
        call_command(
            "check_einvoice",
            str(plain),
            str(tmp_path / "missing.xml"),
            stdout=StringIO(),
            stderr=err,
        )
    assert f"{plain}: cannot check:" in err.getvalue()
    assert f"{tmp_path / 'missing.xml'}: cannot read: No such file or directory" in err.getvalue()


def test_check_einvoice_without_saxonche_says_how_to_install_it(files, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "saxonche" else real(name, *a)
    )
    with pytest.raises(CommandError, match=r"saxonche is not installed; run `make install-dev`"):
        run("check_einvoice", str(files[0]))


def test_the_check_counts_money_not_just_form(files):
    """The validator the suite relies on does see a wrong VAT amount (a test that cannot fail is
    a defect)."""
    _pdf, xml, _broken = files
    assert CreditNote.objects.get().vat_eur == Decimal("19.00")
    # One cent more VAT in the header's total only: the gross no longer adds up.
    wrong_vat = xml.read_text().replace(
        '<ram:TaxTotalAmount currencyID="EUR">19.00<', '<ram:TaxTotalAmount currencyID="EUR">19.01<'
    )
    report = check(wrong_vat.encode())
    assert not report.valid
    assert {finding.rule for finding in report.fatal} >= {"BR-CO-14", "BR-CO-15"}
