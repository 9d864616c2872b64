"""Evaluators moderate members' proposals: accept, merge into another, or decline with a reason.

An accepted outcome proposal enters the outcome framework with origin ``proposed``; an
accepted question is added to the instrument's next draft version and re-validated by the
survey engine before anything is stored. The reason for a merge or decline is shown to the
proposer, so it is required.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from revaluation.extensions import db
from revaluation.models import (
    Evaluation,
    Instrument,
    InstrumentVersion,
    Outcome,
    Proposal,
    ProposalKind,
    ProposalStatus,
    User,
    Vote,
)
from revaluation.models.base import utcnow
from revaluation.services import audit, framework, instruments
from revaluation.services.languages import language_name
from revaluation.services.participation import ParticipationError
from surveys.formats import load_instrument

#: Question types an accepted question may become, with the designer's words for them.
QUESTION_TYPES = {
    "long_text": "Several paragraphs of text",
    "text": "A short text answer",
    "story": "A story of change",
    "rating": "A rating from 0 to 10",
}
REASON_LIMIT = 2000


def _reason(reason: str | None, *, required: bool) -> str | None:
    text = (reason or "").strip()
    if required and not text:
        raise ParticipationError(
            "Give a reason: the person who proposed it will read it", "reason")
    if len(text) > REASON_LIMIT:
        raise ParticipationError(f"Shorten the reason to {REASON_LIMIT:,} characters or fewer",
                                 "reason")
    return text or None


def _pending(proposal: Proposal) -> None:
    if proposal.status is not ProposalStatus.PENDING:
        raise ParticipationError(f"This proposal has already been {proposal.status.value}")


def _moderated(proposal: Proposal, user: User, status: ProposalStatus, reason: str | None) -> None:
    proposal.status = status
    proposal.moderation_reason = reason
    proposal.moderated_by_id = user.id
    proposal.moderated_at = utcnow()


def decline(proposal: Proposal, user: User, reason: str) -> None:
    """Decline with a reason the proposer sees."""
    _pending(proposal)
    _moderated(proposal, user, ProposalStatus.DECLINED, _reason(reason, required=True))
    db.session.flush()
    audit.record("proposal.decline", evaluation_id=proposal.evaluation_id, obj=proposal)


def merge(proposal: Proposal, into: Proposal, user: User, reason: str) -> None:
    """Fold a duplicate into another proposal; its dots move with it (rankings do not)."""
    _pending(proposal)
    if into.id == proposal.id or into.evaluation_id != proposal.evaluation_id:
        raise ParticipationError("Choose another proposal of this evaluation to merge into",
                                 "into")
    closed = (ProposalStatus.MERGED, ProposalStatus.DECLINED)
    if into.status in closed or into.kind != proposal.kind:
        raise ParticipationError(
            "Merge into a pending or accepted proposal of the same kind", "into")
    _moderated(proposal, user, ProposalStatus.MERGED, _reason(reason, required=True))
    proposal.merged_into_id = into.id
    existing = {v.participant_id: v for v in into.votes}
    for vote in list(proposal.votes):
        if vote.dots:
            target = existing.get(vote.participant_id)
            if target is None:
                target = Vote(proposal_id=into.id, participant_id=vote.participant_id, dots=0)
                db.session.add(target)
                existing[vote.participant_id] = target
            target.dots += vote.dots
            vote.dots = 0
    db.session.flush()
    audit.record("proposal.merge", evaluation_id=proposal.evaluation_id, obj=proposal,
                 into=into.id)


def indicator_choices(evaluation: Evaluation) -> list[tuple[str, str]]:
    """("question:key" / "scale:key", label) for every indicator the framework may use."""
    return [(i.value, i.label) for i in framework.indicators(evaluation)]


def accept_outcome(proposal: Proposal, user: User, evaluation: Evaluation, *, title: str,
                   indicator: str, statistic: str, threshold: Any, target: Any,
                   direction: str, reason: str | None) -> Outcome:
    """Accept an outcome proposal: it enters the framework with origin ``proposed``."""
    _pending(proposal)
    if proposal.kind is not ProposalKind.OUTCOME:
        raise ParticipationError("Only an outcome proposal can become an outcome")
    kind, _, key = indicator.partition(":")
    if indicator not in {v for v, _ in indicator_choices(evaluation)}:
        raise ParticipationError("Choose how this outcome will be measured", "indicator")
    try:
        outcome = framework.add_outcome(
            evaluation,
            title=title.strip() or proposal.text[:200],
            description=proposal.text,
            indicator_kind=kind,
            indicator_key=key,
            statistic=statistic,
            threshold=threshold,
            target=target,
            direction=direction,
            origin="proposed",
            reason=_reason(reason, required=False)
            or f"Proposed by a member in the participation space (proposal {proposal.id}).",
            author=user,
        )
    except framework.FrameworkError as exc:
        field = "indicator" if (exc.field or "").startswith("indicator") else exc.field
        raise ParticipationError(str(exc), field) from None
    _moderated(proposal, user, ProposalStatus.ACCEPTED, _reason(reason, required=False))
    proposal.outcome_id = outcome.id
    db.session.flush()
    audit.record("proposal.accept", evaluation_id=proposal.evaluation_id, obj=proposal,
                 outcome=outcome.id)
    return outcome


def question_key(text: str, taken: set[str]) -> str:
    """A stable question key from the proposal's words, unique in the instrument."""
    words = re.findall(r"[a-z0-9]+", text.lower())[:4]
    base = "_".join(words) or "proposed"
    if not base[0].isalpha():
        base = f"q_{base}"
    base = base[:40]
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def _other_wordings(languages: list[str], default: str,
                    translations: Mapping[str, str]) -> dict[str, str]:
    """The question's wording in every language of the instrument besides the default."""
    found = {}
    for code in languages:
        if code == default:
            continue
        text = (translations.get(code) or "").strip()
        if not text:
            raise ParticipationError(f"Give the question's wording in {language_name(code)} "
                                     "too: the instrument is in that language", f"label_{code}")
        if len(text) > 500:
            raise ParticipationError("Shorten the question to 500 characters or fewer",
                                     f"label_{code}")
        found[code] = text
    return found


def accept_question(proposal: Proposal, user: User, instrument: Instrument, *, label: str,
                    qtype: str, section: str, reason: str | None,
                    translations: Mapping[str, str] | None = None) -> InstrumentVersion:
    """Accept a question proposal: add it to the instrument's next draft version.

    `label` is the wording in the instrument's default language; an instrument in several
    languages also needs the wording in each of the others (`translations`, code -> text)."""
    _pending(proposal)
    if proposal.kind is not ProposalKind.QUESTION:
        raise ParticipationError("Only a question proposal can become a question")
    if qtype not in QUESTION_TYPES:
        raise ParticipationError("Choose the kind of answer the question asks for", "qtype")
    text = label.strip() or proposal.text
    if len(text) > 500:
        raise ParticipationError("Shorten the question to 500 characters or fewer", "label")

    def add(definition: dict[str, Any]) -> dict[str, Any]:
        updated = copy.deepcopy(definition)
        sections = updated.get("sections") or []
        target = next((s for s in sections if s.get("key") == section), None)
        if target is None:
            raise ParticipationError("Choose a page of the instrument for the question",
                                     "section")
        taken = {q["key"] for s in sections for q in s.get("questions", [])}
        languages = updated.get("languages") or ["en"]
        language = updated.get("default_language") or languages[0]
        question: dict[str, Any] = {"key": question_key(text, taken), "type": qtype,
                                    "label": {language: text, **_other_wordings(
                                        languages, language, translations or {})}}
        if qtype == "rating":
            question.update({"min": 0, "max": 10})
        target.setdefault("questions", []).append(question)
        return load_instrument(updated).to_dict()

    version = instruments.edit_draft(instrument, add, action="question_from_proposal",
                                     proposal=proposal.id)
    _moderated(proposal, user, ProposalStatus.ACCEPTED, _reason(reason, required=False))
    db.session.flush()
    audit.record("proposal.accept", evaluation_id=proposal.evaluation_id, obj=proposal,
                 instrument_version=version.id)
    return version
