"""Evaluators' workspace: fieldwork pages (waves, invitations, QR codes, posters, live figures).

Every route: load the evaluation for an edit role (commissioners 403, others 404) -> load the
wave inside it (404 for another evaluation's ids) -> validate -> call a service -> commit once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from revaluation.design.forms_fieldwork import (
    DATETIME_FORMAT,
    ConfirmForm,
    RevokeTokensForm,
    TokenForm,
    WaveForm,
)
from revaluation.design.routes import bp
from revaluation.extensions import db
from revaluation.models import Anonymity, Evaluation, StateError, Wave
from revaluation.services import access, fieldwork, fieldwork_stats, qr, results_jobs
from revaluation.services.fieldwork_stats import poster_view, wave_list, wave_view

QR_CACHE = "private, max-age=86400"


def _wave(slug: str, wave_id: int) -> tuple[Evaluation, str, Wave]:
    evaluation, role = access.evaluation_for(slug, edit=True)
    wave = fieldwork.wave_in(evaluation, wave_id)
    if wave is None:
        abort(404)
    return evaluation, str(role), wave


def _versions(evaluation: Evaluation) -> list[tuple[int, str]]:
    return [
        (v.id, f"{v.instrument.title} – version {v.number}")
        for v in fieldwork.published_versions(evaluation)
    ]


@bp.route("/e/<slug>/fieldwork", endpoint="fieldwork")
@login_required
def fieldwork_page(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    return render_template(
        "design/fieldwork.html",
        slug=slug,
        role=str(role),
        title=evaluation.title,
        waves=wave_list(evaluation),
        can_create=bool(fieldwork.published_versions(evaluation)),
        instruments_url=(
            url_for("design.instruments", slug=slug)
            if "design.instruments" in current_app.view_functions
            else None
        ),
    )


def _settings(form: WaveForm, evaluation: Evaluation) -> fieldwork.WaveSettings:
    versions = {v.id: v for v in fieldwork.published_versions(evaluation)}

    def utc(moment: datetime | None) -> datetime | None:
        return moment.replace(tzinfo=UTC) if moment else None

    return fieldwork.WaveSettings(
        name=form.name.data,
        version=versions[form.version.data],
        groups=form.groups.cleaned,
        ask_panel_code=form.ask_panel_code.data,
        anonymity=Anonymity(form.anonymity.data),
        consent_text=(form.consent_text.data or "").strip(),
        opens_at=utc(form.opens_at.data),
        closes_at=utc(form.closes_at.data),
    )


@bp.route("/e/<slug>/fieldwork/new", methods=["GET", "POST"])
@login_required
def wave_new(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    form = WaveForm(versions=_versions(evaluation))
    if not form.version.choices:
        flash("Publish an instrument version before creating a wave.", "error")
        return redirect(url_for("design.fieldwork", slug=slug))
    if form.validate_on_submit():
        s = _settings(form, evaluation)
        wave = fieldwork.create_wave(
            evaluation,
            s.version,
            name=s.name,
            groups=s.groups,
            ask_panel_code=s.ask_panel_code,
            anonymity=s.anonymity,
            consent_text=s.consent_text,
            opens_at=s.opens_at,
            closes_at=s.closes_at,
        )
        db.session.commit()
        flash(f"Wave “{wave.name}” created as a draft.", "success")
        return redirect(url_for("design.wave", slug=slug, wave_id=wave.id))
    status = 400 if form.errors else 200
    return render_template(
        "design/wave_form.html", slug=slug, role=str(role), title=evaluation.title, form=form
    ), status


@bp.route("/e/<slug>/fieldwork/<int:wave_id>/edit", methods=["GET", "POST"])
@login_required
def wave_edit(slug: str, wave_id: int):
    evaluation, role, wave = _wave(slug, wave_id)
    if request.method == "GET" and str(wave.state) != "draft":
        flash(f"Wave “{wave.name}” is {wave.state}; only a draft wave can be edited.", "error")
        return redirect(url_for("design.wave", slug=slug, wave_id=wave.id))
    form = WaveForm(versions=_versions(evaluation))
    if request.method == "GET":
        form.name.data = wave.name
        form.version.data = wave.instrument_version_id
        form.groups.data = ", ".join(wave.groups)
        form.opens_at.data = wave.opens_at.replace(tzinfo=None) if wave.opens_at else None
        form.closes_at.data = wave.closes_at.replace(tzinfo=None) if wave.closes_at else None
        form.ask_panel_code.data = wave.ask_panel_code
        form.anonymity.data = str(wave.anonymity)
        form.consent_text.data = wave.consent_text
    elif form.validate_on_submit():
        try:
            fieldwork.update_wave(wave, _settings(form, evaluation))
        except (StateError, fieldwork.FieldworkError) as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("design.wave", slug=slug, wave_id=wave_id))
        db.session.commit()
        flash("Wave saved.", "success")
        return redirect(url_for("design.wave", slug=slug, wave_id=wave_id))
    return render_template(
        "design/wave_form.html",
        slug=slug,
        role=role,
        title=evaluation.title,
        form=form,
        wave={"id": wave.id, "name": wave.name},
        datetime_format=DATETIME_FORMAT,
    ), (400 if form.errors else 200)


@bp.route("/e/<slug>/fieldwork/<int:wave_id>", endpoint="wave")
@login_required
def wave_page(slug: str, wave_id: int):
    evaluation, role, wave = _wave(slug, wave_id)
    return _render_wave(evaluation, role, wave)


def _render_wave(evaluation, role, wave, *, token_form=None, status: int = 200):
    return render_template(
        "design/wave.html",
        slug=evaluation.slug,
        role=role,
        title=evaluation.title,
        w=wave_view(wave),
        token_form=token_form or TokenForm(groups=list(wave.groups), formdata=None),
        revoke_form=RevokeTokensForm(groups=list(wave.groups), formdata=None, prefix="revoke"),
    ), status


@bp.route("/e/<slug>/fieldwork/<int:wave_id>/<any(open, close):action>", methods=["GET", "POST"])
@login_required
def wave_transition(slug: str, wave_id: int, action: str):
    evaluation, role, wave = _wave(slug, wave_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            (fieldwork.open_wave if action == "open" else fieldwork.close_wave)(wave)
        except StateError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            ahead = None
            if action == "close":  # its answers are final: compute the results ahead of need
                ahead = results_jobs.ahead_of_need(evaluation, user_id=current_user.id)
            db.session.commit()
            results_jobs.send(ahead)
            flash(f"Wave “{wave.name}” is now {wave.state}.", "success")
        return redirect(url_for("design.wave", slug=slug, wave_id=wave_id))
    return render_template(
        "design/wave_confirm.html",
        slug=slug,
        role=role,
        title=evaluation.title,
        action=action,
        w={"id": wave.id, "name": wave.name, "state": str(wave.state)},
        locks_framework=action == "open" and not evaluation.framework_locked,
        outcomes=len(evaluation.outcomes),
        form=form,
    )


@bp.route(
    "/e/<slug>/fieldwork/<int:wave_id>/links/<int:link_id>/<any(regenerate, revoke):action>",
    methods=["POST"],
)
@login_required
def link_change(slug: str, wave_id: int, link_id: int, action: str):
    _evaluation, _role, wave = _wave(slug, wave_id)
    invitation = fieldwork.open_link_in(wave, link_id)
    if invitation is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            if action == "regenerate":
                fieldwork.regenerate_link(invitation)
                message = f"A new link for “{invitation.group}” replaces the old one."
            else:
                fieldwork.revoke_link(invitation)
                message = f"The “{invitation.group}” link no longer admits anyone."
        except (StateError, fieldwork.FieldworkError) as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("design.wave", slug=slug, wave_id=wave_id) + "#links")


@bp.route("/e/<slug>/fieldwork/<int:wave_id>/tokens", methods=["POST"])
@login_required
def wave_tokens(slug: str, wave_id: int):
    evaluation, role, wave = _wave(slug, wave_id)
    form = TokenForm(groups=list(wave.groups))
    if not form.validate_on_submit():
        return _render_wave(evaluation, role, wave, token_form=form, status=400)
    try:
        tokens = fieldwork.create_tokens(wave, form.group.data, form.count.data)
    except (StateError, ValueError) as error:
        db.session.rollback()
        form.count.errors = [str(error)]
        return _render_wave(evaluation, role, wave, token_form=form, status=400)
    body = fieldwork.tokens_csv(form.group.data, tokens)
    db.session.commit()
    filename = f"{evaluation.slug}-wave{wave.id}-{form.group.data}-tokens.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/e/<slug>/fieldwork/<int:wave_id>/tokens/revoke", methods=["POST"])
@login_required
def wave_tokens_revoke(slug: str, wave_id: int):
    _evaluation, _role, wave = _wave(slug, wave_id)
    form = RevokeTokensForm(groups=list(wave.groups), prefix="revoke")
    if form.validate_on_submit():
        count = fieldwork.revoke_unused_tokens(wave, form.group.data or None)
        db.session.commit()
        flash(f"Revoked {count} unused token{'s' if count != 1 else ''}.", "success")
    else:
        flash("Choose a group of this wave, or all groups.", "error")
    return redirect(url_for("design.wave", slug=slug, wave_id=wave_id) + "#tokens")


@bp.route("/e/<slug>/fieldwork/<int:wave_id>/links/<int:link_id>/qr.<any(png, svg):fmt>")
@login_required
def link_qr(slug: str, wave_id: int, link_id: int, fmt: str):
    _evaluation, _role, wave = _wave(slug, wave_id)
    invitation = fieldwork.open_link_in(wave, link_id)
    if invitation is None:
        abort(404)
    url = fieldwork.link_url(invitation)
    if fmt == "png":
        body, mimetype = qr.qr_png(url), "image/png"
    else:
        body, mimetype = qr.qr_svg(url), "image/svg+xml"
    filename = f"qr-{wave.id}-{invitation.group}.{fmt}"
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = QR_CACHE
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(f"{invitation.code}-{fmt}")
    return response.make_conditional(request)


@bp.route("/e/<slug>/fieldwork/<int:wave_id>/links/<int:link_id>/poster")
@login_required
def link_poster(slug: str, wave_id: int, link_id: int):
    evaluation, _role, wave = _wave(slug, wave_id)
    invitation = fieldwork.open_link_in(wave, link_id)
    if invitation is None:
        abort(404)
    return render_template("design/poster.html", p=poster_view(evaluation, wave, invitation))


@bp.route("/e/<slug>/fieldwork/<int:wave_id>/live")
@login_required
def wave_live(slug: str, wave_id: int):
    evaluation, role, wave = _wave(slug, wave_id)
    return render_template(
        "design/wave_live.html",
        slug=slug,
        role=role,
        title=evaluation.title,
        w={"id": wave.id, "name": wave.name, "state": str(wave.state)},
        figures=fieldwork_stats.wave_figures(wave),
        checked_at=datetime.now(UTC),
    )
