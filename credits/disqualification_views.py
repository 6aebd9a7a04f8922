from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from challenges import staff_selectors
from core import formatting
from core.decorators import staff_required
from core.errors import DomainError
from partners.models import Partner

from . import disqualification
from .forms import DisqualifyForm
from .selectors.pages import partner_money


@staff_required
def partner_disqualify(request, pk):
    """Disqualification (SPEC 2): the points service revokes, this app settles the money; the
    page shows both, and the amount a reclaim would take back, before anything happens."""
    partner = get_object_or_404(Partner.objects.select_related("season", "league"), pk=pk)
    money = partner_money(partner)
    form = DisqualifyForm(request.POST or None, issued=money.issued)
    if request.method == "POST" and form.is_valid():
        reclaim = form.cleaned_data["reclaim_eur"] if form.cleaned_data["reclaim"] else None
        try:
            notes = disqualification.partner_disqualify(
                partner=partner,
                reviewer=request.user,
                reason=form.cleaned_data["reason"],
                reclaim_eur=reclaim,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("credits:staff-disqualify", pk=partner.pk)
        messages.success(
            request,
            _("%(company)s is disqualified; all its points are revoked.")
            % {"company": partner.name},
        )
        if notes:
            messages.success(
                request,
                ngettext(
                    "%(amount)s reclaimed with the correction note %(numbers)s.",
                    "%(amount)s reclaimed with the correction notes %(numbers)s.",
                    len(notes),
                )
                % {
                    "amount": formatting.money(-sum(note.total_eur for note in notes)),
                    "numbers": ", ".join(note.number for note in notes),
                },
            )
        return redirect("partners:staff-registration-detail", pk=partner.pk)
    return render(
        request,
        "credits/staff/partner_disqualify.html",
        {
            "partner": partner,
            "form": form,
            "summary": staff_selectors.partner_summary(partner),
            "money": money,
        },
    )
