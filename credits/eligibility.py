"""Who earns consumption credits, for which months and how much (SPEC section 5, terms 2.3/2.5).

Pure Python, no Django: the computation (`credits.computation`) feeds it set-based aggregates of
the stored billing rows; the hypothesis tests feed it generated rows. Months are `date(y, m, 1)`;
money is `Decimal`; the season's period and settings come in as arguments.

Interpretations chosen where the spec leaves room (the German terms decide where it is unclear):

- **Months.** The booking month is a calendar month; "after the booking month" is the following
  calendar month(s), so whole months are free (terms 2.5). A first usage on the last day of a month
  books that month; its free month is the next one.
- **Inside the season** means the booking month lies between the month of the season's start and
  the month of its end (both included). The free months may lie after the season's end (a booking
  in May 2025 earns June 2025); such a line stays `provisional` until June is billed.
- **New end customer.** The booking month is the month of the first usage of the claimed
  subscription (`EntitlementId`) in any imported billing (every partner, every season). The end
  customer must also be new to Azure (SPEC 3: "no consumption before the season in any imported
  billing"): any usage of its tenant before the season's start date, on any subscription, makes it
  "not a new customer". A subscription without any usage yet has no line (nothing is booked).
- **Existing customer** for a workload booked in month M: the customer's total consumption in
  M−1 over all its subscriptions and all partners is more than `existing_customer_min_usd`. The USD
  amount is `PricingPreTaxTotal` for the rows that carry it and `BillingPreTaxTotal × usd_per_eur`
  for the rows that do not; the total is rounded half-up to cents before the comparison, so the
  reason shown ("84.20 USD ≤ 100 USD") always agrees with the verdict. "More than" is strict:
  exactly 100.00 USD is not enough. Without a USD total and without a rate staff have set, the test
  cannot be decided and there is no line (the history says so). A month M−1 with no billing counts
  as 0 USD (the history notes it is not billed).
- **Workload.** A service group (security, databases, analytics_ai) whose first usage by the
  customer in any imported billing (every subscription, every partner, every season) lies in a
  month M inside the season, with an approved `svc_<group>` claim. Usage before the season:
  "consumed before". No usage yet: no line.
- **Whose consumption.** "First usage" and the existing-customer test look at the customer as a
  whole (every partner's rows), because they describe the customer. The credited consumption is
  the consumption billed *to the claiming partner* (`BillingPreTaxTotal` of that partner's rows),
  because the credit refunds what that partner paid; when two partners claim the same customer,
  each is credited only what it was billed. Amounts come from the computed season's imports only;
  other seasons' imports count as history (for "first usage") but are never credited twice.
- **Excluded end customers** (staff exclusions, terms 1) earn no credit.
- Two claims that would give the same line (same partner, customer, kind and group) give one line,
  from the claim with the lowest ID.
- **Issued money stays** (SPEC 2). A line on issued credit notes comes in as a `Pin`: what the
  notes cover and the consumption the last note was based on. While the line is eligible, complete
  and its consumption is still that one, it keeps the noted amount whatever else changed (an
  approval, an exclusion or a withdrawal elsewhere, cap room freed or taken): it is not served
  again, and its amount comes off the partner cap first. Only a change of its own consumption (a
  corrected or newly billed month) serves it again, which may give a correction. A pinned line
  that is no longer eligible has no line here; its noted amount still comes off the cap (the
  computation keeps it at that amount).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from challenges.catalogue import CREDIT_GROUPS

from .caps import CAPPED, FINAL, ZERO, Candidate, apply_caps, apply_line_cap, round_cents

NEW_CUSTOMER = "new_customer"
WORKLOAD = "workload"

# Verdict codes (the history page turns them into sentences).
ELIGIBLE = "eligible"
EXCLUDED = "excluded"
NO_CLAIM = "no_claim"
NO_USAGE = "no_usage"  # the subscription / the group has no usage yet
NOT_NEW = "not_new"  # the customer consumed Azure before the season
BOOKED_BEFORE = "booked_before_season"
BOOKED_AFTER = "booked_after_season"
CONSUMED_BEFORE = "consumed_before"  # the group was consumed before the season
NOT_EXISTING = "not_existing"  # M−1 consumption not above the threshold
NO_RATE = "no_rate"  # USD missing and no exchange rate


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def first_month(self) -> date:
        return month_of(self.start)

    @property
    def last_month(self) -> date:
        return month_of(self.end)


@dataclass(frozen=True)
class Rates:
    new_customer_cap: Decimal
    new_customer_partner_cap: Decimal
    workload_cap: Decimal
    workload_partner_cap: Decimal
    existing_customer_min_usd: Decimal
    usd_per_eur: Decimal | None


# --- Facts: sums of billing rows at three levels (a row may be split over any number of facts) ---


@dataclass(frozen=True)
class SubscriptionUsage:
    """Usage of one subscription billed to one partner in one month."""

    partner_id: int
    tenant_id: str
    entitlement_id: str
    month: date
    eur: Decimal
    first_date: date
    current: bool = True  # imported for the computed season (else: history only)


@dataclass(frozen=True)
class GroupUsage:
    """Usage of one service group by one customer, billed to one partner, in one month."""

    partner_id: int
    tenant_id: str
    service_group: str
    month: date
    eur: Decimal
    first_date: date
    current: bool = True


@dataclass(frozen=True)
class CustomerUsage:
    """All usage of one customer in one month (every partner, subscription and group)."""

    tenant_id: str
    month: date
    eur: Decimal
    usd: Decimal  # PricingPreTaxTotal of the rows that have one
    eur_without_usd: Decimal  # BillingPreTaxTotal of the rows without a USD total
    first_date: date
    current: bool = True


@dataclass(frozen=True)
class Facts:
    subscriptions: tuple[SubscriptionUsage, ...] = ()
    groups: tuple[GroupUsage, ...] = ()
    customers: tuple[CustomerUsage, ...] = ()

    def __add__(self, other: "Facts") -> "Facts":
        return Facts(
            self.subscriptions + other.subscriptions,
            self.groups + other.groups,
            self.customers + other.customers,
        )


@dataclass(frozen=True)
class BillingRow:
    """One billing row as the pure rules see it (tests, and the shape the SQL aggregates sum)."""

    partner_id: int
    tenant_id: str
    entitlement_id: str
    service_group: str  # "" when the meter category maps to no group
    usage_date: date
    eur: Decimal
    usd: Decimal | None = None
    current: bool = True


def facts_from_rows(rows: Iterable[BillingRow]) -> Facts:
    """The three aggregates the SQL of the computation produces, from individual rows."""
    subs: dict = {}
    groups: dict = {}
    customers: dict = {}

    def add(store, key, amounts, first):
        old = store.get(key)
        if old is None:
            store[key] = [*amounts, first]
        else:
            for i, amount in enumerate(amounts):
                old[i] += amount
            old[-1] = min(old[-1], first)

    for row in rows:
        month = month_of(row.usage_date)
        add(
            subs,
            (row.partner_id, row.tenant_id, row.entitlement_id, month, row.current),
            [row.eur],
            row.usage_date,
        )
        if row.service_group:
            add(
                groups,
                (row.partner_id, row.tenant_id, row.service_group, month, row.current),
                [row.eur],
                row.usage_date,
            )
        add(
            customers,
            (row.tenant_id, month, row.current),
            [
                row.eur,
                row.usd if row.usd is not None else ZERO,
                row.eur if row.usd is None else ZERO,
            ],
            row.usage_date,
        )
    return Facts(
        tuple(SubscriptionUsage(*k[:4], v[0], v[1], k[4]) for k, v in subs.items()),
        tuple(GroupUsage(*k[:4], v[0], v[1], k[4]) for k, v in groups.items()),
        tuple(
            CustomerUsage(k[0], k[1], v[0], v[1], v[2], v[3], k[2]) for k, v in customers.items()
        ),
    )


@dataclass
class CustomerMonth:
    eur: Decimal = ZERO
    usd: Decimal = ZERO
    eur_without_usd: Decimal = ZERO

    def usd_total(self, usd_per_eur: Decimal | None) -> Decimal | None:
        """USD list total where present, the rest converted; None when that is impossible."""
        if self.eur_without_usd == 0:
            return round_cents(self.usd)
        if usd_per_eur is None:
            return None
        return round_cents(self.usd + self.eur_without_usd * usd_per_eur)


class UsageIndex:
    """The facts summed per key (exact `Decimal`), so neither their order nor how the rows were
    split over files or facts can change a result."""

    def __init__(self, facts: Facts):
        self.subscription_amount: dict[tuple, Decimal] = defaultdict(Decimal)
        self.subscription_first: dict[str, date] = {}
        self.group_amount: dict[tuple, Decimal] = defaultdict(Decimal)
        self.group_first: dict[tuple, date] = {}
        self.customer_months: dict[str, dict[date, CustomerMonth]] = defaultdict(dict)
        self.customer_first: dict[str, date] = {}
        for s in facts.subscriptions:
            _keep_min(self.subscription_first, s.entitlement_id, s.first_date)
            if s.current:
                self.subscription_amount[(s.partner_id, s.entitlement_id, s.month)] += s.eur
        for g in facts.groups:
            _keep_min(self.group_first, (g.tenant_id, g.service_group), g.first_date)
            if g.current:
                self.group_amount[(g.partner_id, g.tenant_id, g.service_group, g.month)] += g.eur
        for c in facts.customers:
            _keep_min(self.customer_first, c.tenant_id, c.first_date)
            if c.current:
                month = self.customer_months[c.tenant_id].setdefault(c.month, CustomerMonth())
                month.eur += c.eur
                month.usd += c.usd
                month.eur_without_usd += c.eur_without_usd

    def customer_month(self, tenant_id: str, month: date) -> CustomerMonth:
        return self.customer_months.get(tenant_id, {}).get(month) or CustomerMonth()


def _keep_min(store: dict, key, value: date) -> None:
    old = store.get(key)
    if old is None or value < old:
        store[key] = value


# --- Claims and verdicts ------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCustomerClaim:
    claim_id: int
    partner_id: int
    tenant_id: str
    entitlement_id: str
    excluded: str = ""  # the staff's reason when the customer is excluded


@dataclass(frozen=True)
class WorkloadClaim:
    claim_id: int | None  # None: no approved claim (the history asks "what if")
    partner_id: int
    tenant_id: str
    service_group: str
    excluded: str = ""


@dataclass(frozen=True)
class Verdict:
    """Whether a (customer, kind, group) earns a credit, and why (JSON-safe `details`)."""

    kind: str
    partner_id: int
    tenant_id: str
    service_group: str
    claim_id: int | None
    code: str
    booking_month: date | None = None
    first_usage: date | None = None
    details: dict = field(default_factory=dict, compare=False)

    @property
    def eligible(self) -> bool:
        return self.code == ELIGIBLE

    @property
    def free_months(self) -> tuple[date, ...]:
        if not self.eligible:
            return ()
        n = 1 if self.kind == NEW_CUSTOMER else 2
        return tuple(add_months(self.booking_month, i) for i in range(1, n + 1))


def _in_season(month: date, period: Period) -> str:
    if month < period.first_month:
        return BOOKED_BEFORE
    if month > period.last_month:
        return BOOKED_AFTER
    return ELIGIBLE


def new_customer_verdict(claim: NewCustomerClaim, index: UsageIndex, period: Period) -> Verdict:
    base = {
        "kind": NEW_CUSTOMER,
        "partner_id": claim.partner_id,
        "tenant_id": claim.tenant_id,
        "service_group": "",
        "claim_id": claim.claim_id,
    }
    first = index.subscription_first.get(claim.entitlement_id)
    details = {"subscription": claim.entitlement_id}
    if claim.excluded:
        return Verdict(code=EXCLUDED, details={**details, "reason": claim.excluded}, **base)
    customer_first = index.customer_first.get(claim.tenant_id)
    if customer_first is not None and customer_first < period.start:
        details["month"] = month_label(month_of(customer_first))
        return Verdict(code=NOT_NEW, first_usage=customer_first, details=details, **base)
    if first is None:
        return Verdict(code=NO_USAGE, details=details, **base)
    booking = month_of(first)
    details["month"] = month_label(booking)
    code = _in_season(booking, period)
    return Verdict(code=code, booking_month=booking, first_usage=first, details=details, **base)


def existing_customer_test(
    tenant_id: str, month: date, index: UsageIndex, rates: Rates, billed: frozenset[date]
) -> tuple[bool | None, dict]:
    """Was the customer an existing customer for a workload booked in `month`? (None: unknown)."""
    previous = add_months(month, -1)
    usage = index.customer_month(tenant_id, previous)
    usd = usage.usd_total(rates.usd_per_eur)
    details = {
        "previous_month": month_label(previous),
        "threshold_usd": str(round_cents(rates.existing_customer_min_usd)),
        "eur": str(round_cents(usage.eur)),
        "usd": None if usd is None else str(usd),
        "converted": usage.eur_without_usd != 0,
        "billed": previous in billed,
    }
    if usd is None:
        return None, details
    return usd > rates.existing_customer_min_usd, details


def workload_verdict(
    claim: WorkloadClaim, index: UsageIndex, period: Period, rates: Rates, billed: frozenset[date]
) -> Verdict:
    base = {
        "kind": WORKLOAD,
        "partner_id": claim.partner_id,
        "tenant_id": claim.tenant_id,
        "service_group": claim.service_group,
        "claim_id": claim.claim_id,
    }
    first = index.group_first.get((claim.tenant_id, claim.service_group))
    if first is None:
        code = EXCLUDED if claim.excluded else NO_CLAIM if claim.claim_id is None else NO_USAGE
        reason = {"reason": claim.excluded} if claim.excluded else {}
        return Verdict(code=code, details=reason, **base)
    booking = month_of(first)
    details = {"month": month_label(booking)}
    if booking < period.first_month:
        return Verdict(
            code=CONSUMED_BEFORE, booking_month=booking, first_usage=first, details=details, **base
        )
    if booking > period.last_month:
        return Verdict(
            code=BOOKED_AFTER, booking_month=booking, first_usage=first, details=details, **base
        )
    existing, test = existing_customer_test(claim.tenant_id, booking, index, rates, billed)
    details["existing"] = test
    if existing is None:
        code = NO_RATE
    elif not existing:
        code = NOT_EXISTING
    elif claim.excluded:
        code = EXCLUDED
        details["reason"] = claim.excluded
    elif claim.claim_id is None:
        code = NO_CLAIM
    else:
        code = ELIGIBLE
    return Verdict(code=code, booking_month=booking, first_usage=first, details=details, **base)


# --- Lines --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A credit line as stored: the verdict, the free months' consumption and the caps."""

    partner_id: int
    tenant_id: str
    kind: str
    service_group: str
    claim_id: int
    booking_month: date
    first_usage: date
    free_months: tuple[date, ...]
    month_amounts: tuple[tuple[date, Decimal], ...]  # full precision, per free month
    unbilled_months: tuple[date, ...]
    consumption: Decimal  # rounded once; negative for a refund
    credit: Decimal
    status: str
    line_cap: Decimal
    line_capped: bool
    partner_cap: Decimal
    partner_capped: bool
    partner_cap_left_before: Decimal
    existing: dict | None = field(default=None, hash=False)  # the existing-customer test
    pinned: bool = False  # kept at the amount of its issued credit notes

    @property
    def key(self) -> tuple:
        return (self.partner_id, self.tenant_id, self.kind, self.service_group)


@dataclass(frozen=True)
class Pin:
    """A line on issued credit notes: the sum they cover, and the line's consumption (rounded)
    when the last of them was issued."""

    credit: Decimal
    consumption: Decimal


@dataclass(frozen=True)
class CreditResult:
    lines: tuple[Line, ...]
    verdicts: tuple[Verdict, ...]


def _unique_claims(claims: Iterable, key) -> list:
    chosen: dict = {}
    for claim in sorted(claims, key=lambda c: (c.claim_id is None, c.claim_id or 0)):
        chosen.setdefault(key(claim), claim)
    return list(chosen.values())


def credits_for(
    *,
    period: Period,
    rates: Rates,
    facts: Facts,
    billed_months: Iterable[date],
    new_customer_claims: Iterable[NewCustomerClaim] = (),
    workload_claims: Iterable[WorkloadClaim] = (),
    pins: Mapping[tuple, Pin] | None = None,
) -> CreditResult:
    """Every claim's verdict and every eligible claim's credit line, after all caps; lines on
    issued notes (`pins`, by line key) keep their noted amount until their consumption changes."""
    index = UsageIndex(facts)
    billed = frozenset(billed_months)
    verdicts: list[Verdict] = []
    pending: dict[tuple, tuple[Verdict, tuple, Decimal]] = {}

    for claim in _unique_claims(new_customer_claims, lambda c: (c.partner_id, c.tenant_id)):
        verdict = new_customer_verdict(claim, index, period)
        verdicts.append(verdict)
        if verdict.eligible:
            amounts = tuple(
                (
                    m,
                    index.subscription_amount.get(
                        (claim.partner_id, claim.entitlement_id, m), ZERO
                    ),
                )
                for m in verdict.free_months
            )
            pending[(claim.partner_id, claim.tenant_id, NEW_CUSTOMER, "")] = (
                verdict,
                amounts,
                rates.new_customer_cap,
            )

    unique_workloads = _unique_claims(
        (c for c in workload_claims if c.service_group in CREDIT_GROUPS),
        lambda c: (c.partner_id, c.tenant_id, c.service_group),
    )
    for claim in unique_workloads:
        verdict = workload_verdict(claim, index, period, rates, billed)
        verdicts.append(verdict)
        if verdict.eligible:
            amounts = tuple(
                (
                    m,
                    index.group_amount.get(
                        (claim.partner_id, claim.tenant_id, claim.service_group, m), ZERO
                    ),
                )
                for m in verdict.free_months
            )
            pending[(claim.partner_id, claim.tenant_id, WORKLOAD, claim.service_group)] = (
                verdict,
                amounts,
                rates.workload_cap,
            )

    lines: list[Line] = []
    reserved: dict[tuple, Decimal] = defaultdict(lambda: ZERO)  # (partner, kind) → kept money
    for key, pin in (pins or {}).items():
        if key in pending:
            verdict, amounts, line_cap = pending[key]
            consumption = round_cents(sum((a for _m, a in amounts), ZERO))
            if consumption != pin.consumption or not all(m in billed for m, _a in amounts):
                continue  # its own billing changed: served again below
            del pending[key]
            lines.append(_pinned_line(verdict, amounts, line_cap, consumption, pin, rates))
        reserved[(key[0], key[2])] += pin.credit

    by_cap: dict[tuple, list[Candidate]] = defaultdict(list)
    for key, (verdict, amounts, line_cap) in pending.items():
        by_cap[(key[0], key[2])].append(
            Candidate(
                key=key,
                booking_month=verdict.booking_month,
                first_usage=verdict.first_usage,
                tenant_id=verdict.tenant_id,
                service_group=verdict.service_group,
                consumption=round_cents(sum((a for _m, a in amounts), ZERO)),
                line_cap=line_cap,
                complete=all(m in billed for m, _a in amounts),
            )
        )

    for (partner_id, kind), candidates in sorted(by_cap.items()):
        partner_cap = _partner_cap(kind, rates)
        for capped in apply_caps(candidates, partner_cap, reserved[(partner_id, kind)]):
            verdict, amounts, line_cap = pending[capped.key]
            lines.append(
                _line(
                    verdict,
                    amounts,
                    unbilled_months=tuple(m for m, _a in amounts if m not in billed),
                    consumption=capped.consumption,
                    credit=capped.credit,
                    status=capped.status,
                    line_cap=round_cents(line_cap),
                    line_capped=capped.line_capped,
                    partner_cap=capped.partner_cap,
                    partner_capped=capped.partner_capped,
                    partner_cap_left_before=capped.partner_cap_left_before,
                )
            )
    return CreditResult(lines=tuple(lines), verdicts=tuple(verdicts))


def _line(verdict: Verdict, amounts: tuple, **figures) -> Line:
    """The stored line of `verdict`: who, what and when from the verdict, the money from
    `figures`."""
    return Line(
        partner_id=verdict.partner_id,
        tenant_id=verdict.tenant_id,
        kind=verdict.kind,
        service_group=verdict.service_group,
        claim_id=verdict.claim_id,
        booking_month=verdict.booking_month,
        first_usage=verdict.first_usage,
        free_months=verdict.free_months,
        month_amounts=amounts,
        existing=verdict.details.get("existing"),
        **figures,
    )


def _partner_cap(kind: str, rates: Rates) -> Decimal:
    return rates.new_customer_partner_cap if kind == NEW_CUSTOMER else rates.workload_partner_cap


def _pinned_line(
    verdict: Verdict, amounts: tuple, line_cap: Decimal, consumption: Decimal, pin: Pin, rates
) -> Line:
    """A line kept at its noted amount: `capped` when that is less than its own cap allows (the
    partner cap reduced it when it was issued), else `final`."""
    allowed = apply_line_cap(consumption, line_cap)
    reduced = pin.credit < allowed
    return _line(
        verdict,
        amounts,
        unbilled_months=(),
        consumption=consumption,
        credit=pin.credit,
        status=CAPPED if reduced else FINAL,
        line_cap=round_cents(line_cap),
        line_capped=consumption > round_cents(line_cap),
        partner_cap=round_cents(max(ZERO, _partner_cap(verdict.kind, rates))),
        partner_capped=reduced,
        partner_cap_left_before=pin.credit,
        pinned=True,
    )
