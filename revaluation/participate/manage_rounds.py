"""Evaluators' pages for participatory rounds: MSC panels, negotiation, sense-making.

Create a round (draft), open it, read what participants said, close it. Closing an MSC round
records the panel's selection and reasons; closing a negotiation keeps its settled account.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import login_required

from revaluation.extensions import db
from revaluation.models import MscRound, NegotiationRound, StateError
from revaluation.models.participation import SenseMakingRound
from revaluation.participate.routes import bp, evaluation_page, int_or_none
from revaluation.services import access, participation, participation_coding, participation_rounds
from revaluation.services.participation import ParticipationError
from revaluation.services.participation_findings import findings_from_results

KINDS = {"msc": MscRound, "negotiation": NegotiationRound, "sense": SenseMakingRound}


def _round(slug: str, kind: str, round_id: int):
    evaluation, role = access.evaluation_for(slug, edit=True)
    found = participation_rounds.round_in(KINDS[kind], evaluation, round_id)
    if found is None:
        abort(404)
    return evaluation, role, found


@bp.route("/e/<slug>/participation/rounds", endpoint="manage_rounds")
@login_required
def manage_rounds(slug: str):
    evaluation, role = access.evaluation_for(slug, edit=True)
    space = participation.space_of(evaluation)
    return evaluation_page(
        "participate/manage_rounds.html", evaluation, role,
        space_code=space.code if space else None,
        msc=[{"id": r.id, "domain": r.domain, "state": str(r.state), "stories": len(r.story_ids)}
             for r in participation_rounds.rounds_of(MscRound, evaluation.id)],
        negotiations=[{"id": r.id, "title": r.title, "state": str(r.state)}
                      for r in participation_rounds.rounds_of(NegotiationRound, evaluation.id)],
        senses=[{"id": r.id, "title": r.title, "state": str(r.state), "findings": len(r.findings)}
                for r in participation_rounds.rounds_of(SenseMakingRound, evaluation.id)],
        tags=[(t.id, t.name) for t in participation_coding.tags_of(evaluation)])


@bp.route("/e/<slug>/participation/rounds/<any(msc, negotiation, sense):kind>",
          methods=["POST"], endpoint="create_round")
@login_required
def create_round(slug: str, kind: str):
    evaluation, _ = access.evaluation_for(slug, edit=True)
    try:
        if kind == "msc":
            made = participation_rounds.create_msc_round(
                evaluation, domain=request.form.get("domain", ""),
                tag_id=int_or_none(request.form.get("tag")))
        elif kind == "negotiation":
            made = participation_rounds.create_negotiation(evaluation,
                                                           request.form.get("title", ""))
        else:
            made = participation_rounds.create_sense_making(evaluation,
                                                            request.form.get("title", ""))
    except ParticipationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("participate.manage_rounds", slug=slug))
    db.session.commit()
    flash("Round created as a draft. Open it when it is ready.", "success")
    return redirect(url_for("participate.manage_round", slug=slug, kind=kind, round_id=made.id))


@bp.route("/e/<slug>/participation/rounds/<any(msc, negotiation, sense):kind>/<int:round_id>",
          endpoint="manage_round")
@login_required
def manage_round(slug: str, kind: str, round_id: int):
    evaluation, role, found = _round(slug, kind, round_id)
    space = participation.space_of(evaluation)
    context = {"kind": kind, "round": found, "state": str(found.state),
               "space_code": space.code if space else None}
    if kind == "msc":
        context["stories"] = participation_rounds.msc_summary(found)
        context["panel_link"] = url_for("participate.msc_panel", code=found.code, _external=True)
    elif kind == "negotiation":
        context["account"] = (found.settled_account if found.settled_account
                              else participation_rounds.negotiation_account(found))
    else:
        context["findings"] = [{"id": f.id, "title": f.title, "summary": f.summary}
                               for f in found.findings]
        context["responses"] = participation_rounds.finding_responses(found)
    return evaluation_page("participate/manage_round.html", evaluation, role, **context)


@bp.route("/e/<slug>/participation/rounds/<any(msc, negotiation, sense):kind>/<int:round_id>"
          "/<any(open, close):action>", methods=["POST"], endpoint="round_state")
@login_required
def round_state(slug: str, kind: str, round_id: int, action: str):
    _evaluation, _, found = _round(slug, kind, round_id)
    try:
        if action == "open":
            if kind == "sense" and not found.findings:
                raise ParticipationError("Add at least one finding before opening the round")
            found.open()
        elif kind == "msc":
            participation_rounds.close_msc(
                found, story_id=int_or_none(request.form.get("story")) or 0,
                reason=request.form.get("reason", ""))
        elif kind == "negotiation":
            participation_rounds.close_negotiation(found)
        else:
            found.close()
    except (ParticipationError, StateError) as exc:
        db.session.rollback()
        flash(getattr(exc, "message", None) or str(exc), "error")
    else:
        db.session.commit()
        flash(f"The round is now {found.state.value}.", "success")
    return redirect(url_for("participate.manage_round", slug=slug, kind=kind, round_id=round_id))


@bp.route("/e/<slug>/participation/rounds/sense/<int:round_id>/findings", methods=["POST"],
          endpoint="add_finding")
@login_required
def add_finding(slug: str, round_id: int):
    evaluation, _, sense = _round(slug, "sense", round_id)
    try:
        if request.form.get("source") == "results":
            added = findings_from_results(evaluation, sense)
            message = f"{added} finding{'' if added == 1 else 's'} added from the outcome table."
        else:
            participation_rounds.add_finding(sense, title=request.form.get("title", ""),
                                             summary=request.form.get("summary", ""))
            message = "Finding added."
    except ParticipationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("participate.manage_round", slug=slug, kind="sense",
                            round_id=round_id))
