"""Stories for evaluators: survey stories joining the pool, qualitative codes, filters, counts.

Stories told in a survey's story question become Story rows when the response is submitted
(:func:`stories_from_response`), with the response's dyads, triads and value grid as their
self-signification, so one pool holds every story whichever way it was told.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from revaluation.extensions import db
from revaluation.models import (
    Answer,
    Evaluation,
    Response,
    ResponseStatus,
    Story,
    StoryStatus,
    StoryTag,
    ValueBox,
    ValueItem,
    Visibility,
)
from revaluation.models.participation import story_tagging
from revaluation.services import audit, instruments
from revaluation.services.participation import ParticipationError, waves_of
from surveys.types import StoredValue, get_type

SIGNIFYING = ("dyad", "triad", "value_grid", "story")
TAG_LIMIT = 60


def _stories_for(response: Response, questions: dict, answers: Iterable[Answer]) -> list[Story]:
    values = {}
    for answer in answers:
        question = questions.get(answer.question_key)
        if question is not None:
            stored = StoredValue(number=answer.number, text=answer.text, data=answer.data)
            values[question.key] = (question, get_type(question.type).load(question, stored))
    marks = {k: v for k, (q, v) in values.items() if q.type in ("dyad", "triad")}
    items = [item for q, v in values.values() if q.type == "value_grid" for item in v or []]
    out = []
    for question, value in values.values():
        if question.type != "story" or not (value or {}).get("text"):
            continue
        harvest = {k: v for k, v in value.items() if k not in ("text", "intended")}
        story = Story(
            evaluation_id=response.wave.evaluation_id, wave_id=response.wave_id,
            response_id=response.id, group=response.group, language=response.language,
            title="", text=value["text"], harvest=harvest, intended=value.get("intended"),
            signifiers=dict(marks), status=StoryStatus.ACTIVE,
        )
        story.value_items = [ValueItem(box=ValueBox(i["box"]),
                                       visibility=Visibility(i["visibility"]),
                                       note=i.get("note", "")) for i in items]
        items = []  # the grid belongs to the first story of the response
        out.append(story)
    return out


def stories_from_response(response: Response) -> list[Story]:
    """Add the stories of a submitted response to the story pool (once; idempotent).

    The respond blueprint calls this when a response is submitted.
    """
    if response.status is not ResponseStatus.COMPLETE:
        return []
    if db.session.execute(db.select(Story.id).filter_by(response_id=response.id)).first():
        return []
    definition = instruments.definition_of(response.wave.instrument_version)
    questions = {q.key: q for q in definition.questions() if q.type in SIGNIFYING}
    if not any(q.type == "story" for q in questions.values()):
        return []
    answers = db.session.execute(
        db.select(Answer).where(Answer.response_id == response.id,
                                Answer.question_key.in_(list(questions)))
    ).scalars()
    stories = _stories_for(response, questions, answers)
    db.session.add_all(stories)
    db.session.flush()
    return stories


def sync_stories(evaluation: Evaluation) -> int:
    """Bring every submitted response's stories into the pool; returns how many were added."""
    added = 0
    for wave in waves_of(evaluation):
        definition = instruments.definition_of(wave.instrument_version)
        questions = {q.key: q for q in definition.questions() if q.type in SIGNIFYING}
        if not any(q.type == "story" for q in questions.values()):
            continue
        done = db.select(Story.response_id).where(Story.response_id.is_not(None))
        responses = {r.id: r for r in db.session.execute(
            db.select(Response).filter_by(wave_id=wave.id, status=ResponseStatus.COMPLETE)
            .where(Response.id.not_in(done))
        ).scalars()}
        answers: dict[int, list[Answer]] = defaultdict(list)
        for answer in db.session.execute(
            db.select(Answer).where(Answer.response_id.in_(list(responses)),
                                    Answer.question_key.in_(list(questions)))
        ).scalars():
            answers[answer.response_id].append(answer)
        for response_id, rows in answers.items():
            stories = _stories_for(responses[response_id], questions, rows)
            db.session.add_all(stories)
            added += len(stories)
    db.session.flush()
    return added


# -- qualitative coding ------------------------------------------------------------------


def tags_of(evaluation: Evaluation) -> list[StoryTag]:
    return list(db.session.execute(
        db.select(StoryTag).filter_by(evaluation_id=evaluation.id).order_by(StoryTag.name)
    ).scalars())


def create_tag(evaluation: Evaluation, name: str) -> StoryTag:
    """A new code; names are unique within the evaluation (ignoring case)."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ParticipationError("Enter a name for the code", "name")
    if len(cleaned) > TAG_LIMIT:
        raise ParticipationError(f"Shorten the code to {TAG_LIMIT} characters or fewer", "name")
    if any(t.name.lower() == cleaned.lower() for t in tags_of(evaluation)):
        raise ParticipationError(f"There is already a code called “{cleaned}”", "name")
    tag = StoryTag(evaluation_id=evaluation.id, name=cleaned)
    db.session.add(tag)
    db.session.flush()
    audit.record("story_tag.create", evaluation_id=evaluation.id, obj=tag)
    return tag


def set_tags(evaluation: Evaluation, story: Story, tag_ids: Iterable[int]) -> None:
    """Replace the story's codes with the given ones (ids of other evaluations are ignored)."""
    wanted = set(tag_ids)
    story.tags = [t for t in tags_of(evaluation) if t.id in wanted]
    db.session.flush()
    audit.record("story.code", evaluation_id=evaluation.id, obj=story, tags=sorted(wanted))


def story_in(evaluation: Evaluation, story_id: int) -> Story | None:
    """An active story of this evaluation, or None."""
    story = db.session.get(Story, story_id)
    if story is None or story.evaluation_id != evaluation.id:
        return None
    return story if story.status is StoryStatus.ACTIVE else None


@dataclass(frozen=True)
class StoryFilter:
    tag: int | None = None
    group: str | None = None
    #: A wave id, or 0 for stories told outside the surveys.
    wave: int | None = None
    min_words: int | None = None
    max_words: int | None = None
    text: str = ""


def filtered_stories(evaluation: Evaluation, chosen: StoryFilter, *, limit: int = 200
                     ) -> list[dict[str, Any]]:
    """Active stories matching the filter, newest first, as plain rows for the coding page."""
    query = db.select(Story).filter_by(evaluation_id=evaluation.id, status=StoryStatus.ACTIVE)
    if chosen.tag:
        query = query.join(story_tagging, story_tagging.c.story_id == Story.id).where(
            story_tagging.c.tag_id == chosen.tag)
    if chosen.group:
        query = query.where(Story.group == chosen.group)
    if chosen.wave == 0:
        query = query.where(Story.wave_id.is_(None))
    elif chosen.wave:
        query = query.where(Story.wave_id == chosen.wave)
    if chosen.text:
        query = query.where(Story.text.ilike(f"%{chosen.text}%") | Story.title.ilike(
            f"%{chosen.text}%"))
    waves = {w.id: w.name for w in waves_of(evaluation)}
    rows = []
    for story in db.session.execute(query.order_by(Story.id.desc())).scalars():
        words = len(story.text.split())
        if chosen.min_words is not None and words < chosen.min_words:
            continue
        if chosen.max_words is not None and words > chosen.max_words:
            continue
        rows.append({
            "id": story.id, "title": story.title, "text": story.text, "words": words,
            "group": story.group, "wave": waves.get(story.wave_id, "Participation space"),
            "intended": story.intended, "harvest": dict(story.harvest or {}),
            "tags": sorted(t.id for t in story.tags),
            "values": [{"box": str(v.box), "visibility": str(v.visibility), "note": v.note}
                       for v in story.value_items],
        })
        if len(rows) >= limit:
            break
    return rows


def tag_counts_by_wave(evaluation: Evaluation) -> dict[str, Any]:
    """How many active stories carry each code, per wave (and outside the surveys)."""
    waves = [(w.id, w.name) for w in waves_of(evaluation)] + [(None, "Participation space")]
    rows = db.session.execute(
        db.select(StoryTag.name, Story.wave_id)
        .join(story_tagging, story_tagging.c.tag_id == StoryTag.id)
        .join(Story, Story.id == story_tagging.c.story_id)
        .where(StoryTag.evaluation_id == evaluation.id, Story.status == StoryStatus.ACTIVE)
    ).all()
    counts: dict[str, dict] = {t.name: defaultdict(int) for t in tags_of(evaluation)}
    for name, wave_id in rows:
        counts[name][wave_id] += 1
    return {
        "columns": [name for _, name in waves],
        "rows": [{"name": name, "counts": [per[w] for w, _ in waves], "total": sum(per.values())}
                 for name, per in counts.items()],
    }


def wave_choices(evaluation: Evaluation) -> list[tuple[int, str]]:
    return [(w.id, w.name) for w in waves_of(evaluation)]

