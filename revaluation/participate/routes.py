"""participate blueprint: members' co-design, story, selection and sense-making pages, and the
evaluators' pages that moderate and code them.

Participants need no account (a signed cookie and a resume code); evaluators use the
``/e/<slug>/participation`` pages with an edit role. Participant pages speak the language of
``?lang=`` (remembered in a cookie), else the browser's; evaluators' pages are in English.
Routes are thin: load or 404 -> check ->
validate -> call a service -> commit once -> redirect. The views live in the modules imported
at the bottom, each registering on ``bp``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext

from revaluation.extensions import db
from revaluation.models import Evaluation, Participant, ParticipationSpace
from revaluation.participate import identity
from revaluation.services import participation
from revaluation.services.languages import (
    current_language,
    interface_languages,
    language_name,
    remember_language,
    text_direction,
    translate,
)

bp = Blueprint("participate", __name__)

#: Largest participant POST accepted; a long story with its value is about 30 KB.
MAX_BODY = 128 * 1024
#: Per IP address and participant: enough for a workshop, not for a flood.
PROPOSAL_LIMIT = "10 per 10 minutes"
STORY_LIMIT = "10 per 10 minutes"
VOTE_LIMIT = "60 per minute"


@bp.before_request
def limit_body():
    if request.content_length and request.content_length > MAX_BODY:
        abort(413)


@bp.after_request
def finish(response):
    return remember_language(identity.write(response))


def load_space(code: str) -> tuple[ParticipationSpace, Evaluation]:
    """The space behind a public link and its evaluation, or 404."""
    space = participation.space_by_code(code)
    if space is None:
        abort(404)
    return space, participation.evaluation_of(space)


#: request.environ key: (space, resume code) of a participant made on this request.
NEW_PARTICIPANT = "revaluation.new_participant"


def participant_or_new(space: ParticipationSpace) -> Participant:
    """This browser's participant; a new one if none, kept (and its resume code shown once)
    only if the request is accepted: see :func:`commit` and :func:`refuse`."""
    found, _ = identity.current(space)
    if found is not None:
        return found
    made = participation.new_participant(space)
    identity.remember(space, made.resume_code)
    request.environ[NEW_PARTICIPANT] = (space, made.resume_code)
    return made.participant


def space_view(space: ParticipationSpace, evaluation: Evaluation) -> dict[str, Any]:
    """What every participant page shows about the space, as plain values."""
    _, code = identity.current(space)
    return {
        "code": space.code,
        "title": evaluation.title,
        "movement": evaluation.movement,
        "is_open": space.is_open,
        "resume_code": participation.display_code(code) if code else None,
        "threshold": evaluation.small_cell_threshold,
    }


def public_page(template: str, **context: Any) -> str:
    """Render a participant page in the request's language: its lang and dir, links to the
    other languages, and the services' error messages translated."""
    language = current_language()
    if context.get("errors"):
        context["errors"] = [(field, translate(message)) for field, message in context["errors"]]
    here = {**(request.view_args or {}), **request.args.to_dict()}
    links = [(code, language_name(code), text_direction(code),
              url_for(request.endpoint or "participate.space", **{**here, "lang": code}))
             for code in interface_languages() if code != language]
    return render_template(template, page_lang=language, page_dir=text_direction(language),
                           language_links=links, **context)


def render(template: str, space: ParticipationSpace, evaluation: Evaluation, *,
           status: int = 200, **context: Any):
    """Render a participant page with the space's plain view."""
    return public_page(template, space=space_view(space, evaluation), **context), status


def evaluation_page(template: str, evaluation: Evaluation, role: Any, **context: Any) -> str:
    """Render an evaluator's page inside the evaluation's layout."""
    return render_template(template, slug=evaluation.slug, role=str(role),
                           title=evaluation.title, **context)


def commit() -> None:
    """Keep what this request did; show a participant made on it their resume code."""
    db.session.commit()
    made = request.environ.pop(NEW_PARTICIPANT, None)
    if made is not None:
        flash(
            gettext("Your resume code is %(code)s. Write it down: it lets you come back on another "
              "device, and withdraw your story if you change your mind.",
              code=participation.display_code(made[1])),
            "success",
        )


def refuse() -> None:
    """A refused request stores nothing: undo its changes, and forget a participant made on
    it (their code was never shown, so nobody is left holding it)."""
    db.session.rollback()
    made = request.environ.pop(NEW_PARTICIPANT, None)
    if made is not None:
        identity.forget(made[0])


def int_or_none(value: str | None) -> int | None:
    """A whole number from a form or query field, or None when blank or not a number."""
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 9 else None


from revaluation.participate import (  # noqa: E402  (views register on bp)
    manage,
    manage_rounds,
    panel,
    space,
    stories,
)

__all__ = ["bp", "manage", "manage_rounds", "panel", "space", "stories"]
