"""Results: the same dictionary `flask results <evaluation> --format json` prints."""

from __future__ import annotations

from revaluation.api.auth import load_evaluation
from revaluation.api.errors import ApiError
from revaluation.api.evaluations import wave_in
from revaluation.api.inputs import int_args, text_args
from revaluation.api.routes import bp
from revaluation.services.results import ResultsFilterError, evaluation_results


@bp.get("/evaluations/<slug>/results")
def get_results(slug: str):
    """``?wave=ID`` and ``?group=NAME`` (both repeatable) narrow the figures."""
    evaluation, _role = load_evaluation(slug, "results:read")
    wave_ids = [wave_in(evaluation, w).id for w in int_args("wave")] or None
    try:
        return evaluation_results(evaluation, wave_ids=wave_ids, groups=text_args("group") or None)
    except ResultsFilterError as error:
        raise ApiError(400, "invalid_parameter", str(error), {"parameter": "group"}) from None
