"""The pure eligibility rules with hand-checked examples (no database): months, the new-customer
and existing-customer tests, workloads and the caps in order (SPEC section 5, terms 2.3/2.5)."""

from datetime import date
from decimal import Decimal

import pytest

from credits import caps
from credits import eligibility as rules

D = Decimal
PERIOD = rules.Period(date(2024, 9, 1), date(2025, 5, 31))
RATES = rules.Rates(
    new_customer_cap=D(10000),
    new_customer_partner_cap=D(30000),
    workload_cap=D(20000),
    workload_partner_cap=D(60000),
    existing_customer_min_usd=D(100),
    usd_per_eur=D("1.08"),
)
ALL_MONTHS = [rules.add_months(date(2024, 6, 1), i) for i in range(14)]


def row(day, eur, *, tenant="t", ent="e", group="", partner=1, usd=None, current=True):
    return rules.BillingRow(
        partner, tenant, ent, group, day, D(eur), None if usd is None else D(usd), current
    )


def index(*rows):
    return rules.UsageIndex(rules.facts_from_rows(rows))


def run(rows, new=(), workloads=(), billed=ALL_MONTHS, rates=RATES):
    return rules.credits_for(
        period=PERIOD,
        rates=rates,
        facts=rules.facts_from_rows(rows),
        billed_months=billed,
        new_customer_claims=new,
        workload_claims=workloads,
    )


# --- Months --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        (date(2024, 12, 1), 1, date(2025, 1, 1)),
        (date(2025, 1, 1), -1, date(2024, 12, 1)),
        (date(2024, 11, 1), 2, date(2025, 1, 1)),
        (date(2025, 5, 1), 1, date(2025, 6, 1)),
    ],
)
def test_months_roll_over_the_year(month, n, expected):
    assert rules.add_months(month, n) == expected


def test_the_season_runs_from_its_first_to_its_last_month():
    assert (PERIOD.first_month, PERIOD.last_month) == (date(2024, 9, 1), date(2025, 5, 1))


# --- New end customer ----------------------------------------------------------------------------


def new_claim(**kwargs):
    return rules.NewCustomerClaim(
        **{"claim_id": 1, "partner_id": 1, "tenant_id": "t", "entitlement_id": "e", **kwargs}
    )


def test_new_customer_booked_on_the_last_day_of_october_gets_november():
    verdict = rules.new_customer_verdict(new_claim(), index(row(date(2024, 10, 31), "1")), PERIOD)
    assert verdict.code == rules.ELIGIBLE
    assert verdict.booking_month == date(2024, 10, 1)
    assert verdict.free_months == (date(2024, 11, 1),)


def test_consumption_before_the_season_on_any_subscription_is_not_new():
    usage = index(row(date(2024, 7, 20), "3", ent="old"), row(date(2024, 10, 2), "5"))
    verdict = rules.new_customer_verdict(new_claim(), usage, PERIOD)
    assert (verdict.code, verdict.details["month"]) == (rules.NOT_NEW, "2024-07")


def test_history_of_another_season_counts_but_is_never_credited():
    usage = index(row(date(2024, 8, 1), "3", current=False), row(date(2024, 10, 2), "5"))
    assert rules.new_customer_verdict(new_claim(), usage, PERIOD).code == rules.NOT_NEW
    later = run(
        [row(date(2024, 10, 2), "5"), row(date(2024, 11, 2), "7", current=False)], [new_claim()]
    )
    assert later.lines[0].credit == D("0.00")


@pytest.mark.parametrize(
    ("first", "code"),
    [
        (date(2025, 5, 31), rules.ELIGIBLE),  # the last month of the season: June is free
        (date(2025, 6, 1), rules.BOOKED_AFTER),
    ],
)
def test_the_booking_month_must_lie_in_the_season(first, code):
    assert rules.new_customer_verdict(new_claim(), index(row(first, "1")), PERIOD).code == code


def test_a_subscription_without_usage_has_no_line_yet():
    result = run([row(date(2024, 10, 2), "1", ent="other")], [new_claim()])
    assert result.lines == ()
    assert result.verdicts[0].code == rules.NO_USAGE


def test_an_excluded_customer_has_no_line():
    result = run([row(date(2024, 10, 2), "1")], [new_claim(excluded="Konzernkunde")])
    assert result.lines == () and result.verdicts[0].code == rules.EXCLUDED


def test_two_claims_for_the_same_line_give_one_line_from_the_lower_claim():
    rows = [row(date(2024, 10, 2), "1"), row(date(2024, 11, 2), "10")]
    result = run(rows, [new_claim(claim_id=9), new_claim(claim_id=4)])
    assert [line.claim_id for line in result.lines] == [4]


# --- Existing customer and workloads -------------------------------------------------------------


def wl_claim(**kwargs):
    return rules.WorkloadClaim(
        **{"claim_id": 2, "partner_id": 1, "tenant_id": "t", "service_group": "security", **kwargs}
    )


@pytest.mark.parametrize(
    ("rows", "usd", "existing"),
    [
        ([("90", "100.00")], "100.00", False),  # "more than" 100
        ([("90", "100.004")], "100.00", False),  # rounded to cents before the comparison
        ([("90", "100.005")], "100.01", True),
        ([("92.59", None)], "100.00", False),  # 92.59 × 1.08 = 99.9972
        ([("92.60", None)], "100.01", True),  # 92.60 × 1.08 = 100.008
        ([("50", "60"), ("37.04", None)], "100.00", False),  # 60 + 40.0032
        ([("50", "60"), ("37.05", None)], "100.01", True),  # 60 + 40.014
    ],
)
def test_existing_customer_threshold(rows, usd, existing):
    usage = index(*(row(date(2024, 10, 5), eur, usd=u) for eur, u in rows))
    got, details = rules.existing_customer_test("t", date(2024, 11, 1), usage, RATES, frozenset())
    assert (got, details["usd"], details["previous_month"]) == (existing, usd, "2024-10")
    assert details["billed"] is False


def test_without_usd_and_without_a_rate_the_test_is_undecided():
    rates = rules.Rates(**{**RATES.__dict__, "usd_per_eur": None})
    usage = index(row(date(2024, 10, 5), "500"))
    assert (
        rules.existing_customer_test("t", date(2024, 11, 1), usage, rates, frozenset())[0] is None
    )
    result = run(
        [row(date(2024, 10, 5), "500"), row(date(2024, 11, 5), "5", group="security")],
        workloads=[wl_claim()],
        rates=rates,
    )
    assert result.verdicts[0].code == rules.NO_RATE and result.lines == ()


def workload_rows(october_usd="250", **kwargs):
    return [
        row(date(2024, 10, 5), "200", usd=october_usd),
        row(date(2024, 11, 30), "10", group="security"),  # booking month November
        row(date(2024, 12, 1), "100.004", group="security"),
        row(date(2024, 12, 1), "999", group="databases"),
        row(date(2025, 1, 31), "50.001", group="security", ent="second-subscription"),
        row(date(2025, 2, 1), "70", group="security"),
        row(date(2024, 12, 1), "400", group="security", partner=2),  # billed to another partner
    ]


def test_workload_credits_two_months_of_the_group_on_all_subscriptions():
    result = run(workload_rows(), workloads=[wl_claim()])
    (line,) = result.lines
    assert line.booking_month == date(2024, 11, 1)
    assert line.free_months == (date(2024, 12, 1), date(2025, 1, 1))
    assert line.consumption == D("150.01")  # 100.004 + 50.001 = 150.005 → 150.01 once
    assert line.credit == D("150.01")
    assert line.status == caps.FINAL
    assert line.existing["usd"] == "250.00"


def test_workload_of_a_customer_below_the_threshold_has_the_reason():
    result = run(workload_rows(october_usd="84.20"), workloads=[wl_claim()])
    verdict = result.verdicts[0]
    assert result.lines == ()
    assert verdict.code == rules.NOT_EXISTING
    assert verdict.details["existing"]["usd"] == "84.20"


def test_a_group_consumed_before_the_season_is_no_workload():
    rows = [*workload_rows(), row(date(2024, 6, 3), "1", group="security", tenant="t", ent="x")]
    verdict = run(rows, workloads=[wl_claim()]).verdicts[0]
    assert (verdict.code, verdict.details["month"]) == (rules.CONSUMED_BEFORE, "2024-06")


def test_avd_earns_no_credit():
    rows = [row(date(2024, 10, 5), "200", usd="250"), row(date(2024, 11, 5), "9", group="avd")]
    assert run(rows, workloads=[wl_claim(service_group="avd")]).verdicts == ()


def test_a_refund_in_the_second_month_lowers_the_line_but_never_below_zero():
    rows = [*workload_rows()[:3], row(date(2025, 1, 3), "-30.004", group="security")]
    assert run(rows, workloads=[wl_claim()]).lines[0].credit == D("70.00")
    rows = [*workload_rows()[:3], row(date(2025, 1, 3), "-130", group="security")]
    line = run(rows, workloads=[wl_claim()]).lines[0]
    assert (line.consumption, line.credit) == (D("-30.00"), D("0.00"))


def test_an_unbilled_free_month_keeps_the_line_provisional():
    billed = [m for m in ALL_MONTHS if m != date(2025, 1, 1)]
    line = run(workload_rows(), workloads=[wl_claim()], billed=billed).lines[0]
    assert line.status == caps.PROVISIONAL and line.unbilled_months == (date(2025, 1, 1),)
    assert line.credit == D("150.01")  # the amount known so far


# --- Caps ----------------------------------------------------------------------------------------


def candidate(key, amount, *, month=10, day=1, tenant="t", group="", complete=True, cap="10000"):
    return caps.Candidate(
        key=(key,),
        booking_month=date(2024, month, 1),
        first_usage=date(2024, month, day),
        tenant_id=tenant,
        service_group=group,
        consumption=D(amount),
        line_cap=D(cap),
        complete=complete,
    )


def test_the_line_that_crosses_the_cap_gets_the_remainder_and_later_lines_nothing():
    lines = caps.apply_caps(
        [
            candidate("late", "500", month=12),
            candidate("b", "9000", day=9),
            candidate("a", "12000", day=3),  # own cap: 10 000, stays final
            candidate("cross", "7000", month=11),
        ],
        D(20000),
    )
    assert [(ln.key[0], ln.credit, ln.status) for ln in lines] == [
        ("a", D("10000.00"), caps.FINAL),
        ("b", D("9000.00"), caps.FINAL),
        ("cross", D("1000.00"), caps.CAPPED),
        ("late", D("0.00"), caps.CAPPED),
    ]
    assert lines[0].line_capped and not lines[0].partner_capped
    assert lines[2].partner_cap_left_before == D("1000.00")


def test_ties_are_served_by_customer_id_then_service_group():
    lines = caps.apply_caps(
        [
            candidate("3", "60", tenant="b", group="security"),
            candidate("2", "60", tenant="a", group="security"),
            candidate("1", "60", tenant="a", group="databases"),
        ],
        D(100),
    )
    assert [(ln.key[0], ln.credit) for ln in lines] == [("1", D(60)), ("2", D(40)), ("3", D(0))]


def test_reaching_the_cap_exactly_is_not_capped_and_zero_lines_are_not_reduced():
    lines = caps.apply_caps(
        [candidate("a", "100"), candidate("b", "0", month=11), candidate("c", "-5", month=11)],
        D(100),
    )
    assert [(ln.credit, ln.status) for ln in lines] == [
        (D("100.00"), caps.FINAL),
        (D("0.00"), caps.FINAL),
        (D("0.00"), caps.FINAL),
    ]


def test_money_kept_outside_the_serving_comes_off_the_partner_cap_first():
    lines = caps.apply_caps(
        [candidate("a", "8000"), candidate("b", "9000", month=11)], D(30000), reserved=D(15000)
    )
    assert [(ln.credit, ln.status) for ln in lines] == [
        (D("8000.00"), caps.FINAL),
        (D("7000.00"), caps.CAPPED),
    ]
    assert lines[1].partner_cap == D("30000.00")
    assert lines[1].partner_cap_left_before == D("7000.00")
    # More kept than the cap: nothing left, never a negative credit.
    over = caps.apply_caps([candidate("a", "8000")], D(100), reserved=D(250))
    assert [(ln.credit, ln.status) for ln in over] == [(D("0.00"), caps.CAPPED)]


def test_provisional_wins_over_capped_and_uses_the_cap():
    lines = caps.apply_caps(
        [candidate("a", "80", complete=False), candidate("b", "80", month=11)], D(100)
    )
    assert [(ln.credit, ln.status) for ln in lines] == [
        (D("80.00"), caps.PROVISIONAL),
        (D("20.00"), caps.CAPPED),
    ]


def test_rounding_is_half_up_once():
    assert caps.round_cents(D("0.005")) == D("0.01")
    assert caps.round_cents(D("-0.005")) == D("-0.01")
    assert caps.round_cents(D("2.00499999")) == D("2.00")


# --- Lines on issued credit notes (SPEC 2: issued money never changes by itself) ----------------


def three_customers_and_a_late_claim():
    """Customers t-a, t-b, t-c booked October to December with 10,000 € each in their free
    month: exactly the partner cap of 30,000 €; t-0 booked in September, claimed later."""
    rows, claims = [], []
    for tenant, month in (("t-0", 9), ("t-a", 10), ("t-b", 11), ("t-c", 12)):
        ent = tenant + "-sub"
        rows += [
            row(date(2024, month, 2), "1", tenant=tenant, ent=ent),
            row(rules.add_months(date(2024, month, 1), 1), "10000", tenant=tenant, ent=ent),
        ]
        claims.append(new_claim(claim_id=len(claims) + 1, tenant_id=tenant, entitlement_id=ent))
    return rows, claims


def pins_of(result):
    return {line.key: rules.Pin(line.credit, line.consumption) for line in result.lines}


def test_a_line_on_a_note_keeps_its_amount_when_an_earlier_line_is_approved_later():
    rows, claims = three_customers_and_a_late_claim()
    issued = run(rows, claims[1:])  # t-0's claim is not approved yet
    assert [line.credit for line in issued.lines] == [D("10000.00")] * 3

    later = rules.credits_for(
        period=PERIOD,
        rates=RATES,
        facts=rules.facts_from_rows(rows),
        billed_months=ALL_MONTHS,
        new_customer_claims=claims,
        pins=pins_of(issued),
    )

    got = {line.tenant_id: (line.credit, line.status, line.pinned) for line in later.lines}
    # Served first by booking month, t-0 would take 10,000 € from t-c; the issued lines keep
    # theirs and t-0 gets what the cap has left: nothing.
    assert got == {
        "t-0": (D("0.00"), caps.CAPPED, False),
        "t-a": (D("10000.00"), caps.FINAL, True),
        "t-b": (D("10000.00"), caps.FINAL, True),
        "t-c": (D("10000.00"), caps.FINAL, True),
    }


def test_money_of_a_noted_line_no_longer_eligible_still_uses_the_partner_cap():
    rows, claims = three_customers_and_a_late_claim()
    issued = run(rows, claims[1:])
    revoked_b = [c for c in claims if c.tenant_id != "t-b"]  # t-b's claim revoked: kept outside

    later = rules.credits_for(
        period=PERIOD,
        rates=RATES,
        facts=rules.facts_from_rows(rows),
        billed_months=ALL_MONTHS,
        new_customer_claims=revoked_b,
        pins=pins_of(issued),
    )

    got = {line.tenant_id: line.credit for line in later.lines}
    assert got == {"t-0": D("0.00"), "t-a": D("10000.00"), "t-c": D("10000.00")}


def test_a_changed_consumption_serves_a_noted_line_again():
    rows, claims = three_customers_and_a_late_claim()
    issued = run(rows, claims[1:])
    corrected = [r for r in rows if not (r.tenant_id == "t-b" and r.eur == D("10000"))]
    corrected.append(row(date(2024, 12, 1), "7500.25", tenant="t-b", ent="t-b-sub"))

    later = rules.credits_for(
        period=PERIOD,
        rates=RATES,
        facts=rules.facts_from_rows(corrected),
        billed_months=ALL_MONTHS,
        new_customer_claims=claims[1:],
        pins=pins_of(issued),
    )

    got = {line.tenant_id: (line.credit, line.pinned) for line in later.lines}
    assert got == {
        "t-a": (D("10000.00"), True),
        "t-b": (D("7500.25"), False),  # its own month was corrected: a correction follows
        "t-c": (D("10000.00"), True),
    }


def test_a_noted_line_reduced_by_the_partner_cap_stays_capped_at_its_amount():
    rows = [
        row(date(2024, 10, 2), "1", tenant="t-a", ent="a"),
        row(date(2024, 11, 2), "800", tenant="t-a", ent="a"),
    ]
    claim = new_claim(tenant_id="t-a", entitlement_id="a")
    pinned = rules.credits_for(
        period=PERIOD,
        rates=RATES,
        facts=rules.facts_from_rows(rows),
        billed_months=ALL_MONTHS,
        new_customer_claims=[claim],
        pins={(1, "t-a", rules.NEW_CUSTOMER, ""): rules.Pin(D("300.00"), D("800.00"))},
    )
    (line,) = pinned.lines
    assert (line.credit, line.status, line.partner_capped) == (D("300.00"), caps.CAPPED, True)
