"""The one results structure: intended vs actual outcomes, waves, groups, questions and scales.

:func:`evaluation_results` is what the results pages, ``flask results``, the JSON API and the PDF
reports all print, so a number is computed once, here, by :mod:`revaluation.analysis` (which also
applies small-cell suppression). The structure is plain JSON (no NaN, no numpy, no models) and is
documented in docs/results-schema.md, with a JSON Schema in docs/results.schema.json.

Waves are read one at a time (:mod:`revaluation.services.analysis_data`); the first included wave
stays in memory for the comparisons, so memory is about two waves' answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from revaluation.analysis import json_safe
from revaluation.models import Evaluation, Wave, WaveState
from revaluation.services import adaptive_scores
from revaluation.services.analysis_data import WaveData, collector_paused, scale_scores
from revaluation.services.analysis_store import load_wave
from revaluation.services.concurrency import statistics_threads
from revaluation.services.results_cache import (  # REPORT: for callers asking for it
    FULL,
    REPORT,  # noqa: F401
    SERVES,
    reuse_or_compute,
)
from revaluation.services.results_outcomes import OutcomeInputs, outcome_entries, outcome_specs
from revaluation.services.results_questions import QuestionTables

SCHEMA = "revaluation.results/1"
#: The scopes of results (see results_cache): FULL and REPORT.
SCOPES = tuple(SERVES)
OUTCOME_ADJUSTMENT = (
    "Holm's step-down adjustment across the outcome table (each framework separately), which "
    "keeps the chance of any false 'significant' test at 5%."
)
ITEM_ADJUSTMENT = (
    "Benjamini-Hochberg false discovery rate across every question-level comparison "
    "(exploratory)."
)
MISSING_TEXT = (
    "Each statistic uses the people who answered that question. Skipped questions and "
    "non-substantive answers (such as 'prefer not to say' or 'don't know') are left out of "
    "percentages and statistics and counted separately. Partial responses count for the "
    "questions they reached."
)


class ResultsFilterError(ValueError):
    """A wave or group filter names something the evaluation does not have."""


def _included_waves(evaluation: Evaluation, wave_ids: Sequence[int] | None) -> list[Wave]:
    waves = list(evaluation.waves)
    if wave_ids:
        unknown = evaluation.unknown_wave(wave_ids)
        if unknown:
            raise ResultsFilterError(unknown)
        waves = [w for w in waves if w.id in set(wave_ids)]
    return [w for w in waves if w.state is not WaveState.DRAFT]


def evaluation_groups(evaluation: Evaluation) -> list[str]:
    """Audience groups named by any of the evaluation's waves, in first-seen order."""
    seen: dict[str, None] = {}
    for wave in evaluation.waves:
        for group in wave.groups or []:
            seen.setdefault(group, None)
    return list(seen)


def _check_groups(evaluation: Evaluation, groups: Sequence[str] | None) -> list[str]:
    known = evaluation_groups(evaluation)
    for group in groups or []:
        if group not in known:
            raise ResultsFilterError(
                f"There is no group “{group}” in this evaluation. Its groups are: "
                + (", ".join(known) or "none yet")
                + "."
            )
    return list(dict.fromkeys(groups or []))


def evaluation_results(
    evaluation: Evaluation,
    *,
    wave_ids: Sequence[int] | None = None,
    groups: Sequence[str] | None = None,
    scope: str = FULL,
) -> dict[str, Any]:
    """Every figure the platform reports for ``evaluation``, optionally for some waves/groups.

    Computed once per version of the evaluation's data and then reused (see
    :mod:`revaluation.services.results_cache`); :func:`compute_results` always recomputes.
    Raises :class:`ResultsFilterError` (a plain sentence) when a filter names an unknown wave or
    group. Draft waves are never included.

    ``scope=REPORT`` asks for what a PDF report shows: everything but the questions' group rows
    and exploratory comparisons (kept full results serve it too, as they hold that part).
    """
    return reuse_or_compute(
        evaluation, wave_ids, groups,
        lambda: compute_results(evaluation, wave_ids=wave_ids, groups=groups, scope=scope),
        scope=scope,
    )


def compute_results(
    evaluation: Evaluation,
    *,
    wave_ids: Sequence[int] | None = None,
    groups: Sequence[str] | None = None,
    scope: str = FULL,
) -> dict[str, Any]:
    """The results structure of :func:`evaluation_results`, computed from the answers now."""
    # The statistics run on threads of their own (revaluation.services.concurrency); BLAS's
    # threads, spinning beside them on the same cores for small matrix products, only slow
    # them down. The cycle collector waits too: the tens of thousands of small dicts and
    # arrays made here form no cycles, and each of its passes would walk everything else the
    # process holds (in a report worker, the documents laid out before).
    with threadpool_limits(limits=1, user_api="blas"), collector_paused():
        return _compute_results(evaluation, wave_ids=wave_ids, groups=groups, scope=scope)


def _compute_results(
    evaluation: Evaluation,
    *,
    wave_ids: Sequence[int] | None,
    groups: Sequence[str] | None,
    scope: str,
) -> dict[str, Any]:
    if scope not in SCOPES:
        raise ValueError(f"unknown results scope {scope!r}")
    threshold = int(evaluation.small_cell_threshold)
    chosen_groups = _check_groups(evaluation, groups)
    waves = _included_waves(evaluation, wave_ids)
    specs = outcome_specs(evaluation)
    inputs = OutcomeInputs(threshold=threshold)
    tables = QuestionTables(threshold=threshold, groups=chosen_groups, detail=scope == FULL)
    wave_rows: list[dict[str, Any]] = []
    first: WaveData | None = None
    with statistics_threads() as pool:
        # A wave's question tables are computed on the pool while this thread reads the next
        # wave; each wave's are recorded (in order) once the next one has been started, so at
        # most the first wave and two more are in memory.
        finish = None
        for wave in waves:
            data = load_wave(wave)
            rows = data.mask(chosen_groups)
            wave_rows.append(_wave_row(wave, data, rows, threshold))
            inputs.add_wave(data, rows, _indicators(data, specs))
            started = tables.add_wave(data, rows, first, pool)
            if finish is not None:
                finish()
            finish = started
            if first is None:
                first = data
        # Baseline waves outside the chosen waves still define their outcomes' baselines.
        for wave_id in {s["baseline_wave_id"] for s in specs} - {w.id for w in waves} - {None}:
            wave = next((w for w in evaluation.waves if w.id == wave_id), None)
            if wave is not None and wave.state is not WaveState.DRAFT:
                keys = {s["indicator_key"] for s in specs if s["baseline_wave_id"] == wave_id}
                data = load_wave(wave, keys=_item_keys(data_keys=keys, specs=specs, wave=wave))
                inputs.add_baseline_wave(data, data.mask(chosen_groups),
                                         _indicators(data, specs))
        outcomes = outcome_entries(evaluation, specs, inputs, [w.id for w in waves], pool)
        if finish is not None:
            finish()
    result = {
        "schema": SCHEMA,
        "scope": scope,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "evaluation": {
            "slug": evaluation.slug,
            "title": evaluation.title,
            "movement": evaluation.movement,
            "framework_locked_at": evaluation.framework_locked_at.isoformat()
            if evaluation.framework_locked_at
            else None,
        },
        "threshold": threshold,
        "filters": {"wave_ids": [w.id for w in waves] if wave_ids else [],
                    "groups": chosen_groups},
        "waves": wave_rows,
        "groups": chosen_groups or evaluation_groups(evaluation),
        "outcomes": outcomes,
        "emergent_outcomes": [
            {"key": o["key"], "title": o["title"], "description": o["description"],
             "origin_description": "added after fieldwork started" if o["origin"] == "emergent"
             else "proposed by members and accepted"}
            for o in outcomes if o["origin"] in ("emergent", "proposed") and o["active"]
        ],
        "revisions": _revisions(evaluation),
        "questions": tables.questions(),
        "scales": tables.scales(),
        "multiplicity": {"outcomes": OUTCOME_ADJUSTMENT, "items": ITEM_ADJUSTMENT},
        "methods": {
            "instruments": _instruments(waves),
            "tests": sorted(tables.tests_used() | inputs.tests_used()),
            "multiplicity": f"{OUTCOME_ADJUSTMENT} {ITEM_ADJUSTMENT}"
            if scope == FULL else OUTCOME_ADJUSTMENT,
            # What a report, which shows the outcomes' tests only, says about its methods: the
            # same in either scope.
            "outcome_tests": sorted(inputs.tests_used()),
            "outcome_multiplicity": OUTCOME_ADJUSTMENT,
            "missing": MISSING_TEXT,
            "suppression": f"Figures resting on fewer than {threshold} respondents are withheld, "
            "with complementary suppression so they cannot be worked out from totals.",
        },
    }
    result = json_safe(result)
    result["suppressed_any"] = _any_suppressed(result)
    return result


def _item_keys(*, data_keys: set[str], specs: list[dict[str, Any]], wave: Wave) -> set[str]:
    """Question keys needed to compute the given indicators (scale items expanded)."""
    from revaluation.services.instruments import definition_of

    instrument = definition_of(wave.instrument_version)
    scales = {s.key: s for s in instrument.scales}
    keys: set[str] = set()
    for key in data_keys:
        keys |= set(scales[key].items) if key in scales else {key}
    return keys


def _indicators(data: WaveData, specs: list[dict[str, Any]]) -> dict[tuple[str, str], np.ndarray]:
    """Indicator values per (kind, key) for one wave: a question's numbers, scale scores, or
    an adaptive bank's T-scores (analysed as a scale score under the bank's key)."""
    scales = {s.key: s for s in data.instrument.scales}
    out: dict[tuple[str, str], np.ndarray] = {}
    for spec in specs:
        kind, key = spec["indicator_kind"], spec["indicator_key"]
        if (kind, key) in out:
            continue
        if kind == "scale":
            out[kind, key] = scale_scores(data, scales[key]) if key in scales \
                else adaptive_scores.t_scores(data, key)
        else:
            out[kind, key] = data.numbers.get(key)
    return out


def _wave_row(wave: Wave, data: WaveData, rows: np.ndarray, threshold: int) -> dict[str, Any]:
    from revaluation.analysis.suppression import public_count

    return {
        "id": wave.id,
        "name": wave.name,
        "position": wave.position,
        "state": str(wave.state),
        "instrument_version_id": wave.instrument_version_id,
        "responses": public_count(int(rows.sum()), threshold),
        "complete": public_count(int((rows & data.complete).sum()), threshold),
        "panel_linked": public_count(
            int(np.count_nonzero(np.not_equal(data.panel[rows], None))), threshold
        ),
    }


def _revisions(evaluation: Evaluation) -> list[dict[str, Any]]:
    out = []
    for outcome in evaluation.outcomes:
        for revision in outcome.revisions:
            before, after = revision.before or {}, revision.after or {}
            changed = [k for k in after if before.get(k) != after.get(k)] if before else []
            summary = (
                "Added to the framework"
                if not before
                else "; ".join(f"{k}: {before.get(k)} → {after.get(k)}" for k in changed)
                or "No field changed"
            )
            out.append({
                "outcome_key": outcome.key,
                "outcome_title": outcome.title,
                "created_at": revision.created_at.isoformat(timespec="seconds"),
                "reason": revision.reason,
                "summary": summary,
            })
    return sorted(out, key=lambda r: r["created_at"])


def _instruments(waves: list[Wave]) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for wave in waves:
        version = wave.instrument_version
        entry = seen.setdefault(version.id, {
            "instrument": version.instrument.title,
            "version": version.number,
            "waves": [],
        })
        entry["waves"].append(wave.name)
    return list(seen.values())


def _any_suppressed(value: Any) -> bool:
    kind = type(value)
    if kind is dict:
        if value.get("suppressed") is True:
            return True
        return any(_any_suppressed(v) for v in value.values() if type(v) is dict
                   or type(v) is list)
    if kind is list:
        return any(_any_suppressed(v) for v in value if type(v) is dict or type(v) is list)
    return False
