"""The evaluators' workspace: the list of evaluations and an evaluation's overview."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from revaluation.services import access
from revaluation.services.overview import evaluation_overview

bp = Blueprint("design", __name__)


@bp.route("/")
@login_required
def index():
    rows = [
        {"slug": e.slug, "title": e.title, "movement": e.movement, "role": str(r)}
        for e, r in access.evaluations_of(current_user)
    ]
    return render_template("design/index.html", evaluations=rows)


@bp.route("/e/<slug>/")
@login_required
def evaluation(slug: str):
    evaluation, role = access.evaluation_for(slug)
    return render_template(
        "design/evaluation.html", ov=evaluation_overview(evaluation), role=str(role)
    )


# The workspace's other pages live in their own modules and register on this blueprint.
from revaluation.design import (  # noqa: E402,F401
    consent,
    fieldwork,
    framework,
    instruments,
    settings,
)
