"""Money arithmetic: the cent. How amounts are shown lives in `core.formatting`."""

from decimal import Decimal

CENT = Decimal("0.01")
