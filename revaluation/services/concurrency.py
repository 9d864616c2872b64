"""Run independent pieces of one computation on several threads.

The statistics for one question, or one outcome, are independent of every other's and spend
much of their time in numpy and scipy, which let go of Python's interpreter lock while they
sort, rank and count large arrays. So on a machine with more than one core a large evaluation's
results are computed in less time, with the same numbers: each piece returns its own entry, and
the entries are put back in their order by the thread that asked for them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: Threads at most (the machine's cores, up to this many).
MAX_THREADS = 4


def threads() -> int:
    return max(1, min(MAX_THREADS, os.cpu_count() or 1))


class Inline(Executor):
    """Runs each piece at once, in the calling thread (one core, or one thread allowed)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


@contextmanager
def statistics_threads() -> Iterator[Executor]:
    """Threads for the pieces of one computation, closed (after every piece) on leaving."""
    workers = threads()
    if workers <= 1:
        yield Inline()
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="statistics") as pool:
        yield pool


def map_in_threads(function: Callable[[Item], Result], items: Iterable[Item],
                   pool: Executor | None = None) -> list[Result]:
    """``[function(item) for item in items]``, on ``pool`` (or threads of its own); an exception
    in any piece is raised here, as the plain loop would raise it."""
    items = list(items)
    if pool is not None:
        return [future.result() for future in [pool.submit(function, item) for item in items]]
    if min(threads(), len(items)) <= 1:
        return [function(item) for item in items]
    with statistics_threads() as own:
        return map_in_threads(function, items, own)
