"""Money arithmetic: the cent. How amounts are shown lives in `league.formatting`."""

from decimal import Decimal

from league.formatting import money

CENT = Decimal("0.01")


def format_eur(amount: Decimal | int | str, language: str = "de", decimals: int = 2) -> str:
    """`league.formatting.money` under its older name (German unless told otherwise)."""
    return money(amount, language, decimals)
