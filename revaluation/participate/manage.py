"""Evaluators' participation pages: the space's settings, moderating proposals, coding stories.

Every route loads the evaluation for an edit role (commissioners 403, non-members 404), then
loads the proposal or story inside it (404 for another evaluation's ids).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from revaluation.extensions import db
from revaluation.models import Instrument, ProposalKind
from revaluation.participate.routes import bp, evaluation_page, int_or_none
from revaluation.services import (
    access,
    participation,
    participation_coding,
    participation_moderation,
    participation_votes,
)
from revaluation.services.instruments import definition_of, instrument_in
from revaluation.services.languages import language_name
from revaluation.services.participation import ParticipationError
from revaluation.services.participation_coding import StoryFilter
from surveys.formats import DefinitionError

STATISTICS = {"mean": "Mean", "median": "Median",
              "proportion": "Proportion at or above a threshold"}
DIRECTIONS = {"increase": "Increase", "decrease": "Decrease", "maintain": "Stay the same"}


@bp.route("/e/<slug>/participation", endpoint="manage")
@login_required
def manage(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    space = participation.space_of(evaluation)
    counts = {}
    if space is not None:
        counts = {"proposals": len(participation.proposals_of(evaluation.id)),
                  "pending": len(participation.proposals_of(
                      evaluation.id, statuses=(participation_votes.VOTABLE[0],))),
                  "stories": len(participation_coding.filtered_stories(
                      evaluation, StoryFilter(), limit=10_000))}
    return evaluation_page("participate/manage.html", evaluation, role, space=space, counts=counts,
                 link=url_for("participate.space", code=space.code, _external=True)
                 if space else None, errors=[])


@bp.route("/e/<slug>/participation/space", methods=["POST"], endpoint="manage_space")
@login_required
def manage_space(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    space = participation.space_of(evaluation)
    if space is None:
        participation.create_space(evaluation)
        db.session.commit()
        flash("The participation space is open. Share its link or QR code with members.",
              "success")
        return redirect(url_for("participate.manage", slug=slug))
    try:
        participation.update_space(
            space, is_open=request.form.get("is_open") == "yes",
            welcome=request.form.get("welcome", ""),
            dot_budget=int_or_none(request.form.get("dot_budget")) or 0,
            outcome_harvest=request.form.get("outcome_harvest") == "yes")
    except ParticipationError as exc:
        db.session.rollback()
        return evaluation_page("participate/manage.html", evaluation, role, space=space, counts={},
                     link=url_for("participate.space", code=space.code, _external=True),
                     errors=[(exc.field, exc.message)]), 400
    db.session.commit()
    flash("Settings saved.", "success")
    return redirect(url_for("participate.manage", slug=slug))


def _proposal(slug: str, proposal_id: int):
    evaluation, role = access.evaluation_for(slug, edit=True)
    proposal = participation.proposal_in(evaluation.id, proposal_id)
    if proposal is None:
        abort(404)
    return evaluation, role, proposal


@bp.route("/e/<slug>/participation/proposals", endpoint="manage_proposals")
@login_required
def manage_proposals(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    proposals = participation.proposals_of(evaluation.id)
    support = participation_votes.tallies(evaluation, [p.id for p in proposals], suppress=False)
    rows = [{"id": p.id, "kind": str(p.kind), "text": p.text, "detail": p.detail,
             "status": str(p.status), "reason": p.moderation_reason,
             "merged_into": p.merged_into_id, "outcome": p.outcome_id,
             "support": support.get(p.id)} for p in proposals]
    return evaluation_page("participate/manage_proposals.html", evaluation, role, rows=rows)


@bp.route("/e/<slug>/participation/proposals/<int:proposal_id>/<any(decline, merge):action>",
          methods=["POST"], endpoint="moderate")
@login_required
def moderate(slug: str, proposal_id: int, action: str):
    evaluation, _, proposal = _proposal(slug, proposal_id)
    reason = request.form.get("reason", "")
    try:
        if action == "decline":
            participation_moderation.decline(proposal, current_user, reason)
        else:
            into = participation.proposal_in(evaluation.id,
                                             int_or_none(request.form.get("into")) or 0)
            if into is None:
                raise ParticipationError("Choose the proposal to merge it into")
            participation_moderation.merge(proposal, into, current_user, reason)
    except ParticipationError as exc:
        db.session.rollback()
        flash(f"Proposal {proposal_id}: {exc.message}", "error")
    else:
        db.session.commit()
        flash(f"Proposal {proposal_id} {'declined' if action == 'decline' else 'merged'}; "
              "the proposer can read your reason.", "success")
    return redirect(url_for("participate.manage_proposals", slug=slug) + f"#p-{proposal_id}")


def _question_targets(evaluation) -> list[dict]:
    out = []
    for instrument in sorted(evaluation.instruments, key=lambda i: i.id):
        definition = definition_of(instrument.latest)
        language = definition.default_language
        out.append({"id": instrument.id, "title": instrument.title,
                    "languages": [c for c in definition.languages if c != language],
                    "sections": [(s.key, s.title.get(language) or s.key)
                                 for s in definition.sections]})
    return out


def _other_languages(targets: list[dict]) -> list[tuple[str, str]]:
    """(code, name) of every language some instrument has besides its default one."""
    codes = sorted({code for t in targets for code in t["languages"]})
    return [(code, language_name(code)) for code in codes]


@bp.route("/e/<slug>/participation/proposals/<int:proposal_id>/accept",
          methods=["GET", "POST"], endpoint="accept")
@login_required
def accept(slug: str, proposal_id: int):
    evaluation, role, proposal = _proposal(slug, proposal_id)
    targets = _question_targets(evaluation)
    form = {"title": proposal.text[:200], "label": proposal.text[:500], "qtype": "long_text"}
    errors = []
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k != "csrf_token"}
        try:
            if proposal.kind is ProposalKind.OUTCOME:
                participation_moderation.accept_outcome(
                    proposal, current_user, evaluation, title=form.get("title", ""),
                    indicator=form.get("indicator", ""), statistic=form.get("statistic", ""),
                    threshold=form.get("threshold"), target=form.get("target"),
                    direction=form.get("direction", ""), reason=form.get("reason"))
            else:
                section_instrument, _, section = form.get("section", "").partition(":")
                instrument = instrument_in(evaluation, int_or_none(section_instrument) or 0)
                if not isinstance(instrument, Instrument):
                    raise ParticipationError("Choose a page of an instrument", "section")
                participation_moderation.accept_question(
                    proposal, current_user, instrument, label=form.get("label", ""),
                    qtype=form.get("qtype", ""), section=section, reason=form.get("reason"),
                    translations={k.removeprefix("label_"): v for k, v in form.items()
                                  if k.startswith("label_")})
        except (ParticipationError, DefinitionError) as exc:
            db.session.rollback()
            message = getattr(exc, "message", None) or "; ".join(
                p.message for p in getattr(exc, "problems", [])) or str(exc)
            errors = [(getattr(exc, "field", None), message)]
        else:
            db.session.commit()
            flash(f"Proposal {proposal_id} accepted: " + (
                "it is now in the outcome framework as a proposed outcome."
                if proposal.kind is ProposalKind.OUTCOME
                else "the question is in the instrument's next draft version."), "success")
            return redirect(url_for("participate.manage_proposals", slug=slug))
    return evaluation_page("participate/manage_accept.html", evaluation, role,
                 proposal={"id": proposal.id, "kind": str(proposal.kind), "text": proposal.text,
                           "detail": proposal.detail, "status": str(proposal.status)},
                 form=form, errors=errors, statistics=STATISTICS, directions=DIRECTIONS,
                 indicators=participation_moderation.indicator_choices(evaluation),
                 targets=targets, other_languages=_other_languages(targets),
                 qtypes=participation_moderation.QUESTION_TYPES), 400 if errors else 200


def _filter() -> StoryFilter:
    wave = request.args.get("wave", "")
    return StoryFilter(
        tag=int_or_none(request.args.get("tag")), group=request.args.get("group") or None,
        wave=0 if wave == "none" else int_or_none(wave),
        min_words=int_or_none(request.args.get("min_words")),
        max_words=int_or_none(request.args.get("max_words")),
        text=(request.args.get("q") or "").strip()[:100])


@bp.route("/e/<slug>/participation/stories", endpoint="manage_stories")
@login_required
def manage_stories(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    chosen = _filter()
    return evaluation_page("participate/manage_stories.html", evaluation, role,
                 stories=participation_coding.filtered_stories(evaluation, chosen),
                 tags=[(t.id, t.name) for t in participation_coding.tags_of(evaluation)],
                 counts=participation_coding.tag_counts_by_wave(evaluation),
                 groups=participation.evaluation_groups(evaluation),
                 waves=participation_coding.wave_choices(evaluation), chosen=chosen,
                 query=request.args.to_dict())


@bp.route("/e/<slug>/participation/stories/tags", methods=["POST"], endpoint="create_tag")
@login_required
def create_tag(slug: str):
    evaluation, _ = access.evaluation_for(slug, edit=True)
    try:
        tag = participation_coding.create_tag(evaluation, request.form.get("name", ""))
    except ParticipationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"Code “{tag.name}” created.", "success")
    return redirect(url_for("participate.manage_stories", slug=slug))


@bp.route("/e/<slug>/participation/stories/<int:story_id>/tags", methods=["POST"],
          endpoint="tag_story")
@login_required
def tag_story(slug: str, story_id: int):
    evaluation, _ = access.evaluation_for(slug, edit=True)
    story = participation_coding.story_in(evaluation, story_id)
    if story is None:
        abort(404)
    ids = [int(v) for v in request.form.getlist("tag") if v.isdigit()]
    participation_coding.set_tags(evaluation, story, ids)
    db.session.commit()
    flash(f"Codes saved for story {story_id}.", "success")
    back = request.form.get("back", "")
    query = back if back.startswith("?") else ""
    return redirect(url_for("participate.manage_stories", slug=slug) + query + f"#s-{story_id}")
