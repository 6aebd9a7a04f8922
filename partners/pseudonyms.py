"""Pseudonym numbers: random, unique within a season, never the registration order (terms 3.1)."""

import random
from collections.abc import Collection

_system_random = random.SystemRandom()


def pseudonym_pool_size(taken: int) -> int:
    # Small numbers read well ("Partner 9"); the pool stays at least three times the number of
    # pseudonyms handed out, so the next draw is never predictable from the order of approvals.
    return max(99, 3 * (taken + 1))


def pseudonym_draw(used: Collection[int], rng: random.Random | None = None) -> int:
    rng = rng or _system_random
    size = pseudonym_pool_size(len(used))
    free = [n for n in range(1, size + 1) if n not in used]
    return rng.choice(free)
