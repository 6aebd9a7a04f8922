"""A verdict of the rules, or a stored credit line, explained in sentences (staff and partners)."""

from datetime import date

from django.utils.translation import gettext as _

from core import formatting
from partners.models import Partner

from .. import eligibility as rules
from ..models import CreditLine, ServiceGroup


def _eur(value, decimals=2) -> str:
    return formatting.money(value, decimals=decimals)


def _usd(value) -> str:
    return formatting.usd(value)


def group_label(group: str) -> str:
    return str(dict(ServiceGroup.choices).get(group, group))


def verdict_text(code: str, kind: str, group: str, details: dict) -> str:
    """The reason of a verdict, in a sentence (for staff)."""
    d = details or {}
    month = d.get("month", "")
    existing = d.get("existing") or {}
    group_name = group_label(group)
    if code == rules.ELIGIBLE:
        if kind == rules.NEW_CUSTOMER:
            return _("new end customer: subscription first used in %(month)s") % {"month": month}
        return _(
            "existing customer for a workload in %(month)s: %(prev)s consumption %(usd)s "
            "> %(threshold)s; %(group)s first consumed in %(month)s"
        ) % {
            "month": month,
            "prev": existing.get("previous_month", ""),
            "usd": _usd(existing.get("usd") or 0),
            "threshold": _usd(existing.get("threshold_usd") or 0),
            "group": group_name,
        }
    if code == rules.EXCLUDED:
        return _("end customer excluded by staff: %(reason)s") % {"reason": d.get("reason", "")}
    if code == rules.NOT_NEW:
        return _("not a new customer: consumption in %(month)s before the season") % {
            "month": month
        }
    if code == rules.NO_USAGE:
        if kind == rules.NEW_CUSTOMER:
            return _("the subscription %(sub)s has no usage in any imported billing yet") % {
                "sub": d.get("subscription", "")
            }
        return _("no %(group)s consumption in any imported billing yet") % {"group": group_name}
    if code == rules.NO_CLAIM:
        return _("no approved claim for %(group)s") % {"group": group_name}
    if code == rules.BOOKED_BEFORE:
        return _("booked in %(month)s, before the season") % {"month": month}
    if code == rules.BOOKED_AFTER:
        return _("booked in %(month)s, after the season") % {"month": month}
    if code == rules.CONSUMED_BEFORE:
        return _("%(group)s consumed before in %(month)s") % {"group": group_name, "month": month}
    if code == rules.NOT_EXISTING:
        text = _(
            "not an existing customer for a workload in %(month)s: %(prev)s consumption "
            "%(usd)s ≤ %(threshold)s"
        ) % {
            "month": month,
            "prev": existing.get("previous_month", ""),
            "usd": _usd(existing.get("usd") or 0),
            "threshold": _usd(existing.get("threshold_usd") or 0),
        }
        if not existing.get("billed", True):
            text += " " + _("(%(prev)s is not billed yet)") % {
                "prev": existing.get("previous_month", "")
            }
        return text
    if code.startswith("partner_"):
        status = code.removeprefix("partner_")
        return _("the partner's status is now “%(status)s”") % {
            "status": dict(Partner.Status.choices).get(status, status)
        }
    if code == rules.NO_RATE:
        return _(
            "existing-customer test for %(month)s impossible: %(prev)s has rows without a USD "
            "total and the season has no USD per EUR rate"
        ) % {"month": month, "prev": existing.get("previous_month", "")}
    return code


def _day(iso: str) -> str:
    from django.utils.formats import date_format

    try:
        return date_format(date.fromisoformat(iso), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return iso or ""


def line_explanation(line: CreditLine) -> list[str]:
    """The stored explanation of a credit line, as sentences."""
    e = line.explanation or {}
    parts = []
    if e.get("reclaimed"):
        parts.append(
            _("Reclaimed when the partner was disqualified (%(amount)s): %(reason)s")
            % {
                "amount": _eur(e["reclaimed"].get("previous_credit", 0)),
                "reason": e["reclaimed"].get("reason", ""),
            }
        )
    if e.get("kept"):
        kept = e["kept"]
        parts.append(
            _(
                "No longer eligible: %(reason)s. Kept at %(amount)s, the amount on its credit "
                "notes (issued notes never change by themselves)."
            )
            % {
                "reason": verdict_text(
                    kept.get("code", ""), line.kind, line.service_group, kept.get("details", {})
                ),
                "amount": _eur(kept.get("noted", 0)),
            }
        )
    if "free_months" not in e:
        return parts
    if line.kind == CreditLine.Kind.NEW_CUSTOMER:
        parts.append(
            _("Subscription first used on %(date)s: booking month %(month)s.")
            % {"date": _day(e.get("first_usage", "")), "month": e.get("booking_month", "")}
        )
    else:
        parts.append(
            _("%(group)s first consumed on %(date)s: booking month %(month)s.")
            % {
                "group": group_label(line.service_group),
                "date": _day(e.get("first_usage", "")),
                "month": e.get("booking_month", ""),
            }
        )
        existing = e.get("existing") or {}
        if existing:
            parts.append(
                _("Existing customer: %(prev)s consumption %(usd)s > %(threshold)s.")
                % {
                    "prev": existing.get("previous_month", ""),
                    "usd": _usd(existing.get("usd") or 0),
                    "threshold": _usd(existing.get("threshold_usd") or 0),
                }
            )
    not_billed = " (" + _("not billed yet") + ")"
    months = "; ".join(
        f"{m['month']}: {_eur(m['eur'])}" + ("" if m["billed"] else not_billed)
        for m in e.get("free_months", [])
    )
    parts.append(_("Free months: %(months)s.") % {"months": months})
    if e.get("refund"):
        parts.append(_("Refunds exceed the consumption: no credit, never a debit."))
    if e.get("line_capped"):
        parts.append(_("Capped at %(cap)s per line.") % {"cap": _eur(e.get("line_cap", 0))})
    if e.get("partner_capped"):
        parts.append(
            _("Partner cap of %(cap)s: %(left)s remained for this line.")
            % {"cap": _eur(e.get("partner_cap", 0)), "left": _eur(e.get("partner_cap_left", 0))}
        )
    return parts
