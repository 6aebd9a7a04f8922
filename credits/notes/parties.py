"""The two parties of a credit note (SPEC 5): the seller (Ingram Micro Distribution GmbH, from
`settings.CREDIT_NOTE_SELLER`) and the buyer (the partner), and what is missing before a note may
be issued to them.

A note is an e-invoice; German law (§ 14 Abs. 4 UStG) wants the full address of both and the
seller's VAT ID, a GmbH's business letters its commercial register (§ 35a GmbHG), and EN 16931
a valid country code (BR-CL-14) and a seller VAT ID for category S (BR-S-02). So:

- a seller problem (VAT ID or register not configured, an address field empty) blocks the whole
  run: no note may be issued without them, and nothing is numbered;
- a buyer problem (no street, postal code, city or country; a country code EN 16931 does not know;
  a VAT ID that no longer passes `partners.vat.vat_id_clean`) blocks that partner only: its lines
  stay open and take no number, the others are issued. A partner without a VAT ID is fine (SPEC 5:
  "where given").
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.utils.translation import gettext as _

from partners.models import Partner
from partners.vat import VatIdError, vat_id_clean

from ..einvoice import Party, country_codes

SELLER_CONTACT = "Azure Acceleration League"
# The settings key, the environment variable that sets it, and what the staff page calls it.
SELLER_REQUIRED = (
    ("name", "SELLER_NAME"),
    ("street", "SELLER_STREET"),
    ("postcode", "SELLER_POSTCODE"),
    ("city", "SELLER_CITY"),
    ("country", "SELLER_COUNTRY"),
    ("vat_id", "SELLER_VAT_ID"),
    ("register", "SELLER_REGISTER"),
)


def _seller_settings() -> dict:
    return {key: str(value or "").strip() for key, value in settings.CREDIT_NOTE_SELLER.items()}


def seller_problems() -> list[str]:
    """What the configuration lacks for the seller; empty when notes can be issued."""
    seller = _seller_settings()
    missing = [variable for key, variable in SELLER_REQUIRED if not seller.get(key)]
    problems = []
    if missing:
        problems.append(
            _("The seller of the credit notes is not configured: %(variables)s not set.")
            % {"variables": ", ".join(missing)}
        )
    if seller.get("country") and seller["country"].upper() not in country_codes():
        problems.append(
            _("The seller's country code %(country)s (SELLER_COUNTRY) is not an ISO country code.")
            % {"country": seller["country"]}
        )
    if seller.get("vat_id"):
        try:
            vat_id_clean(seller["vat_id"], seller.get("country", ""))
        except VatIdError as exc:
            problems.append(
                _("The seller's VAT ID (SELLER_VAT_ID) is not valid: %(error)s.")
                % {"error": str(exc).rstrip(".")}
            )
    return problems


def seller_party() -> Party:
    """The seller as configured now (check `seller_problems` first)."""
    seller = _seller_settings()
    country = seller.get("country", "").upper()
    return Party(
        name=seller.get("name", ""),
        street=seller.get("street", ""),
        postcode=seller.get("postcode", ""),
        city=seller.get("city", ""),
        country=country,
        vat_id=vat_id_clean(seller.get("vat_id", ""), country),
        legal_info=seller.get("register", ""),
        contact_name=SELLER_CONTACT,
        phone=seller.get("phone", ""),
        email=seller.get("email", ""),
    )


def buyer_problems(partner: Partner) -> list[str]:
    """What is missing or wrong for a note to `partner`, one phrase each; empty when none."""
    problems = []
    for field, label in (
        ("street", _("no street")),
        ("postal_code", _("no postal code")),
        ("city", _("no city")),
        ("country", _("no country")),
    ):
        if not (getattr(partner, field) or "").strip():
            problems.append(label)
    country = (partner.country or "").strip().upper()
    if country and country not in country_codes():
        problems.append(
            _("the country code %(country)s is not an ISO country code") % {"country": country}
        )
    if (partner.vat_id or "").strip():
        try:
            vat_id_clean(partner.vat_id, country)
        except VatIdError as exc:
            problems.append(
                _("the VAT ID %(vat_id)s is not valid: %(error)s")
                % {"vat_id": partner.vat_id, "error": str(exc).rstrip(".")}
            )
    return problems


def buyer_party(partner: Partner) -> Party:
    """The partner as the buyer of a note (check `buyer_problems` first)."""
    country = partner.country.strip().upper()
    return Party(
        name=partner.name,
        street=partner.street.strip(),
        postcode=partner.postal_code.strip(),
        city=partner.city.strip(),
        country=country,
        vat_id=vat_id_clean(partner.vat_id, country),
        contact_name=partner.contact_name.strip(),
        identifier=partner.customer_number,
    )


def note_blockers(partners) -> dict[int, list[str]]:
    """Per partner (by pk) what keeps its notes from being issued; partners without problems are
    left out."""
    blockers = {}
    for partner in partners:
        problems = buyer_problems(partner)
        if problems:
            blockers[partner.pk] = problems
    return blockers


def party_dict(party: Party) -> dict:
    """A party as stored on the note (`CreditNote.seller`, `.buyer`)."""
    return asdict(party)
