"""Per-question summaries: counts, missing and non-substantive answers, distributions, centre.

Each function takes the answers of one question in one wave/group (use :func:`describe_by` to
split by group or wave labels) and returns a :class:`QuestionSummary` whose ``to_dict()`` is
already small-cell suppressed. Percentages are of the substantive answers (non-substantive answers
such as "Don't know" and missing answers are counted separately and excluded from the base).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .intervals import Estimate, guarded, mean_ci, median_ci, proportion_ci
from .suppression import SMALL_CELL_THRESHOLD, public_count, suppress_counts, suppression_reason
from .values import (
    as_float_array,
    blank_text,
    is_missing,
    json_number,
    split_by,
    tally,
    text_counts,
)


@dataclass(frozen=True)
class CategoryCount:
    """One row of a distribution: a value, its label, how many chose it and what share."""

    value: str
    label: str | None
    count: int
    proportion: Estimate
    suppressed: bool = False

    def to_dict(self) -> dict[str, Any]:
        hidden = self.suppressed
        share = self.proportion.value
        return {
            "value": self.value,
            "label": self.label,
            "count": None if hidden else self.count,
            "percent": None if hidden or share is None else 100 * share,
            "proportion": self.proportion.to_dict(),
            "suppressed": hidden,
        }


@dataclass(frozen=True)
class QuestionSummary:
    """Summary of one question's answers; see the module docstring for the bases used."""

    kind: str
    n: int
    missing: int
    nonsubstantive: int
    distribution: tuple[CategoryCount, ...]
    mean: Estimate | None
    median: Estimate | None
    sd: float | None
    threshold: int
    reason: str | None = None
    hidden_counts: tuple[bool, bool] = (False, False)  # (nonsubstantive, missing) hidden

    def to_dict(self) -> dict[str, Any]:
        small = public_count(self.n, self.threshold) is None
        return {
            "kind": self.kind,
            "n": public_count(self.n, self.threshold),
            "missing": None if self.hidden_counts[1] else self.missing,
            "nonsubstantive": None if self.hidden_counts[0] else self.nonsubstantive,
            "distribution": [row.to_dict() for row in self.distribution],
            "mean": self.mean.to_dict() if self.mean else None,
            "median": self.median.to_dict() if self.median else None,
            "sd": None if small else json_number(self.sd),
            "threshold": self.threshold,
            "suppressed": small,
            "reason": suppression_reason(self.threshold) if small else self.reason,
        }


def _split_answers(
    values: Sequence[Any] | np.ndarray, nonsubstantive: Collection[Any]
) -> tuple[list[Any], int, int]:
    """Return (substantive answers, missing count, non-substantive count).

    Loaders' arrays take a vectorised path: float arrays with ``NaN`` for missing, and text
    arrays (numpy ``str`` dtype) with ``""`` for missing.
    """
    codes = {str(code) for code in nonsubstantive}
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        blank = np.isnan(values)
        return values[~blank], int(blank.sum()), 0
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        blank = blank_text(values)
        flagged = np.isin(values, list(codes)) if codes else np.zeros(len(values), dtype=bool)
        return values[~blank & ~flagged], int(blank.sum()), int(flagged.sum())
    kept: list[Any] = []
    missing = ns = 0
    for value in np.asarray(values, dtype=object).ravel():
        if is_missing(value):
            missing += 1
        elif str(value) in codes:
            ns += 1
        else:
            kept.append(value)
    return kept, missing, ns


def _distribution(
    keys: list[str],
    labels: dict[str, str | None],
    counts: list[int],
    ns: int,
    missing: int,
    threshold: int,
) -> tuple[tuple[CategoryCount, ...], tuple[bool, bool]]:
    """Rows with proportions of the substantive base, hidden by the 1-D suppression rule."""
    n = sum(counts)
    mask = suppress_counts([*counts, ns, missing], threshold)
    rows = []
    for index, (key, count) in enumerate(zip(keys, counts, strict=True)):
        hidden = bool(mask[index]) or public_count(n, threshold) is None
        share = guarded(proportion_ci(count, n), n, threshold)
        rows.append(
            CategoryCount(
                key, labels.get(key), count, share.hidden(threshold) if hidden else share, hidden
            )
        )
    return tuple(rows), (bool(mask[-2]), bool(mask[-1]))


def _centre(numbers: np.ndarray, threshold: int) -> tuple[Estimate, Estimate, float | None]:
    n = len(numbers)
    sd = float(np.std(numbers, ddof=1)) if n >= 2 else None
    return guarded(mean_ci(numbers), n, threshold), guarded(median_ci(numbers), n, threshold), sd


def _no_answer_reason(n: int) -> str | None:
    return "no substantive answers" if n == 0 else None


def describe_numeric(
    values: Sequence[Any] | np.ndarray,
    *,
    scale_points: Sequence[float] | None = None,
    nonsubstantive: Collection[Any] = (),
    nonsubstantive_count: int = 0,
    threshold: int = SMALL_CELL_THRESHOLD,
) -> QuestionSummary:
    """Summarise a number or rating question: mean (t CI), median (exact CI), SD.

    ``nonsubstantive_count`` adds non-substantive answers the caller already took out of
    ``values`` (loaders keep them as missing in numeric arrays and count them separately).

    With ``scale_points`` (e.g. 0..10 for a rating) the distribution counts each point; answers
    off the scale are counted under their own value. Text that is not a number (and not a
    non-substantive code) counts as missing.
    """
    kept, missing, ns = _split_answers(values, nonsubstantive)
    missing, ns = missing - nonsubstantive_count, ns + nonsubstantive_count
    numbers = as_float_array(kept)
    missing += int(np.isnan(numbers).sum())
    numbers = numbers[np.isfinite(numbers)]
    distribution: tuple[CategoryCount, ...] = ()
    hidden = (False, False)
    if scale_points is not None:
        points = [float(point) for point in scale_points]
        found, found_counts = tally(numbers)
        seen = dict(zip(found.tolist(), found_counts.tolist(), strict=True))
        extra = sorted(set(seen) - set(points))
        keys = [_format_number(point) for point in [*points, *extra]]
        counts = [int(seen.get(point, 0)) for point in [*points, *extra]]
        distribution, hidden = _distribution(keys, {}, counts, ns, missing, threshold)
    else:
        hidden = tuple(bool(x) for x in suppress_counts([len(numbers), ns, missing], threshold)[1:])
    mean, median, sd = _centre(numbers, threshold)
    return QuestionSummary(
        "numeric",
        len(numbers),
        missing,
        ns,
        distribution,
        mean,
        median,
        sd,
        threshold,
        _no_answer_reason(len(numbers)),
        hidden,
    )


def _ordinal_numbers(kept: np.ndarray, hits: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Numeric choice values of a text array; all ``NaN`` when any value is not a number.

    Each distinct value is parsed once (a Likert item has a handful), not each answer; ``hits``
    (value -> where it was answered, from :func:`_text_tally`) saves finding them again.
    """
    if hits is None:
        distinct, where = np.unique(kept, return_inverse=True)
        try:
            return distinct.astype(float)[where.reshape(-1)]
        except ValueError:
            return np.full(len(kept), np.nan)
    try:
        numbers = {value: float(value) for value in hits}
    except ValueError:
        return np.full(len(kept), np.nan)
    if kept.dtype.itemsize == 4 and kept.flags.c_contiguous and len(kept):
        # One-character answers: each code point looked up in a small table.
        points = kept.view(np.uint32)
        table = np.full(int(points.max()) + 1, np.nan)
        for value, number in numbers.items():
            table[ord(value)] = number
        return table[points]
    out = np.empty(len(kept))
    for value, where in hits.items():
        out[where] = numbers[value]
    return out


def _text_tally(kept: np.ndarray, keys: Sequence[str]) -> tuple[dict[str, int],
                                                                dict[str, np.ndarray]]:
    """(count per answer, where each answer is) of a text array: the known choices found by
    comparison (a few fast passes, where sorting 100,000 strings is slow), anything else
    counted as np.unique finds it. Answers other than the choices come in first-seen order."""
    tally: dict[str, int] = {}
    hits: dict[str, np.ndarray] = {}
    matched = np.zeros(len(kept), dtype=bool)
    # One-character answers (a five-point item's "1".."5") compared as code points.
    points = kept.view(np.uint32) if kept.dtype.itemsize == 4 and kept.flags.c_contiguous \
        else None
    for key in dict.fromkeys(keys):
        where = points == ord(key) if points is not None and len(key) == 1 else kept == key
        count = int(np.count_nonzero(where))
        if count:
            tally[key], hits[key] = count, where
            matched |= where
    rest = kept[~matched]
    for value, count in text_counts(rest).items():
        tally[value] = count
        hits[value] = kept == value
    return tally, hits


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def describe_categorical(
    values: Sequence[Any] | np.ndarray,
    choices: Sequence[tuple[str, str | None]] = (),
    *,
    nonsubstantive: Collection[Any] = (),
    nonsubstantive_count: int = 0,
    ordinal: bool = False,
    threshold: int = SMALL_CELL_THRESHOLD,
) -> QuestionSummary:
    """Summarise a single-choice or Likert question as a distribution over its choices.

    ``choices`` are (value, label) pairs in display order; answers with other values are listed
    after them. With ``ordinal=True`` and numeric choice values (a Likert item), the mean and
    median of the values are reported as well; otherwise they are ``None``.
    ``nonsubstantive_count`` is as in :func:`describe_numeric`.
    """
    kept, missing, ns = _split_answers(values, nonsubstantive)
    missing, ns = missing - nonsubstantive_count, ns + nonsubstantive_count
    text_array = isinstance(kept, np.ndarray) and kept.dtype.kind == "U"
    hits = None
    if text_array:
        tally, hits = _text_tally(kept, [str(value) for value, _ in choices])
        answered = len(kept)
    else:
        answers = [str(value) for value in kept]
        tally = Counter(answers)
        answered = len(answers)
    numbers = None
    if ordinal:
        numbers = _ordinal_numbers(kept, hits) if text_array else as_float_array(answers)
    return _categorical(tally, answered, missing, ns, numbers, choices, threshold)


def _categorical(tally: Mapping[str, int], answered: int, missing: int, ns: int,
                 numbers: np.ndarray | None, choices: Sequence[tuple[str, str | None]],
                 threshold: int) -> QuestionSummary:
    """The summary of a single-choice question from its counts (answers other than the
    choices in first-seen order) and, for an ordered one, the answers' numbers in order."""
    keys = [str(value) for value, _ in choices]
    labels = {str(value): label for value, label in choices}
    keys += [answer for answer in tally if answer not in labels]
    counts = [tally.get(key, 0) for key in keys]
    distribution, hidden = _distribution(keys, labels, counts, ns, missing, threshold)
    mean = median = None
    sd = None
    reason = _no_answer_reason(answered)
    if numbers is not None:
        if np.isnan(numbers).any():
            reason = reason or "answers are not numeric, so no mean or median is given"
        else:
            mean, median, sd = _centre(numbers, threshold)
    return QuestionSummary(
        "categorical",
        answered,
        missing,
        ns,
        distribution,
        mean,
        median,
        sd,
        threshold,
        reason,
        hidden,
    )


def describe_coded(
    codes: np.ndarray,
    vocabulary: Sequence[str] | np.ndarray,
    choices: Sequence[tuple[str, str | None]] = (),
    *,
    nonsubstantive_count: int = 0,
    ordinal: bool = False,
    threshold: int = SMALL_CELL_THRESHOLD,
) -> QuestionSummary:
    """:func:`describe_categorical` of the answers ``vocabulary[codes]`` (a code below 0 or a
    blank word is no answer), counted from the codes: the same summary, without comparing
    every answer's text."""
    words = [str(word) for word in (vocabulary.tolist() if isinstance(vocabulary, np.ndarray)
                                    else vocabulary)]
    codes = np.asarray(codes).astype(np.int64, copy=False)
    blank = np.array([word.strip() == "" for word in words] + [True], dtype=bool)
    position = np.where(codes < 0, len(words), codes)  # "no code" counted with the blanks
    counts = np.bincount(position, minlength=len(words) + 1)
    missing = int(counts[blank].sum()) - nonsubstantive_count
    ns = nonsubstantive_count
    answered = int(len(codes) - counts[blank].sum())
    known = {str(value) for value, _ in choices}
    tally: dict[str, int] = {}
    extras = []
    for index, word in enumerate(words):
        if counts[index] and not blank[index]:
            if word in known:
                tally[word] = int(counts[index])
            else:
                extras.append((int(np.argmax(position == index)), word, int(counts[index])))
    for _first, word, count in sorted(extras):  # other answers in first-seen order
        tally[word] = count
    numbers = None
    if ordinal:
        table = np.full(len(words) + 1, np.nan)
        try:
            for index, word in enumerate(words):
                if counts[index] and not blank[index]:
                    table[index] = float(word)
            kept = position[~blank[position]]
            numbers = table[kept]
        except ValueError:
            numbers = np.full(answered, np.nan)
    return _categorical(tally, answered, missing, ns, numbers, choices, threshold)


def describe_multiple(
    values: Sequence[Any],
    choices: Sequence[tuple[str, str | None]] = (),
    *,
    nonsubstantive: Collection[Any] = (),
    nonsubstantive_count: int = 0,
    threshold: int = SMALL_CELL_THRESHOLD,
) -> QuestionSummary:
    """Summarise a multiple-choice question: for each option, the share of respondents choosing it.

    Each answer is a list of chosen values (``None`` or an empty list is missing). A respondent
    whose only choices are non-substantive counts as non-substantive. Options are not additive,
    so only primary suppression applies to them. ``nonsubstantive_count`` is as in
    :func:`describe_numeric`.
    """
    codes = {str(code) for code in nonsubstantive}
    selections: list[set[str]] = []
    missing, ns = -nonsubstantive_count, nonsubstantive_count
    for answer in values:
        chosen = {str(item) for item in answer} if not is_missing(answer) and answer else set()
        if not chosen:
            missing += 1
        elif chosen <= codes:
            ns += 1
        else:
            selections.append(chosen - codes)
    n = len(selections)
    labels = {str(value): label for value, label in choices}
    keys = list(labels) + sorted({item for chosen in selections for item in chosen} - set(labels))
    rows = []
    for key in keys:
        count = sum(key in chosen for chosen in selections)
        hidden = public_count(count, threshold) is None or public_count(n, threshold) is None
        share = proportion_ci(count, n)
        rows.append(
            CategoryCount(
                key, labels.get(key), count, share.hidden(threshold) if hidden else share, hidden
            )
        )
    hidden_ns = public_count(ns, threshold) is None
    hidden_missing = public_count(missing, threshold) is None
    return QuestionSummary(
        "multiple",
        n,
        missing,
        ns,
        tuple(rows),
        None,
        None,
        None,
        threshold,
        _no_answer_reason(n),
        (hidden_ns, hidden_missing),
    )


def describe_by(
    values: Sequence[Any] | np.ndarray,
    labels: Sequence[Hashable],
    describe: Callable[..., QuestionSummary] = describe_numeric,
    **options: Any,
) -> dict[Hashable, QuestionSummary]:
    """Describe the answers separately for each group or wave label (first-seen order)."""
    return {label: describe(group, **options) for label, group in split_by(values, labels).items()}
