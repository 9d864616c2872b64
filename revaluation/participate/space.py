"""Participant pages of the space: landing, resume code, proposing, dot-voting and ranking."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext

from revaluation.extensions import limiter
from revaluation.models import (
    MscRound,
    NegotiationRound,
    ParticipationSpace,
    ProposalStatus,
    RoundState,
)
from revaluation.models.participation import SenseMakingRound
from revaluation.participate import identity
from revaluation.participate.routes import (
    PROPOSAL_LIMIT,
    VOTE_LIMIT,
    bp,
    commit,
    int_or_none,
    load_space,
    participant_or_new,
    refuse,
    render,
)
from revaluation.services import participation, participation_votes
from revaluation.services.languages import N_, translate
from revaluation.services.participation import ParticipationError
from revaluation.services.participation_rounds import rounds_of
from revaluation.services.secrets import normalise_code

KIND_WORDS = {"outcome": N_("What success would look like"),
              "question": N_("A question to ask")}
STATUS_WORDS = {
    "pending": N_("Waiting for the evaluators to look at it"),
    "accepted": N_("Accepted"),
    "merged": N_("Merged with a similar proposal"),
    "declined": N_("Not taken forward"),
}


@bp.route("/p/<code>", endpoint="space")
def landing(code: str):
    space, evaluation = load_space(code)
    participant, _ = identity.current(space)
    open_rounds = {
        "negotiation": [{"id": r.id, "title": r.title}
                        for r in rounds_of(NegotiationRound, evaluation.id, state=RoundState.OPEN)],
        "sense": [{"id": r.id, "title": r.title}
                  for r in rounds_of(SenseMakingRound, evaluation.id, state=RoundState.OPEN)],
    }
    return render("participate/space.html", space, evaluation, welcome=space.welcome,
                  description=evaluation.description, rounds=open_rounds,
                  known=participant is not None,
                  msc_closed=bool(rounds_of(MscRound, evaluation.id, state=RoundState.CLOSED)))


@bp.route("/p/<code>/resume", methods=["GET", "POST"], endpoint="resume")
@limiter.limit("20 per 10 minutes", key_func=identity.rate_key, methods=["POST"])
def resume(code: str):
    space, evaluation = load_space(code)
    errors = []
    typed = ""
    if request.method == "POST":
        typed = request.form.get("resume_code", "")
        found = participation.participant_by_code(space, typed)
        if found is not None:
            identity.remember(space, normalise_code(typed))
            flash(gettext("Welcome back. This device now remembers you."), "success")
            return redirect(url_for("participate.space", code=space.code))
        errors = [("resume_code", gettext("We do not recognise that resume code. Check it and try "
                                    "again: it has 10 letters and numbers, like abcde-23456"))]
    return render("participate/resume.html", space, evaluation, errors=errors, typed=typed,
                  status=400 if errors else 200)


@bp.route("/p/<code>/forget", methods=["POST"], endpoint="forget")
def forget(code: str):
    space, _ = load_space(code)
    identity.forget(space)
    flash(gettext("This device has forgotten you. Use your resume code to come back."), "success")
    return redirect(url_for("participate.space", code=space.code))


@bp.route("/p/<code>/propose", methods=["GET", "POST"], endpoint="propose")
@limiter.limit(PROPOSAL_LIMIT, key_func=identity.rate_key, methods=["POST"])
def propose(code: str):
    space, evaluation = load_space(code)
    form = {"kind": request.args.get("kind", "outcome"), "text": "", "detail": ""}
    errors = []
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("kind", "text", "detail")}
        try:
            participant = participant_or_new(space)
            participation.propose(space, participant, **form)
        except ParticipationError as exc:
            refuse()
            errors = [(exc.field or "text", exc.message)]
        else:
            commit()
            flash(gettext("Thank you. Your proposal is in: the evaluators will look at it and you "
                    "can follow what happens to it here."), "success")
            return redirect(url_for("participate.proposals", code=space.code))
    return render("participate/propose.html", space, evaluation, form=form, errors=errors,
                  status=400 if errors else 200)


def _proposal_rows(space: ParticipationSpace, evaluation, participant) -> list[dict]:
    proposals = participation.proposals_of(evaluation.id)
    ids = [p.id for p in proposals if p.status in participation_votes.VOTABLE]
    support = participation_votes.tallies(evaluation, ids)
    mine = participation_votes.my_votes(participant)
    by_id = {p.id: p for p in proposals}
    rows = []
    for p in proposals:
        own = participant is not None and p.participant_id == participant.id
        if p.status in (ProposalStatus.DECLINED, ProposalStatus.MERGED) and not own:
            continue
        into = by_id.get(p.merged_into_id)
        rows.append({
            "id": p.id, "kind": str(p.kind), "kind_words": gettext(KIND_WORDS[str(p.kind)]),
            "text": p.text, "detail": p.detail, "status": str(p.status),
            "status_words": gettext(STATUS_WORDS[str(p.status)]), "reason": p.moderation_reason,
            "merged_into": into.text if into else None, "own": own,
            "votable": p.status in participation_votes.VOTABLE,
            "support": support.get(p.id), "my_dots": mine.get(p.id, {}).get("dots", 0),
            "my_rank": mine.get(p.id, {}).get("rank"),
        })
    rows.sort(key=lambda r: (not r["votable"], (r["support"] or {}).get("position", 0), r["id"]))
    return rows


@bp.route("/p/<code>/proposals", endpoint="proposals")
def proposals(code: str):
    space, evaluation = load_space(code)
    participant, _ = identity.current(space)
    used = participation_votes.dots_used(participant) if participant else 0
    return render("participate/proposals.html", space, evaluation,
                  rows=_proposal_rows(space, evaluation, participant),
                  budget=space.dot_budget, left=space.dot_budget - used,
                  left_words=translate(
                      participation_votes.dots_left_message(space.dot_budget - used)))


@bp.route("/p/<code>/proposals/<int:proposal_id>/dots", methods=["POST"], endpoint="dots")
@limiter.limit(VOTE_LIMIT, key_func=identity.rate_key, methods=["POST"])
def dots(code: str, proposal_id: int):
    space, evaluation = load_space(code)
    proposal = participation.proposal_in(evaluation.id, proposal_id)
    if proposal is None:
        return redirect(url_for("participate.proposals", code=space.code))
    delta = 1 if request.form.get("change") == "add" else -1
    try:
        participant = participant_or_new(space)
        left = participation_votes.change_dots(space, participant, proposal, delta)
    except ParticipationError as exc:
        refuse()
        flash(translate(exc.message), "error")
    else:
        commit()
        words = translate(participation_votes.dots_left_message(left))
        flash(gettext("Dot added. %(left)s.", left=words) if delta > 0
              else gettext("Dot taken back. %(left)s.", left=words), "success")
    return redirect(url_for("participate.proposals", code=space.code) + f"#p-{proposal_id}")


@bp.route("/p/<code>/rank", methods=["GET", "POST"], endpoint="rank")
@limiter.limit(VOTE_LIMIT, key_func=identity.rate_key, methods=["POST"])
def rank(code: str):
    space, evaluation = load_space(code)
    participant, _ = identity.current(space)
    rows = [r for r in _proposal_rows(space, evaluation, participant) if r["votable"]]
    errors = []
    if request.method == "POST":
        ranks = {r["id"]: int_or_none(request.form.get(f"rank-{r['id']}")) for r in rows}
        try:
            participant = participant_or_new(space)
            participation_votes.set_ranking(space, participant, ranks)
        except ParticipationError as exc:
            refuse()
            errors = [(f"rank-{rows[0]['id']}" if rows else None, exc.message)]
            for row in rows:
                row["my_rank"] = ranks.get(row["id"])
        else:
            commit()
            flash(gettext("Your ranking is saved."), "success")
            return redirect(url_for("participate.proposals", code=space.code))
    return render("participate/rank.html", space, evaluation, rows=rows, errors=errors,
                  status=400 if errors else 200)
