"""The one question claims ask of the imported billing: since when has an end customer's tenant
consumed Azure ("new to Azure", SPEC 3)?

The billing lives in credits, which sits above challenges (it reads the approved claims), so
challenges does not import it: credits registers the answer at start-up
(`CreditsConfig.ready`), and the claims ask through `azure_first_usage`.
"""

from collections.abc import Callable, Iterable
from datetime import date

from django.core.exceptions import ImproperlyConfigured
from django.utils import formats
from django.utils.translation import gettext as _

FirstUsageBefore = Callable[..., dict[str, date]]

_first_usage_before: FirstUsageBefore | None = None


def register_first_usage_before(lookup: FirstUsageBefore) -> None:
    """`lookup(*, tenant_ids, before)` → tenant → the day of its first usage before `before`."""
    global _first_usage_before
    _first_usage_before = lookup


def azure_first_usage(*, tenant_ids: Iterable[str], season) -> dict[str, date]:
    """Tenant → the day of its first Azure consumption before the season's start, for the tenants
    that have any in the billing imported so far."""
    if _first_usage_before is None:
        raise ImproperlyConfigured("The credits app answers 'new to Azure'; it is not installed.")
    return _first_usage_before(tenant_ids=tenant_ids, before=season.start_date)


def not_new_reason(first_usage: date) -> str:
    """Why a `new_customer` claim does not count; also the reason staff revoke it with."""
    return _(
        "The end customer is not new to Azure: the imported billing shows Azure consumption "
        "from %(month)s, before the season."
    ) % {"month": formats.date_format(first_usage, "YEAR_MONTH_FORMAT")}
