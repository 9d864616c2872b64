"""Evaluators' workspace: the outcome framework editor and its history.

Editing needs an owner or evaluator (commissioners 403, non-members 404); the history pages
are open to every member, since commissioners read reports that cite the revisions.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from revaluation.design.forms_framework import DropForm, MoveForm, OutcomeForm
from revaluation.design.routes import bp
from revaluation.extensions import db
from revaluation.models import Evaluation, Outcome, Role
from revaluation.services import access, framework
from revaluation.services.framework_views import framework_history, framework_rows, outcome_history


def _outcome(slug: str, outcome_id: int, *, edit: bool) -> tuple[Evaluation, Role, Outcome]:
    evaluation, role = access.evaluation_for(slug, edit=edit)
    outcome = framework.outcome_in(evaluation, outcome_id)
    if outcome is None:
        abort(404)
    return evaluation, role, outcome


def _page(template: str, evaluation: Evaluation, role: Role, status: int = 200, **values):
    return render_template(
        template,
        slug=evaluation.slug,
        role=str(role),
        title=evaluation.title,
        locked=evaluation.framework_locked,
        locked_at=evaluation.framework_locked_at,
        **values,
    ), status


@bp.route("/e/<slug>/outcomes", endpoint="framework")
@login_required
def framework_page(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    return _page(
        "design/framework.html",
        evaluation,
        role,
        outcomes=framework_rows(evaluation),
        has_indicators=bool(framework.indicators(evaluation)),
    )


def _choices(form: OutcomeForm, evaluation: Evaluation) -> None:
    found = framework.indicators(evaluation)
    options = [SelectChoice("", "Choose a question or scale")]
    for i in found:
        group = "Scale scores" if i.kind == "scale" else "Questions"
        note = "" if i.numeric else " – no numbers"
        options.append(SelectChoice(i.value, f"{i.label} ({i.key}){note}", optgroup=group))
    form.indicator.choices = options
    waves = [SelectChoice(str(w.id), w.name) for w in evaluation.waves]
    form.baseline_wave.choices = [SelectChoice("", "Choose a wave"), *waves]
    form.due_wave.choices = [SelectChoice("", "No particular wave"), *waves]


def _save_errors(form: OutcomeForm, exc: framework.FrameworkError) -> list:
    """Put a service refusal on the field it names (or in the summary when it names none)."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, str(exc)]
        return []
    return [(None, str(exc))]


@bp.route("/e/<slug>/outcomes/new", methods=["GET", "POST"], endpoint="outcome_new")
@login_required
def outcome_new(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    form = OutcomeForm()
    _choices(form, evaluation)
    errors: list = []
    if form.validate_on_submit():
        try:
            outcome = framework.add_outcome(
                evaluation,
                **form.values(),
                reason=form.reason.data,
                author=current_user._get_current_object(),
            )
        except framework.FrameworkError as exc:
            errors = _save_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Added the outcome “{outcome.title}”.", "success")
            return redirect(url_for("design.framework", slug=slug))
    return _page(
        "design/framework_outcome.html",
        evaluation,
        role,
        400 if form.errors or errors else 200,
        form=form,
        errors=errors,
        outcome=None,
    )


@bp.route(
    "/e/<slug>/outcomes/<int:outcome_id>/edit", methods=["GET", "POST"], endpoint="outcome_edit"
)
@login_required
def outcome_edit(slug: str, outcome_id: int):
    evaluation, role, outcome = _outcome(slug, outcome_id, edit=True)
    form = OutcomeForm()
    _choices(form, evaluation)
    if not form.is_submitted():
        form.fill(outcome)
    errors: list = []
    if form.validate_on_submit():
        try:
            revision = framework.revise_outcome(
                outcome,
                form.values(),
                reason=form.reason.data,
                author=current_user._get_current_object(),
            )
        except framework.FrameworkError as exc:
            errors = _save_errors(form, exc)
        else:
            db.session.commit()
            flash(
                f"Saved “{outcome.title}”."
                + (" The revision and its reason are in the history." if revision else ""),
                "success",
            )
            return redirect(url_for("design.framework", slug=slug))
    return _page(
        "design/framework_outcome.html",
        evaluation,
        role,
        400 if form.errors or errors else 200,
        form=form,
        errors=errors,
        outcome={"id": outcome.id, "title": outcome.title, "active": outcome.active},
    )


@bp.route("/e/<slug>/outcomes/<int:outcome_id>/move", methods=["POST"], endpoint="outcome_move")
@login_required
def outcome_move(slug: str, outcome_id: int):
    _, _, outcome = _outcome(slug, outcome_id, edit=True)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    framework.move_outcome(outcome, -1 if form.direction.data == "up" else 1)
    db.session.commit()
    return redirect(url_for("design.framework", slug=slug, _anchor=f"outcome-{outcome.id}"))


@bp.route(
    "/e/<slug>/outcomes/<int:outcome_id>/drop", methods=["GET", "POST"], endpoint="outcome_drop"
)
@login_required
def outcome_drop(slug: str, outcome_id: int):
    evaluation, role, outcome = _outcome(slug, outcome_id, edit=True)
    if not outcome.active:
        flash(f"“{outcome.title}” was already dropped.", "info")
        return redirect(url_for("design.framework", slug=slug))
    form = DropForm()
    if form.validate_on_submit():
        framework.drop_outcome(
            outcome, reason=form.reason.data, author=current_user._get_current_object()
        )
        db.session.commit()
        flash(f"Dropped “{outcome.title}”. It stays in the history with your reason.", "success")
        return redirect(url_for("design.framework", slug=slug))
    return _page(
        "design/framework_drop.html",
        evaluation,
        role,
        400 if form.errors else 200,
        form=form,
        outcome={"id": outcome.id, "title": outcome.title},
    )


@bp.route("/e/<slug>/outcomes/history", endpoint="framework_history")
@login_required
def framework_history_page(slug: str):
    evaluation, role = access.evaluation_for(slug)
    return _page(
        "design/framework_history.html", evaluation, role, history=framework_history(evaluation)
    )


@bp.route("/e/<slug>/outcomes/<int:outcome_id>/history", endpoint="outcome_history")
@login_required
def outcome_history_page(slug: str, outcome_id: int):
    evaluation, role, outcome = _outcome(slug, outcome_id, edit=False)
    return _page(
        "design/framework_outcome_history.html", evaluation, role, history=outcome_history(outcome)
    )
