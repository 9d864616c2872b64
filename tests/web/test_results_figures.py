"""Every figure of evaluation_results checked against scipy / statsmodels / pingouin called
directly, on a hand-built evaluation with ties, skipped and non-substantive answers and a group
below the small-cell threshold (5). Tolerance: 1e-9 unless stated."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from revaluation.services.results import ResultsFilterError, evaluation_results
from tests.web.results_fixtures import WAVE_1, WAVE_2, build, column


@pytest.fixture
def tiny(make_user):
    return build(make_user("eva@example.org"))


def outcome(results, key):
    return next(o for o in results["outcomes"] if o["key"] == key)


def test_mean_outcome_matches_scipy(tiny):
    evaluation, waves = tiny
    results = evaluation_results(evaluation)
    o = outcome(results, "mean-score")
    after = np.array(column(WAVE_2, 2), dtype=float)
    before = np.array(column(WAVE_1, 2), dtype=float)
    r = o["result"]
    assert r["n"] == len(after)
    assert r["actual"]["value"] == pytest.approx(after.mean())
    low, high = stats.t.interval(0.95, len(after) - 1, after.mean(), stats.sem(after))
    assert (r["actual"]["ci_low"], r["actual"]["ci_high"]) == pytest.approx((low, high))
    assert r["baseline"] == pytest.approx(before.mean())
    assert r["change_from_baseline"] == pytest.approx(after.mean() - before.mean())
    p = stats.ttest_1samp(after, 6.0, alternative="greater").pvalue
    assert r["p_value"] == pytest.approx(p)
    assert r["status"] == ("achieved" if low > 6 else "too_early" if high >= 6 else "not_achieved")
    assert o["measured_wave"]["id"] == waves[1].id


def test_outcome_table_is_holm_adjusted(tiny):
    evaluation, _ = tiny
    results = evaluation_results(evaluation)
    raw = [o["result"]["p_value"] for o in results["outcomes"]]
    present = [p for p in raw if p is not None]
    expected = multipletests(present, method="holm")[1]
    adjusted = [o["result"]["p_adjusted"] for o in results["outcomes"] if o["result"]["p_value"]
                is not None]
    assert adjusted == pytest.approx(list(expected))
    assert all("Holm" in o["result"]["adjustment"] for o in results["outcomes"])


def test_proportion_outcome_uses_scored_yes_no(tiny):
    evaluation, _ = tiny
    r = outcome(evaluation_results(evaluation), "fewer-visits")["result"]
    visits = column(WAVE_2, 4)
    yes = sum(v == "yes" for v in visits)
    assert r["actual"]["value"] == pytest.approx(yes / len(visits))
    low, high = proportion_confint(yes, len(visits), method="wilson")
    assert (r["actual"]["ci_low"], r["actual"]["ci_high"]) == pytest.approx((low, high))
    cp = proportion_confint(yes, len(visits), method="beta")
    assert (r["exact_ci"]["ci_low"], r["exact_ci"]["ci_high"]) == pytest.approx(cp)
    assert r["p_value"] == pytest.approx(
        stats.binomtest(yes, len(visits), 0.3, alternative="less").pvalue)


def test_median_outcome_excludes_nonsubstantive_and_pairs_waves(tiny):
    evaluation, _ = tiny
    o = outcome(evaluation_results(evaluation), "agree-median")
    after = [float(a) for a in column(WAVE_2, 3)]
    assert o["result"]["actual"]["value"] == pytest.approx(np.median(after))
    waves = next(c for c in o["comparisons"] if c["kind"] == "waves")
    # Pairs: same panel code in both waves, both answered substantively.
    first = {r[1]: r[3] for r in WAVE_1 if r[1] and r[3] not in (None, "prefer_not_to_say")}
    second = {r[1]: r[3] for r in WAVE_2 if r[1] and r[3] is not None}
    common = [h for h in first if h in second]
    d = np.array([float(second[h]) - float(first[h]) for h in common])
    assert waves["paired"] and waves["ns"] == [len(common), len(common)]
    assert waves["test"] == "Wilcoxon signed-rank"
    assert waves["p_value"] == pytest.approx(stats.wilcoxon(d, zero_method="wilcox").pvalue)


def test_group_comparison_leaves_out_small_group(tiny):
    evaluation, _ = tiny
    o = outcome(evaluation_results(evaluation), "mean-score")
    groups = next(c for c in o["comparisons"] if c["kind"] == "groups")
    assert "staff" in (groups["reason"] or "")
    by_group = {g["group"]: g for g in o["by_group"]}
    assert by_group["staff"]["n"] is None and by_group["staff"]["estimate"]["suppressed"]
    assert by_group["member"]["estimate"]["value"] == pytest.approx(
        np.mean(column(WAVE_2, 2, "member")))


def test_question_tables_count_missing_and_nonsubstantive(tiny):
    evaluation, _ = tiny
    results = evaluation_results(evaluation)
    agree = next(q for q in results["questions"] if q["key"] == "agree")
    first = agree["by_wave"][0]["summary"]
    substantive = [a for a in column(WAVE_1, 3) if a != "prefer_not_to_say"]
    assert first["n"] == len(substantive)
    assert first["mean"]["value"] == pytest.approx(np.mean([float(a) for a in substantive]))
    # One non-substantive answer: below the threshold, so withheld (and its complement too).
    assert first["nonsubstantive"] is None
    counts = {d["value"]: d["count"] for d in first["distribution"]}
    assert counts["4"] == substantive.count("4")
    score = next(q for q in results["questions"] if q["key"] == "score")
    wave_test = next(c for c in score["comparisons"] if c["kind"] == "waves")
    group_tests = [c for c in score["comparisons"] if c["kind"] == "groups"]
    assert wave_test["adjustment"].startswith("Benjamini")
    every = [c for q in results["questions"] for c in q["comparisons"]]
    raw = [c["p_value"] for c in every if c["p_value"] is not None]
    adjusted = [c["p_adjusted"] for c in every if c["p_value"] is not None]
    assert adjusted == pytest.approx(list(multipletests(raw, method="fdr_bh")[1]))
    assert group_tests


def test_pingouin_effect_size_for_paired_scores(tiny):
    pingouin = pytest.importorskip("pingouin")
    evaluation, _ = tiny
    score = next(q for q in evaluation_results(evaluation)["questions"] if q["key"] == "score")
    test = next(c for c in score["comparisons"] if c["kind"] == "waves")
    first = {r[1]: r[2] for r in WAVE_1 if r[1] and r[2] is not None}
    second = {r[1]: r[2] for r in WAVE_2 if r[1] and r[2] is not None}
    common = [h for h in first if h in second]
    a = np.array([first[h] for h in common], float)
    b = np.array([second[h] for h in common], float)
    assert test["test"] == "paired t-test"
    assert test["p_value"] == pytest.approx(pingouin.ttest(b, a, paired=True)["p_val"].iloc[0])
    dz = (b - a).mean() / (b - a).std(ddof=1)
    assert test["effects"][0]["value"] == pytest.approx(dz)


def test_original_framework_is_reported_beside_the_revision(tiny):
    evaluation, _ = tiny
    from revaluation.extensions import db

    target = next(o for o in evaluation.outcomes if o.key == "mean-score")
    target.target = 9.0
    db.session.commit()
    o = outcome(evaluation_results(evaluation), "mean-score")
    assert o["in_original"] and o["changed"]
    assert o["original"]["target"] == 6.0 and o["target"] == 9.0
    assert o["result"]["status"] == "not_achieved"
    assert o["original"]["result"]["status"] in ("achieved", "too_early")


def test_filters_and_json_safety(tiny):
    evaluation, waves = tiny
    results = evaluation_results(evaluation, wave_ids=[waves[1].id], groups=["member"])
    json.dumps(results, allow_nan=False)
    assert [w["id"] for w in results["waves"]] == [waves[1].id]
    o = outcome(results, "mean-score")
    # The baseline wave is outside the filter but still defines the baseline.
    assert o["result"]["baseline"] == pytest.approx(np.mean(column(WAVE_1, 2, "member")))
    with pytest.raises(ResultsFilterError, match="no group “nobody”"):
        evaluation_results(evaluation, groups=["nobody"])
    with pytest.raises(ResultsFilterError, match="no wave 999"):
        evaluation_results(evaluation, wave_ids=[999])


def test_results_validate_against_json_schema(tiny):
    from pathlib import Path

    import jsonschema

    schema = json.loads((Path(__file__).parents[2] / "docs/results.schema.json").read_text())
    jsonschema.validate(evaluation_results(tiny[0]), schema)


def test_demo_results_are_complete(demo):
    from revaluation.extensions import db
    from revaluation.models import Evaluation

    evaluation = db.session.execute(db.select(Evaluation).filter_by(slug="demo")).scalar_one()
    results = evaluation_results(evaluation)
    statuses = {o["key"]: o["result"]["status"] for o in results["outcomes"]}
    assert statuses["fewer-ae-visits"] != "not_measurable"
    assert all(o["result"]["actual"]["value"] is not None for o in results["outcomes"])
    connection = next(s for s in results["scales"] if s["key"] == "connection")
    assert connection["by_wave"][0]["reliability"]["alpha"]["value"] is not None
