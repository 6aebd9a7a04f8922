"""The report of an import as staff read it (SPEC section 6): the parser's problems worded in the
reader's language, and the meter categories of the stored rows that no service group names."""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext

from core import formatting

from ..models import ServiceGroupMapping
from .parser import FileRefused, Number, Report


def worded(message: str, params: Mapping) -> str:
    """A parser message in the active language, its numbers written for the reader."""
    text = gettext(message)
    if not params:
        return text
    return text % {
        key: formatting.number(value) if isinstance(value, Number) else value
        for key, value in params.items()
    }


def refusal(refused: FileRefused) -> str:
    return worded(refused.message, refused.params)


def errors_shown(report: Report) -> list[dict]:
    """The errors kept for the import's page: line, column, value, reason."""
    return [
        {
            "line": problem.line,
            "column": problem.column,
            "value": problem.value,
            "reason": worded(problem.message, problem.params),
        }
        for problem in report.errors
    ]


def unclassified_of(categories: dict[str, list]) -> list[dict]:
    """Meter categories of the stored rows that no mapping names: category, rows, amount."""
    mapped = set(ServiceGroupMapping.objects.values_list("category_key", flat=True))
    totals: dict[str, list] = {}
    for category, (rows, amount) in categories.items():
        key = category.casefold()
        if key in mapped:
            continue
        entry = totals.setdefault(key, [category, 0, Decimal(0)])
        entry[1] += rows
        entry[2] += amount
    return [
        {"category": category, "rows": rows, "amount": str(_cents(amount))}
        for category, rows, amount in sorted(totals.values(), key=lambda e: (-e[2], e[0]))
    ]


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
