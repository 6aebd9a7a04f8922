"""`import_claims`: challenge claims of the current season from a CSV (SPEC section 7).

Columns `partner_id,challenge,customer_tenant_id,customer_name,subscription_id,activity_date,status`
(more columns are ignored). Row by row, unlike `import_partners`: a row that breaks a rule is
reported with its line number and skipped, the others are kept. A file that cannot be read at all
(not UTF-8, empty, missing columns, no rows) is refused as a whole with one reason.

Every row goes through the same services as a claim from the browser, so the rules are the same:

- `partner_id` is the Microsoft partner ID (MPN ID) of a partner of the current season; only
  approved partners can report (`customer_create` / `claim_submit` refuse the others).
- The end customer is the partner's customer with `customer_tenant_id`; one not yet reported is
  created for the partner with `partners.services.customer_create` from `customer_tenant_id` and
  `customer_name` (so excluded tenants are refused). An existing customer keeps its name.
- The claim is submitted with `services.claims.claim_submit`: season dates, no future dates,
  "counted at most" (an approved or open claim for the same challenge and customer refuses the
  row — this is what makes importing the same file twice harmless), exclusions, what the
  challenge's catalogue entry requires (the subscription ID for `new_customer`). Rows of a
  challenge that needs BANT (`sql_lead`) are taken as BANT-confirmed. The file has no meeting
  columns: for a challenge that needs meeting data (`sales_meeting`, `presales_sizing`) the
  meeting date is the activity date and the contact at Ingram Micro reads "CSV import".
- `status=approved` rows are then approved with `services.claims.claim_approve` ("counted at most"
  again, "new to Azure" against the billing imported so far, the points ledger, the
  first-customer bonus, the partner's notification e-mail). If the approval is refused, the whole
  row is rolled back, customer included.
- An `academy` row has no end customer (`customer_tenant_id`, `customer_name` and
  `subscription_id` empty) and the status `approved`: it records the partner's attendance on
  `activity_date` with `services.academy.academy_attendance_grant`, which grants `academy` once per
  partner; a second row is refused ("counts once per partner").

The actor of every import step is the system user `import@system`: a staff user that is inactive
and has no usable password, so nobody can log in as it, and no staff mail reaches it. It shows as
the submitter and the reviewer of imported claims. `claim_submit` takes a membership; the import
passes an unsaved `Membership` of that user in the row's partner (a user can be a member of only
one company per season, and the service reads nothing but `membership.partner` and
`membership.user`), so no membership is stored and the rules stay exactly the browser's.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from core.csvfiles import CsvHeaderError, csv_rows
from core.errors import DomainError
from partners import identity
from partners.models import EndCustomer, Membership, Partner, User
from partners.services import CustomerData, customer_create
from seasons.models import Season

from .catalogue import spec_of
from .rules import ACADEMY_CODE
from .services.academy import academy_attendance_grant
from .services.claims import ClaimData, claim_approve, claim_submit

COLUMNS = (
    "partner_id",
    "challenge",
    "customer_tenant_id",
    "customer_name",
    "subscription_id",
    "activity_date",
    "status",
)
STATUSES = ("submitted", "approved")
IMPORT_USER_EMAIL = "import@system"
MEETING_CONTACT = "CSV import"
GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NAME_MAX = 200


class ClaimFileError(DomainError):
    """The file cannot be read at all; nothing is imported."""


@dataclass(frozen=True)
class ClaimRow:
    line: int
    partner_id: str
    challenge: str
    customer_tenant_id: str
    customer_name: str
    subscription_id: str
    activity_date: str
    status: str


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    customers_created: int = 0
    skipped: list[str] = field(default_factory=list)  # "line N: reason"


class RowError(Exception):
    pass


def import_user() -> User:
    """The system actor of imports (see the module docstring)."""
    user = User.objects.filter(email=IMPORT_USER_EMAIL).first()
    if user is None:
        user = User(
            email=IMPORT_USER_EMAIL,
            first_name="CSV",
            last_name="import",
            is_staff=True,
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
    return user


def parse_date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise RowError(f"column activity_date: {value!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")


def parse_claim_rows(raw: bytes) -> list[ClaimRow]:
    """The rows of the file. Missing trailing fields read as empty, so such a row is reported
    with its line like any other broken row."""
    try:
        reader, index, _width = csv_rows(raw, COLUMNS)
    except CsvHeaderError as exc:
        raise ClaimFileError(str(exc)) from exc
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows.append(
            ClaimRow(
                line=reader.line_num,
                **{c: values[i].strip() if i < len(values) else "" for c, i in index.items()},
            )
        )
    if not rows:
        raise ClaimFileError("the file has a header but no claims")
    return rows


def _checked_academy(row: ClaimRow) -> date:
    """An academy row records the partner's attendance: no end customer, status `approved`."""
    for column in ("partner_id", "activity_date", "status"):
        if not getattr(row, column):
            raise RowError(f"column {column}: empty")
    for column in ("customer_tenant_id", "customer_name", "subscription_id"):
        if getattr(row, column):
            raise RowError(f"column {column}: an academy row has no end customer; leave it empty")
    if row.status.lower() != "approved":
        raise RowError(
            f"column status: {row.status!r}; an academy row records the attendance, so its "
            "status is approved"
        )
    return parse_date(row.activity_date)


def _checked(row: ClaimRow) -> tuple[str, date, str]:
    """Format checks the services do not make (they trust the browser's forms for these)."""
    for column in ("partner_id", "challenge", "customer_tenant_id", "activity_date", "status"):
        if not getattr(row, column):
            raise RowError(f"column {column}: empty")
    status = row.status.lower()
    if status not in STATUSES:
        raise RowError(f"column status: {row.status!r} is not one of {', '.join(STATUSES)}")
    tenant_id = identity.normalise_tenant(row.customer_tenant_id)
    if not GUID_RE.match(tenant_id):
        raise RowError(
            f"column customer_tenant_id: {row.customer_tenant_id!r} is not an Azure tenant ID "
            "(a GUID)"
        )
    subscription_id = identity.normalise_tenant(row.subscription_id)
    if subscription_id and not GUID_RE.match(subscription_id):
        raise RowError(
            f"column subscription_id: {row.subscription_id!r} is not an Azure subscription ID "
            "(a GUID)"
        )
    if len(row.customer_name) > NAME_MAX:
        raise RowError(f"column customer_name: longer than {NAME_MAX} characters")
    return tenant_id, parse_date(row.activity_date), subscription_id


def _partner(row: ClaimRow, season: Season, partners: dict) -> Partner:
    if row.partner_id not in partners:
        partners[row.partner_id] = (
            Partner.objects.select_related("season")
            .filter(season=season, partner_id=row.partner_id)
            .exclude(status=Partner.Status.REJECTED)
            .first()
        )
    partner = partners[row.partner_id]
    if partner is None:
        raise RowError(f"column partner_id: no partner {row.partner_id} in {season.name}")
    return partner


def _import_row(
    row: ClaimRow, season: Season, actor: User, partners: dict, result: ImportResult
) -> None:
    challenge_code = row.challenge.lower()
    if challenge_code == ACADEMY_CODE:
        activity_date = _checked_academy(row)
        academy_attendance_grant(
            partner=_partner(row, season, partners),
            day=activity_date,
            note=f"CSV import, line {row.line}",
            actor=actor,
        )
        result.imported += 1
        return
    tenant_id, activity_date, subscription_id = _checked(row)
    partner = _partner(row, season, partners)
    with transaction.atomic():
        customer = EndCustomer.objects.filter(partner=partner, tenant_id=tenant_id).first()
        created = customer is None
        if created:
            if not row.customer_name:
                raise RowError(
                    f"column customer_name: empty, and {partner.name} has not reported the end "
                    f"customer {tenant_id} yet"
                )
            customer = customer_create(
                partner=partner,
                data=CustomerData(name=row.customer_name, tenant_id=tenant_id),
                actor=actor,
            )
        # The file has no BANT or meeting columns (see above); an unknown code is refused below.
        spec = spec_of(challenge_code)
        meeting = spec is not None and spec.needs_meeting
        bant = spec is not None and spec.needs_bant
        claim = claim_submit(
            membership=Membership(partner=partner, user=actor, season_id=partner.season_id),
            challenge_code=challenge_code,
            customer=customer,
            data=ClaimData(
                activity_date=activity_date,
                meeting_date=activity_date if meeting else None,
                distributor_contact=MEETING_CONTACT if meeting else "",
                subscription_id=subscription_id,
                bant_budget=bant,
                bant_authority=bant,
                bant_need=bant,
                bant_time=bant,
                note=f"CSV import, line {row.line}",
            ),
        )
        if row.status.lower() == "approved":
            claim_approve(claim=claim, reviewer=actor)
    result.imported += 1
    result.customers_created += created


def claims_import(*, raw: bytes, season: Season | None = None) -> ImportResult:
    season = season or Season.objects.current()
    if season is None:
        raise ClaimFileError("there is no season; create one first")
    rows = parse_claim_rows(raw)
    actor = import_user()
    result = ImportResult(rows=len(rows))
    partners: dict[str, Partner | None] = {}
    for row in rows:
        try:
            _import_row(row, season, actor, partners, result)
        except (RowError, DomainError) as exc:
            result.skipped.append(f"line {row.line}: {exc}")
    return result
