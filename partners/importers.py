"""`import_partners`: approved partners of the current season from a CSV (SPEC section 7).

All or nothing: every row is checked first; one bad row refuses the whole file with its line
number, and nothing changes. Running the same file again changes nothing.

Optional columns (`OPTIONAL_COLUMNS`) are read when the header names them and land on
`PartnerRow` under their own name. `league_criterion` publishes how partners are assigned to the
league (terms 1); an empty cell leaves the league's criterion as it is, and the rows of one
league must not give two different criteria.
"""

import re
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify

from core.csvfiles import CsvHeaderError, csv_rows
from core.errors import DomainError
from seasons.models import League, Season

from .models import Partner
from .services import _assign_pseudonym
from .vat import VatIdError, vat_id_clean

COLUMNS = ("partner_id", "name", "customer_number", "league", "contact_email")
# Read when the header has them; a missing column or an empty cell leaves the value as it is.
OPTIONAL_COLUMNS = ("league_criterion", "street", "postcode", "city", "country", "vat_id")
# Optional column → the partner's field: the address and VAT ID its credit notes are issued to.
DETAIL_COLUMNS = {
    "street": "street",
    "postcode": "postal_code",
    "city": "city",
    "country": "country",
    "vat_id": "vat_id",
}
PARTNER_ID_RE = re.compile(r"^\d{4,12}$")
MAX_ERRORS_SHOWN = 100
CRITERION_MAX = 1000


@dataclass(frozen=True)
class PartnerRow:
    line: int
    partner_id: str
    name: str
    customer_number: str
    league: str
    contact_email: str
    league_criterion: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    vat_id: str = ""

    def details(self) -> dict[str, str]:
        """The partner's fields this row sets (an empty cell keeps what is stored)."""
        return {field: getattr(self, c) for c, field in DETAIL_COLUMNS.items() if getattr(self, c)}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    leagues_created: list[str] = field(default_factory=list)
    criteria_set: list[str] = field(default_factory=list)  # leagues whose criterion changed
    # Leagues partners play in without a published criterion, after the import (a warning).
    leagues_without_criterion: list[str] = field(default_factory=list)


class ImportFileError(DomainError):
    def __init__(self, errors: list[str], total: int):
        self.errors = errors
        self.total = total
        shown = "; ".join(errors[:3])
        more = f" (+{total - 3} more)" if total > 3 else ""
        super().__init__(f"{total} error(s), nothing imported: {shown}{more}")


def parse_partner_rows(raw: bytes) -> list[PartnerRow]:
    try:
        reader, index, width = csv_rows(raw, COLUMNS, OPTIONAL_COLUMNS)
    except CsvHeaderError as exc:
        raise ImportFileError([f"line 1: {exc}"], 1) from exc
    rows: list[PartnerRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    criteria: dict[str, tuple[str, int]] = {}  # league (casefolded) → (criterion, line)
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) < width:
            errors.append(f"line {line}: {len(values)} fields, expected {width}")
            continue
        row = PartnerRow(line=line, **{c: values[i].strip() for c, i in index.items()})
        row_errors = []
        if not PARTNER_ID_RE.match(row.partner_id):
            row_errors.append(
                f"line {line}: column partner_id: {row.partner_id!r} is not a Microsoft partner "
                "ID (4 to 12 digits)"
            )
        elif row.partner_id in seen:
            row_errors.append(
                f"line {line}: column partner_id: {row.partner_id} appears already on line "
                f"{seen[row.partner_id]}"
            )
        for column in ("name", "customer_number", "league"):
            if not getattr(row, column):
                row_errors.append(f"line {line}: column {column}: empty")
        try:
            validate_email(row.contact_email)
        except ValidationError:
            row_errors.append(
                f"line {line}: column contact_email: {row.contact_email!r} is not an e-mail address"
            )
        if row.country and not re.fullmatch(r"[A-Za-z]{2}", row.country):
            row_errors.append(
                f"line {line}: column country: {row.country!r} is not a two-letter country code"
            )
        else:
            try:
                with translation.override("en"):
                    row = replace(
                        row,
                        country=row.country.upper(),
                        vat_id=vat_id_clean(row.vat_id, row.country),
                    )
            except VatIdError as exc:
                with translation.override("en"):
                    row_errors.append(f"line {line}: column vat_id: {exc}")
        if len(row.league_criterion) > CRITERION_MAX:
            row_errors.append(
                f"line {line}: column league_criterion: longer than {CRITERION_MAX} characters"
            )
        elif row.league_criterion and row.league:
            earlier = criteria.setdefault(row.league.casefold(), (row.league_criterion, line))
            if earlier[0] != row.league_criterion:
                row_errors.append(
                    f"line {line}: column league_criterion: differs from line {earlier[1]} for "
                    f"the league {row.league}"
                )
        if row_errors:
            errors.extend(row_errors)
        else:
            seen[row.partner_id] = line
            rows.append(row)
    if errors:
        raise ImportFileError(errors[:MAX_ERRORS_SHOWN], len(errors))
    if not rows:
        raise ImportFileError(["line 2: the file has a header but no partners"], 1)
    return rows


def partners_import(*, raw: bytes, season: Season | None = None) -> ImportResult:
    season = season or Season.objects.current()
    if season is None:
        raise DomainError("There is no season; create one first.")
    rows = parse_partner_rows(raw)
    result = ImportResult()
    with transaction.atomic():
        existing = {
            p.partner_id: p
            for p in Partner.objects.select_for_update(no_key=True)
            .filter(season=season, partner_id__in=[r.partner_id for r in rows])
            .exclude(status=Partner.Status.REJECTED)
        }
        errors = [
            f"line {r.line}: partner {r.partner_id} is {existing[r.partner_id].status}; "
            "the import does not bring it back"
            for r in rows
            if r.partner_id in existing
            and existing[r.partner_id].status
            in (Partner.Status.WITHDRAWN, Partner.Status.DISQUALIFIED)
        ]
        if errors:
            raise ImportFileError(errors[:MAX_ERRORS_SHOWN], len(errors))
        leagues = {league.name.casefold(): league for league in season.leagues.select_for_update()}
        for row in rows:
            league = leagues.get(row.league.casefold())
            if league is None:
                league = League.objects.create(
                    season=season,
                    name=row.league,
                    slug=_free_slug(season, row.league),
                    criterion=row.league_criterion,
                    position=len(leagues),
                )
                leagues[row.league.casefold()] = league
                result.leagues_created.append(row.league)
            elif row.league_criterion and league.criterion != row.league_criterion:
                league.criterion = row.league_criterion
                league.save(update_fields=["criterion"])
                result.criteria_set.append(league.name)
            partner = existing.get(row.partner_id)
            wanted = {
                "name": row.name,
                "customer_number": row.customer_number,
                "league": league,
                "contact_email": row.contact_email.lower(),
                "status": Partner.Status.APPROVED,
                **row.details(),
            }
            if partner is None:
                partner = Partner(season=season, partner_id=row.partner_id, **wanted)
                partner.reviewed_at = timezone.now()
                _assign_pseudonym(partner)
                partner.save()
                result.created += 1
                continue
            changed = [k for k, v in wanted.items() if getattr(partner, k) != v]
            if not changed:
                result.unchanged += 1
                continue
            for k in changed:
                setattr(partner, k, wanted[k])
            if partner.pseudonym_number is None:
                _assign_pseudonym(partner)
            if "status" in changed:
                partner.reviewed_at = timezone.now()
            partner.save()
            result.updated += 1
        result.leagues_without_criterion = list(
            season.leagues.missing_criterion().values_list("name", flat=True)
        )
    return result


def _free_slug(season: Season, name: str) -> str:
    base = slugify(name) or "liga"
    slug, n = base, 2
    while League.objects.filter(season=season, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
