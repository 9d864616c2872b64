"""Participant pages for stories: tell one and place its value, see your own (with what MSC
panels made of them), withdraw one, and negotiate the settled account of value."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext

from revaluation.extensions import limiter
from revaluation.models import NegotiationRound, RoundState
from revaluation.participate import identity
from revaluation.participate.routes import (
    STORY_LIMIT,
    VOTE_LIMIT,
    bp,
    commit,
    int_or_none,
    load_space,
    participant_or_new,
    refuse,
    render,
)
from revaluation.services import participation_rounds, participation_stories
from revaluation.services.languages import N_, current_language
from revaluation.services.participation import ParticipationError, evaluation_groups
from revaluation.services.participation_stories import HARVEST, INTENDED, StoryProblems
from surveys.errors import answer_message

BOXES = {
    "calculate": (N_("Calculate"), N_("Things that can be counted or costed")),
    "calibrate": (N_("Calibrate"), N_("Judgements of worth: what people feel it is worth")),
    "capacitate": (N_("Capacitate"), N_("Capacity it built for the movement")),
}
VISIBILITY = {"visible": N_("Visible: people can see it"),
              "invisible": N_("Invisible: easily missed")}
#: Short words for a value item's visibility and a negotiated item's verdict.
WORDS = {"visible": N_("visible"), "invisible": N_("invisible"), "endorsed": N_("endorsed"),
         "contested": N_("contested"), "unreviewed": N_("not reviewed")}


def boxes() -> dict[str, tuple[str, str]]:
    """The three boxes of the value grid, name and meaning in the page's language."""
    return {key: (gettext(name), gettext(text)) for key, (name, text) in BOXES.items()}


def words() -> dict[str, str]:
    return {key: gettext(text) for key, text in WORDS.items()}


def _story_form_context(evaluation, space, form, errors):
    return {
        "form": form, "errors": errors,
        "harvest": [(k, gettext(v)) for k, v in HARVEST] if space.outcome_harvest else (),
        "intended": {k: gettext(v) for k, v in INTENDED.items()}, "boxes": boxes(),
        "visibility": {k: gettext(v) for k, v in VISIBILITY.items()},
        "marks": participation_stories.signifiers(evaluation, current_language()),
        "groups": evaluation_groups(evaluation),
        "slots": range(1, participation_stories.VALUE_SLOTS + 1),
        "error_fields": {f for f, _ in errors},
    }


@bp.route("/p/<code>/story", methods=["GET", "POST"], endpoint="story")
@limiter.limit(STORY_LIMIT, key_func=identity.rate_key, methods=["POST"])
def tell(code: str):
    space, evaluation = load_space(code)
    form: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k != "csrf_token"}
        marks = participation_stories.signifiers(evaluation, current_language())
        try:
            story = participation_stories.read_story(
                form, marks, harvest=space.outcome_harvest, groups=evaluation_groups(evaluation))
            participant = participant_or_new(space)
            participation_stories.tell_story(space, participant, story)
        except StoryProblems as exc:
            refuse()
            errors = exc.problems
        except ParticipationError as exc:
            refuse()
            errors = [(exc.field, exc.message)]
        else:
            commit()
            flash(gettext("Thank you for your story. You can see it, and withdraw it, under "
                    "“Your stories”."), "success")
            return redirect(url_for("participate.my_stories", code=space.code))
    return render("participate/story.html", space, evaluation, status=400 if errors else 200,
                  **_story_form_context(evaluation, space, form, errors))


@bp.route("/p/<code>/stories", endpoint="my_stories")
def my_stories(code: str):
    space, evaluation = load_space(code)
    participant, _ = identity.current(space)
    stories = participation_stories.stories_of(participant) if participant else []
    feedback = participation_rounds.msc_feedback(evaluation.id, [s.id for s in stories])
    rows = [{"id": s.id, "title": s.title, "text": s.text, "intended": s.intended,
             "values": [{"box": gettext(BOXES[str(v.box)][0]),
                         "visibility": gettext(WORDS[str(v.visibility)]),
                         "note": v.note} for v in s.value_items],
             "msc": [{"domain": f["domain"], "selected": f["selected_id"] == s.id,
                      "selected_title": f["selected_title"], "selected_text": f["selected_text"],
                      "reason": f["reason"]} for f in feedback if s.id in f["read"]]}
            for s in stories]
    return render("participate/my_stories.html", space, evaluation, rows=rows,
                  known=participant is not None)


@bp.route("/p/<code>/stories/<int:story_id>/withdraw", methods=["GET", "POST"],
          endpoint="withdraw")
def withdraw(code: str, story_id: int):
    space, evaluation = load_space(code)
    participant, _ = identity.current(space)
    story = participation_stories.own_story(participant, story_id)
    if story is None:
        abort(404)
    if request.method == "POST":
        participation_stories.withdraw(story)
        commit()
        flash(gettext("Your story has been withdrawn. It has been deleted and no longer appears "
                "anywhere."), "success")
        return redirect(url_for("participate.my_stories", code=space.code))
    return render("participate/withdraw.html", space, evaluation,
                  story={"id": story.id, "title": story.title, "text": story.text})


def _negotiation(code: str, round_id: int):
    space, evaluation = load_space(code)
    negotiation = participation_rounds.round_in(NegotiationRound, evaluation, round_id)
    if negotiation is None or negotiation.state is RoundState.DRAFT:
        abort(404)
    return space, evaluation, negotiation


@bp.route("/p/<code>/negotiate/<int:round_id>", endpoint="negotiate")
def negotiate(code: str, round_id: int, errors: list | None = None):
    space, evaluation, negotiation = _negotiation(code, round_id)
    participant, _ = identity.current(space)
    account = (negotiation.settled_account if negotiation.state is RoundState.CLOSED
               else participation_rounds.negotiation_account(negotiation))
    groups = {box: [i for i in account["items"] if i["box"] == box] for box in BOXES}
    return render("participate/negotiate.html", space, evaluation,
                  status=400 if errors else 200,
                  round={"id": negotiation.id, "title": negotiation.title,
                         "open": negotiation.state is RoundState.OPEN},
                  groups=groups, boxes=boxes(), words=words(), counts=account["counts"],
                  mine=participation_rounds.my_reactions(negotiation, participant),
                  errors=errors or [])


@bp.route("/p/<code>/negotiate/<int:round_id>/react/<int:item_id>", methods=["POST"],
          endpoint="react")
@limiter.limit(VOTE_LIMIT, key_func=identity.rate_key, methods=["POST"])
def react(code: str, round_id: int, item_id: int):
    space, _evaluation, negotiation = _negotiation(code, round_id)
    try:
        participant = participant_or_new(space)
        participation_rounds.react(negotiation, participant, item_id,
                                   stance=request.form.get("stance", ""),
                                   reason=request.form.get("reason", ""))
    except ParticipationError as exc:
        refuse()
        return negotiate(code, round_id, errors=[(exc.field, exc.message)])
    commit()
    flash(gettext("Thank you: your view on that value is recorded."), "success")
    return redirect(url_for("participate.negotiate", code=space.code, round_id=round_id)
                    + f"#item-{item_id}")


@bp.route("/p/<code>/negotiate/<int:round_id>/merge/<int:item_id>", methods=["POST"],
          endpoint="merge_item")
@limiter.limit(VOTE_LIMIT, key_func=identity.rate_key, methods=["POST"])
def merge_item(code: str, round_id: int, item_id: int):
    space, _evaluation, negotiation = _negotiation(code, round_id)
    try:
        participant_or_new(space)
        into = int_or_none(request.form.get("into"))
        if into is None:
            raise ParticipationError(answer_message("Choose the item it repeats"),
                                     f"into-{item_id}")
        participation_rounds.merge_items(negotiation, item_id, into)
    except ParticipationError as exc:
        refuse()
        return negotiate(code, round_id, errors=[(exc.field, exc.message)])
    commit()
    flash(gettext("The two items are now one. Views on either count for both."), "success")
    return redirect(url_for("participate.negotiate", code=space.code, round_id=round_id))
