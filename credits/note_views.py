"""Credit notes: staff issue them and export them for Xvantage; staff and the partner download the
PDF (the e-invoice) and its XML alone. Issuing goes through credits.notes.issuing; a DomainError
becomes an error message."""

import io
from datetime import timedelta

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from core.decorators import staff_required
from core.errors import DomainError
from core.formatting import number
from partners.models import Partner
from partners.tenancy import get_for_partner, partner_view
from seasons.models import Season

from .exports import credit_notes_write
from .models import CreditLine, CreditNote
from .notes.issuing import blocked_message, credit_notes_issue
from .notes.parties import seller_problems
from .notes.rendering import credit_note_render_enqueue
from .notes.selectors import open_totals
from .tables import IssuedNoteTable, ReadyTable

PAGE_SIZE = 50
# A PDF not there this long after issuing has probably lost its task: staff may enqueue it again.
RENDER_GRACE = timedelta(minutes=2)


def _serve_pdf(request, note: CreditNote, back_url: str):
    if not note.pdf_rendered_at or not note.pdf:
        # The worker renders it a moment after issuing; the page reloads itself until then.
        return render(
            request, "credits/pdf/credit_note_pending.html", {"note": note, "back": back_url}
        )
    try:
        handle = note.pdf.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="application/pdf", filename=f"{note.number}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _serve_xml(note: CreditNote):
    """The e-invoice's XML alone (XRechnung-compatible CII); a note issued before e-invoicing has
    none: 404."""
    if not note.xml:
        raise Http404
    response = HttpResponse(note.xml.encode("utf-8"), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{note.number}.xml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Partner -------------------------------------------------------------------------------------


@partner_view(model=CreditNote)  # outermost: another company's note is 404 for any method
@require_GET
def partner_note_pdf(request, membership, pk):
    note = get_for_partner(CreditNote, membership.partner, pk=pk)
    return _serve_pdf(request, note, back_url=reverse("credits:partner-credits"))


@partner_view(model=CreditNote)
@require_GET
def partner_note_xml(request, membership, pk):
    return _serve_xml(get_for_partner(CreditNote, membership.partner, pk=pk))


# --- Staff ---------------------------------------------------------------------------------------


def _issue(request, season: Season):
    partner = None
    if request.POST.get("partner"):
        partner = get_object_or_404(Partner, pk=_posted_pk(request, "partner"), season=season)
    try:
        issued = credit_notes_issue(season=season, issued_by=request.user, partner=partner)
    except DomainError as exc:
        messages.error(request, str(exc))
        return
    # A run for the season leaves out the partners whose details an e-invoice cannot take (one
    # partner asked for and held back is refused above); their lines are still open.
    held_back = [] if partner else [row for row in open_totals(season=season) if row["blocked"]]
    if not issued and not held_back:
        messages.info(request, _("Nothing to issue: every final credit line is on a note."))
        return
    if issued:
        messages.success(
            request,
            ngettext(
                "Credit note %(numbers)s issued; its PDF is being generated.",
                "%(count)s credit notes issued: %(numbers)s. Their PDFs are being generated.",
                len(issued),
            )
            % {"count": number(len(issued)), "numbers": ", ".join(n.number for n in issued)},
        )
    for row in held_back:
        messages.warning(request, blocked_message(row["partner"], row["blocked"]))


def _render_again(request, season: Season):
    note = get_object_or_404(CreditNote, pk=_posted_pk(request, "note"), season=season)
    if note.pdf_rendered_at:
        messages.info(request, _("The PDF of %(number)s is ready.") % {"number": note.number})
        return
    credit_note_render_enqueue(note_id=note.pk)
    messages.success(
        request, _("The PDF of %(number)s is being generated again.") % {"number": note.number}
    )


def _posted_pk(request, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise Http404
    return int(value)


@staff_required
def staff_notes(request):
    season = Season.objects.current()
    if request.method == "POST":
        if season is None:
            raise Http404
        action = request.POST.get("action")
        if action == "issue":
            _issue(request, season)
        elif action == "render":
            _render_again(request, season)
        else:
            messages.error(request, _("Unknown action."))
        return redirect("credits:staff-notes")

    context = {"season": season}
    if season is not None:
        ready = open_totals(season=season)
        notes = (
            CreditNote.objects.filter(season=season)
            .select_related("partner", "corrects", "issued_by")
            .defer("xml", "corrects__xml")
            .order_by("-sequence")
        )
        issued = IssuedNoteTable(notes)
        RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(issued)
        context.update(
            ready=ready,
            ready_table=ReadyTable(ready),
            ready_total=sum((row["total"] for row in ready if not row["blocked"]), 0),
            ready_lines=sum(row["lines"] for row in ready),
            issuable=[row for row in ready if not row["blocked"]],
            blocked=[row for row in ready if row["blocked"]],
            seller_problems=seller_problems(),
            provisional=CreditLine.objects.filter(
                season=season, status=CreditLine.Status.PROVISIONAL
            ).count(),
            issued=issued,
            page=issued.page,
            stuck_before=timezone.now() - RENDER_GRACE,
        )
    return render(request, "credits/staff/notes.html", context)


@require_GET
@staff_required
def staff_notes_csv(request):
    season = Season.objects.current()
    if season is None:
        raise Http404
    out = io.StringIO()
    credit_notes_write(season=season, out=out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gutschriften-{season.slug}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required
def staff_note_pdf(request, pk):
    note = get_object_or_404(CreditNote, pk=pk)
    return _serve_pdf(request, note, back_url=reverse("credits:staff-notes"))


@require_GET
@staff_required
def staff_note_xml(request, pk):
    return _serve_xml(get_object_or_404(CreditNote, pk=pk))
