"""Credit lines for partners and staff (SPEC section 5): the partner's credits, caps and credit
notes; all lines for staff with filters and a "recompute now"; an end customer's eligibility
history. Reads go through `credits.selectors`; the only write (recompute) enqueues the task."""

import re
from datetime import date

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.decorators import staff_required
from partners.models import Partner
from partners.tenancy import partner_view
from seasons.models import Season

from . import selectors
from .models import CreditLine
from .tasks import credits_compute_task

PAGE_SIZE = 50
TENANT_RE = re.compile(r"^[0-9A-Za-z{}-]{1,38}$")


def _rows(lines):
    return [{"line": line, "explanation": selectors.line_explanation(line)} for line in lines]


# --- Partner -------------------------------------------------------------------------------------


@partner_view(approved=True)
def partner_credits(request, membership):
    partner = membership.partner
    season = partner.season
    bars = selectors.partner_cap_bars(partner)
    lines = selectors.credit_line_list(season, partner=partner)
    return render(
        request,
        "credits/partner_credits.html",
        {
            "partner": partner,
            "season": season,
            "bars": bars,
            "rows": _rows(lines),
            "totals": selectors.credit_totals(lines),
            "notes": selectors.partner_credit_notes(partner),
            "billed": selectors.billed_month_list(season),
        },
    )


# --- Staff ---------------------------------------------------------------------------------------


class CreditFilterForm(forms.Form):
    """The filters of the staff list, from the query string; broken values are ignored."""

    partner = forms.ModelChoiceField(
        label=gettext_lazy("Partner"), queryset=Partner.objects.none(), required=False
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    booking_month = forms.ChoiceField(label=gettext_lazy("Booking month"), required=False)

    def __init__(self, data=None, *, season, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["partner"].queryset = Partner.objects.filter(season=season).order_by("name")
        self.fields["partner"].empty_label = _("all partners")
        self.fields["kind"].choices = [("", _("all kinds")), *CreditLine.Kind.choices]
        self.fields["status"].choices = [("", _("all statuses")), *CreditLine.Status.choices]
        months = (
            CreditLine.objects.filter(season=season)
            .order_by("booking_month")
            .values_list("booking_month", flat=True)
            .distinct()
        )
        self.fields["booking_month"].choices = [("", _("all months"))] + [
            (f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months
        ]

    def filters(self) -> dict:
        self.is_valid()
        data = self.cleaned_data
        month = data.get("booking_month") or ""
        return {
            "partner": data.get("partner"),
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "booking_month": date(int(month[:4]), int(month[5:7]), 1) if month else None,
        }


@staff_required
def staff_credits(request):
    season = Season.objects.current()
    if season is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("action") == "recompute":
            credits_compute_task.delay_on_commit(season_id=season.pk)
            messages.success(
                request,
                _(
                    "The credit computation for %(season)s has been started; reload this page "
                    "in a moment to see the result."
                )
                % {"season": season.name},
            )
        return redirect(reverse("credits:staff-credits") + _query(request))
    form = CreditFilterForm(request.GET, season=season)
    filters = form.filters()
    lines = selectors.credit_line_list(season, filters=filters)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "credits/staff/credits.html",
        {
            "season": season,
            "form": form,
            "page": page,
            "rows": _rows(page.object_list),
            "totals": selectors.credit_totals(lines),
            "billed": selectors.billed_month_list(season),
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
    history = selectors.customer_history(season, tenant_id)
    partners = Partner.objects.in_bulk(
        {v.partner_id for v in history.new_customer_verdicts}
        | {v.partner_id for g in history.groups for v in g.verdicts}
    )

    def item(verdict):
        return {
            "verdict": verdict,
            # A "what if" verdict (no approved claim) belongs to no partner.
            "partner": partners.get(verdict.partner_id) if verdict.claim_id else None,
            "text": selectors.verdict_text(
                verdict.code, verdict.kind, verdict.service_group, verdict.details
            ),
        }

    groups = [
        {
            "group": g,
            "label": selectors.group_label(g.group),
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
