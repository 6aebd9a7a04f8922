"""Template filters for numbers people read, in the active language (`core.formatting`):
`{{ amount|eur }}`, `{{ cap|eur0 }}`, `{{ points|num }}`, `{{ entry.points|signed }}`,
`{{ upload.size|filesize }}`, `{{ rate|usd }}`, `{{ vat|percent }}`. Coordinates and form
values are not for people: they stay `|unlocalize`d."""

from django import template

from core import formatting

register = template.Library()


def _blank(value) -> bool:
    return value is None or value == ""


@register.filter
def eur(value, decimals=2):
    """`1.234,56 €` (German) or `€1,234.56` (English)."""
    return "" if _blank(value) else formatting.money(value, decimals=int(decimals))


@register.filter
def eur0(value):
    """Whole euros, for caps: `10.000 €` / `€10,000`."""
    return eur(value, 0)


@register.filter
def num(value, decimals=0):
    """Points and counts with thousands separators: `1.270` / `1,270`."""
    return "" if _blank(value) else formatting.number(value, decimals=int(decimals))


@register.filter
def signed(value):
    """Ledger points with their sign: `+1.270`, `-200`, `0`."""
    return "" if _blank(value) else formatting.number(value, signed=True)


@register.filter
def usd(value):
    """`1.234,56 USD` / `1,234.56 USD`."""
    return "" if _blank(value) else formatting.usd(value)


@register.filter
def filesize(value):
    """`10,5 MB` / `10.5 MB`."""
    return "" if _blank(value) else formatting.file_size(value)


@register.filter
def percent(value, decimals=0):
    """`19 %` / `19%`."""
    return "" if _blank(value) else formatting.percent(value, decimals=int(decimals))
