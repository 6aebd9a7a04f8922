from decimal import Decimal

from django import template
from django.utils.translation import get_language

from league.money import format_eur

register = template.Library()


@register.filter
def eur(value, decimals=2):
    """`{{ amount|eur }}` → `1.234,56 €` (German) or `€1,234.56` (English)."""
    if value in (None, ""):
        return ""
    return format_eur(Decimal(value), get_language() or "de", int(decimals))


@register.filter
def eur0(value):
    """Whole euros, for caps: `10.000 €`."""
    return eur(value, 0)
