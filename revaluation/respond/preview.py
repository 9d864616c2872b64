"""Preview: evaluators answer a version (draft or published) through the real respondent
pages, with the answers kept only in their own session cookie (see `run.py`)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from revaluation.extensions import db
from revaluation.models import InstrumentVersion
from revaluation.respond import pages
from revaluation.respond.run import PREVIEW_KEY, Run, preview_state
from revaluation.respond.views import language_choices
from revaluation.services.access import role_in
from revaluation.services.instruments import definition_of
from revaluation.services.languages import use_language


def _preview_run(version_id: int) -> Run:
    """The preview run of a version the current user may edit; 404 otherwise."""
    version = db.session.get(InstrumentVersion, version_id)
    if version is None:
        abort(404)
    evaluation = version.instrument.evaluation
    role = role_in(evaluation, current_user)
    if role is None:
        abort(404)
    if not role.can_edit:
        abort(403)
    definition = definition_of(version)
    state = preview_state(version_id)
    language = state.get("lang") or definition.default_language
    if language not in definition.languages:
        language = definition.default_language
    use_language(language)
    return Run(definition, dict(state.get("a") or {}), language, evaluation.title,
               evaluation.brand_colour, version_id=version_id, preview=True)


def register(bp: Blueprint) -> None:
    """Add the preview routes to the respond blueprint."""

    @bp.get("/preview/<int:version_id>")
    @login_required
    def preview(version_id: int):
        run = _preview_run(version_id)
        session[PREVIEW_KEY] = {"v": version_id, "a": {}, "lang": run.language}
        first = pages.Flow(run.definition, {}, language=run.language).next_page(None)
        return redirect(run.url("page", section=first) if first else run.url("check"))

    @bp.route("/preview/<int:version_id>/p/<section>", methods=["GET", "POST"])
    @login_required
    def preview_page(version_id: int, section: str):
        run = _preview_run(version_id)
        if request.method == "POST":
            return pages.post_page(run, section)
        return pages.show_page(run, section)

    @bp.post("/preview/<int:version_id>/p/<section>/autosave")
    @login_required
    def preview_autosave(version_id: int, section: str):
        return pages.autosave(_preview_run(version_id), section)

    @bp.get("/preview/<int:version_id>/check")
    @login_required
    def preview_check(version_id: int):
        return pages.show_check(_preview_run(version_id))

    @bp.post("/preview/<int:version_id>/submit")
    @login_required
    def preview_submit(version_id: int):
        run = _preview_run(version_id)
        wrong = pages.submission_problem(run)
        if wrong:
            return pages.problem(*wrong, run=run)
        return redirect(run.url("done"))

    @bp.get("/preview/<int:version_id>/done")
    @login_required
    def preview_done(version_id: int):
        run = _preview_run(version_id)
        session.pop(PREVIEW_KEY, None)
        return pages.render("respond/done.html", run, page_title=_("End of the preview"),
                            code=None)

    @bp.route("/preview/<int:version_id>/language", methods=["GET", "POST"])
    @login_required
    def preview_language(version_id: int):
        run = _preview_run(version_id)
        if request.method == "POST" and request.form.get("lang") in run.definition.languages:
            state = preview_state(version_id)
            state["lang"] = request.form["lang"]
            session[PREVIEW_KEY] = state
            return redirect(url_for(".preview", version_id=version_id))
        return pages.render("respond/language.html", run, page_title=_("Choose a language"),
                            languages=language_choices(run.definition.languages),
                            return_to_url="")
