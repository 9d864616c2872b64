"""Participatory rounds: Most Significant Change panels, negotiating value, sense-making.

Every round goes draft -> open -> closed (guarded by the models). MSC panellists need no
account: they are known by a keyed hash of a browser token, and every vote needs a reason.
A negotiation round closes on a settled account computed by
:func:`revaluation.analysis.priorities.settled_account`, dissent included.
"""

from __future__ import annotations

from typing import Any

from revaluation.analysis.priorities import settled_account
from revaluation.extensions import db
from revaluation.models import (
    Evaluation,
    Finding,
    FindingResponse,
    FindingStance,
    MscRound,
    MscVote,
    NegotiationRound,
    Participant,
    RoundState,
    Stance,
    Story,
    StoryStatus,
    ValueItem,
    ValueReaction,
)
from revaluation.models.participation import SenseMakingRound, story_tagging
from revaluation.services import audit
from revaluation.services.participation import ParticipationError
from revaluation.services.secrets import keyed_hash, new_code
from surveys.errors import answer_message

PANEL_PURPOSE = "msc-panellist"
REASON_LIMIT = 2000
MSC_TABLE_SIZE = 8


def _words(value: str, *, what: str, field: str, required: bool, limit: int = REASON_LIMIT
           ) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ParticipationError(answer_message("Enter %(what)s", what=what), field)
    if len(text) > limit:
        raise ParticipationError(answer_message(
            "Shorten %(what)s to %(limit)s characters or fewer", what=what, limit=f"{limit:,}"),
            field)
    return text


def round_in(model: type, evaluation: Evaluation, round_id: int) -> Any:
    """The evaluation's round of this kind with this id, or None."""
    found = db.session.get(model, round_id)
    return found if found is not None and found.evaluation_id == evaluation.id else None


def rounds_of(model: type, evaluation_id: int, *, state: RoundState | None = None) -> list:
    query = db.select(model).filter_by(evaluation_id=evaluation_id).order_by(model.id)
    if state is not None:
        query = query.filter_by(state=state)
    return list(db.session.execute(query).scalars())


# -- Most Significant Change ---------------------------------------------------------------


def create_msc_round(evaluation: Evaluation, *, domain: str, tag_id: int | None = None,
                     size: int = MSC_TABLE_SIZE) -> MscRound:
    """A draft MSC round for a domain of change, its table filled with the newest active
    stories (only those coded with ``tag_id`` when given)."""
    query = db.select(Story.id).filter_by(evaluation_id=evaluation.id, status=StoryStatus.ACTIVE)
    if tag_id:
        query = query.join(story_tagging, story_tagging.c.story_id == Story.id).where(
            story_tagging.c.tag_id == tag_id)
    ids = list(db.session.execute(query.order_by(Story.id.desc()).limit(size)).scalars())
    if not ids:
        raise ParticipationError("There are no stories to put before a panel yet", "tag")
    msc_round = MscRound(
        evaluation_id=evaluation.id, code=new_code(10), story_ids=sorted(ids),
        domain=_words(domain, what="the domain of change", field="domain", required=True,
                      limit=200),
    )
    db.session.add(msc_round)
    db.session.flush()
    audit.record("msc.create", evaluation_id=evaluation.id, obj=msc_round, stories=len(ids))
    return msc_round


def msc_by_code(code: str) -> MscRound | None:
    return db.session.execute(
        db.select(MscRound).filter_by(code="".join(c for c in code.lower() if c.isalnum())[:32])
    ).scalar_one_or_none()


def panellist_hash(token: str) -> str:
    return keyed_hash(token, purpose=PANEL_PURPOSE)


def panel_stories(msc_round: MscRound) -> list[dict[str, Any]]:
    """The stories on the panel's table, anonymised: no group, wave or storyteller."""
    stories = {s.id: s for s in db.session.execute(
        db.select(Story).where(Story.id.in_(msc_round.story_ids or []),
                               Story.status == StoryStatus.ACTIVE)
    ).scalars()}
    return [{"id": i, "number": n, "title": stories[i].title, "text": stories[i].text,
             "what_changed": (stories[i].harvest or {}).get("what_changed", "")}
            for n, i in enumerate([i for i in msc_round.story_ids or [] if i in stories], 1)]


def panel_votes(msc_round: MscRound, panellist: str) -> dict[int, dict[str, Any]]:
    rows = db.session.execute(
        db.select(MscVote).filter_by(round_id=msc_round.id, panellist_hash=panellist)
    ).scalars()
    return {v.story_id: {"rank": v.rank, "reason": v.reason} for v in rows}


def cast_msc_votes(msc_round: MscRound, panellist: str,
                   choices: dict[int, tuple[int | None, str]]) -> int:
    """Replace a panellist's votes: story id -> (rank or None, reason). Returns votes kept.

    Every ranked story needs a reason; ranks are 1, 2, 3... without gaps.
    """
    if msc_round.state is not RoundState.OPEN:
        raise ParticipationError(answer_message("This panel is not open for votes"))
    table = [s["id"] for s in panel_stories(msc_round)]
    on_table = set(table)
    chosen = {sid: (rank, reason) for sid, (rank, reason) in choices.items()
              if rank is not None and sid in on_table}
    if not chosen:
        raise ParticipationError(answer_message(
            "Choose at least one story as most significant: give it rank 1"),
            f"rank-{table[0]}" if table else None)
    ranks = sorted(rank for rank, _ in chosen.values())
    if ranks != list(range(1, len(ranks) + 1)):
        raise ParticipationError(answer_message(
            "Give each chosen story a different rank: 1, 2, 3..."), f"rank-{min(chosen)}")
    for sid, (_, reason) in chosen.items():
        _words(reason, what=answer_message("why you chose this story"), field=f"reason-{sid}",
               required=True)
    db.session.execute(db.delete(MscVote).where(MscVote.round_id == msc_round.id,
                                                MscVote.panellist_hash == panellist))
    for sid, (rank, reason) in chosen.items():
        db.session.add(MscVote(round_id=msc_round.id, story_id=sid, panellist_hash=panellist,
                               rank=rank, reason=reason.strip()))
    db.session.flush()
    audit.record("msc.vote", evaluation_id=msc_round.evaluation_id, obj=msc_round,
                 actor_label="panellist", chosen=len(chosen))
    return len(chosen)


def msc_summary(msc_round: MscRound) -> list[dict[str, Any]]:
    """For the evaluator: each story on the table with its first choices, votes and reasons."""
    votes = list(db.session.execute(db.select(MscVote).filter_by(round_id=msc_round.id)
                                    .order_by(MscVote.rank, MscVote.id)).scalars())
    out = []
    for story in panel_stories(msc_round):
        mine = [v for v in votes if v.story_id == story["id"]]
        out.append({**story, "firsts": sum(1 for v in mine if v.rank == 1), "votes": len(mine),
                    "reasons": [{"rank": v.rank, "reason": v.reason} for v in mine]})
    out.sort(key=lambda s: (-s["firsts"], -s["votes"], s["number"]))
    return out


def close_msc(msc_round: MscRound, *, story_id: int, reason: str) -> None:
    """Close the panel on its selection and the reasons it gives (fed back to storytellers)."""
    if story_id not in {s["id"] for s in panel_stories(msc_round)}:
        raise ParticipationError("Choose the story the panel selected", "story")
    text = _words(reason, what="the panel's reasons", field="reason", required=True)
    msc_round.close()
    msc_round.selected_story_id = story_id
    msc_round.selection_reason = text
    db.session.flush()
    audit.record("msc.close", evaluation_id=msc_round.evaluation_id, obj=msc_round)


def msc_feedback(evaluation_id: int, story_ids: list[int]) -> list[dict[str, Any]]:
    """Closed MSC rounds that read one of these stories: what was selected and why."""
    out = []
    for msc_round in rounds_of(MscRound, evaluation_id, state=RoundState.CLOSED):
        read = [i for i in story_ids if i in (msc_round.story_ids or [])]
        if not read or msc_round.selected_story_id is None:
            continue
        selected = db.session.get(Story, msc_round.selected_story_id)
        out.append({"domain": msc_round.domain, "read": read,
                    "selected_id": msc_round.selected_story_id,
                    "selected_title": selected.title if selected else "",
                    "selected_text": selected.text if selected else "",
                    "reason": msc_round.selection_reason})
    return out


# -- negotiating a settled account ------------------------------------------------------------


def create_negotiation(evaluation: Evaluation, title: str) -> NegotiationRound:
    negotiation = NegotiationRound(
        evaluation_id=evaluation.id,
        title=_words(title, what="a title", field="title", required=True, limit=200))
    db.session.add(negotiation)
    db.session.flush()
    audit.record("negotiation.create", evaluation_id=evaluation.id, obj=negotiation)
    return negotiation


def _items(evaluation_id: int) -> list[ValueItem]:
    return list(db.session.execute(
        db.select(ValueItem).join(Story, ValueItem.story_id == Story.id)
        .where(Story.evaluation_id == evaluation_id, Story.status == StoryStatus.ACTIVE)
        .order_by(ValueItem.id)
    ).scalars())


def _reactions(negotiation: NegotiationRound) -> list[ValueReaction]:
    return list(db.session.execute(
        db.select(ValueReaction).filter_by(round_id=negotiation.id).order_by(ValueReaction.id)
    ).scalars())


def negotiation_account(negotiation: NegotiationRound) -> dict[str, Any]:
    """The account as it stands: every live value item with endorsements and dissent."""
    items = [{"id": i.id, "box": str(i.box), "visibility": str(i.visibility), "note": i.note,
              "merged_into": i.merged_into_id} for i in _items(negotiation.evaluation_id)]
    reactions = [{"item": r.value_item_id, "stance": str(r.stance), "reason": r.reason,
                  "participant": r.participant_id} for r in _reactions(negotiation)]
    return settled_account(items, reactions)


def my_reactions(negotiation: NegotiationRound, participant: Participant | None
                 ) -> dict[int, dict[str, str]]:
    if participant is None:
        return {}
    return {r.value_item_id: {"stance": str(r.stance), "reason": r.reason}
            for r in _reactions(negotiation) if r.participant_id == participant.id}


def react(negotiation: NegotiationRound, participant: Participant, item_id: int, *,
          stance: str, reason: str) -> None:
    """Endorse or challenge a value item (a challenge needs a reason); replaces an earlier one."""
    if negotiation.state is not RoundState.OPEN:
        raise ParticipationError(answer_message("This round is not open"))
    item = _live_item(negotiation, item_id)
    if stance not in {s.value for s in Stance}:
        raise ParticipationError(answer_message("Choose endorse or challenge"),
                                 f"stance-{item_id}")
    text = _words(reason, what=answer_message("why you challenge it"), field=f"reason-{item_id}",
                  required=stance == "challenge")
    existing = db.session.execute(db.select(ValueReaction).filter_by(
        round_id=negotiation.id, value_item_id=item.id, participant_id=participant.id)
    ).scalar_one_or_none()
    if existing is None:
        existing = ValueReaction(round_id=negotiation.id, value_item_id=item.id,
                                 participant_id=participant.id, stance=Stance(stance))
        db.session.add(existing)
    existing.stance = Stance(stance)
    existing.reason = text
    db.session.flush()
    audit.record("negotiation.react", evaluation_id=negotiation.evaluation_id, obj=negotiation,
                 actor_label="participant", stance=stance)


def _live_item(negotiation: NegotiationRound, item_id: int) -> ValueItem:
    item = next((i for i in _items(negotiation.evaluation_id) if i.id == item_id), None)
    if item is None or item.merged_into_id is not None:
        raise ParticipationError(answer_message("That value item is no longer in this round"))
    return item


def merge_items(negotiation: NegotiationRound, item_id: int, into_id: int) -> None:
    """Mark a value item as a duplicate of another in the same box; reactions then count once."""
    if negotiation.state is not RoundState.OPEN:
        raise ParticipationError(answer_message("This round is not open"))
    item, into = _live_item(negotiation, item_id), _live_item(negotiation, into_id)
    if item.id == into.id or item.box != into.box:
        raise ParticipationError(answer_message(
            "Merge an item into a different item of the same kind of value"), f"into-{item_id}")
    item.merged_into_id = into.id
    db.session.flush()
    audit.record("negotiation.merge", evaluation_id=negotiation.evaluation_id, obj=negotiation,
                 actor_label="participant", item=item.id, into=into.id)


def close_negotiation(negotiation: NegotiationRound) -> dict[str, Any]:
    """Close the round and keep its settled account (the report presents it as the verdict)."""
    account = negotiation_account(negotiation)
    negotiation.close()
    negotiation.settled_account = account
    db.session.flush()
    audit.record("negotiation.close", evaluation_id=negotiation.evaluation_id, obj=negotiation,
                 **account["counts"])
    return account


# -- sense-making ---------------------------------------------------------------------------


def create_sense_making(evaluation: Evaluation, title: str) -> SenseMakingRound:
    sense = SenseMakingRound(
        evaluation_id=evaluation.id,
        title=_words(title, what="a title", field="title", required=True, limit=200))
    db.session.add(sense)
    db.session.flush()
    audit.record("sense_making.create", evaluation_id=evaluation.id, obj=sense)
    return sense


def add_finding(sense: SenseMakingRound, *, title: str, summary: str,
                data: dict | None = None) -> Finding:
    """Add a finding (only while the round is a draft: published findings do not change)."""
    if sense.state is not RoundState.DRAFT:
        raise ParticipationError("Findings can only be added before the round opens")
    finding = Finding(
        round_id=sense.id, position=len(sense.findings),
        title=_words(title, what="a title for the finding", field="title", required=True,
                     limit=200),
        summary=_words(summary, what="what was found, in plain words", field="summary",
                       required=True, limit=4000),
        data=data or {})
    sense.findings.append(finding)
    db.session.flush()
    audit.record("sense_making.finding", evaluation_id=sense.evaluation_id, obj=finding)
    return finding


def respond_to_finding(sense: SenseMakingRound, participant: Participant, finding_id: int, *,
                       stance: str, comment: str) -> None:
    """Agree, disagree or "it's more complicated", with an optional comment (replaces earlier)."""
    if sense.state is not RoundState.OPEN:
        raise ParticipationError(answer_message("This round is not open for responses"))
    finding = next((f for f in sense.findings if f.id == finding_id), None)
    if finding is None:
        raise ParticipationError(answer_message("That finding is not part of this round"))
    if stance not in {s.value for s in FindingStance}:
        raise ParticipationError(answer_message("Choose agree, disagree or it's more complicated"),
                                 f"stance-{finding_id}")
    text = _words(comment, what=answer_message("your comment"), field=f"comment-{finding_id}",
                  required=False)
    existing = db.session.execute(db.select(FindingResponse).filter_by(
        finding_id=finding.id, participant_id=participant.id)).scalar_one_or_none()
    if existing is None:
        existing = FindingResponse(finding_id=finding.id, participant_id=participant.id,
                                   stance=FindingStance(stance))
        db.session.add(existing)
    existing.stance = FindingStance(stance)
    existing.comment = text
    db.session.flush()
    audit.record("sense_making.respond", evaluation_id=sense.evaluation_id, obj=finding,
                 actor_label="participant", stance=stance)


def finding_responses(sense: SenseMakingRound) -> dict[int, list[dict[str, str]]]:
    """Finding id -> every response (stance and comment), for the evaluator."""
    rows = db.session.execute(
        db.select(FindingResponse).where(
            FindingResponse.finding_id.in_([f.id for f in sense.findings]))
        .order_by(FindingResponse.id)
    ).scalars()
    out: dict[int, list[dict[str, str]]] = {f.id: [] for f in sense.findings}
    for row in rows:
        out[row.finding_id].append({"stance": str(row.stance), "comment": row.comment})
    return out


def my_finding_responses(sense: SenseMakingRound, participant: Participant | None
                         ) -> dict[int, dict[str, str]]:
    if participant is None:
        return {}
    rows = db.session.execute(
        db.select(FindingResponse).where(
            FindingResponse.finding_id.in_([f.id for f in sense.findings]),
            FindingResponse.participant_id == participant.id)
    ).scalars()
    return {r.finding_id: {"stance": str(r.stance), "comment": r.comment} for r in rows}
