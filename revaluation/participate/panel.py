"""Selecting and making sense: the MSC panel page (by link), the sense-making page, and the
public results-back page that tells participants what was found and what happened to their
proposals."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext

from revaluation.extensions import limiter
from revaluation.models import ProposalStatus, RoundState
from revaluation.models.participation import SenseMakingRound
from revaluation.participate import identity
from revaluation.participate.routes import (
    VOTE_LIMIT,
    bp,
    commit,
    int_or_none,
    load_space,
    participant_or_new,
    public_page,
    refuse,
    render,
)
from revaluation.services import participation, participation_rounds, participation_votes
from revaluation.services.languages import N_
from revaluation.services.participation import ParticipationError
from revaluation.services.participation_results import results_back

STANCES = {"agree": N_("I agree"), "disagree": N_("I disagree"),
           "complicated": N_("It's more complicated")}


@bp.route("/msc/<code>", methods=["GET", "POST"], endpoint="msc_panel")
@limiter.limit(VOTE_LIMIT, key_func=identity.rate_key, methods=["POST"])
def msc_panel(code: str):
    msc_round = participation_rounds.msc_by_code(code)
    if msc_round is None or msc_round.state is RoundState.DRAFT:
        abort(404)
    stories = participation_rounds.panel_stories(msc_round)
    token = identity.panel_token(msc_round.id, create=request.method == "POST")
    panellist = participation_rounds.panellist_hash(token) if token else None
    mine = participation_rounds.panel_votes(msc_round, panellist) if panellist else {}
    errors: list[tuple[str | None, str]] = []
    if request.method == "POST":
        choices = {s["id"]: (int_or_none(request.form.get(f"rank-{s['id']}")),
                             request.form.get(f"reason-{s['id']}", "")) for s in stories}
        try:
            participation_rounds.cast_msc_votes(msc_round, panellist, choices)
        except ParticipationError as exc:
            errors = [(exc.field, exc.message)]
            mine = {sid: {"rank": rank, "reason": reason}
                    for sid, (rank, reason) in choices.items()}
        else:
            commit()
            flash(gettext("Thank you: your choices and reasons are recorded. You can change them "
                    "until the panel closes."), "success")
            return redirect(url_for("participate.msc_panel", code=msc_round.code))
    selected = next((s for s in stories if s["id"] == msc_round.selected_story_id), None)
    return public_page(
        "participate/msc_panel.html",
        round={"code": msc_round.code, "domain": msc_round.domain,
               "open": msc_round.state is RoundState.OPEN, "reason": msc_round.selection_reason,
               "selected": selected},
        stories=stories, mine=mine, errors=errors, ranks=range(1, len(stories) + 1),
    ), 400 if errors else 200


def _sense(code: str, round_id: int):
    space, evaluation = load_space(code)
    sense = participation_rounds.round_in(SenseMakingRound, evaluation, round_id)
    if sense is None or sense.state is RoundState.DRAFT:
        abort(404)
    return space, evaluation, sense


@bp.route("/p/<code>/sense/<int:round_id>", endpoint="sense")
def sense_page(code: str, round_id: int, errors: list | None = None, typed: dict | None = None):
    space, evaluation, sense = _sense(code, round_id)
    participant, _ = identity.current(space)
    mine = participation_rounds.my_finding_responses(sense, participant)
    if typed:
        mine.update(typed)
    findings = [{"id": f.id, "title": f.title, "summary": f.summary, "data": f.data or {}}
                for f in sense.findings]
    return render("participate/sense.html", space, evaluation, status=400 if errors else 200,
                  round={"id": sense.id, "title": sense.title,
                         "open": sense.state is RoundState.OPEN},
                  findings=findings, mine=mine,
                  stances={k: gettext(v) for k, v in STANCES.items()}, errors=errors or [])


@bp.route("/p/<code>/sense/<int:round_id>/<int:finding_id>", methods=["POST"],
          endpoint="respond_finding")
@limiter.limit(VOTE_LIMIT, key_func=identity.rate_key, methods=["POST"])
def respond_finding(code: str, round_id: int, finding_id: int):
    space, _evaluation, sense = _sense(code, round_id)
    stance, comment = request.form.get("stance", ""), request.form.get("comment", "")
    try:
        participant = participant_or_new(space)
        participation_rounds.respond_to_finding(sense, participant, finding_id, stance=stance,
                                                comment=comment)
    except ParticipationError as exc:
        refuse()
        return sense_page(code, round_id, errors=[(exc.field, exc.message)],
                          typed={finding_id: {"stance": stance, "comment": comment}})
    commit()
    flash(gettext("Thank you: your response to this finding is recorded."), "success")
    return redirect(url_for("participate.sense", code=space.code, round_id=round_id)
                    + f"#finding-{finding_id}")


@bp.route("/p/<code>/results", endpoint="results_back")
def results_back_page(code: str):
    space, evaluation = load_space(code)
    proposals = participation.proposals_of(evaluation.id)
    support = participation_votes.tallies(
        evaluation, [p.id for p in proposals if p.status in participation_votes.VOTABLE])
    return render("participate/results_back.html", space, evaluation,
                  results=results_back(evaluation, proposals, support),
                  accepted=ProposalStatus.ACCEPTED.value)
