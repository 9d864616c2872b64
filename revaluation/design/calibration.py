"""Evaluators' workspace: calibrating an item bank from a wave, reviewing the fit, accepting it.

Calibrating runs as a background job when a worker exists (inline otherwise); the pages show its
progress and refresh themselves until it is done. Accepting puts the fitted parameters and a
stopping rule into the instrument's draft and shows the difference; publishing is the normal
publish button. Routes are thin: load (edit role) -> validate -> service -> commit -> redirect.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice

from revaluation.design.forms_instruments import ConfirmForm
from revaluation.design.instruments import load, page_context
from revaluation.design.routes import bp
from revaluation.extensions import db
from revaluation.forms import Form
from revaluation.models import JobStatus
from revaluation.services import calibration_jobs, calibration_review, instruments
from revaluation.services.calibration_accept import AcceptError, accept_calibration, check_rule
from revaluation.services.instrument_editing import EditError
from surveys.formats import DefinitionError

BASE = "/e/<slug>/instruments/<int:instrument_id>"


class ItemChoices(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form) -> None:
        """Unknown items are reported by the service in words, not as a bare "invalid"."""


class AcceptForm(Form):
    include = ItemChoices("Items to keep in the adaptive bank")
    min_items = StringField("Fewest items to ask")
    max_items = StringField("Most items to ask")
    max_se = StringField("Stop once the standard error is below")


def _version(instrument, number: int):
    version = instruments.version_numbered(instrument, number)
    if version is None:
        abort(404)
    return version


@bp.route(f"{BASE}/v/<int:number>/calibrate", methods=["GET", "POST"])
@login_required
def calibrate(slug: str, instrument_id: int, number: int):
    evaluation, role, instrument = load(slug, instrument_id)
    version = _version(instrument, number)
    error = None
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        bank_key = request.form.get("bank", "")
        wave_id = request.form.get("wave", "")
        if not wave_id.isdigit():
            error = (bank_key, "Choose the wave whose answers the calibration should use.")
        else:
            try:
                job = calibration_jobs.start_calibration(
                    instrument, version, bank_key=bank_key, wave_id=int(wave_id),
                    user_id=current_user.id,
                )
            except calibration_jobs.CalibrationStartError as exc:
                db.session.rollback()
                error = (bank_key, str(exc))
            else:
                db.session.commit()
                calibration_jobs.enqueue(job)
                _flash(job)
                return redirect(url_for("design.calibration", slug=slug,
                                        instrument_id=instrument.id, job_id=job.id))
    elif request.method == "POST":
        error = ("", "The form had expired. Choose the wave again and start the calibration.")
    page = calibration_review.calibrate_page(
        instrument, calibration_jobs.bank_sources(instrument, version))
    return render_template(
        "design/calibrate.html",
        **page_context(
            evaluation, role,
            instrument={"id": instrument.id, "title": instrument.title},
            version={"number": version.number, "status": str(version.status)},
            page=page, error=error, form=form,
            min_complete=calibration_jobs.MIN_COMPLETE,
        ),
    ), (400 if error else 200)


def _flash(job) -> None:
    if job.status is JobStatus.DONE:
        flash("The calibration is finished. Review the fitted parameters below.", "success")
    elif job.status is JobStatus.FAILED:
        flash("The calibration did not finish; the reason is below.", "error")
    else:
        flash("The calibration is running in the background. This page shows its progress.",
              "info")


def _accept_form(data, *, formdata=True) -> AcceptForm:
    form = AcceptForm() if formdata else AcceptForm(formdata=None)
    result = data["result"]
    if result is None:
        return form
    form.include.choices = [
        SelectChoice(i["key"], i["key"]) for i in result["items"] if i["publishable"]
    ]
    if not formdata or request.method == "GET":
        rule = result["rule"]
        form.include.data = [choice.value for choice in form.include.choices]
        form.min_items.data = str(rule.min_items)
        form.max_items.data = str(rule.max_items)
        form.max_se.data = f"{rule.max_se:g}"
    return form


def _review_page(evaluation, role, instrument, job, form=None, *, status: int = 200):
    data = calibration_review.review(job)
    form = form or _accept_form(data)
    return render_template(
        "design/calibration.html",
        **page_context(
            evaluation, role,
            instrument={"id": instrument.id, "title": instrument.title},
            data=data, form=form, confirm=ConfirmForm(),
            refresh=data["job"]["status"] in ("queued", "running"),
        ),
    ), status


@bp.route(f"{BASE}/calibrations/<int:job_id>")
@login_required
def calibration(slug: str, instrument_id: int, job_id: int):
    evaluation, role, instrument = load(slug, instrument_id)
    job = calibration_jobs.job_in(instrument, job_id)
    if job is None:
        abort(404)
    return _review_page(evaluation, role, instrument, job)


@bp.route(f"{BASE}/calibrations/<int:job_id>/retry", methods=["POST"])
@login_required
def calibration_retry(slug: str, instrument_id: int, job_id: int):
    _evaluation, _role, instrument = load(slug, instrument_id)
    job = calibration_jobs.job_in(instrument, job_id)
    if job is None:
        abort(404)
    target = url_for("design.calibration", slug=slug, instrument_id=instrument.id, job_id=job.id)
    if not ConfirmForm().validate_on_submit():
        flash("The form had expired; press “Try again” once more.", "error")
        return redirect(target)
    if job.status is not JobStatus.FAILED:
        flash("This calibration has not failed, so there is nothing to try again.", "info")
        return redirect(target)
    calibration_jobs.retry(job)
    db.session.commit()
    calibration_jobs.enqueue(job)
    _flash(job)
    return redirect(target)


@bp.route(f"{BASE}/calibrations/<int:job_id>/accept", methods=["POST"])
@login_required
def calibration_accept(slug: str, instrument_id: int, job_id: int):
    evaluation, role, instrument = load(slug, instrument_id)
    job = calibration_jobs.job_in(instrument, job_id)
    if job is None:
        abort(404)
    form = _accept_form(calibration_review.review(job))
    if not form.validate_on_submit():
        form.include.errors = ["The form had expired; check your choices and accept again."]
        return _review_page(evaluation, role, instrument, job, form, status=400)
    chosen = form.include.data or []
    try:
        rule = check_rule(form.min_items.data, form.max_items.data, form.max_se.data,
                          max(len(chosen), 1))
        version = accept_calibration(instrument, job, include=chosen, rule=rule,
                                     user_id=current_user.id)
    except AcceptError as exc:
        db.session.rollback()
        getattr(form, exc.field or "include").errors = [str(exc)]
        return _review_page(evaluation, role, instrument, job, form, status=400)
    except (EditError, DefinitionError) as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, EditError) else "; ".join(
            map(str, exc.problems))
        form.include.errors = [f"The draft could not take these parameters: {message}"]
        return _review_page(evaluation, role, instrument, job, form, status=400)
    db.session.commit()
    flash(
        f"Version {version.number} is a draft with the fitted parameters and the stopping rule. "
        "Check the changes below, then publish it from the instrument page.",
        "success",
    )
    return redirect(url_for("design.instrument_diff", slug=slug, instrument_id=instrument.id,
                            a=job.result["version_number"], b=version.number))
