"""Every credit note is issued as an EN 16931 e-invoice (issue 11): what it stores when it is issued
(net, VAT, gross, the parties as they were, the period, the XML), what its XML says, and its PDF
read back (the embedded XML with its relationship, the PDF/A identification, the amounts). Each
note here is also validated (XSD and Schematron) by the suite's fixture in tests/conftest.py."""

import io
import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import facturx
import pytest
from django.utils import timezone
from lxml import etree
from pypdf import PdfReader

from credits.models import CreditLine, CreditNote
from credits.notes.issuing import credit_notes_issue
from credits.notes.rendering import credit_note_pdf_bytes, credit_note_render
from partners.services import partner_details_update
from tests.credits.helpers.notes import change_credit, credit_line, legacy_note
from tests.einvoices import assert_valid_einvoice

pytestmark = pytest.mark.django_db

RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
RSM = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"
D = Decimal


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def xml_of(note: CreditNote):
    return etree.fromstring(note.xml.encode("utf-8"))


def totals(root) -> dict[str, str]:
    summation = root.find(f".//{RAM}SpecifiedTradeSettlementHeaderMonetarySummation")
    return {child.tag.removeprefix(RAM): child.text for child in summation}


def party(root, role: str) -> dict[str, str]:
    node = root.find(f".//{RAM}{role}")
    return {
        "name": node.findtext(f"{RAM}Name"),
        "id": node.findtext(f"{RAM}ID"),
        "street": node.findtext(f".//{RAM}LineOne"),
        "postcode": node.findtext(f".//{RAM}PostcodeCode"),
        "city": node.findtext(f".//{RAM}CityName"),
        "country": node.findtext(f".//{RAM}CountryID"),
        "vat_id": node.findtext(f".//{RAM}SpecifiedTaxRegistration/{RAM}ID"),
        "legal_info": node.findtext(f"{RAM}Description"),
    }


def line_items(root) -> list[dict]:
    return [
        {
            "name": item.findtext(f".//{RAM}SpecifiedTradeProduct/{RAM}Name"),
            "quantity": item.findtext(f".//{RAM}BilledQuantity"),
            "price": item.findtext(f".//{RAM}NetPriceProductTradePrice/{RAM}ChargeAmount"),
            "amount": item.findtext(f".//{RAM}LineTotalAmount"),
            "start": item.findtext(f".//{RAM}BillingSpecifiedPeriod/{RAM}StartDateTime/*"),
            "end": item.findtext(f".//{RAM}BillingSpecifiedPeriod/{RAM}EndDateTime/*"),
        }
        for item in root.iter(f"{RAM}IncludedSupplyChainTradeLineItem")
    ]


def issue(season, user=None) -> list[CreditNote]:
    return credit_notes_issue(season=season, issued_by=user)


# --- What a note stores ---------------------------------------------------------------------------


def test_a_one_line_note_stores_what_it_was_issued_with(company_a, season, staff_user):
    company_a.vat_id = "DE136695976"
    company_a.save()
    credit_line(company_a, "1234.56", month=date(2024, 10, 1))

    (note,) = issue(season, staff_user)

    note.refresh_from_db()
    assert (note.total_eur, note.vat_rate, note.vat_eur, note.gross_eur) == (
        D("1234.56"),
        D("19.00"),
        D("234.57"),  # 234.5664, half-up once on the note
        D("1469.13"),
    )
    assert note.is_einvoice
    # The new customer's one free month: November 2024.
    assert (note.period_start, note.period_end) == (date(2024, 11, 1), date(2024, 11, 30))
    assert note.seller == {
        "name": "Ingram Micro Distribution GmbH",
        "street": "Heisenbergbogen 3",
        "postcode": "85609",
        "city": "Dornach",
        "country": "DE",
        "vat_id": "DE136695976",
        "legal_info": "Amtsgericht München, HRB 000000 (Demo)",
        "contact_name": "Azure Acceleration League",
        "phone": "+49 89 4208-3484",
        "email": "de_iaas@ingrammicro.com",
        "identifier": "",
    }
    assert note.buyer == {
        "name": "Alpha Systemhaus GmbH",
        "street": "Hauptstraße 1",
        "postcode": "80331",
        "city": "München",
        "country": "DE",
        "vat_id": "DE136695976",
        "legal_info": "",
        "contact_name": "Erika Mustermann",
        "phone": "",
        "email": "",
        "identifier": company_a.customer_number,
    }

    root = xml_of(note)
    assert root.findtext(f"{RSM}ExchangedDocument/{RAM}ID") == note.number
    assert root.findtext(f"{RSM}ExchangedDocument/{RAM}TypeCode") == "381"
    assert root.findtext(f".//{RAM}SpecifiedTradePaymentTerms/{RAM}Description") == (
        "Der Betrag wird Ihrem Xvantage-Konto gutgeschrieben."
    )
    assert totals(root) == {
        "LineTotalAmount": "1234.56",
        "TaxBasisTotalAmount": "1234.56",
        "TaxTotalAmount": "234.57",
        "GrandTotalAmount": "1469.13",
        "DuePayableAmount": "1469.13",
    }
    tax = root.find(f".//{RAM}ApplicableHeaderTradeSettlement/{RAM}ApplicableTradeTax")
    assert (tax.findtext(f"{RAM}CategoryCode"), tax.findtext(f"{RAM}RateApplicablePercent")) == (
        "S",
        "19.00",
    )
    assert party(root, "SellerTradeParty") == {
        "name": "Ingram Micro Distribution GmbH",
        "id": None,
        "street": "Heisenbergbogen 3",
        "postcode": "85609",
        "city": "Dornach",
        "country": "DE",
        "vat_id": "DE136695976",
        "legal_info": "Amtsgericht München, HRB 000000 (Demo)",
    }
    buyer = party(root, "BuyerTradeParty")
    assert buyer["name"] == "Alpha Systemhaus GmbH" and buyer["id"] == company_a.customer_number
    assert (buyer["street"], buyer["postcode"], buyer["city"], buyer["vat_id"]) == (
        "Hauptstraße 1",
        "80331",
        "München",
        "DE136695976",
    )
    (item,) = line_items(root)
    assert item == {
        "name": "Neuer Endkunde Endkunde GmbH",
        "quantity": "1",
        "price": "1234.56",
        "amount": "1234.56",
        "start": "20241101",
        "end": "20241130",
    }
    assert assert_valid_einvoice(note.xml.encode()).rules_fired > 50


def test_many_lines_one_item_each_and_vat_rounded_once(company_a, season):
    for i in range(25):
        credit_line(
            company_a,
            "0.05",
            tenant_id=f"{i:08d}-0000-4000-8000-000000000000",
            month=date(2024, 10, 1),
        )
    credit_line(
        company_a,
        "40.00",
        kind=CreditLine.Kind.WORKLOAD,
        group="databases",
        month=date(2024, 12, 1),
    )

    (note,) = issue(season)

    # 25 × 0.05 + 40.00 = 41.25 net; 19 % of it is 7.8375 → 7.84 (per line it would be 7.85).
    assert (note.total_eur, note.vat_eur, note.gross_eur) == (D("41.25"), D("7.84"), D("49.09"))
    items = line_items(xml_of(note))
    assert len(items) == 26 == note.lines.count()
    assert sum(D(item["amount"]) for item in items) == D("41.25")
    workload = items[-1]
    assert workload["name"].startswith("Neuer Workload Databases bei Bestandskunde")
    # A workload's two free months: January and February 2025; the note spans all positions.
    assert (workload["start"], workload["end"]) == ("20250101", "20250228")
    assert (note.period_start, note.period_end) == (date(2024, 11, 1), date(2025, 2, 28))


def test_a_correction_that_takes_money_back_names_the_note_it_corrects(
    company_a, season, staff_user
):
    down = credit_line(company_a, "100.00", tenant_id="a" * 36)
    (original,) = issue(season, staff_user)
    change_credit(down, "60.00")
    # The season's rate changes afterwards; the correction keeps the rate of what it corrects,
    # a new note takes the new one.
    season.vat_rate = D("7")
    season.save()
    credit_line(company_a, "10.00", tenant_id="b" * 36)

    regular, correction = issue(season, staff_user)

    assert (regular.vat_rate, regular.vat_eur, regular.gross_eur) == (D("7"), D("0.70"), D("10.70"))
    assert correction.corrects == original
    assert (
        correction.total_eur,
        correction.vat_rate,
        correction.vat_eur,
        correction.gross_eur,
    ) == (
        D("-40.00"),
        D("19.00"),
        D("-7.60"),
        D("-47.60"),
    )
    root = xml_of(correction)
    assert root.findtext(f"{RSM}ExchangedDocument/{RAM}TypeCode") == "381"
    reference = root.find(f".//{RAM}InvoiceReferencedDocument")
    assert reference.findtext(f"{RAM}IssuerAssignedID") == original.number
    issued_on = timezone.localtime(original.issued_at).date()
    assert reference.findtext(f".//{RAM}FormattedIssueDateTime/*") == f"{issued_on:%Y%m%d}"
    (item,) = line_items(root)
    # Quantity -1 at a positive price: the line and the totals are negative, the price is not.
    assert (item["quantity"], item["price"], item["amount"]) == ("-1", "40.00", "-40.00")
    assert totals(root)["GrandTotalAmount"] == "-47.60"
    notes = [note.findtext(f"{RAM}Content") for note in root.iter(f"{RAM}IncludedNote")]
    assert any(f"Korrektur zu {original.number}" in text for text in notes)


def test_a_correction_that_adds_money_and_a_partner_without_vat_id(company_a, season):
    assert company_a.vat_id == ""
    line = credit_line(company_a, "50.00")
    (original,) = issue(season)
    change_credit(line, "75.50")

    (correction,) = issue(season)

    assert (correction.total_eur, correction.vat_eur, correction.gross_eur) == (
        D("25.50"),
        D("4.85"),  # 4.845 half-up
        D("30.35"),
    )
    root = xml_of(correction)
    assert party(root, "BuyerTradeParty")["vat_id"] is None
    assert correction.buyer["vat_id"] == ""
    (item,) = line_items(root)
    assert (item["quantity"], item["price"], item["amount"]) == ("1", "25.50", "25.50")
    assert root.find(f".//{RAM}InvoiceReferencedDocument/{RAM}IssuerAssignedID").text == (
        original.number
    )


def test_a_later_address_change_never_alters_an_issued_note(
    company_a, season, staff_user, settings
):
    credit_line(company_a, "10.00")
    (note,) = issue(season, staff_user)  # rendered after commit: not yet here
    xml = note.xml
    partner_details_update(
        partner=company_a,
        actor=staff_user,
        details={"street": "Neuer Weg 99", "postal_code": "20095", "city": "Hamburg"},
    )
    settings.CREDIT_NOTE_SELLER = {**settings.CREDIT_NOTE_SELLER, "street": "Andere Straße 1"}

    note = credit_note_render(note_id=note.pk)

    note.refresh_from_db()
    assert note.xml == xml
    assert (note.buyer["street"], note.buyer["city"]) == ("Hauptstraße 1", "München")
    assert note.seller["street"] == "Heisenbergbogen 3"
    text = pdf_text(Path(note.pdf.path))
    assert "Hauptstraße 1" in text and "80331 München" in text and "Heisenbergbogen 3" in text
    assert "Neuer Weg" not in text and "Andere Straße" not in text
    # The next note goes to the new address.
    credit_line(company_a, "5.00")
    (later,) = issue(season, staff_user)
    assert (later.buyer["street"], later.seller["street"]) == ("Neuer Weg 99", "Andere Straße 1")


# --- The PDF read back ---------------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_pdf_is_pdf_a_3b_with_the_stored_xml_and_the_amounts_of_its_lines(
    company_a, season, django_capture_on_commit_callbacks
):
    company_a.vat_id = "DE136695976"
    company_a.save()
    credit_line(company_a, "1000.00", customer_name="Bäckerei Müller GmbH", tenant_id="a" * 36)
    credit_line(
        company_a, "234.56", kind=CreditLine.Kind.WORKLOAD, group="security", tenant_id="b" * 36
    )
    with django_capture_on_commit_callbacks(execute=True):
        (note,) = issue(season)
    note.refresh_from_db()
    content = Path(note.pdf.path).read_bytes()

    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    # One file (WeasyPrint 70 lists its one file spec twice in /AF: the same object).
    (spec,) = {ref.idnum: ref.get_object() for ref in catalog["/AF"]}.values()
    assert spec["/F"] == "factur-x.xml" and spec["/AFRelationship"] == "/Alternative"
    assert spec["/EF"]["/F"].get_object().get_data() == note.xml.encode("utf-8")
    name, embedded = facturx.get_facturx_xml_from_pdf(content, check_xsd=True)
    assert (name, embedded) == ("factur-x.xml", note.xml.encode("utf-8"))
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp)
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert_valid_einvoice(content, name="the PDF")

    # The amounts printed are those of the positions and of the XML.
    text = " ".join(pdf_text(Path(note.pdf.path)).split())
    amounts = [line.amount_eur for line in note.lines.order_by("pk")]
    assert amounts == [D("1000.00"), D("234.56")]
    assert "1 Neuer Endkunde Bäckerei Müller GmbH" in text and "1.000,00 €" in text
    assert "2 Neuer Workload Security" in text and "234,56 €" in text
    figures = totals(xml_of(note))
    assert figures["TaxBasisTotalAmount"] == str(sum(amounts))
    assert "Gutschriftsbetrag netto 1.234,56 €" in text
    assert "zzgl. USt 19 % (Kategorie S) 234,57 €" in text and figures["TaxTotalAmount"] == "234.57"
    assert "Gutschriftsbetrag brutto 1.469,13 €" in text
    assert figures["GrandTotalAmount"] == "1469.13"
    assert "Ihre USt-IdNr. DE136695976" in text


def test_a_correction_pdf_says_what_it_corrects_with_negative_vat(
    company_a, season, django_capture_on_commit_callbacks
):
    line = credit_line(company_a, "100.00")
    (original,) = issue(season)
    change_credit(line, "0.00", explanation={"reclaimed": {"reason": "Erfundene Endkunden"}})
    with django_capture_on_commit_callbacks(execute=True):
        (correction,) = issue(season)
    correction.refresh_from_db()
    text = " ".join(pdf_text(Path(correction.pdf.path)).split())
    issued_on = timezone.localtime(original.issued_at).date()
    assert f"Korrektur zu {original.number} vom {issued_on:%d.%m.%Y}" in text
    assert "Korrekturbetrag netto -100,00 €" in text
    assert "zzgl. USt 19 % (Kategorie S) -19,00 €" in text
    assert "Korrekturbetrag brutto -119,00 €" in text


# --- Notes issued before e-invoicing -------------------------------------------------------------


def test_a_note_issued_before_e_invoicing_keeps_a_plain_pdf(company_a, season):
    note = legacy_note(company_a)
    assert not note.is_einvoice and note.xml == "" and note.vat_eur is None

    content = credit_note_pdf_bytes(note)

    assert content.startswith(b"%PDF-")
    assert "/AF" not in PdfReader(io.BytesIO(content)).trailer["/Root"]
    assert not facturx.get_facturx_xml_from_pdf(content, check_xsd=False)[1]
    # And a correction of it is an e-invoice at the season's rate.
    change_credit(note.lines.get().credit_line, "4.00")
    (correction,) = issue(season)
    assert (correction.corrects, correction.total_eur, correction.vat_eur) == (
        note,
        D("-6.00"),
        D("-1.14"),
    )
