"""Input cleaning and JSON-safe output shared by every analysis module.

Answers reach the analysis layer as numpy arrays or plain sequences in which a missing answer is
``None`` or ``np.nan``. These helpers turn them into clean float arrays and turn results back into
plain JSON types, so a ``to_dict()`` output never carries ``NaN``, ``inf`` or numpy scalars.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

CONFIDENCE = 0.95


def is_missing(value: Any) -> bool:
    """True for ``None``, ``NaN`` and the empty string: the ways an unanswered question arrives."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return isinstance(value, str) and value.strip() == ""


#: For each code point up to the last white-space one, whether ``str.isspace`` accepts it.
_SPACE = np.array([chr(c).isspace() for c in range(0x3001)], dtype=bool)


def blank_text(values: np.ndarray) -> np.ndarray:
    """Where a text array (numpy ``str`` dtype) holds "" or only white space.

    The same as ``np.char.strip(values) == ""``, but only answers that start with white space
    are stripped: a large array of choice values is checked without copying every string.
    """
    blank = values == ""
    if values.dtype.itemsize == 0 or not len(values):
        return blank
    first = np.ascontiguousarray(values).view(np.uint32).reshape(len(values), -1)[:, 0]
    maybe = _SPACE[np.minimum(first, len(_SPACE) - 1)] & (first < len(_SPACE)) & ~blank
    if maybe.any():
        blank[maybe] = np.char.strip(values[maybe]) == ""
    return blank


#: Distinct answers found one by one before :func:`text_counts` lets np.unique sort the rest.
_PEEL_AT_MOST = 24


def text_counts(values: np.ndarray) -> dict[str, int]:
    """How often each distinct string of a text array occurs, in first-seen order.

    Survey answers are a few distinct choice values, so each is found and counted with one
    vectorised comparison over the answers not yet matched, where sorting every string (what
    np.unique does) is slow; after many distinct values, np.unique counts the rest.
    """
    counts: dict[str, int] = {}
    rest = values
    while len(rest):
        if len(counts) >= _PEEL_AT_MOST:
            found, first, found_counts = np.unique(rest, return_index=True, return_counts=True)
            for i in np.argsort(first):
                counts[str(found[i])] = int(found_counts[i])
            break
        value = rest[0]
        same = rest == value
        counts[str(value)] = int(np.count_nonzero(same))
        rest = rest[~same]
    return counts


def ranked_texts(texts: Iterable[str | None]) -> list[tuple[str, int]]:
    """Each different text (white space trimmed, blanks left out) with how many gave it, the
    most often given first and ties in the order first given."""
    given = [text.strip() for text in texts if text and text.strip()]
    counts = text_counts(np.array(given, dtype=str)) if given else {}
    return sorted(counts.items(), key=lambda item: -item[1])


#: Whole-number answers spanning at most this many values are counted with ``np.bincount``.
TALLY_SPAN = 4096


def tally(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_counts=True)``: the distinct values, ascending, and how often
    each occurs; the same arrays, of the same type.

    Survey answers are mostly whole numbers over a short range (a five-point item, a 0-10
    rating, a count of visits), and those are counted in one pass, without the sort that
    ``np.unique`` needs; anything else (fractions, a wide range, NaN, text) goes to it.
    """
    values = np.asarray(values)
    if values.ndim == 1 and values.size and values.dtype.kind in "fiu":
        low, high = values.min(), values.max()
        # The span in floats: integers near the type's limits must not wrap around.
        if np.isfinite(low) and np.isfinite(high) and float(high) - float(low) <= TALLY_SPAN:
            shifted = values - low
            steps = shifted.astype(np.int64)
            if np.array_equal(steps, shifted):
                counts = np.bincount(steps)
                present = np.flatnonzero(counts)
                return (present + low).astype(values.dtype), counts[present]
    return np.unique(values, return_counts=True)


def as_float_array(values: Iterable[Any] | np.ndarray) -> np.ndarray:
    """Return the answers as a 1-D float array, ``NaN`` marking missing or non-numeric answers."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        # Already numeric (the loaders' arrays): vectorised, infinities become missing.
        array = values.astype(float).ravel()
        return np.where(np.isfinite(array), array, math.nan)
    out: list[float] = []
    for value in np.asarray(values, dtype=object).ravel():
        if is_missing(value):
            out.append(math.nan)
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        out.append(number if math.isfinite(number) else math.nan)
    return np.asarray(out, dtype=float)


def finite(values: Iterable[Any] | np.ndarray) -> np.ndarray:
    """Return only the finite numbers: the answers a statistic is computed on."""
    array = as_float_array(values)
    return array[np.isfinite(array)]


def json_number(value: Any) -> float | int | None:
    """A plain Python number, or ``None`` for a missing, infinite or undefined value."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, int | np.integer):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def json_safe(value: Any) -> Any:
    """Recursively convert results to JSON types: numbers without NaN, lists, dicts and strings."""
    # The plain types a results structure is mostly made of, recognised by their exact type
    # first (a large evaluation's results hold tens of thousands of them).
    kind = type(value)
    if kind is dict:
        return {str(key): json_safe(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [json_safe(item) for item in value]
    if kind is str or value is None or kind is bool or kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return json_number(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return [json_safe(item) for item in value.tolist()]
    if isinstance(value, Sequence | set | frozenset):
        return [json_safe(item) for item in value]
    return str(value)


def split_by(
    values: Sequence[Any] | np.ndarray, labels: Sequence[Hashable] | np.ndarray
) -> dict[Hashable, np.ndarray]:
    """Split answers by a parallel sequence of group or wave labels, keeping first-seen order.

    Respondents whose label is missing are left out: they belong to no group. The arrays keep the
    original values (``dtype=object`` for text), so categorical answers survive the split.
    """
    array = np.asarray(values, dtype=object)
    label_list = list(labels)
    if len(label_list) != len(array):
        raise ValueError(
            f"values and labels differ in length ({len(array)} answers, {len(label_list)} labels)"
        )
    groups: dict[Hashable, list[int]] = {}
    for index, label in enumerate(label_list):
        if is_missing(label):
            continue
        groups.setdefault(label, []).append(index)
    return {label: array[indexes] for label, indexes in groups.items()}
