"""Scale scores as a statistician would compute them by hand."""

import pytest

from surveys.model import Choice, ChoiceList, Instrument, Question, Scale, Section, Text
from surveys.scoring import score_all, score_scale

ITEMS = ("a", "b", "c", "d")


def scale(**kw) -> Scale:
    base = {"key": "s", "items": ITEMS, "item_min": 1, "item_max": 5}
    base.update(kw)
    return Scale(**base)


def test_sum_with_a_reverse_item():
    result = score_scale(scale(reverse=("b",)), {"a": 4, "b": 2, "c": 5, "d": 1})
    assert result.value == 4 + (1 + 5 - 2) + 5 + 1
    assert result.n_answered == 4 and result.reason is None


def test_mean_method():
    assert score_scale(scale(method="mean"), {"a": 1, "b": 2, "c": 3, "d": 5}).value == 2.75


def test_require_all_gives_no_score_with_a_reason():
    result = score_scale(scale(), {"a": 1, "b": 2, "c": 3})
    assert result.value is None
    assert result.reason == "3 of 4 items answered; the scale needs 4"


def test_prorated_sum_scales_the_mean_up_to_all_items():
    result = score_scale(scale(missing="prorate", min_answered=3), {"a": 1, "b": 2, "c": 4})
    assert result.value == pytest.approx((1 + 2 + 4) / 3 * 4)


def test_too_few_items_answered_for_prorating():
    result = score_scale(scale(missing="prorate", min_answered=3), {"a": 1, "b": 2})
    assert result.value is None and result.n_answered == 2


def test_mean_impute_fills_gaps_with_the_rounded_person_mean():
    result = score_scale(scale(missing="mean_impute", min_answered=2), {"a": 1, "b": 2, "c": 4})
    assert result.value == 1 + 2 + 4 + round(7 / 3)


def test_nonsubstantive_answers_count_as_missing():
    answers = {"a": 3, "b": "dont_know", "c": "prefer_not_to_say", "d": 5}
    result = score_scale(scale(missing="prorate", min_answered=2), answers)
    assert result.n_answered == 2 and result.value == 16.0


def test_out_of_range_values_count_as_missing():
    assert score_scale(scale(), {"a": 1, "b": 2, "c": 3, "d": 9}).value is None


TABLE = {4.0: 10.0, 5.0: 12.5, 20.0: 40.0}


def test_lookup_converts_the_raw_total():
    result = score_scale(scale(lookup=TABLE), {"a": 1, "b": 1, "c": 2, "d": 1})
    assert (result.value, result.raw) == (12.5, 5.0)


def test_raw_total_missing_from_the_table_gives_no_score():
    result = score_scale(scale(lookup=TABLE), {"a": 2, "b": 2, "c": 2, "d": 2})
    assert result.value is None and result.raw == 8.0
    assert result.reason == "raw total 8 is not in the scoring table"


def test_lookup_needs_every_item_by_default():
    result = score_scale(scale(lookup=TABLE, missing="prorate", min_answered=3),
                         {"a": 5, "b": 5, "c": 5})
    assert result.value is None
    assert result.reason == "the scoring table needs all 4 items answered; 3 were"


def test_lookup_on_imputed_total_when_the_table_allows_it():
    result = score_scale(scale(lookup=TABLE, missing="mean_impute", min_answered=3,
                               lookup_requires_all=False), {"a": 5, "b": 5, "c": 5})
    assert result.value == 40.0


def test_likert_scores_come_from_the_choice_list_with_the_instrument():
    points = ChoiceList("freq", (Choice("never", Text(en="Never"), score=0),
                                 Choice("often", Text(en="Often"), score=3)))
    questions = tuple(Question(k, "likert", Text(en=k), choices="freq") for k in ("x", "y"))
    inst = Instrument(key="i", title=Text(en="I"), choice_lists=(points,),
                      sections=(Section("p", questions=questions),),
                      scales=(Scale("f", ("x", "y"), item_min=0, item_max=3),))
    scores = score_all(inst, {"x": "often", "y": "never"})
    assert scores["f"].value == 3.0


SCALE_VARIANTS = [
    {},
    {"method": "mean", "reverse": ("b", "d")},
    {"missing": "prorate", "min_answered": 2},
    {"missing": "prorate", "min_answered": 3, "method": "mean"},
    {"missing": "mean_impute", "min_answered": 2, "reverse": ("c",)},
    {"missing": "mean_impute", "min_answered": 2, "method": "mean"},
    {"lookup": TABLE},
    {"lookup": {float(t): t * 1.5 for t in range(4, 21)}, "missing": "mean_impute",
     "min_answered": 3, "lookup_requires_all": False},
    {"lookup": {float(t): t * 1.5 for t in range(4, 21)}, "missing": "prorate",
     "min_answered": 1, "lookup_requires_all": False},
    {"item_min": None, "item_max": None, "missing": "prorate", "min_answered": 1},
]


@pytest.mark.parametrize("options", SCALE_VARIANTS)
def test_whole_wave_scoring_equals_scoring_each_respondent(options):
    """score_matrix (a wave at once, for analysis) gives score_scale's value for every row,
    exactly, including gaps, out-of-range values, reverse items and lookup tables."""
    import numpy as np

    from surveys.scoring import score_matrix

    rng = np.random.default_rng(11)
    items = rng.integers(0, 7, size=(400, len(ITEMS))).astype(float)  # 0 and 6 are off-range
    items[rng.random(items.shape) < 0.25] = np.nan
    items[:3] = np.nan  # nothing answered
    items[3] = [1.0, 2.5, 4.0, 5.0]  # a non-integer item (a mean that does not round evenly)
    items[4], items[5] = [1.0, 1.0, 1.0, 1.0], [5.0, 5.0, 5.0, 5.0]  # totals in TABLE
    s = scale(**options)
    expected = []
    for row in items:
        answers = {k: float(v) for k, v in zip(ITEMS, row, strict=True) if not np.isnan(v)}
        value = score_scale(s, answers).value
        expected.append(np.nan if value is None else value)
    got = score_matrix(s, items)
    np.testing.assert_array_equal(got, np.array(expected))
    assert np.isfinite(got).any()


def test_whole_wave_scoring_of_no_respondents():
    import numpy as np

    from surveys.scoring import score_matrix

    assert score_matrix(scale(), np.empty((0, len(ITEMS)))).shape == (0,)
