"""Issuing credit notes: one service, `credit_notes_issue` (the rules are in the package's
docstring).

Every note is an e-invoice (SPEC 5). Under the season lock the run first decides which partners
can have a note (`parties`: a seller not configured stops the run; a partner without an address
or with a VAT ID that no longer passes is left out and takes no number), then builds every note's
CII XML with the number it will have and checks it against the XSD; only when all of them pass
are the notes written, each in one INSERT with everything it was issued with: net, VAT rate, VAT,
gross (rounded once per note), the seller and the buyer as they were, the months it covers, the
XML. A failure before that point numbers nothing. The partner's users get an e-mail through the
outbox in the same transaction; the PDF is rendered after the commit by a task.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from partners.models import Partner
from partners.notifications import email_send
from seasons.models import Season

from .. import jobs
from ..einvoice import CreditNoteDocument, Party, Position, cii_xml
from ..models import CreditNote, CreditNoteLine
from .descriptions import (
    PART_SEPARATOR,
    PAYMENT_TERMS,
    description_parts,
    line_description,
    line_period,
    note_subject,
    rate_decimals,
)
from .parties import buyer_party, note_blockers, party_dict, seller_party, seller_problems
from .selectors import OpenLine, open_lines

logger = logging.getLogger(__name__)

EMAIL_TEMPLATE = "credits/email/credit_notes_issued"


def note_number(season: Season, sequence: int) -> str:
    return f"GS-{season.end_date.year}-{sequence:05d}"


@dataclass(frozen=True)
class _Draft:
    """A note decided and checked, not yet written."""

    partner: Partner
    sequence: int
    corrects: CreditNote | None
    items: list[OpenLine]
    descriptions: list[str]
    document: CreditNoteDocument
    xml: bytes


def credit_notes_issue(
    *, season: Season, issued_by, partner: Partner | None = None
) -> list[CreditNote]:
    """Issue notes for every open settled line of `season` (or of one `partner`). Returns the
    notes issued, in number order; none when nothing is open (a double click or a retry).

    A partner whose notes cannot be issued yet (`parties.buyer_problems`) is skipped in a run for
    the season, and refused with its problems when it is the one `partner` asked for; the seller
    not configured refuses the run. Either way nothing is numbered."""
    if partner is not None and partner.season_id != season.pk:
        raise DomainError(_("The partner does not take part in this season."))
    problems = seller_problems()
    if problems:
        raise DomainError(" ".join(problems) + " " + _("No credit note was issued."))
    seller = seller_party()
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
        partners = Partner.objects.in_bulk({partner_id for partner_id, _note in groups})
        blocked = note_blockers(partners.values())
        if partner is not None and blocked:
            raise DomainError(blocked_message(partners[partner.pk], blocked[partner.pk]))
        corrected = CreditNote.objects.in_bulk({note_id for _p, note_id in groups if note_id})

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
        drafts = []
        for key in sorted((key for key in groups if key[0] not in blocked), key=order):
            partner_id, note_id = key
            sequence += 1
            drafts.append(
                _draft(
                    season=season,
                    sequence=sequence,
                    partner=partners[partner_id],
                    corrects=corrected.get(note_id),
                    items=groups[key],
                    seller=seller,
                    issued_on=timezone.localtime(now).date(),
                )
            )
        notes = [_note_create(d, season=season, issued_at=now, by=issued_by) for d in drafts]
        _notify(notes)
        for note in notes:
            jobs.credit_note_render_on_commit(note_id=note.pk)
    if notes:
        logger.info("Issued credit notes %s", ", ".join(note.number for note in notes))
    if blocked:
        logger.warning("Credit notes held back for partners %s", sorted(blocked))
    return notes


def blocked_message(partner: Partner, problems: list[str]) -> str:
    return _(
        "No credit note for %(partner)s yet: %(problems)s. Please complete the company details."
    ) % {"partner": partner.name, "problems": "; ".join(problems)}


def _draft(
    *,
    season: Season,
    sequence: int,
    partner: Partner,
    corrects: CreditNote | None,
    items: list[OpenLine],
    seller: Party,
    issued_on,
) -> _Draft:
    number = note_number(season, sequence)
    descriptions = [
        line_description(item.line, season, noted=item.noted, corrects=corrects) for item in items
    ]
    positions = []
    for item, description in zip(items, descriptions, strict=True):
        heading, facts = description_parts(description)
        start, end = line_period(item.line)
        positions.append(
            Position(
                name=heading,
                amount=item.difference,
                period_start=start,
                period_end=end,
                note=PART_SEPARATOR.join(facts),
            )
        )
    # A correction corrects the original supply: at the rate of the note it corrects.
    rate = corrects.vat_rate if corrects and corrects.vat_rate is not None else season.vat_rate
    document = CreditNoteDocument(
        number=number,
        issue_date=issued_on,
        seller=seller,
        buyer=buyer_party(partner),
        positions=tuple(positions),
        vat_rate=Decimal(rate),
        payment_terms=PAYMENT_TERMS,
        corrects=(corrects.number, timezone.localtime(corrects.issued_at).date())
        if corrects
        else None,
        notes=(note_subject(season, corrects),),
    )
    try:
        xml = cii_xml(document)
    except Exception as exc:  # the library raises a bare Exception for an XSD error
        logger.exception("The e-invoice %s does not pass the XSD", number)
        raise DomainError(
            _(
                "The e-invoice %(number)s for %(partner)s could not be built (%(error)s). "
                "No credit note was issued."
            )
            % {"number": number, "partner": partner.name, "error": str(exc)[:300]}
        ) from exc
    return _Draft(partner, sequence, corrects, items, descriptions, document, xml)


def _note_create(draft: _Draft, *, season: Season, issued_at, by) -> CreditNote:
    doc = draft.document
    start, end = doc.period
    note = CreditNote.objects.create(
        season=season,
        partner=draft.partner,
        sequence=draft.sequence,
        number=doc.number,
        issued_at=issued_at,
        issued_by=by,
        total_eur=doc.net,
        vat_rate=doc.vat_rate,
        vat_eur=doc.vat,
        gross_eur=doc.gross,
        period_start=start,
        period_end=end,
        seller=party_dict(doc.seller),
        buyer=party_dict(doc.buyer),
        xml=draft.xml.decode("utf-8"),
        corrects=draft.corrects,
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            note=note,
            credit_line=item.line,
            amount_eur=item.difference,
            consumption_eur=item.line.consumption_eur,
            description=description,
        )
        for item, description in zip(draft.items, draft.descriptions, strict=True)
    )
    return note


def _notify(notes: list[CreditNote]) -> None:
    """One e-mail per user of each partner with its notes of this run, in the user's language,
    through the outbox (written in this transaction, sent after the commit)."""
    by_partner: dict[int, list[CreditNote]] = {}
    for note in notes:
        by_partner.setdefault(note.partner_id, []).append(note)
    url = settings.PORTAL_URL + reverse("credits:partner-credits")
    for partner_notes in by_partner.values():
        partner = partner_notes[0].partner
        for membership in partner.memberships.select_related("user").filter(user__is_active=True):
            email_send(
                to=membership.user.email,
                template=EMAIL_TEMPLATE,
                context={
                    "partner": partner,
                    "notes": partner_notes,
                    "numbers": ", ".join(note.number for note in partner_notes),
                    "vat_decimals": max(rate_decimals(note.vat_rate) for note in partner_notes),
                    "url": url,
                },
                language=membership.user.language,
            )
