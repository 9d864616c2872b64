"""Erasing response data, for owners only: one respondent's response (found by its number in
the exports or by the reference code the respondent quotes) or all the responses of a wave.

Each erasure needs a confirmation typed by the owner (the response number, or the wave's name)
and leaves an audit event with counts, never content. Evaluators and commissioners get 403.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from wtforms import StringField

from revaluation.extensions import db, limiter
from revaluation.forms import Form
from revaluation.models import Response, Wave
from revaluation.results.routes import bp
from revaluation.services import erasure, responses, retention
from revaluation.services.access import evaluation_for

#: Look-ups by reference code are rate limited like the respondents' own page.
FIND_LIMIT = "30/minute"


class FindForm(Form):
    reference = StringField("Response number or the respondent's reference code")


class ConfirmForm(Form):
    confirmation = StringField("Confirmation")


def _page(template: str, evaluation, role, status: int = 200, **values):
    return render_template(template, slug=evaluation.slug, title=evaluation.title,
                           role=str(role), **values), status


def _overview(evaluation, role, form: FindForm | None = None, status: int = 200):
    waves = [{"id": w.id, "name": w.name, "state": str(w.state),
              "responses": erasure.counts_for_wave(w).responses} for w in evaluation.waves]
    return _page("results/erase.html", evaluation, role, status, waves=waves,
                 form=form or FindForm(formdata=None), retention_days=evaluation.retention_days,
                 due=retention.next_deletion(evaluation))


def _find(evaluation, typed: str) -> Response | None:
    """A response of this evaluation by its number or by its respondent's reference code."""
    typed = typed.strip()
    candidates = []
    if typed.isdigit() and len(typed) <= 12:
        candidates.append(db.session.get(Response, int(typed)))
    candidates.append(responses.resume_by_code(typed))
    return next((r for r in candidates
                 if r is not None and r.wave.evaluation_id == evaluation.id), None)


@bp.route("/e/<slug>/results/erase")
def erase(slug: str):
    evaluation, role = evaluation_for(slug, owner=True)
    return _overview(evaluation, role)


@bp.route("/e/<slug>/results/erase/find", methods=["POST"])
@limiter.limit(FIND_LIMIT)
def erase_find(slug: str):
    evaluation, role = evaluation_for(slug, owner=True)
    form = FindForm()
    if not form.validate_on_submit():
        abort(400)
    typed = (form.reference.data or "")[:64]
    if not typed.strip():
        form.reference.errors = ["Enter a response number (from an export) or the "
                                 "respondent's reference code."]
        return _overview(evaluation, role, form, 400)
    found = _find(evaluation, typed)
    if found is None:
        form.reference.errors = ["No response in this evaluation has that number or reference "
                                 "code. Check it: response numbers are in the response_id "
                                 "column of exports; reference codes have 10 letters and "
                                 "numbers."]
        return _overview(evaluation, role, form, 400)
    return redirect(url_for("results.erase_response", slug=slug, response_id=found.id), 303)


def _response_in(evaluation, response_id: int) -> Response:
    found = db.session.get(Response, response_id)
    if found is None or found.wave.evaluation_id != evaluation.id:
        abort(404)
    return found


@bp.route("/e/<slug>/results/responses/<int:response_id>/erase", methods=["GET", "POST"])
def erase_response(slug: str, response_id: int):
    evaluation, role = evaluation_for(slug, owner=True)
    found = _response_in(evaluation, response_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        if (form.confirmation.data or "").strip() == str(found.id):
            erased = erasure.erase_response(found)
            db.session.commit()
            flash(f"Response {response_id} is erased: {erased.answers} answers and "
                  f"{erased.stories} stories deleted.", "success")
            return redirect(url_for("results.erase", slug=slug), 303)
        form.confirmation.errors = [f"Type the response number, {found.id}, to confirm."]
    counts = erasure.counts_for_response(found)
    view = {"id": found.id, "wave": found.wave.name, "group": found.group,
            "status": str(found.status), "started_at": found.started_at,
            "completed_at": found.completed_at, "source": found.imported_from or "web",
            "answers": counts.answers, "stories": counts.stories}
    return _page("results/erase_confirm.html", evaluation, role,
                 400 if form.confirmation.errors else 200, form=form, kind="response",
                 r=view, expected=str(found.id))


def _wave_in(evaluation, wave_id: int) -> Wave:
    found = next((w for w in evaluation.waves if w.id == wave_id), None)
    if found is None:
        abort(404)
    return found


def _same_name(typed: str, name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


@bp.route("/e/<slug>/results/waves/<int:wave_id>/erase", methods=["GET", "POST"])
def erase_wave(slug: str, wave_id: int):
    evaluation, role = evaluation_for(slug, owner=True)
    wave = _wave_in(evaluation, wave_id)
    form = ConfirmForm()
    counts = erasure.counts_for_wave(wave)
    if request.method == "POST" and form.validate_on_submit():
        if not counts.responses:
            flash(f"Wave “{wave.name}” has no responses to erase.", "success")
            return redirect(url_for("results.erase", slug=slug), 303)
        if _same_name(form.confirmation.data or "", wave.name):
            erased = erasure.erase_wave(wave)
            db.session.commit()
            flash(f"Wave “{wave.name}”: {erased.responses} responses erased, with "
                  f"{erased.answers} answers and {erased.stories} stories.", "success")
            return redirect(url_for("results.erase", slug=slug), 303)
        form.confirmation.errors = [f"Type the wave's name, {wave.name}, to confirm."]
    view = {"id": wave.id, "name": wave.name, "state": str(wave.state),
            "responses": counts.responses, "answers": counts.answers, "stories": counts.stories}
    return _page("results/erase_confirm.html", evaluation, role,
                 400 if form.confirmation.errors else 200, form=form, kind="wave", w=view,
                 expected=wave.name)
