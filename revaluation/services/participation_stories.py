"""Stories of change and the value in them: told in the space or in a survey, withdrawn at will.

A story carries self-signification (the evaluation's own dyads and triads, so stories told in
the space and in surveys can be read together), outcome-harvesting fields when the space asks
for them, and value items on Revaluation's grid. Every answer is checked by the survey
engine's question types. A withdrawn story is emptied and leaves every list, round and output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from revaluation.extensions import db
from revaluation.models import (
    Evaluation,
    Instrument,
    MscRound,
    MscVote,
    Participant,
    ParticipationSpace,
    Story,
    StoryStatus,
    ValueBox,
    ValueItem,
    Visibility,
)
from revaluation.services import audit, instruments
from revaluation.services.languages import N_
from revaluation.services.participation import ParticipationError
from surveys.errors import AnswerError, answer_message
from surveys.model import Question, Text
from surveys.types import get_type
from surveys.types.participatory import NOTE_LIMIT

#: Field and label (English; translated where shown) of the outcome-harvesting questions.
HARVEST = (
    ("what_changed", N_("What changed?")),
    ("for_whom", N_("For whom did it change?")),
    ("why_it_matters", N_("Why does it matter?")),
    ("contribution", N_("How did the movement contribute?")),
    ("substantiation", N_("Who or what could confirm it happened?")),
)
INTENDED = {"yes": N_("Yes, it was intended"), "partly": N_("Partly"),
            "no": N_("No, nobody planned it")}
VALUE_SLOTS = 4
TITLE_LIMIT = 200
TEXT_LIMIT = 20_000
DEFAULT_SIGNIFIERS = (
    Question(key="story_who", type="dyad",
             label=Text({"en": "Was this change more about you, or about the people around you?"}),
             settings={"left": Text({"en": "About me"}), "right": Text({"en": "About us"})}),
    Question(key="story_kind", type="triad",
             label=Text({"en": "What was this change mostly about?"}),
             settings={"corners": [Text({"en": "Health"}), Text({"en": "Connection"}),
                                   Text({"en": "Having a say"})]}),
)
VALUE_QUESTION = Question(key="value", type="value_grid", settings={"max_items": VALUE_SLOTS})


class StoryProblems(ParticipationError):
    """Everything wrong with a story form at once: (field id, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems[0][1], problems[0][0])
        self.problems = problems


@dataclass(frozen=True)
class Signifier:
    key: str
    type: str
    label: str
    poles: tuple[str, ...]
    question: Question


def signifiers(evaluation: Evaluation, language: str | None = None) -> list[Signifier]:
    """The dyads and triads of the evaluation's instruments (or a default pair if none), in
    `language` where an instrument has it, else in the instrument's default language."""
    found: dict[str, Signifier] = {}
    owned = db.select(Instrument).filter_by(evaluation_id=evaluation.id).order_by(Instrument.id)
    for instrument in db.session.execute(owned).scalars():
        version = instrument.latest_published
        if version is None:
            continue
        definition = instruments.definition_of(version)
        for question in definition.questions():
            if question.type in ("dyad", "triad") and question.key not in found:
                found[question.key] = _signifier(
                    question, language if language in definition.languages
                    else definition.default_language)
    if not found:
        found = {q.key: _signifier(q, "en") for q in DEFAULT_SIGNIFIERS}
    return list(found.values())


def _signifier(question: Question, language: str) -> Signifier:
    def words(value) -> str:
        return Text.of(value, language).get(language) if value else ""

    poles = ((words(question.settings.get("left")), words(question.settings.get("right")))
             if question.type == "dyad"
             else tuple(words(c) for c in question.settings.get("corners", [])))
    return Signifier(question.key, question.type, question.label.get(language) or question.key,
                     poles, question)


def _text(form: Mapping[str, str], name: str, limit: int, what: str,
          problems: list[tuple[str, str]]) -> str:
    value = (form.get(name) or "").strip()
    if len(value) > limit:
        problems.append((name, answer_message(
            "Shorten %(what)s to %(limit)s characters or fewer (it has %(length)s)",
            what=what, limit=f"{limit:,}", length=f"{len(value):,}")))
    return value


def _value_problem(n: int, parts: Mapping[str, str]) -> tuple[str, str]:
    """What is wrong with value `n` of a story form (the engine numbers items from 1)."""
    if parts["box"] not in {b.value for b in ValueBox}:
        return f"v{n}_box", answer_message(
            "Choose calculate, calibrate or capacitate for value %(number)s", number=n)
    if parts["visibility"] not in {v.value for v in Visibility}:
        return f"v{n}_visibility", answer_message(
            "Say whether value %(number)s is visible or invisible", number=n)
    return f"v{n}_note", answer_message(
        "Shorten the note of value %(number)s to %(limit)s characters or fewer", number=n,
        limit=NOTE_LIMIT)


def read_story(form: Mapping[str, str], marks: list[Signifier], *, harvest: bool,
               groups: list[str]) -> dict:
    """Validate a story form into plain values; raises StoryProblems listing every problem."""
    problems: list[tuple[str, str]] = []
    out: dict = {"title": _text(form, "title", TITLE_LIMIT, answer_message("the title"),
                                problems),
                 "text": _text(form, "text", TEXT_LIMIT, answer_message("your story"), problems),
                 "harvest": {}, "intended": None, "signifiers": {}, "values": []}
    if not out["text"]:
        problems.append(("text", answer_message("Tell your story: a few sentences is plenty")))
    group = (form.get("group") or "").strip()
    if group and group not in groups:
        problems.append(("group", answer_message(
            "Choose one of the groups listed, or leave it empty")))
    out["group"] = group or None
    if harvest:
        for name, _ in HARVEST:
            if value := _text(form, name, 2000, answer_message("this answer"), problems):
                out["harvest"][name] = value
        intended = form.get("intended") or None
        if intended is not None and intended not in INTENDED:
            problems.append(("intended", answer_message("Choose yes, partly or no")))
        out["intended"] = intended
    for mark in marks:
        try:
            if mark.type == "dyad":
                raw = form.get(mark.key)
                if raw not in (None, ""):
                    value = get_type("dyad").normalise(mark.question, float(raw) / 10)
                    out["signifiers"][mark.key] = value
            else:
                parts = [(form.get(f"{mark.key}__{i}") or "").strip() for i in (1, 2, 3)]
                if any(parts):
                    shares = [float(p or 0) / 100 for p in parts]
                    if abs(sum(shares) - 1) > 0.011:
                        raise AnswerError(answer_message(
                            "Share 100%% between the three: they add up to %(total)s%%",
                            total=round(sum(shares) * 100)))
                    shares = [s / sum(shares) for s in shares]
                    out["signifiers"][mark.key] = get_type("triad").normalise(
                        mark.question, shares)
        except (AnswerError, ValueError) as exc:
            message = (exc.message if isinstance(exc, AnswerError)
                       else answer_message("Enter numbers only"))
            problems.append((mark.key if mark.type == "dyad" else f"{mark.key}__1", message))
    items = []
    for n in range(1, VALUE_SLOTS + 1):
        parts = {p: (form.get(f"v{n}_{p}") or "").strip() for p in ("box", "visibility", "note")}
        if any(parts.values()):
            items.append((n, parts))
    for n, parts in items:
        try:
            get_type("value_grid").normalise(VALUE_QUESTION, [parts])
        except AnswerError:
            problems.append(_value_problem(n, parts))
        else:
            out["values"].append(parts)
    if problems:
        raise StoryProblems(problems)
    return out


def tell_story(space: ParticipationSpace, participant: Participant, story: dict) -> Story:
    """Store a story told in the space (values from :func:`read_story`)."""
    if not space.is_open:
        raise ParticipationError("This space is closed to new stories")
    row = Story(
        evaluation_id=space.evaluation_id, participant_id=participant.id,
        group=story["group"] or participant.group, language="en", title=story["title"],
        text=story["text"], harvest=story["harvest"], intended=story["intended"],
        signifiers=story["signifiers"], status=StoryStatus.ACTIVE,
    )
    row.value_items = [ValueItem(box=ValueBox(v["box"]), visibility=Visibility(v["visibility"]),
                                 note=v["note"]) for v in story["values"]]
    db.session.add(row)
    db.session.flush()
    audit.record("story.create", evaluation_id=space.evaluation_id, obj=row,
                 actor_label="participant", values=len(story["values"]))
    return row


def stories_of(participant: Participant) -> list[Story]:
    """The participant's own active stories, newest first."""
    return list(db.session.execute(
        db.select(Story).filter_by(participant_id=participant.id, status=StoryStatus.ACTIVE)
        .order_by(Story.id.desc())
    ).scalars())


def own_story(participant: Participant | None, story_id: int) -> Story | None:
    """The story if this participant told it and it is still active; None otherwise."""
    story = db.session.get(Story, story_id)
    if (participant is None or story is None or story.participant_id != participant.id
            or story.status is not StoryStatus.ACTIVE):
        return None
    return story


def withdraw(story: Story, *, actor_label: str = "participant") -> None:
    """Withdraw a story: its words, value and codes are erased and it leaves every round."""
    story.status = StoryStatus.WITHDRAWN
    story.title = ""
    story.text = ""
    story.harvest = {}
    story.signifiers = {}
    story.intended = None
    story.value_items = []
    story.tags = []
    db.session.execute(db.delete(MscVote).where(MscVote.story_id == story.id))
    rounds = db.session.execute(
        db.select(MscRound).filter_by(evaluation_id=story.evaluation_id)).scalars()
    for msc_round in rounds:
        if story.id in (msc_round.story_ids or []):
            msc_round.story_ids = [i for i in msc_round.story_ids if i != story.id]
        if msc_round.selected_story_id == story.id:
            msc_round.selected_story_id = None
            msc_round.selection_reason = None
    db.session.flush()
    audit.record("story.withdraw", evaluation_id=story.evaluation_id, obj=story,
                 actor_label=actor_label)
