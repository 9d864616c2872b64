"""Pure statistics for Revaluation: descriptives, scales, outcomes, comparisons, suppression."""

from .comparisons import ComparisonResult, TestChoice, choose_test
from .descriptives import (
    CategoryCount,
    QuestionSummary,
    describe_by,
    describe_categorical,
    describe_coded,
    describe_multiple,
    describe_numeric,
)
from .effect_sizes import (
    cohen_d,
    cohen_dz,
    cramers_v,
    epsilon_squared,
    matched_pairs_rank_biserial,
    rank_biserial,
)
from .groups import compare_groups
from .intervals import (
    Estimate,
    clopper_pearson_ci,
    mean_ci,
    median_ci,
    newcombe_difference_ci,
    proportion_ci,
    wilson_ci,
)
from .multiplicity import adjust_pvalues, adjust_results
from .outcomes import OutcomeResult, OutcomeSpec, compare_with_target
from .participation import (
    DyadSummary,
    SelectionTally,
    TriadMean,
    ValueGridCounts,
    dyad_distribution,
    emergent_outcomes,
    msc_tallies,
    triad_mean,
    triad_means_by,
    value_grid_counts,
)
from .reliability import ItemStatistics, ReliabilityResult, scale_reliability
from .suppression import (
    SMALL_CELL_THRESHOLD,
    TableSuppression,
    suppress_counts,
    suppress_table,
)
from .two_sample import compare_independent, compare_paired
from .values import json_safe, ranked_texts, split_by

__all__ = [
    "SMALL_CELL_THRESHOLD",
    "CategoryCount",
    "ComparisonResult",
    "DyadSummary",
    "Estimate",
    "ItemStatistics",
    "OutcomeResult",
    "OutcomeSpec",
    "QuestionSummary",
    "ReliabilityResult",
    "SelectionTally",
    "TableSuppression",
    "TestChoice",
    "TriadMean",
    "ValueGridCounts",
    "adjust_pvalues",
    "adjust_results",
    "choose_test",
    "clopper_pearson_ci",
    "cohen_d",
    "cohen_dz",
    "compare_groups",
    "compare_independent",
    "compare_paired",
    "compare_with_target",
    "cramers_v",
    "describe_by",
    "describe_categorical",
    "describe_coded",
    "describe_multiple",
    "describe_numeric",
    "dyad_distribution",
    "emergent_outcomes",
    "epsilon_squared",
    "json_safe",
    "matched_pairs_rank_biserial",
    "mean_ci",
    "median_ci",
    "msc_tallies",
    "newcombe_difference_ci",
    "proportion_ci",
    "rank_biserial",
    "ranked_texts",
    "scale_reliability",
    "split_by",
    "suppress_counts",
    "suppress_table",
    "triad_mean",
    "triad_means_by",
    "value_grid_counts",
    "wilson_ci",
]
