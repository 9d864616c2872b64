"""Two-sample comparisons: follow-up against baseline (paired or not) and one group against another.

Which test runs is decided by :func:`.comparisons.choose_test`. Paired answers come as two aligned
arrays (position i is the same panel code in both waves); a pair with a missing answer on either
side is dropped. Binary answers are 1 (yes) and 0 (no); the risk difference is P(1 in a) − P(1 in
b), or follow-up minus baseline when paired.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from .comparisons import EXACT_MCNEMAR_BELOW, ComparisonResult, TestChoice, choose_test
from .effect_sizes import (
    cohen_d,
    cohen_dz,
    cramers_v,
    matched_pairs_rank_biserial,
    rank_biserial,
)
from .intervals import (
    Estimate,
    _z_quantile,
    newcombe_difference_ci,
    paired_mean_difference_ci,
    welch_mean_difference_ci,
)
from .ranks import mann_whitney, wilcoxon
from .suppression import SMALL_CELL_THRESHOLD
from .values import CONFIDENCE, as_float_array, blank_text, finite, is_missing, text_counts


def clean_categories(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Categorical answers as strings, missing ones dropped (``1`` and ``1.0`` become ``"1"``)."""
    if isinstance(values, np.ndarray) and values.dtype == object and values.size and all(
        type(value) is str for value in values.ravel()
    ):
        # Already text (e.g. answers this function cleaned before): the vectorised path.
        values = values.astype(str)
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        # Text arrays from the loaders, "" for missing: vectorised, and kept as text arrays.
        return values[~blank_text(values)]
    if isinstance(values, np.ndarray) and values.dtype.kind == "f" and values.ndim == 1:
        # Coded answers (an outcome's 0/1 indicator): each distinct number written once.
        kept = values[~np.isnan(values)]
        distinct, where = np.unique(kept, return_inverse=True)
        names = [str(int(v)) if float(v).is_integer() else str(v) for v in distinct.tolist()]
        return np.array(names, dtype=str)[where.reshape(-1)] if len(kept) \
            else np.array([], dtype=str)
    kept = []
    for value in np.asarray(values, dtype=object).ravel():
        if is_missing(value):
            continue
        if isinstance(value, bool | np.bool_):
            value = int(value)
        if isinstance(value, float | np.floating) and float(value).is_integer():
            value = int(value)
        kept.append(str(value))
    return np.asarray(kept, dtype=object)


def _result(
    choice: TestChoice,
    paired: bool,
    labels: Sequence[str],
    ns: Sequence[int],
    threshold: int,
    statistic: float | None = None,
    df: float | None = None,
    p_value: float | None = None,
    effects: Sequence[Estimate] = (),
    reason: str | None = None,
) -> ComparisonResult:
    return ComparisonResult(
        choice.test,
        choice.explanation,
        paired,
        tuple(labels),
        tuple(ns),
        statistic,
        df,
        p_value,
        tuple(effects),
        threshold,
        reason,
    )


def _paired_difference(before: np.ndarray, after: np.ndarray) -> Estimate:
    """After − before share of 1s, Agresti–Min interval (Wald after adding ½ to each cell)."""
    method = "difference in paired proportions with Agresti–Min adjusted Wald interval"
    b = float(np.sum((before == 1) & (after == 0))) + 0.5
    c = float(np.sum((before == 0) & (after == 1))) + 0.5
    n = len(before) + 2.0
    difference = (c - b) / n
    se = math.sqrt(((b + c) / n - difference**2) / n)
    z = _z_quantile(CONFIDENCE)
    raw = (np.sum(after == 1) - np.sum(before == 1)) / len(before)
    return Estimate(
        float(raw), max(-1.0, difference - z * se), min(1.0, difference + z * se), method
    )


def _mcnemar(before: np.ndarray, after: np.ndarray) -> tuple[float | None, float | None, str]:
    b = int(np.sum((before == 1) & (after == 0)))
    c = int(np.sum((before == 0) & (after == 1)))
    if b + c == 0:
        return None, None, "nobody changed their answer: McNemar's test has nothing to compare"
    if b + c < EXACT_MCNEMAR_BELOW:
        p_value = float(stats.binomtest(b, b + c, 0.5).pvalue)
        return float(min(b, c)), p_value, f"exact binomial McNemar test ({b + c} changed)"
    statistic = (abs(b - c) - 1) ** 2 / (b + c)
    p_value = float(stats.chi2.sf(statistic, 1))
    return statistic, p_value, "McNemar chi-square with continuity correction"


def compare_paired(
    before: Sequence[Any] | np.ndarray,
    after: Sequence[Any] | np.ndarray,
    kind: str,
    *,
    labels: tuple[str, str] = ("baseline", "follow-up"),
    threshold: int = SMALL_CELL_THRESHOLD,
) -> ComparisonResult:
    """Compare the same respondents in two waves (follow-up − baseline)."""
    first, second = as_float_array(before), as_float_array(after)
    if len(first) != len(second):
        raise ValueError("paired answers must be aligned: both waves need the same length")
    keep = np.isfinite(first) & np.isfinite(second)
    first, second = first[keep], second[keep]
    n = len(first)
    choice = choose_test(kind, n, True)
    ns = (n, n)
    if choice.test == "none":
        return _result(choice, True, labels, ns, threshold, reason=choice.explanation)
    if n == 0:
        return _result(choice, True, labels, ns, threshold, reason="no respondent answered both")
    if choice.test == "McNemar":
        if not set(np.unique(np.concatenate([first, second]))) <= {0.0, 1.0}:
            return _result(
                choice, True, labels, ns, threshold, reason="binary answers must be coded 0 and 1"
            )
        statistic, p_value, how = _mcnemar(first, second)
        return _result(
            choice,
            True,
            labels,
            ns,
            threshold,
            statistic,
            None,
            p_value,
            (_paired_difference(first, second),),
            how,
        )
    differences = second - first
    if choice.test == "paired t-test":
        effect = cohen_dz(differences)
        change = paired_mean_difference_ci(differences)
        if np.std(differences) == 0:
            return _result(
                choice,
                True,
                labels,
                ns,
                threshold,
                effects=(effect, change),
                reason="every pair changed by the same amount: the t-test is undefined",
            )
        result = stats.ttest_rel(second, first)
        return _result(
            choice,
            True,
            labels,
            ns,
            threshold,
            float(result.statistic),
            n - 1.0,
            float(result.pvalue),
            (effect, change),
        )
    effect = matched_pairs_rank_biserial(differences)
    if not np.any(differences != 0):
        return _result(
            choice,
            True,
            labels,
            ns,
            threshold,
            effects=(effect,),
            reason="no pair changed: the signed-rank test has nothing to compare",
        )
    statistic, p_value = wilcoxon(differences)
    return _result(
        choice,
        True,
        labels,
        ns,
        threshold,
        statistic,
        None,
        p_value,
        (effect,),
        "zero differences dropped before ranking (zero_method='wilcox')",
    )


def _table(groups: Sequence[np.ndarray]) -> tuple[np.ndarray, list[str]]:
    if all(isinstance(values, np.ndarray) and values.dtype.kind == "U" for values in groups):
        # Text arrays (what clean_categories gives): counted without sorting the answers.
        tallies = [text_counts(values) for values in groups]
        categories = sorted(set().union(*tallies))
        table = np.array([[tally.get(category, 0) for category in categories]
                          for tally in tallies], dtype=float)
        return table, categories
    categories = sorted({str(value) for values in groups for value in values})
    table = np.array(
        [[int(np.sum(values == category)) for category in categories] for values in groups],
        dtype=float,
    )
    return table, categories


def categorical_table_test(
    groups: Sequence[np.ndarray],
    labels: Sequence[str],
    choice: TestChoice,
    threshold: int,
    bias_corrected: bool = False,
    note: str | None = None,
) -> ComparisonResult:
    """Chi-square (or Fisher's exact for a sparse 2×2) across groups of categorical answers."""
    ns = [len(values) for values in groups]
    table, categories = _table(groups)
    used = table[:, table.sum(axis=0) > 0]
    if used.shape[1] < 2:
        reason = "; ".join(
            p for p in ("every answer is in one category: nothing to compare", note) if p
        )
        return _result(choice, False, labels, ns, threshold, reason=reason)
    chi2, p_value, df, expected = stats.chi2_contingency(used, correction=False)
    test_choice, reason = choice, note
    effects = [cramers_v(float(chi2), used, bias_corrected=bias_corrected)]
    if used.shape == (2, 2) and expected.min() < 5:
        p_value = float(stats.fisher_exact(used).pvalue)
        test_choice = TestChoice("Fisher exact", choice.explanation)
        chi2, df = None, None
    elif expected.min() < 5:
        reason = "; ".join(
            p for p in ("some expected counts are below 5: the p-value is approximate", note) if p
        )
    if len(groups) == 2 and set(categories) <= {"0", "1"}:
        ones = [int(table[index, categories.index("1")]) if "1" in categories else 0
                for index in range(len(groups))]
        effects.append(newcombe_difference_ci(ones[0], ns[0], ones[1], ns[1]))
    return _result(
        test_choice,
        False,
        labels,
        ns,
        threshold,
        None if chi2 is None else float(chi2),
        None if df is None else float(df),
        float(p_value),
        effects,
        reason,
    )


def compare_independent(
    a: Sequence[Any] | np.ndarray,
    b: Sequence[Any] | np.ndarray,
    kind: str,
    *,
    labels: tuple[str, str] = ("a", "b"),
    threshold: int = SMALL_CELL_THRESHOLD,
    bias_corrected: bool = False,
) -> ComparisonResult:
    """Compare two independent sets of answers (a − b): other people, or waves without links."""
    if kind in ("binary", "categorical"):
        first, second = clean_categories(a), clean_categories(b)
    else:
        first, second = finite(a), finite(b)
    ns = (len(first), len(second))
    choice = choose_test(kind, min(ns), False)
    if choice.test == "none":
        return _result(choice, False, labels, ns, threshold, reason=choice.explanation)
    if min(ns) == 0:
        return _result(choice, False, labels, ns, threshold, reason="a group has no answers")
    if choice.test == "chi-square":
        return categorical_table_test([first, second], labels, choice, threshold, bias_corrected)
    if choice.test == "Welch t-test":
        effects = (cohen_d(first, second), cohen_d(first, second, hedges=True),
                   welch_mean_difference_ci(first, second))
        if np.std(first) == 0 and np.std(second) == 0:
            return _result(
                choice,
                False,
                labels,
                ns,
                threshold,
                effects=effects,
                reason="no variation within either group: the t-test is undefined",
            )
        result = stats.ttest_ind(first, second, equal_var=False)
        return _result(
            choice,
            False,
            labels,
            ns,
            threshold,
            float(result.statistic),
            float(result.df),
            float(result.pvalue),
            effects,
        )
    effect = rank_biserial(first, second)
    pooled = np.concatenate([first, second])
    if np.all(pooled == pooled[0]):
        return _result(
            choice,
            False,
            labels,
            ns,
            threshold,
            effects=(effect,),
            reason="every answer is the same: there is nothing to compare",
        )
    statistic, p_value = mann_whitney(first, second)
    return _result(
        choice,
        False,
        labels,
        ns,
        threshold,
        statistic,
        None,
        p_value,
        (effect,),
    )
