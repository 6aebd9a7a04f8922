"""Races on purpose: calls released at the same moment, each on its own database connection.
PostgreSQL only (SQLite serialises writers on the whole file, so there is no race to lose)."""

import threading

from django.db import connections
from django.utils import translation


def at_once(*calls) -> list[object]:
    """Run each call in its own thread (so on its own database connection), all released by one
    barrier; returns per call its result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def work(i: int) -> None:
        try:
            with translation.override("en"):
                barrier.wait(timeout=10)
                results[i] = calls[i]()
        except Exception as exc:  # reported to the main thread, asserted there
            results[i] = exc
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a thread hung (deadlock?)"
    return results
