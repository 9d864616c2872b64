"""Run independent pieces of one computation on several threads.

The statistics for one question, or one outcome, are independent of every other's and spend
most of their time in numpy and scipy, which let go of Python's interpreter lock while they sort,
rank and count large arrays. So on a machine with more than one core a large evaluation's
results are computed in a fraction of the time, with the same numbers: each piece writes only to
its own entry, and the pieces are put back in their order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: Threads at most (the machine's cores, up to this many).
MAX_THREADS = 4


def threads() -> int:
    return max(1, min(MAX_THREADS, os.cpu_count() or 1))


def map_in_threads(function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """``[function(item) for item in items]``, on up to :func:`threads` threads; an exception
    in any piece is raised here, as the plain loop would raise it."""
    items = list(items)
    workers = min(threads(), len(items))
    if workers <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(workers, thread_name_prefix="statistics") as pool:
        return list(pool.map(function, items))
