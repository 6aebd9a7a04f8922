"""Credit lines for partners and staff (SPEC section 5): the partner's credits, caps and credit
notes; all lines for staff with filters and a "recompute now"; an end customer's eligibility
history. Reads go through `credits.selectors`; the only write (recompute) enqueues the task."""

import re

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from core.decorators import staff_required
from core.tables import CountedPaginator
from partners.models import Partner
from partners.tenancy import partner_view
from seasons.models import Season

from . import jobs
from .filters import CreditLineFilter
from .models import CreditLine
from .selectors.billing import billed_month_list
from .selectors.explanations import group_label, line_explanation, verdict_text
from .selectors.history import customer_history
from .selectors.pages import credit_line_list, credit_totals, partner_cap_bars, partner_credit_notes
from .tables import PartnerCreditLineTable, PartnerCreditNoteTable, StaffCreditLineTable

PAGE_SIZE = 50
TENANT_RE = re.compile(r"^[0-9A-Za-z{}-]{1,38}$")


def _rows(lines):
    return [{"line": line, "explanation": line_explanation(line)} for line in lines]


def _paginate(request, table) -> None:
    # The totals count the lines already: paging needs no COUNT of its own.
    paginate = {"paginator_class": CountedPaginator, "count": table.totals["count"]}
    RequestConfig(request, paginate={**paginate, "per_page": PAGE_SIZE}).configure(table)


def _explain(table) -> None:
    """Each credit line of the page shown gets its explanation (`line.sentences`)."""
    for line in table.page_records():
        line.sentences = line_explanation(line)


# --- Partner -------------------------------------------------------------------------------------


@partner_view(approved=True)
def partner_credits(request, membership):
    partner = membership.partner
    season = partner.season
    bars = partner_cap_bars(partner)
    lines = credit_line_list(season, partner=partner)
    table = PartnerCreditLineTable(lines, totals=credit_totals(lines))
    _paginate(request, table)
    _explain(table)
    return render(
        request,
        "credits/partner_credits.html",
        {
            "partner": partner,
            "season": season,
            "bars": bars,
            "table": table,
            "notes": PartnerCreditNoteTable(partner_credit_notes(partner)),
            "billed": billed_month_list(season=season),
        },
    )


# --- Staff ---------------------------------------------------------------------------------------


@staff_required
def staff_credits(request):
    season = Season.objects.current()
    if season is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("action") == "recompute":
            jobs.credits_compute_on_commit(season_id=season.pk)
            messages.success(
                request,
                _(
                    "The credit computation for %(season)s has been started; reload this page "
                    "in a moment to see the result."
                )
                % {"season": season.name},
            )
        return redirect(reverse("credits:staff-credits") + _query(request))
    lines = CreditLineFilter(request.GET, credit_line_list(season), season=season)
    table = StaffCreditLineTable(lines.qs, totals=credit_totals(lines.qs))
    _paginate(request, table)
    _explain(table)
    return render(
        request,
        "credits/staff/credits.html",
        {
            "season": season,
            "filter": lines,
            "table": table,
            "totals": table.totals,
            "billed": billed_month_list(season=season),
            "last_computed": CreditLine.objects.filter(season=season)
            .order_by("-computed_at")
            .values_list("computed_at", flat=True)
            .first(),
        },
    )


def _query(request) -> str:
    query = request.POST.get("query", "")
    return "?" + query if query and re.fullmatch(r"[\w=&%.+-]*", query) else ""


@staff_required
def staff_customer_history(request, tenant_id):
    season = Season.objects.current()
    if season is None or not TENANT_RE.match(tenant_id):
        raise Http404
    history = customer_history(season, tenant_id)
    partners = Partner.objects.in_bulk(
        {v.partner_id for v in history.new_customer_verdicts}
        | {v.partner_id for g in history.groups for v in g.verdicts}
    )

    def item(verdict):
        return {
            "verdict": verdict,
            # A "what if" verdict (no approved claim) belongs to no partner.
            "partner": partners.get(verdict.partner_id) if verdict.claim_id else None,
            "text": verdict_text(
                verdict.code, verdict.kind, verdict.service_group, verdict.details
            ),
        }

    groups = [
        {
            "group": g,
            "label": group_label(g.group),
            "verdicts": [item(v) for v in g.verdicts],
        }
        for g in history.groups
    ]
    return render(
        request,
        "credits/staff/customer_history.html",
        {
            "season": season,
            "history": history,
            "new_customer_verdicts": [item(v) for v in history.new_customer_verdicts],
            "any_converted": any(m.converted for m in history.months),
            "groups": groups,
            "rows": _rows(history.lines),
        },
    )
