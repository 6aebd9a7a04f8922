"""Display of money amounts: German `1.234,56 €`, English `€1,234.56`. Pure, no Django."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def format_eur(amount: Decimal | int | str, language: str = "de", decimals: int = 2) -> str:
    value = Decimal(amount).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,.{decimals}f}"  # 1,234.56
    if language.startswith("en"):
        return f"{sign}€{text}"
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{sign}{text} €"
