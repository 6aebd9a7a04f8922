"""The texts of a credit note's positions, in German (they are printed on the note and carried in
its e-invoice): the rule that produced the credit with its figures, and the months it covers."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from django.utils import timezone

from challenges.catalogue import SERVICE_GROUPS
from core import formatting
from seasons.models import Season

from ..models import CreditLine, CreditNoteLine

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
RECLAIMED = "nachträglich aberkannt und zurückgefordert"
REASON_MAX = 120
DESCRIPTION_MAX = CreditNoteLine._meta.get_field("description").max_length
PART_SEPARATOR = " · "
# The payment terms of every note (BT-20): the credit is booked, not paid out.
PAYMENT_TERMS = "Der Betrag wird Ihrem Xvantage-Konto gutgeschrieben."


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


def line_period(line: CreditLine) -> tuple[date, date]:
    """The months a credit covers (its free months: the consumption it pays back), from the first
    day of the first to the last day of the last; the booking month for a line without them."""
    months = sorted(_first_day(_month_of(m)) for m in line.free_months or () if _month_of(m))
    first, last = (months[0], months[-1]) if months else (line.booking_month,) * 2
    return first, last.replace(day=calendar.monthrange(last.year, last.month)[1])


def _first_day(value: str) -> date:
    year, month = (int(part) for part in value[:7].split("-"))
    return date(year, month, 1)


def rate_decimals(rate: Decimal | None) -> int:
    """How many decimals a VAT rate needs when printed: 19 → 0, 7.5 → 1."""
    if rate is None:
        return 0
    return max(0, -Decimal(rate).normalize().as_tuple().exponent)


def note_subject(season: Season, corrects=None) -> str:
    """What the note is about (the e-invoice's note, BT-22, and the PDF's subject line)."""
    subject = f"Azure Acceleration League {season.name} – kostenfreie Azure Consumption"
    if corrects is None:
        return subject
    issued = corrects.issued_at.astimezone(timezone.get_current_timezone())
    return f"{subject} · Korrektur zu {corrects.number} vom {issued:%d.%m.%Y}"
