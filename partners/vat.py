"""The partner's VAT identification number (USt-IdNr.), the buyer's VAT ID on its credit notes
(SPEC 5; EN 16931 BT-48). Checked with python-stdnum against the country's format and check digit:
a German one is `DE` and nine digits, the last an ISO 7064 MOD 11,10 check digit."""

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.util import clean

# Greece writes EL in VAT IDs, GR in addresses.
_VAT_PREFIX = {"GR": "EL"}


class VatIdError(ValueError):
    """A VAT ID that cannot be right; `str()` is the message for the person who typed it."""


def vat_id_clean(value: str, country: str = "") -> str:
    """The VAT ID as stored (`DE136695976`: no spaces, dots or dashes, upper case), or "" when
    none is given. `country`, the address's ISO code, must match the ID's prefix."""
    compact = clean(value or "", " -./,:").strip().upper()
    if not compact:
        return ""
    if not compact[:2].isalpha():
        raise VatIdError(_("A VAT ID starts with its country code, for example DE136695976."))
    country = (country or "").strip().upper()
    if country and compact[:2] != _VAT_PREFIX.get(country, country):
        raise VatIdError(
            _("The VAT ID %(vat_id)s does not belong to the country of the address (%(country)s).")
            % {"vat_id": compact, "country": country}
        )
    try:
        return eu_vat.validate(compact)
    except stdnum_errors.InvalidChecksum as exc:
        raise VatIdError(
            _("The check digit of %(vat_id)s is wrong; please compare it with your documents.")
            % {"vat_id": compact}
        ) from exc
    except stdnum_errors.ValidationError as exc:
        if compact.startswith("DE"):
            raise VatIdError(
                _("A German VAT ID is DE followed by nine digits, for example DE136695976.")
            ) from exc
        raise VatIdError(_("%(vat_id)s is not a valid VAT ID.") % {"vat_id": compact}) from exc
