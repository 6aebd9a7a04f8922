"""The credit rules hammered with generated billing rows (pure, no database): caps, order, files,
signs and exact sums (SPEC section 5)."""

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from credits import caps
from credits import eligibility as rules

PERIOD = rules.Period(date(2024, 9, 1), date(2025, 5, 31))
TENANTS = ("t1", "t2")
GROUPS = ("", "security", "databases", "analytics_ai", "avd")

# Cents from -300 € to 12,000 € plus a fraction of a cent (8 decimals, as the billing file has).
amounts = st.builds(
    lambda cents, fraction: Decimal(cents) / 100 + Decimal(fraction) / 10**8,
    st.integers(-30_000, 1_200_000),
    st.integers(0, 999_999),
)
days = st.integers(31, 395).map(lambda n: date(2024, 7, 1) + timedelta(days=n))


MONTHS = [date(2024 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(7, 20)]  # 2024-07..2025-07


@st.composite
def usage_runs(draw, partner=None, tenant=None, entitlement=None, group=None):
    """A subscription's use of one service group over a few consecutive months (a row each),
    so that generated customers really have booking months, free months and previous months."""
    tenant = tenant or draw(st.sampled_from(TENANTS))
    partner = partner or draw(st.sampled_from((1, 1, 2)))
    entitlement = entitlement or tenant + draw(st.sampled_from("ab"))
    group = draw(st.sampled_from(("", *GROUPS))) if group is None else group
    first = draw(st.integers(1, len(MONTHS) - 1))  # from August 2024 (before the season)
    rows = []
    length = draw(st.integers(2, 12 if group == "" else 5))  # base usage runs longer
    for month in MONTHS[first : first + length]:
        last = rules.add_months(month, 1) - timedelta(days=1)
        day = draw(st.sampled_from([1, 15, last.day]))
        rows.append(
            rules.BillingRow(
                partner_id=partner,
                tenant_id=tenant,
                entitlement_id=entitlement,
                service_group=group,
                usage_date=month.replace(day=day),
                eur=draw(amounts),
                usd=draw(st.one_of(st.none(), amounts)),
            )
        )
    return rows


rates = st.builds(
    rules.Rates,
    new_customer_cap=st.sampled_from([Decimal("150.5"), Decimal(10000), Decimal(10000)]),
    new_customer_partner_cap=st.sampled_from([Decimal(700), Decimal(30000), Decimal(0)]),
    workload_cap=st.sampled_from([Decimal("99.99"), Decimal(20000)]),
    workload_partner_cap=st.sampled_from([Decimal(250), Decimal(60000)]),
    existing_customer_min_usd=st.sampled_from([Decimal(0), Decimal(100)]),
    usd_per_eur=st.sampled_from([None, Decimal("1.08")]),
)
new_claims = st.lists(
    st.builds(
        rules.NewCustomerClaim,
        claim_id=st.integers(1, 10**6),
        partner_id=st.sampled_from((1, 1, 2)),
        tenant_id=st.sampled_from(TENANTS),
    ).map(lambda c: rules.NewCustomerClaim(**{**c.__dict__, "entitlement_id": c.tenant_id + "a"})),
    max_size=6,
)
workload_claims = st.lists(
    st.builds(
        rules.WorkloadClaim,
        claim_id=st.integers(1, 10**6),
        partner_id=st.sampled_from((1, 1, 2)),
        tenant_id=st.sampled_from(TENANTS),
        service_group=st.sampled_from(GROUPS[1:]),
    ),
    max_size=8,
)
billed_sets = st.one_of(st.just(set(MONTHS)), st.sets(st.sampled_from(MONTHS)))


@st.composite
def scenario(draw):
    """Claims, and usage that mostly belongs to them (plus unrelated usage)."""
    new, workloads = draw(new_claims), draw(workload_claims)
    runs = draw(st.lists(usage_runs(), max_size=6))
    for claim in new:
        runs.append(draw(usage_runs(claim.partner_id, claim.tenant_id, claim.entitlement_id)))
    for claim in workloads:
        runs.append(draw(usage_runs(tenant=claim.tenant_id, group="")))  # earlier usage
        runs.append(draw(usage_runs(claim.partner_id, claim.tenant_id, group=claim.service_group)))
    return {
        "rows": [row for run in runs for row in run],
        "rates": draw(rates),
        "new": new,
        "workloads": workloads,
        "billed": draw(billed_sets),
    }


def compute(s, rows=None, facts=None, new=None, workloads=None):
    return rules.credits_for(
        period=PERIOD,
        rates=s["rates"],
        facts=facts if facts is not None else rules.facts_from_rows(rows or s["rows"]),
        billed_months=s["billed"],
        new_customer_claims=s["new"] if new is None else new,
        workload_claims=s["workloads"] if workloads is None else workloads,
    )


def as_set(result):
    return set(result.lines), {(v.code, v.partner_id, v.tenant_id, v.kind) for v in result.verdicts}


@settings(max_examples=80, deadline=None)
@given(s=scenario())
def test_credits_never_exceed_any_cap_and_are_never_negative(s):
    r = s["rates"]
    per_partner = defaultdict(Decimal)
    for line in compute(s).lines:
        line_cap = r.new_customer_cap if line.kind == rules.NEW_CUSTOMER else r.workload_cap
        assert Decimal(0) <= line.credit <= line_cap
        assert line.credit <= max(line.consumption, Decimal(0))
        assert line.credit == line.credit.quantize(caps.CENT)
        per_partner[(line.partner_id, line.kind)] += line.credit
    for (_partner, kind), total in per_partner.items():
        cap = r.new_customer_partner_cap if kind == rules.NEW_CUSTOMER else r.workload_partner_cap
        assert total <= cap


@settings(max_examples=60, deadline=None)
@given(s=scenario(), seed=st.randoms(use_true_random=False))
def test_the_order_of_rows_and_claims_changes_nothing(s, seed):
    rows, new, workloads = list(s["rows"]), list(s["new"]), list(s["workloads"])
    seed.shuffle(rows)
    seed.shuffle(new)
    seed.shuffle(workloads)
    assert as_set(compute(s, rows=rows, new=new, workloads=workloads)) == as_set(compute(s))


@settings(max_examples=60, deadline=None)
@given(s=scenario(), files=st.integers(2, 4), seed=st.randoms(use_true_random=False))
def test_rows_split_over_several_files_give_the_same_credits(s, files, seed):
    """Each file is aggregated on its own (as the SQL does per import) and the sums added up."""
    parts = [[] for _ in range(files)]
    for row in s["rows"]:
        parts[seed.randrange(files)].append(row)
    facts = rules.Facts()
    for part in parts:
        facts = facts + rules.facts_from_rows(part)
    assert as_set(compute(s, facts=facts)) == as_set(compute(s))


@settings(max_examples=60, deadline=None)
@given(s=scenario(), cut=st.decimals(0, 1, places=3))
def test_a_row_split_in_two_gives_the_same_credits(s, cut):
    """A day's usage reported as two rows (two meters, two files) counts as one row."""
    eight = Decimal("0.00000001")
    rows = []
    for row in s["rows"]:
        eur = (row.eur * cut).quantize(eight)
        usd = None if row.usd is None else (row.usd * cut).quantize(eight)
        rows.append(rules.BillingRow(**{**row.__dict__, "eur": eur, "usd": usd}))
        rest_usd = None if row.usd is None else row.usd - usd
        rows.append(rules.BillingRow(**{**row.__dict__, "eur": row.eur - eur, "usd": rest_usd}))
    assert as_set(compute(s, rows=rows)) == as_set(compute(s))


@settings(max_examples=80, deadline=None)
@given(s=scenario())
def test_sums_are_exact(s):
    """Every line's consumption is the exact Decimal sum of its free months, rounded once."""
    result = compute(s)
    for line in result.lines:
        if line.kind == rules.NEW_CUSTOMER:
            claim = next(
                c
                for c in sorted(s["new"], key=lambda c: c.claim_id)
                if (c.partner_id, c.tenant_id) == (line.partner_id, line.tenant_id)
            )
            picked = [
                row.eur
                for row in s["rows"]
                if row.partner_id == line.partner_id
                and row.entitlement_id == claim.entitlement_id
                and rules.month_of(row.usage_date) in line.free_months
            ]
        else:
            picked = [
                row.eur
                for row in s["rows"]
                if (row.partner_id, row.tenant_id, row.service_group)
                == (line.partner_id, line.tenant_id, line.service_group)
                and rules.month_of(row.usage_date) in line.free_months
            ]
        exact = sum(picked, Decimal(0))
        assert line.consumption == caps.round_cents(exact)
        assert sum((a for _m, a in line.month_amounts), Decimal(0)) == exact


# --- apply_caps on its own -----------------------------------------------------------------------

candidates = st.lists(
    st.builds(
        caps.Candidate,
        key=st.uuids().map(lambda u: (str(u),)),
        booking_month=st.sampled_from([date(2024, m, 1) for m in (9, 10, 11)]),
        first_usage=days,
        tenant_id=st.sampled_from(TENANTS),
        service_group=st.sampled_from(GROUPS),
        consumption=amounts.map(caps.round_cents),
        line_cap=st.sampled_from([Decimal(100), Decimal(10000)]),
        complete=st.booleans(),
    ),
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(items=candidates, partner_cap=st.sampled_from([Decimal(0), Decimal(333), Decimal(30000)]))
def test_the_partner_cap_serves_in_order_and_the_crossing_line_gets_the_remainder(
    items, partner_cap
):
    result = caps.apply_caps(items, partner_cap)
    shuffled = list(items)
    random.Random(len(items)).shuffle(shuffled)
    assert caps.apply_caps(shuffled, partner_cap) == result
    wanted = sum((line.after_line_cap for line in result), Decimal(0))
    assert sum((line.credit for line in result), Decimal(0)) == min(wanted, partner_cap)
    reduced = [i for i, line in enumerate(result) if line.partner_capped]
    if reduced:
        # Every line after the first reduced one gets nothing.
        assert all(line.credit == 0 for line in result[reduced[0] + 1 :])
    for line in result:
        assert line.partner_capped == (line.credit < line.after_line_cap)
        if line.status == caps.CAPPED:
            assert line.partner_capped
        if line.partner_capped:
            assert line.status in (caps.CAPPED, caps.PROVISIONAL)


@settings(max_examples=150, deadline=None)
@given(s=scenario(), choice=st.randoms(use_true_random=False), extra=new_claims)
def test_issued_lines_keep_their_amount_whatever_the_claims_do(s, choice, extra):
    """SPEC 2: with the billing unchanged, claims revoked, excluded or approved later never move
    a line on an issued note; the money kept still counts against the partner caps."""
    first = compute(s)
    pins = {
        line.key: rules.Pin(line.credit, line.consumption)
        for line in first.lines
        if line.status != caps.PROVISIONAL
    }
    new = [c for c in s["new"] if choice.random() < 0.5] + extra
    workloads = [c for c in s["workloads"] if choice.random() < 0.5]
    second = rules.credits_for(
        period=PERIOD,
        rates=s["rates"],
        facts=rules.facts_from_rows(s["rows"]),
        billed_months=s["billed"],
        new_customer_claims=new,
        workload_claims=workloads,
        pins=pins,
    )

    lines = {line.key: line for line in second.lines}
    totals = defaultdict(Decimal)
    for key, pin in pins.items():
        line = lines.get(key)
        if line is None:
            totals[(key[0], key[2])] += pin.credit  # no longer eligible: kept at its amount
        elif line.consumption == pin.consumption:
            assert (line.credit, line.pinned) == (pin.credit, True)
    for line in second.lines:
        assert line.credit >= 0
        totals[(line.partner_id, line.kind)] += line.credit
    r = s["rates"]
    for (_partner, kind), total in totals.items():
        cap = r.new_customer_partner_cap if kind == rules.NEW_CUSTOMER else r.workload_partner_cap
        assert total <= cap
