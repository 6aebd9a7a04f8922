"""Rounding and caps of consumption credits (SPEC section 5, terms 2.3), as pure functions.

No Django here: inputs are frozen dataclasses, amounts are `Decimal` euros, nothing is float.

Interpretations (written down because the spec leaves room):

- A line's consumption is the exact sum of its free months' usage, rounded half-up to cents once
  (`round_cents`); every cap works on that rounded value, so the stored credit is always a whole
  number of cents and no cap ever sees a fraction of a cent.
- "Negative sums (refunds) give 0, never a debit" is applied to the line's sum: a refund in the
  second free month lowers the line (the partner did not pay it), but a line never goes below 0.
- The per-customer / per-workload cap (`line_cap`) is applied first. A line reduced only by it
  keeps its status (`final` or `provisional`); it is recorded as `line_capped` for the explanation.
- The partner cap serves the lines in the order booking month, first usage date, end customer ID,
  service group (`order_key`); the line that crosses the cap gets the remainder and the lines after
  it get 0. A line is `capped` when the partner cap reduced it (crossing line and the later ones
  that had something to give); a later line whose amount was 0 anyway is not reduced and keeps its
  status. `provisional` wins over `capped`, and provisional lines use up the cap like final ones
  (with the amount known so far), so a line can never be promised more than the cap leaves.
- Money that is already paid on issued credit notes and no longer served (a line kept at its
  noted amount, SPEC 2: issued notes never change by themselves) comes off the partner cap
  first (`reserved`), so a partner never gets more than the cap in total.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

FINAL = "final"
PROVISIONAL = "provisional"
CAPPED = "capped"


def round_cents(amount: Decimal) -> Decimal:
    """Half-up to cents: the one rounding of a credit line."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Candidate:
    """An eligible line before the caps: its rounded consumption and what orders it."""

    key: tuple  # identifies the line for the caller (partner, tenant, kind, group)
    booking_month: date
    first_usage: date
    tenant_id: str
    service_group: str  # "" for a new end customer
    consumption: Decimal  # rounded to cents; may be negative (a refund)
    line_cap: Decimal
    complete: bool  # all free months are billed


@dataclass(frozen=True)
class CappedLine:
    key: tuple
    consumption: Decimal
    after_line_cap: Decimal  # max(0, min(consumption, line cap))
    credit: Decimal
    status: str
    line_capped: bool
    partner_capped: bool
    partner_cap: Decimal
    partner_cap_left_before: Decimal  # what the partner cap still allowed when this line came


def order_key(candidate: Candidate) -> tuple:
    """Booking month, then first usage date, then end customer ID, then service group."""
    return (
        candidate.booking_month,
        candidate.first_usage,
        candidate.tenant_id,
        candidate.service_group,
        candidate.key,  # total order even for equal keys, so the input order never matters
    )


def apply_line_cap(consumption: Decimal, line_cap: Decimal) -> Decimal:
    """Refunds give 0, never a debit; then at most the line's own cap."""
    return max(ZERO, min(round_cents(consumption), round_cents(line_cap)))


def apply_caps(
    candidates: Iterable[Candidate], partner_cap: Decimal, reserved: Decimal = ZERO
) -> list[CappedLine]:
    """The lines of one partner and one kind, each under its own cap and all under the partner cap,
    of which `reserved` is already used up by lines kept outside the serving.

    Returns the lines in serving order (`order_key`); the result does not depend on the order of
    `candidates`.
    """
    partner_cap = round_cents(max(ZERO, partner_cap))
    left = max(ZERO, partner_cap - round_cents(max(ZERO, reserved)))
    result = []
    for candidate in sorted(candidates, key=order_key):
        consumption = round_cents(candidate.consumption)
        amount = apply_line_cap(consumption, candidate.line_cap)
        credit = min(amount, left)
        partner_capped = credit < amount
        left_before = left
        left -= credit
        if not candidate.complete:
            status = PROVISIONAL
        elif partner_capped:
            status = CAPPED
        else:
            status = FINAL
        result.append(
            CappedLine(
                key=candidate.key,
                consumption=consumption,
                after_line_cap=amount,
                credit=credit,
                status=status,
                line_capped=consumption > round_cents(candidate.line_cap),
                partner_capped=partner_capped,
                partner_cap=partner_cap,
                partner_cap_left_before=left_before,
            )
        )
    return result
