"""What moves a partner up its league table (SPEC section 4), as pure functions (no Django).

The table orders by points, then new end customers, then the earlier moment a partner reached its
points. Points gained now are reached later than anybody else's, so a partner passes another only
with more points, or with equal points and more new end customers.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    rank: int
    points: int
    new_customers: int


def passes(own: Place, other: Place, points: int, new_customers: int = 0) -> bool:
    """Would `own`, after gaining `points` (and `new_customers`) now, rank above `other`?"""
    total = own.points + points
    customers = own.new_customers + new_customers
    return total > other.points or (total == other.points and customers > other.new_customers)


def points_to_pass(own: Place, other: Place) -> int:
    """The fewest points (without a new end customer) that put `own` above `other`."""
    if own.rank < other.rank:
        return 0
    return other.points - own.points + (0 if own.new_customers > other.new_customers else 1)


@dataclass(frozen=True)
class Option:
    """A challenge the partner can still claim.

    `customers` names its own end customers for which the challenge has not counted yet;
    `needs_new_customer` says that none is left and it takes an end customer not reported yet.
    `points` includes the first-customer `bonus` that a first new end customer would bring.
    """

    code: str
    title: str
    points: int
    new_customers: int = 0
    customers: tuple[str, ...] = ()
    needs_new_customer: bool = False
    bonus: int = 0


@dataclass(frozen=True)
class Suggestion:
    option: Option
    passes_next: bool
    passes_first: bool


def suggestions(
    options: Iterable[Option], own: Place, next_place: Place | None, first: Place | None
) -> list[Suggestion]:
    """The options, most points first, each marked with whether it alone passes the next place
    and the first place."""
    result = [
        Suggestion(
            option=option,
            passes_next=next_place is not None
            and passes(own, next_place, option.points, option.new_customers),
            passes_first=first is not None
            and first.rank < own.rank
            and passes(own, first, option.points, option.new_customers),
        )
        for option in options
    ]
    result.sort(key=lambda s: (-s.option.points, s.option.needs_new_customer, s.option.code))
    return result
