"""Results pages for evaluators and commissioners: the outcome table, one page per outcome,
question-level tables, and (evaluators only) row-level exports and imports.

Every figure comes from :func:`revaluation.services.results.evaluation_results`, the structure
``flask results`` prints; the pages only choose what to show and format it with
:mod:`revaluation.reports.formatting`, like the PDF report.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from revaluation.reports import charts, formatting
from revaluation.services.access import evaluation_for
from revaluation.services.results import (
    ResultsFilterError,
    evaluation_groups,
    evaluation_results,
)

bp = Blueprint("results", __name__)


@bp.record_once
def _filters(state) -> None:
    formatting.register(state.app.jinja_env)


def _filter_args(evaluation) -> tuple[list[int] | None, list[str] | None, str | None]:
    """The ``wave`` and ``group`` GET parameters, validated; an error sentence when bad."""
    raw_waves = request.args.getlist("wave")
    groups = [g for g in request.args.getlist("group") if g] or None
    if any(not w.isdigit() or len(w) > 12 for w in raw_waves):
        return None, groups, "A wave filter must be a wave number from the list below."
    return [int(w) for w in raw_waves] or None, groups, None


def _results_or_error(evaluation):
    wave_ids, groups, error = _filter_args(evaluation)
    if error is None:
        try:
            return evaluation_results(evaluation, wave_ids=wave_ids, groups=groups), None
        except ResultsFilterError as exc:
            error = str(exc)
    return evaluation_results(evaluation), error


def _page(template: str, evaluation, role, results, error, **extra):
    chosen_waves = set(results["filters"]["wave_ids"])
    filters = {
        "waves": [{"id": w.id, "name": w.name, "checked": w.id in chosen_waves}
                  for w in evaluation.waves if str(w.state) != "draft"],
        "groups": [{"name": g, "checked": g in results["filters"]["groups"]}
                   for g in evaluation_groups(evaluation)],
        "active": bool(chosen_waves or results["filters"]["groups"]),
    }
    return render_template(
        template, slug=evaluation.slug, title=evaluation.title, role=str(role),
        can_edit=role.can_edit, results=results, filters=filters, error=error,
        query=request.query_string.decode("ascii", "replace"), **extra,
    ), (400 if error else 200)


@bp.route("/e/<slug>/results")
def index(slug: str):
    evaluation, role = evaluation_for(slug)
    results, error = _results_or_error(evaluation)
    return _page("results/index.html", evaluation, role, results, error)


@bp.route("/e/<slug>/results/outcomes/<key>")
def outcome(slug: str, key: str):
    evaluation, role = evaluation_for(slug)
    results, error = _results_or_error(evaluation)
    found = next((o for o in results["outcomes"] if o["key"] == key), None)
    if found is None:
        abort(404)
    stat = found["statistic"]
    drawn = {
        "waves": charts.wave_comparison(found["by_wave"], target=found["target"], statistic=stat,
                                        title=f"{found['title']}: each wave against the target")
        if found["by_wave"] else None,
        "groups": charts.group_comparison(
            found["by_group"], target=found["target"], statistic=stat,
            title=f"{found['title']}: each group against the target")
        if found["by_group"] else None,
    }
    return _page("results/outcome.html", evaluation, role, results, error, outcome=found,
                 charts=drawn)


@bp.route("/e/<slug>/results/questions")
def questions(slug: str):
    evaluation, role = evaluation_for(slug)
    results, error = _results_or_error(evaluation)
    bars = {}
    for question in results["questions"]:
        if question["by_wave"]:
            latest = question["by_wave"][-1]
            rows = [{"label": d["label"] or d["value"], "percent": d["percent"]}
                    for d in latest["summary"]["distribution"]]
            if rows and question["type"] != "number":
                bars[question["key"]] = charts.distribution_bars(
                    rows, title=f"{question['label']} ({latest['wave']})")
    return _page("results/questions.html", evaluation, role, results, error, bars=bars)



# Exports/imports and the report pages register their views on bp.
from revaluation.results import data_views, erase_views, reports_views  # noqa: E402,F401
