"""Erasing response data: one response (by its respondent or an owner), a wave's responses,
or what the retention period has run out on.

Erasure is deletion, not hiding: the response row, its answers, the stories made from it (with
their value items, codes and Most Significant Change votes) are deleted set-based, in an order
that works whether or not the database enforces foreign keys. Export files of the evaluation still
kept for download (made in the background, see :mod:`revaluation.services.stored_files`) may hold
the erased rows, so they go too. Each erasure leaves one audit event that holds counts and ids
only, never what anyone said. Report editions already generated are frozen documents (aggregates
and, where chosen, stories) and are not rewritten.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import (
    Answer,
    MscRound,
    MscVote,
    Response,
    StoredFile,
    Story,
    ValueItem,
    ValueReaction,
    Wave,
    WaveSnapshot,
)
from revaluation.models.participation import story_tagging
from revaluation.services import audit

logger = logging.getLogger(__name__)

#: Responses deleted per statement, so a large wave never builds one huge IN list.
BATCH = 500


@dataclass(frozen=True)
class Erased:
    """How much was deleted."""

    responses: int = 0
    answers: int = 0
    stories: int = 0

    def __add__(self, other: Erased) -> Erased:
        return Erased(self.responses + other.responses, self.answers + other.answers,
                      self.stories + other.stories)

    def as_detail(self) -> dict[str, int]:
        return {"responses": self.responses, "answers": self.answers, "stories": self.stories}


def _count(statement) -> int:
    return db.session.execute(statement).scalar_one()


def delete_responses(response_ids: Sequence[int]) -> Erased:
    """Delete these responses with their answers and the stories made from them.

    No audit event: the callers below say who erased what, and why.
    """
    total = Erased()
    ids = sorted(set(response_ids))
    for start in range(0, len(ids), BATCH):
        total = total + _delete_batch(ids[start:start + BATCH])
    return total


def _delete_batch(ids: list[int]) -> Erased:
    story_ids = list(db.session.execute(
        sa.select(Story.id, Story.evaluation_id).where(Story.response_id.in_(ids))).all())
    stories = [s for s, _e in story_ids]
    if stories:
        items = sa.select(ValueItem.id).where(ValueItem.story_id.in_(stories))
        db.session.execute(sa.delete(ValueReaction).where(ValueReaction.value_item_id.in_(items)))
        db.session.execute(sa.update(ValueItem).where(ValueItem.merged_into_id.in_(items))
                           .values(merged_into_id=None))
        db.session.execute(sa.delete(ValueItem).where(ValueItem.story_id.in_(stories)))
        db.session.execute(sa.delete(story_tagging).where(story_tagging.c.story_id.in_(stories)))
        db.session.execute(sa.delete(MscVote).where(MscVote.story_id.in_(stories)))
        _leave_rounds({e for _s, e in story_ids}, set(stories))
        db.session.execute(sa.delete(Story).where(Story.id.in_(stories)))
    answers = db.session.execute(sa.delete(Answer).where(Answer.response_id.in_(ids))).rowcount
    # The analysis store's copies of these answers go with them, not at the next analysis.
    waves = sa.select(Response.wave_id).where(Response.id.in_(ids)).distinct()
    db.session.execute(sa.delete(WaveSnapshot).where(WaveSnapshot.wave_id.in_(waves)))
    responses = db.session.execute(sa.delete(Response).where(Response.id.in_(ids))).rowcount
    return Erased(responses or 0, answers or 0, len(stories))


def _leave_rounds(evaluation_ids: set[int], stories: set[int]) -> None:
    """Take erased stories off every Most Significant Change table they were on."""
    rounds = db.session.execute(
        sa.select(MscRound).where(MscRound.evaluation_id.in_(evaluation_ids))).scalars()
    for msc_round in rounds:
        if stories & set(msc_round.story_ids or []):
            msc_round.story_ids = [i for i in msc_round.story_ids if i not in stories]
        if msc_round.selected_story_id in stories:
            msc_round.selected_story_id = None
            msc_round.selection_reason = None
    db.session.flush()


def discard_exports(evaluation_id: int) -> int:
    """Delete the evaluation's kept export files (they may contain erased rows)."""
    return db.session.execute(
        sa.delete(StoredFile).where(StoredFile.evaluation_id == evaluation_id,
                                    StoredFile.purpose == "export")
    ).rowcount or 0


def erase_by_respondent(response: Response) -> Erased:
    """The respondent deleted their own response with their code."""
    wave_id, evaluation_id, response_id = response.wave_id, response.wave.evaluation_id, response.id
    erased = delete_responses([response_id])
    exports = discard_exports(evaluation_id)
    audit.record("response.erase_own", evaluation_id=evaluation_id, actor_label="respondent",
                 wave_id=wave_id, response_id=response_id, export_files=exports,
                 **erased.as_detail())
    db.session.flush()
    logger.info("respondent erased response %s", response_id)
    return erased


def erase_response(response: Response) -> Erased:
    """An owner erased one respondent's response (e.g. on their request)."""
    wave_id, evaluation_id, response_id = response.wave_id, response.wave.evaluation_id, response.id
    erased = delete_responses([response_id])
    exports = discard_exports(evaluation_id)
    audit.record("response.erase", evaluation_id=evaluation_id, wave_id=wave_id,
                 response_id=response_id, export_files=exports, **erased.as_detail())
    db.session.flush()
    logger.info("erased response %s", response_id)
    return erased


def response_ids_of(wave: Wave) -> list[int]:
    return list(db.session.execute(
        sa.select(Response.id).where(Response.wave_id == wave.id)).scalars())


def erase_wave(wave: Wave) -> Erased:
    """An owner erased every response of a wave; the wave itself, its links and its settings
    stay, so the evaluation's history still makes sense."""
    erased = delete_responses(response_ids_of(wave))
    exports = discard_exports(wave.evaluation_id)
    audit.record("wave.erase", evaluation_id=wave.evaluation_id, obj=wave, export_files=exports,
                 **erased.as_detail())
    db.session.flush()
    logger.info("erased %s responses of wave %s", erased.responses, wave.id)
    return erased


def counts_for_wave(wave: Wave) -> Erased:
    """What erasing the wave would delete (for the confirmation page)."""
    ids = sa.select(Response.id).where(Response.wave_id == wave.id)
    return Erased(
        _count(sa.select(sa.func.count()).select_from(Response).where(Response.wave_id == wave.id)),
        _count(sa.select(sa.func.count()).select_from(Answer).where(Answer.response_id.in_(ids))),
        _count(sa.select(sa.func.count()).select_from(Story).where(Story.response_id.in_(ids))),
    )


def counts_for_response(response: Response) -> Erased:
    """What erasing one response would delete."""
    return Erased(
        1,
        _count(sa.select(sa.func.count()).select_from(Answer)
               .where(Answer.response_id == response.id)),
        _count(sa.select(sa.func.count()).select_from(Story)
               .where(Story.response_id == response.id)),
    )
