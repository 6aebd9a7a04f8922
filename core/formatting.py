"""Numbers as people read them, in one place: money, whole euros, counts and points, file sizes,
percentages. Every page, message, e-mail and PDF goes through here, so a German reader never sees
`920.00 €`, `10.5 MB` or `1270` beside `30.000 €`.

| what              | German         | English      |
|-------------------|----------------|--------------|
| `money`           | `1.234,56 €`   | `€1,234.56`  |
| `money(d=0)`      | `30.000 €`     | `€30,000`    |
| `number`          | `1.270`        | `1,270`      |
| `number(signed)`  | `+1.270`       | `+1,270`     |
| `usd`             | `1.234,56 USD` | `1,234.56 USD` |
| `file_size`       | `10,5 MB`      | `10.5 MB`    |
| `percent`         | `19 %`         | `19%`        |

Pure: the language is an argument; `None` means the active language (of the request, the task or
`translation.override`), German outside any. Django is imported only to ask for that language.
Machine formats (the operator CSVs and JSON of SPEC sections 4 and 7, spreadsheet cells) do not
come here: they keep `1234.56` and plain integers.
"""

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

KIB = 1024
TENTH = Decimal("0.1")


def language_of(language: str | None = None) -> str:
    """`de` or `en`: the given language, else the active one, else German."""
    if language is None:
        from django.utils.translation import get_language

        language = get_language() or "de"
    return "en" if language.lower().startswith("en") else "de"


def _quantize(value, decimals: int) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _grouped(value: Decimal, decimals: int, language: str) -> str:
    """`abs(value)` with grouping: `1,234.56` in English, `1.234,56` in German."""
    text = f"{abs(value):,.{decimals}f}"
    if language == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def number(value, language: str | None = None, decimals: int = 0, *, signed: bool = False) -> str:
    """An integer or decimal with thousands separators: `1.270` / `1,270`; `signed` adds `+`."""
    language = language_of(language)
    value = _quantize(value, decimals)
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return sign + _grouped(value, decimals, language)


def money(amount, language: str | None = None, decimals: int = 2) -> str:
    """Euros, rounded half-up: `1.234,56 €` / `€1,234.56`; `decimals=0` for whole euros."""
    language = language_of(language)
    value = _quantize(amount, decimals)
    sign = "-" if value < 0 else ""
    text = _grouped(value, decimals, language)
    return f"{sign}€{text}" if language == "en" else f"{sign}{text} €"


def whole_eur(amount, language: str | None = None) -> str:
    """Caps and values without cents: `30.000 €` / `€30,000`."""
    return money(amount, language, 0)


def usd(amount, language: str | None = None) -> str:
    """US dollars (the existing-customer threshold): `1.234,56 USD` / `1,234.56 USD`."""
    return f"{number(amount, language, 2)} USD"


def file_size(num_bytes: int, language: str | None = None) -> str:
    """Binary units, one decimal where it says something: `10,5 MB`, `10 MB`, `512 Bytes`.

    Rounded up, so a file just above a limit never reads as the limit itself ("10,1 MB; at most
    10 MB", never "10 MB; at most 10 MB")."""
    language = language_of(language)
    num_bytes = max(int(num_bytes), 0)
    if num_bytes < KIB:
        unit = "byte" if language == "en" else "Byte"
        return f"{number(num_bytes, language)} {unit}{'' if num_bytes == 1 else 's'}"
    for power, unit in enumerate(("KB", "MB", "GB", "TB"), start=1):
        value = (Decimal(num_bytes) / KIB**power).quantize(TENTH, rounding=ROUND_CEILING)
        if value < KIB or unit == "TB":
            break
    decimals = 0 if value == value.to_integral_value() else 1
    return f"{number(value, language, decimals)} {unit}"


def percent(value, language: str | None = None, decimals: int = 0) -> str:
    """A percentage given in percent (19 → `19 %` in German, `19%` in English)."""
    language = language_of(language)
    text = number(value, language, decimals)
    return f"{text}%" if language == "en" else f"{text} %"
