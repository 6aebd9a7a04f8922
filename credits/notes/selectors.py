"""Which settled credit lines are open for a credit note, and per partner for the staff page (the
rules are in the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Exists, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.money import CENT
from partners.identity import Exclusions
from partners.models import EndCustomer, Partner
from seasons.models import Season

from ..models import CreditLine, CreditNoteLine
from .parties import note_blockers

SETTLED = (CreditLine.Status.FINAL, CreditLine.Status.CAPPED)
# The partners whose lines never on a note may be issued (a withdrawn partner's settled lines
# were final before the withdrawal: SPEC 2).
ISSUING_STATUSES = (Partner.Status.APPROVED, Partner.Status.WITHDRAWN)
MONEY = DecimalField(max_digits=14, decimal_places=2)
# The order of positions on a note: SPEC 5's serving order.
LINE_ORDER = (
    "partner_id",
    "booking_month",
    "first_usage_date",
    "customer_tenant_id",
    "service_group",
    "pk",
)


@dataclass(frozen=True)
class OpenLine:
    line: CreditLine
    noted: Decimal  # sum of its credit-note lines so far
    last_note_id: int | None  # the last note that covered it

    @property
    def difference(self) -> Decimal:
        return (self.line.credit_eur - self.noted).quantize(CENT)


def _noted_subquery():
    return Subquery(
        CreditNoteLine.objects.filter(credit_line=OuterRef("pk"))
        .order_by()  # no joins for the default ordering in a per-line subquery
        .values("credit_line")
        .annotate(total=Sum("amount_eur"))
        .values("total")
    )


def open_lines(*, season: Season, partner: Partner | None = None, lock=False) -> list[OpenLine]:
    """Settled lines whose credit differs from what their notes say, in issuing order."""
    lines = (
        CreditLine.objects.filter(season=season, status__in=SETTLED)
        .annotate(
            noted=Coalesce(_noted_subquery(), Value(Decimal("0")), output_field=MONEY),
            on_note=Exists(CreditNoteLine.objects.filter(credit_line=OuterRef("pk"))),
        )
        .exclude(credit_eur=F("noted"))
        .filter(Q(on_note=True) | Q(partner__status__in=ISSUING_STATUSES))
        .order_by(*LINE_ORDER)
    )
    if partner is not None:
        lines = lines.filter(partner=partner)
    if lock:
        lines = lines.select_for_update(of=("self",))
    lines = list(lines)
    # By season rather than by a list of ids: a season's lines can outnumber SQLite's parameters.
    noted = CreditNoteLine.objects.filter(note__season=season)
    if partner is not None:
        noted = noted.filter(note__partner=partner)
    history = {
        row["credit_line"]: row
        for row in noted.values("credit_line").annotate(
            total=Sum("amount_eur"), last_note=Max("note_id")
        )
    }
    result = []
    customers = _customers_of(lines)
    exclusions = Exclusions.of_season(season.pk)
    for line in lines:
        line.customer = customers.get(line.customer_id)
        row = history.get(line.pk)
        domain = line.customer.domain if line.customer else ""
        if row is None and exclusions.covering(line.customer_tenant_id, domain):
            continue  # excluded since the last computation: never issued
        item = OpenLine(
            line=line,
            noted=(row["total"] if row else Decimal("0")).quantize(CENT),
            last_note_id=row["last_note"] if row else None,
        )
        # The SQL filter is exact on PostgreSQL; on SQLite sums are floats, so decide here.
        if item.difference:
            result.append(item)
    return result


def _customers_of(lines):
    ids = {line.customer_id for line in lines if line.customer_id}
    return EndCustomer.objects.in_bulk(ids) if ids else {}


def open_totals(*, season: Season) -> list[dict]:
    """Per partner: open lines, new credits, corrections and total, for the staff page, and what
    keeps its notes from being issued (`blocked`, empty when nothing does)."""
    by_partner: dict[int, dict] = {}
    for item in open_lines(season=season):
        row = by_partner.setdefault(
            item.line.partner_id,
            {"lines": 0, "new": Decimal("0"), "corrections": Decimal("0"), "total": Decimal("0")},
        )
        row["lines"] += 1
        row["corrections" if item.last_note_id else "new"] += item.difference
        row["total"] += item.difference
    partners = Partner.objects.in_bulk(list(by_partner))
    blockers = note_blockers(partners.values())
    rows = [
        {"partner": partners[pk], "blocked": blockers.get(pk, []), **row}
        for pk, row in by_partner.items()
    ]
    rows.sort(key=lambda row: (row["partner"].name.casefold(), row["partner"].pk))
    return rows
