"""A credit note as an e-invoice document for the tests, and the offline check they expect."""

from datetime import date
from decimal import Decimal

from lxml import etree

from credits.einvoice import CreditNoteDocument, Party, Position
from credits.einvoice_check import check

SELLER = Party(
    name="Ingram Micro Distribution GmbH",
    street="Heisenbergbogen 3",
    postcode="85609",
    city="Dornach",
    country="DE",
    vat_id="DE136695976",
    legal_info="Amtsgericht München, HRB 000000 (Demo)",
    contact_name="Azure Acceleration League",
    phone="+49 89 4208-3484",
    email="de_iaas@ingrammicro.com",
)
BUYER = Party(
    name="Alpha Systemhaus GmbH",
    street="Hafenstraße 1",
    postcode="20457",
    city="Hamburg",
    country="DE",
    vat_id="DE136695976",
)
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


def position(amount: str, month: int = 10, name: str = "Neuer Endkunde Bäckerei Huber KG"):
    return Position(
        name=name,
        amount=Decimal(amount),
        period_start=date(2024, month, 1),
        period_end=date(2024, month, 28),
        note="Verbrauch im ersten vollen Monat nach der Buchung",
    )


def note(*positions, **kwargs) -> CreditNoteDocument:
    return CreditNoteDocument(
        **{
            "number": "GS-2025-00001",
            "issue_date": date(2025, 7, 10),
            "seller": SELLER,
            "buyer": BUYER,
            "positions": positions,
            "vat_rate": Decimal("19"),
            "payment_terms": "Der Betrag wird Ihrem Xvantage-Konto gutgeschrieben.",
            **kwargs,
        }
    )


def totals(xml: bytes) -> dict[str, str]:
    summation = etree.fromstring(xml).find(
        f".//{RAM}SpecifiedTradeSettlementHeaderMonetarySummation"
    )
    return {child.tag.removeprefix(RAM): child.text for child in summation}


def assert_valid(xml: bytes):
    report = check(xml)
    assert report.xsd_errors == ()
    assert report.fatal == (), report.fatal
    assert report.rules_fired > 50  # the Schematron did look at the document
