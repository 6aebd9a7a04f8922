"""The pure rules of the partner's view (league.standings) and the chart geometry (league.charts),
without a database."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from league import charts, standings
from league.standings import Option, Place

points = st.integers(min_value=0, max_value=5_000)
customers = st.integers(min_value=0, max_value=20)


@st.composite
def two_places(draw):
    """`own` ranked directly below `other`, as the table orders them."""
    a = (draw(points), draw(customers))
    b = (draw(points), draw(customers))
    high, low = sorted([a, b], key=lambda p: (-p[0], -p[1]))
    return Place(2, *low), Place(1, *high)


@given(two_places())
def test_points_to_pass_is_the_least_that_passes(places):
    own, other = places
    needed = standings.points_to_pass(own, other)
    assert needed >= 1 or own.new_customers > other.new_customers
    assert standings.passes(own, other, needed)
    assert not standings.passes(own, other, needed - 1)


@given(two_places())
def test_a_new_end_customer_can_decide_a_tie_in_points(places):
    own, other = places
    gap = other.points - own.points
    with_customer = standings.passes(own, other, gap, new_customers=1)
    assert with_customer == (own.new_customers + 1 > other.new_customers)


def test_suggestions_are_sorted_and_marked():
    own, above, first = Place(3, 300, 1), Place(2, 380, 1), Place(1, 900, 4)
    options = [
        Option("sql_lead", "Lead", 20, customers=("Bäckerei Huber KG",)),
        Option("presales_sizing", "Sizing", 100, customers=("Bäckerei Huber KG",)),
        Option("new_customer", "Neuer Endkunde", 200, new_customers=1, needs_new_customer=True),
        Option("svc_security", "Security", 200, customers=("Müller AG",)),
    ]
    result = standings.suggestions(options, own, above, first)
    assert [s.option.code for s in result] == [
        "svc_security",
        "new_customer",
        "presales_sizing",
        "sql_lead",
    ]
    marks = {s.option.code: (s.passes_next, s.passes_first) for s in result}
    assert marks == {
        "svc_security": (True, False),
        "new_customer": (True, False),
        "presales_sizing": (True, False),  # 400 > 380
        "sql_lead": (False, False),
    }


def test_the_leader_has_nobody_to_pass():
    leader = Place(1, 500, 2)
    result = standings.suggestions([Option("sql_lead", "Lead", 20)], leader, None, None)
    assert [(s.passes_next, s.passes_first) for s in result] == [(False, False)]


def test_running_total_steps_and_axes():
    chart = charts.running_total(
        [(date(2024, 9, 10), 50), (date(2024, 10, 1), 200), (date(2024, 10, 1), -50)],
        date(2024, 9, 1),
        date(2025, 5, 31),
        until=date(2024, 12, 1),
    )
    assert chart.total == 200 and not chart.empty
    assert [tick.value for tick in chart.y_ticks] == [0, 50, 100, 150, 200]
    assert charts.nice_ceiling(920) == (1000, 200)
    assert [tick.value for tick in chart.x_ticks][:2] == [date(2024, 9, 1), date(2024, 10, 1)]
    assert len(chart.x_ticks) == 9
    xs = [float(point.split(",")[0]) for point in chart.line.split()]
    assert xs == sorted(xs) and xs[0] == chart.left
    assert xs[-1] < chart.right  # drawn up to `until`, not to the season's end
    assert float(chart.line.split()[-1].split(",")[1]) == chart.top  # 200 is the axis maximum


def test_running_total_without_changes_is_an_empty_flat_line():
    chart = charts.running_total([], date(2024, 9, 1), date(2025, 5, 31), until=date(2025, 1, 1))
    assert chart.empty and chart.total == 0
    assert {point.split(",")[1] for point in chart.line.split()} == {str(float(chart.bottom))}


@given(st.integers(min_value=0, max_value=10**7))
def test_nice_ceiling_covers_the_value_in_at_most_five_round_steps(value):
    top, step = charts.nice_ceiling(value)
    assert top >= value and top % step == 0 and top // step <= 5
    assert top - step < value or value == 0
    assert str(step).rstrip("0") in {"1", "2", "5"}
