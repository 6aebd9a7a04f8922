"""The rules of challenge points, as pure functions (no Django): "counted at most", the automatic
first-customer bonus, and the ledger arithmetic. Services call these under row locks; hypothesis
tests hammer them (tests/challenges/test_rules.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass

PER_PARTNER = "per_partner"
PER_CUSTOMER = "per_customer"
PARTNER_KEY = "partner"

ACADEMY_CODE = "academy"
BONUS_CODE = "first_customer_bonus"
NEW_CUSTOMER_CODE = "new_customer"
BANT = ("budget", "authority", "need", "time")


class RuleBroken(Exception):
    """A claim that a rule refuses; the message is for the partner or the reviewer."""


@dataclass(frozen=True)
class ChallengeRule:
    code: str
    points: int
    counted_at_most: str  # PER_PARTNER | PER_CUSTOMER
    automatic: bool = False
    needs_customer: bool = True


@dataclass(frozen=True)
class Entry:
    """One ledger entry: points granted (+) or taken back (-)."""

    partner_id: int
    code: str
    points: int


def count_key(rule: ChallengeRule, customer_id: int | None) -> str:
    """What "counted at most" counts: the partner (one-time) or the end customer (recurring)."""
    if rule.counted_at_most == PER_PARTNER:
        return PARTNER_KEY
    if customer_id is None:
        raise RuleBroken(f"{rule.code} needs an end customer.")
    return f"customer:{customer_id}"


def check_countable(rule: ChallengeRule, key: str, counted: Iterable[str]) -> None:
    """Refuse a claim whose (challenge, key) has already been counted for the partner."""
    if rule.automatic:
        raise RuleBroken(f"{rule.code} is granted automatically and cannot be claimed.")
    if key in set(counted):
        if key == PARTNER_KEY:
            raise RuleBroken(f"{rule.code} counts once per partner and season, and has counted.")
        raise RuleBroken(f"{rule.code} counts once per end customer, and has counted for this one.")


def check_bant(confirmed: dict[str, bool]) -> None:
    missing = [criterion for criterion in BANT if not confirmed.get(criterion)]
    if missing:
        raise RuleBroken("All four BANT criteria must be confirmed; missing: " + ", ".join(missing))


def bonus_change(approved_new_customers: int, bonus_points_held: int, bonus_points: int) -> int:
    """Points to book for the first-customer bonus so that it is held exactly while at least one
    `new_customer` claim is approved: +bonus, -bonus, or 0."""
    due = bonus_points if approved_new_customers > 0 else 0
    return due - bonus_points_held


def ledger_total(entries: Iterable[Entry], partner_id: int) -> int:
    return sum(e.points for e in entries if e.partner_id == partner_id)
