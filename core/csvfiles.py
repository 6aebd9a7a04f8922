"""Small CSV files: reading the operator files (`import_partners`, `import_claims`: decoding,
delimiter and header in one place; the billing import streams its own, much larger files), and
writing files for a German Excel (`excel_writer`).

Files for Excel are `;`-separated, UTF-8 with a byte-order mark (otherwise Excel reads umlauts as
cp1252), `\r\n` line ends; text cells that Excel would take for a formula get a leading `'`
(partner names are typed by partners)."""

import csv
import io
from collections.abc import Iterator

BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def excel_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def excel_writer(out):
    """A csv writer for a German Excel on the text stream `out` (writes the BOM first)."""
    out.write(BOM)
    return csv.writer(out, delimiter=";", lineterminator="\r\n")


class CsvHeaderError(ValueError):
    """The file cannot be read as a CSV with the expected columns; the message says why."""


def csv_rows(
    raw: bytes, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> tuple[Iterator[list[str]], dict[str, int], int]:
    """Decode `raw` (UTF-8, with or without BOM), take `;` or `,` from the header line and check
    that every column of `columns` is there (any order, any case).

    Returns the csv reader positioned after the header (its `line_num` is the file's line number),
    the position of each wanted column and of each `optional` column the header has, and the
    number of header fields.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvHeaderError(f"the file is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    if not text.strip():
        raise CsvHeaderError("the file is empty")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in columns if c not in header]
    if missing:
        raise CsvHeaderError(
            f"missing column(s) {', '.join(missing)}; expected {','.join(columns)}"
        )
    wanted = (*columns, *(c for c in optional if c in header))
    return reader, {c: header.index(c) for c in wanted}, len(header)
