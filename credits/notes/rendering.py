"""A credit note's PDF, rendered once after it is issued (by `credit_note_render_task`, or
synchronously by `export_credit_notes --pdf-dir`).

An e-invoice's PDF is the Factur-X PDF/A-3b of `credits.einvoice_pdf`: the HTML template filled
with what the note was issued with (its stored parties, VAT, period and positions), and the
stored XML embedded as it is, never built again. A note issued before e-invoicing keeps its plain
PDF; if it was never rendered it gets one in the old form (net only, no XML).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .. import jobs
from ..models import CreditNote
from .descriptions import PAYMENT_TERMS, description_parts, note_subject, rate_decimals

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO; a worker's log should show the notes, not the steps.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

TEMPLATE = "credits/pdf/credit_note.html"


def _legacy_parties(note: CreditNote) -> tuple[dict, dict]:
    """The parties of a note issued before e-invoicing, which stored none: as the old PDF had
    them (the seller's address, the partner's address now)."""
    seller = settings.CREDIT_NOTE_SELLER
    partner = note.partner
    return (
        {
            "name": seller.get("name", ""),
            "street": seller.get("street", ""),
            "postcode": seller.get("postcode", ""),
            "city": seller.get("city", ""),
            "email": seller.get("email", ""),
        },
        {
            "name": partner.name,
            "contact_name": partner.contact_name,
            "street": partner.street,
            "postcode": partner.postal_code,
            "city": partner.city,
            "country": partner.country,
            "identifier": partner.customer_number,
        },
    )


def note_context(note: CreditNote) -> dict:
    lines = []
    for position, line in enumerate(note.lines.order_by("pk"), start=1):
        heading, facts = description_parts(line.description)
        lines.append(
            {"position": position, "heading": heading, "facts": facts, "amount": line.amount_eur}
        )
    if note.is_einvoice:
        seller, buyer = note.seller, note.buyer
    else:
        seller, buyer = _legacy_parties(note)
    return {
        "note": note,
        "partner": note.partner,
        "season": note.season,
        "seller": seller,
        "buyer": buyer,
        "einvoice": note.is_einvoice,
        "vat_decimals": rate_decimals(note.vat_rate),
        "period_start": note.period_start,
        "period_end": note.period_end,
        "payment_terms": PAYMENT_TERMS,
        "subject": note_subject(note.season, note.corrects),
        "issued_on": timezone.localtime(note.issued_at).date(),
        "corrects": note.corrects,
        "corrects_on": timezone.localtime(note.corrects.issued_at).date()
        if note.corrects
        else None,
        "lines": lines,
    }


def _no_fetch(url, *args, **kwargs):
    # The template needs nothing from outside; nothing typed by a partner may make it fetch.
    raise ValueError(f"credit note PDFs load no resources ({url})")


def credit_note_pdf_bytes(note: CreditNote) -> bytes:
    # A Gutschrift is a German document whatever the language of whoever triggered it.
    with translation.override("de"):
        html = render_to_string(TEMPLATE, note_context(note))
    # WeasyPrint is imported when a PDF is made, not when a process starts (it takes a while,
    # and parses its own stylesheet at import).
    if note.is_einvoice:
        from ..einvoice_pdf import facturx_pdf

        return facturx_pdf(html, note.xml.encode("utf-8"), base_url="/", url_fetcher=_no_fetch)
    from weasyprint import HTML

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


def credit_note_render_enqueue(*, note_id: int) -> None:
    """Render a note's PDF again (its task was lost); harmless if it is already rendered."""
    jobs.credit_note_render_on_commit(note_id=note_id)
