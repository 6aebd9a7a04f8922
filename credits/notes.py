"""Credit notes (Gutschriften, SPEC section 5): issue them for settled credit lines, render the PDF.

Which lines a note covers
    A credit line is *settled* when all its free months are billed: status `final` or `capped`.
    `capped` is the status of a line reduced by a partner cap, and SPEC gives `provisional`
    precedence over `capped`, so a `capped` line is never waiting for a month; its amount is as
    final as a `final` line's. `provisional` lines are never put on a note.

    A settled line is *open* while its credit differs from the sum of its credit-note lines.
    Each run issues, per partner, one note for lines never on a note (their amount) and one
    correction note per note being corrected (the difference, possibly negative: a storno), whose
    `corrects` is the last note that covered those lines. Issued notes are never changed; a
    later change of a line produces another correction.

    A noted line changes only with its own billing (a corrected or newly billed month) or by an
    explicit reclaim at a disqualification (`credits.computation`, `credits.disqualification`),
    so those are the only corrections. As a last guard, a line never on a note is not issued while
    its partner is neither approved nor withdrawn, or its end customer is excluded, even before a
    recompute has removed it.

Numbers
    Gap-free per season, `GS-<year of the season's end>-<sequence:05d>`. The next sequence is
    taken under a lock on the season row inside the issuing transaction, so concurrent runs (and
    a credit computation, which takes the same lock) are serialised and the second one finds
    nothing open; the unique constraints on (season,
    sequence) and (season, number) are the last guard. A rolled-back run leaves no number used.

Immutability
    There is no update path for notes. The `pre_save`/`pre_delete` receivers below refuse
    changes to an issued note or its lines, except recording the rendered PDF.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import DecimalField, Exists, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone, translation

from challenges.catalogue import SERVICE_GROUPS
from core import formatting
from core.errors import DomainError
from core.money import CENT
from partners.identity import Exclusions
from partners.models import Partner
from seasons.models import Season

from . import jobs
from .models import (
    NOTE_CHANGED,
    NOTE_DELETED,
    NOTE_PDF_FIELDS,
    CreditLine,
    CreditNote,
    CreditNoteLine,
)

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO; a worker's log should show the notes, not the steps.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

SETTLED = (CreditLine.Status.FINAL, CreditLine.Status.CAPPED)

# From the terms (Einwilligung, Widerruf an ...): the issuer printed on every note.
ISSUER = {
    "name": "Ingram Micro Distribution GmbH",
    "street": "Heisenbergbogen 3",
    "city": "85609 Dornach",
    "country": "Deutschland",
    "email": "de_iaas@ingrammicro.com",
}
XVANTAGE_NOTE = "Die Gutschrift wird in Xvantage verbucht."

GROUP_NAMES = {group.code: group.label_de for group in SERVICE_GROUPS}
MONTHS_DE = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
# The partners whose lines never on a note may be issued (a withdrawn partner's settled lines
# were final before the withdrawal: SPEC 2).
ISSUING_STATUSES = (Partner.Status.APPROVED, Partner.Status.WITHDRAWN)
RECLAIMED = "nachträglich aberkannt und zurückgefordert"
REASON_MAX = 120
DESCRIPTION_MAX = CreditNoteLine._meta.get_field("description").max_length
PART_SEPARATOR = " · "
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


# --- Descriptions (German: they are printed on the note) ------------------------------------------


def month_de(value) -> str:
    """`date(2025, 1, 1)` or `"2025-01"` → `Januar 2025`."""
    if isinstance(value, str):
        year, month = (int(part) for part in value[:7].split("-"))
    else:
        year, month = value.year, value.month
    return f"{MONTHS_DE[month - 1]} {year}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rule_parts(
    line: CreditLine, season: Season, *, name_limit: int = 80, with_tenant: bool = True
) -> list[str]:
    """The rule that produced a line's credit, as printed: heading first, then the facts."""
    name = _shorten((line.customer.name if line.customer else "") or "", name_limit)
    if line.kind == CreditLine.Kind.NEW_CUSTOMER:
        heading = f"Neuer Endkunde {name}" if name else "Neuer Endkunde"
        item_cap, partner_cap = season.new_customer_cap_eur, season.new_customer_partner_cap_eur
        item_cap_label, free_label = "Deckel je Endkunde", "kostenfreier Monat"
    else:
        group = GROUP_NAMES.get(line.service_group, line.service_group)
        heading = f"Neuer Workload {group} bei Bestandskunde {name}".rstrip()
        item_cap, partner_cap = season.workload_cap_eur, season.workload_partner_cap_eur
        item_cap_label, free_label = "Deckel je Workload", "kostenfreie Monate"
    parts = [heading]
    if with_tenant or not name:
        parts.append(f"Tenant-ID {line.customer_tenant_id}")
    parts.append(f"Buchungsmonat {month_de(line.booking_month)}")
    if line.free_months:
        months = ", ".join(month_de(_month_of(m)) for m in line.free_months)
        parts.append(f"{free_label} {months}")
    explanation = line.explanation if isinstance(line.explanation, dict) else {}
    reclaimed = explanation.get("reclaimed")
    if isinstance(reclaimed, dict):
        reason = _shorten(" ".join(str(reclaimed.get("reason", "")).split()), REASON_MAX)
        parts.append(f"{RECLAIMED} (Disqualifikation): {reason}" if reason else RECLAIMED)
        return parts
    parts.append(f"Verbrauch {formatting.money(line.consumption_eur, 'de')}")
    # The computation records which caps bound; lines built without it fall back to the figures.
    line_capped = explanation.get("line_capped", line.consumption_eur > item_cap)
    partner_capped = explanation.get("partner_capped", line.status == CreditLine.Status.CAPPED)
    caps = []
    if line_capped:
        caps.append(f"{item_cap_label} {formatting.whole_eur(item_cap, 'de')}")
    if partner_capped:
        caps.append(f"Partner-Deckel {formatting.whole_eur(partner_cap, 'de')}")
    if caps:
        parts.append(" und ".join(caps) + " angewendet")
    elif line.consumption_eur < 0:
        parts.append("Erstattung: keine Belastung")
    return parts


def _month_of(value):
    """A free month as stored: `"2025-02"`, or `{"month": "2025-02", ...}`."""
    return value.get("month", "") if isinstance(value, dict) else value


def line_description(line: CreditLine, season: Season, *, noted: Decimal, corrects=None) -> str:
    """The position text stored with the note (so the note shows the rule as it was when issued).
    To fit the field, the tenant ID is left out first, then the customer's name is shortened."""
    text = ""
    for name_limit, with_tenant in ((80, True), (80, False), (30, False)):
        parts = rule_parts(line, season, name_limit=name_limit, with_tenant=with_tenant)
        if corrects is not None:
            # The note names the note it corrects; the position says what changed.
            parts.insert(
                1,
                f"Korrektur: bisher {formatting.money(noted, 'de')}, "
                f"jetzt {formatting.money(line.credit_eur, 'de')}",
            )
        text = PART_SEPARATOR.join(parts)
        if len(text) <= DESCRIPTION_MAX:
            return text
    return _shorten(text, DESCRIPTION_MAX)


def description_parts(description: str) -> tuple[str, list[str]]:
    """A stored description split back into its heading and facts, for the PDF."""
    head, *rest = description.split(PART_SEPARATOR)
    return head, rest


# --- Selectors ------------------------------------------------------------------------------------


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
    from partners.models import EndCustomer

    ids = {line.customer_id for line in lines if line.customer_id}
    return EndCustomer.objects.in_bulk(ids) if ids else {}


def open_totals(*, season: Season) -> list[dict]:
    """Per partner: open lines, new credits, corrections and total, for the staff page."""
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
    rows = [{"partner": partners[pk], **row} for pk, row in by_partner.items()]
    rows.sort(key=lambda row: (row["partner"].name.casefold(), row["partner"].pk))
    return rows


# --- Issuing --------------------------------------------------------------------------------------


def note_number(season: Season, sequence: int) -> str:
    return f"GS-{season.end_date.year}-{sequence:05d}"


def credit_notes_issue(
    *, season: Season, issued_by, partner: Partner | None = None
) -> list[CreditNote]:
    """Issue notes for every open settled line of `season` (or of one `partner`); see the module
    docstring for the rules. Returns the notes issued, in number order; none when nothing is open
    (a double click or a retry)."""
    if partner is not None and partner.season_id != season.pk:
        raise DomainError("The partner does not take part in this season.")
    with transaction.atomic():
        # Serialises issuing per season, and with credits_compute, which takes the same lock: the
        # next sequence is read and used under it. NO KEY, so that the billing import may still
        # insert rows referencing the season meanwhile.
        season = Season.objects.select_for_update(no_key=True).get(pk=season.pk)
        items = open_lines(season=season, partner=partner, lock=True)
        if not items:
            return []
        groups: dict[tuple[int, int | None], list[OpenLine]] = {}
        for item in items:
            groups.setdefault((item.line.partner_id, item.last_note_id), []).append(item)
        partners = Partner.objects.in_bulk({partner_id for partner_id, _ in groups})
        corrected = CreditNote.objects.in_bulk({note_id for _, note_id in groups if note_id})

        def order(key):
            partner_id, note_id = key
            p = partners[partner_id]
            return (
                p.name.casefold(),
                p.pk,
                note_id is not None,
                corrected[note_id].sequence if note_id else 0,
            )

        sequence = (
            CreditNote.objects.filter(season=season).aggregate(last=Max("sequence"))["last"] or 0
        )
        now = timezone.now()
        notes = []
        for key in sorted(groups, key=order):
            partner_id, note_id = key
            group = groups[key]
            sequence += 1
            note = CreditNote.objects.create(
                season=season,
                partner=partners[partner_id],
                sequence=sequence,
                number=note_number(season, sequence),
                issued_at=now,
                issued_by=issued_by,
                total_eur=sum((item.difference for item in group), Decimal("0")),
                corrects=corrected.get(note_id),
            )
            CreditNoteLine.objects.bulk_create(
                CreditNoteLine(
                    note=note,
                    credit_line=item.line,
                    amount_eur=item.difference,
                    consumption_eur=item.line.consumption_eur,
                    description=line_description(
                        item.line, season, noted=item.noted, corrects=corrected.get(note_id)
                    ),
                )
                for item in group
            )
            notes.append(note)
        for note in notes:
            jobs.credit_note_render_on_commit(note_id=note.pk)
    logger.info("Issued credit notes %s", ", ".join(note.number for note in notes))
    return notes


def credit_note_render_enqueue(*, note_id: int) -> None:
    """Render a note's PDF again (its task was lost); harmless if it is already rendered."""
    jobs.credit_note_render_on_commit(note_id=note_id)


# --- PDF ------------------------------------------------------------------------------------------


def note_context(note: CreditNote) -> dict:
    lines = []
    for position, line in enumerate(note.lines.order_by("pk"), start=1):
        heading, facts = description_parts(line.description)
        lines.append(
            {"position": position, "heading": heading, "facts": facts, "amount": line.amount_eur}
        )
    return {
        "note": note,
        "partner": note.partner,
        "season": note.season,
        "issuer": ISSUER,
        "issued_on": timezone.localtime(note.issued_at).date(),
        "corrects": note.corrects,
        "corrects_on": timezone.localtime(note.corrects.issued_at).date()
        if note.corrects
        else None,
        "lines": lines,
        "xvantage_note": XVANTAGE_NOTE,
    }


def _no_fetch(url, *args, **kwargs):
    # The template needs nothing from outside; nothing typed by a partner may make it fetch.
    raise ValueError(f"credit note PDFs load no resources ({url})")


def credit_note_pdf_bytes(note: CreditNote) -> bytes:
    from weasyprint import HTML

    # A Gutschrift is a German document whatever the language of whoever triggered it.
    with translation.override("de"):
        html = render_to_string("credits/pdf/credit_note.html", note_context(note))
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def credit_note_pdf_record(*, note: CreditNote, content: bytes) -> bool:
    """Store a rendered PDF and record it on the note unless another render was first (then the
    file is removed again). True if this one was recorded."""
    name = default_storage.save(f"credit_notes/{note.number}.pdf", ContentFile(content))
    claimed = CreditNote.objects.filter(pk=note.pk, pdf_rendered_at__isnull=True).update(
        pdf=name, pdf_rendered_at=timezone.now()
    )
    if not claimed:
        default_storage.delete(name)
    return bool(claimed)


def credit_note_render(*, note_id: int) -> CreditNote:
    """Render the note's PDF once; safe to run twice (a rendered note is left alone, and of two
    concurrent renders only the first to record its file keeps it)."""
    note = CreditNote.objects.select_related("partner", "season", "corrects").get(pk=note_id)
    if note.pdf_rendered_at:
        return note
    credit_note_pdf_record(note=note, content=credit_note_pdf_bytes(note))
    note.refresh_from_db()
    return note


# --- Immutability ---------------------------------------------------------------------------------

# Bulk changes are refused by the models' querysets, and on PostgreSQL by triggers (migration
# 0007); these receivers refuse them one object at a time.


@receiver(pre_save, sender=CreditNote, dispatch_uid="credit_note_immutable")
def _refuse_note_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance._state.adding:
        return
    if update_fields is not None and set(update_fields) <= NOTE_PDF_FIELDS:
        return
    raise DomainError(NOTE_CHANGED)


@receiver(pre_save, sender=CreditNoteLine, dispatch_uid="credit_note_line_immutable")
def _refuse_note_line_change(sender, instance, raw=False, **kwargs):
    if not raw and not instance._state.adding:
        raise DomainError(NOTE_CHANGED)


@receiver(pre_delete, sender=CreditNote, dispatch_uid="credit_note_undeletable")
@receiver(pre_delete, sender=CreditNoteLine, dispatch_uid="credit_note_line_undeletable")
def _refuse_note_delete(sender, instance, **kwargs):
    raise DomainError(NOTE_DELETED)
