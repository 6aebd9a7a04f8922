"""What the credit pages of partners and staff read: credit lines and their totals, the caps, the
credit notes, what a disqualification does to a partner's money."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from challenges.selectors import redemption_balance
from core import formatting

from ..caps import round_cents
from ..models import CreditLine, CreditNote, CreditNoteLine


def _eur(value, decimals=2) -> str:
    return formatting.money(value, decimals=decimals)


def credit_line_list(season, *, partner=None):
    """The season's credit lines (one partner's, if given); the staff page filters them with
    `credits.filters.CreditLineFilter`."""
    lines = CreditLine.objects.filter(season=season).select_related("partner", "customer")
    if partner is not None:
        lines = lines.filter(partner=partner)
    return lines.order_by("partner__name", "booking_month", "customer_tenant_id", "service_group")


def credit_totals(lines) -> dict:
    """Sum of credits and consumption, and a count per status, of a filtered queryset."""
    totals = lines.order_by().aggregate(
        credit=Sum("credit_eur"),
        consumption=Sum("consumption_eur"),
        count=Count("pk"),
        final=Count("pk", filter=Q(status=CreditLine.Status.FINAL)),
        provisional=Count("pk", filter=Q(status=CreditLine.Status.PROVISIONAL)),
        capped=Count("pk", filter=Q(status=CreditLine.Status.CAPPED)),
    )
    totals["credit"] = totals["credit"] or Decimal("0.00")
    totals["consumption"] = totals["consumption"] or Decimal("0.00")
    return totals


def partner_cap_usage(season, partner) -> dict:
    """Credits of the partner per kind (provisional lines count, as they do for the cap)."""
    sums = dict(
        CreditLine.objects.filter(season=season, partner=partner)
        .values("kind")
        .annotate(total=Sum("credit_eur"))
        .values_list("kind", "total")
    )
    return {
        CreditLine.Kind.NEW_CUSTOMER: sums.get(CreditLine.Kind.NEW_CUSTOMER) or Decimal("0.00"),
        CreditLine.Kind.WORKLOAD: sums.get(CreditLine.Kind.WORKLOAD) or Decimal("0.00"),
    }


def _bar(used, cap) -> dict:
    percent = 0 if not cap else min(100, round(float(used) / float(cap) * 100))
    return {"used": used, "cap": cap, "percent": percent, "left": max(cap - used, 0)}


def partner_cap_bars(partner) -> list[dict]:
    """The partner's progress towards its three caps: new-customer credits, workload credits
    and the training value of its points."""
    season = partner.season
    used = partner_cap_usage(season, partner)
    trainings = redemption_balance(partner)
    return [
        {
            "label": _("New end customers"),
            "help": _("One free month per new end customer, at most %(cap)s each.")
            % {"cap": _eur(season.new_customer_cap_eur, 0)},
            **_bar(used[CreditLine.Kind.NEW_CUSTOMER], season.new_customer_partner_cap_eur),
        },
        {
            "label": _("New workloads"),
            "help": _(
                "Two free months per new workload at an existing customer, at most %(cap)s each."
            )
            % {"cap": _eur(season.workload_cap_eur, 0)},
            **_bar(used[CreditLine.Kind.WORKLOAD], season.workload_partner_cap_eur),
        },
        {
            "label": _("Trainings"),
            "help": _("Points redeemed for trainings (value earned: %(value)s).")
            % {"value": _eur(trainings["value"])},
            **_bar(trainings["redeemed"], season.points_cap_eur),
        },
    ]


def partner_credit_notes(partner):
    return (
        CreditNote.objects.filter(partner=partner)
        .defer("xml")  # the tables say whether there is one (`is_einvoice`), never show it
        .order_by("-issued_at", "-sequence")
    )


@dataclass(frozen=True)
class PartnerMoney:
    """What a disqualification does to a partner's money (shown before it happens)."""

    issued: Decimal  # net on its issued credit notes: what a reclaim takes back
    notes: list  # its credit notes, in number order
    unissued_lines: int  # credit lines never on a note: removed
    unissued: Decimal


def partner_money(partner) -> PartnerMoney:
    issued = CreditNoteLine.objects.filter(note__partner=partner).aggregate(s=Sum("amount_eur"))
    unissued = CreditLine.objects.filter(partner=partner, note_lines__isnull=True).aggregate(
        n=Count("pk"), s=Sum("credit_eur")
    )
    return PartnerMoney(  # (cents: SQLite hands sums back as whole numbers or floats)
        issued=round_cents(Decimal(issued["s"] or 0)),
        notes=list(CreditNote.objects.filter(partner=partner).order_by("sequence")),
        unissued_lines=unissued["n"],
        unissued=round_cents(Decimal(unissued["s"] or 0)),
    )
