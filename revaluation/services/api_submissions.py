"""Responses that arrive from another system through the API, and reading answers in bulk.

A submission walks the respondent path's own steps, all at once: the engine's types
normalise each answer (`surveys.types`), `surveys.flow` decides which questions are shown,
checks constraints and completeness and computes calculations, and
`revaluation.services.responses` stores the answers and submits. Every check runs before
the first row is written, so a refused submission leaves nothing behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from revaluation.extensions import db
from revaluation.models import Anonymity, Answer, Invitation, InvitationKind, Response, Wave
from revaluation.models.base import utcnow
from revaluation.services import adaptive_blocks, instruments, responses
from surveys.flow import Flow
from surveys.model import Instrument as Definition
from surveys.types import AnswerError, StoredValue, get_type

#: Marks responses that came in through the API (Response.imported_from).
SOURCE = "api"


class SubmissionProblem(ValueError):
    """A submission the API refuses: an HTTP status, a stable code, and details."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


def normalise_answers(definition: Definition, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Each raw JSON answer through its question type; every problem reported at once."""
    questions = {q.key: q for q in definition.questions() if get_type(q.type).answerable}
    unknown = sorted(k for k in raw if k not in questions)
    if unknown:
        raise SubmissionProblem(
            422,
            "unknown_questions",
            f"These keys are not answerable questions of the instrument: {', '.join(unknown)}.",
            {"fields": unknown},
        )
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key, answer in raw.items():
        question = questions[key]
        try:
            value = get_type(question.type).normalise(question, answer, instrument=definition)
        except AnswerError as error:
            problems[key] = error.message
            continue
        if value is not None:
            values[key] = value
    if problems:
        raise SubmissionProblem(
            422,
            "invalid_answers",
            f"{len(problems)} answer(s) are not valid; see details.answers.",
            {"answers": problems},
        )
    return values


def check_flow(definition: Definition, values: Mapping[str, Any], language: str) -> Flow:
    """Refuse answers to hidden questions, broken constraints and missing required answers."""
    flow = Flow(definition, values, language=language)
    hidden = sorted(k for k in values if not flow.is_visible(k))
    if hidden:
        raise SubmissionProblem(
            422,
            "hidden_questions",
            "These questions are not shown given the other answers, so they cannot be "
            f"answered: {', '.join(hidden)}.",
            {"fields": hidden},
        )
    broken = flow.errors()
    if broken:
        raise SubmissionProblem(
            422, "invalid_answers", "Some answers break their question's rule.", {"answers": broken}
        )
    missing = flow.missing_required()
    if missing:
        raise SubmissionProblem(
            422,
            "incomplete_response",
            f"Required question(s) unanswered: {', '.join(missing)}.",
            {"missing": missing},
        )
    return flow


def _link_for(wave: Wave, group: str) -> Invitation:
    """The group's open link: API responses are counted with the group, like any other."""
    links = [i for i in wave.invitations if i.group == group and i.kind is InvitationKind.OPEN]
    if not links:
        raise SubmissionProblem(
            409, "no_link", f"Wave has no open link for group “{group}”; add one first."
        )
    return links[0]


def submit_from_api(wave: Wave, body: Mapping[str, Any], *, submission_key: str) -> Response:
    """Validate a whole response and store it complete (the caller commits)."""
    if not wave.accepting_at(utcnow()):
        raise SubmissionProblem(
            409,
            "wave_not_open",
            f"Wave “{wave.name}” is {wave.state} and does not accept responses now.",
            {"state": str(wave.state)},
        )
    group = body["group"]
    if group not in wave.groups:
        raise SubmissionProblem(
            422,
            "invalid_value",
            f"“group” must be one of this wave's groups: {', '.join(wave.groups)}.",
            {"field": "group", "choices": list(wave.groups)},
        )
    definition = instruments.definition_of(wave.instrument_version)
    language = body.get("language") or definition.default_language
    if language not in definition.languages:
        raise SubmissionProblem(
            422,
            "invalid_value",
            f"“language” must be one of: {', '.join(definition.languages)}.",
            {"field": "language", "choices": list(definition.languages)},
        )
    if wave.consent_text.strip() and body.get("consent") is not True:
        raise SubmissionProblem(
            422,
            "consent_required",
            'This wave asks for consent: send "consent": true only if the respondent agreed '
            "to the wave's consent text.",
            {"field": "consent"},
        )
    for name, allowed in (
        ("panel_code", wave.ask_panel_code),
        ("respondent_name", wave.anonymity is Anonymity.NAMED),
    ):
        if body.get(name) and not allowed:
            raise SubmissionProblem(
                422,
                "field_not_asked",
                f"This wave does not collect “{name}”; leave it out.",
                {"field": name},
            )
    values = normalise_answers(definition, body["answers"])
    flow = check_flow(definition, values, language)
    response, _code = responses.start_response(wave, _link_for(wave, group), language=language)
    response.imported_from = SOURCE
    if wave.consent_text.strip():
        responses.record_consent(response, wave)
    if body.get("panel_code"):
        responses.record_panel_code(response, body["panel_code"])
    if body.get("respondent_name"):
        response.respondent_name = body["respondent_name"].strip()
    responses.record_page_answers(response, definition, flow.pruned_answers())
    responses.submit_response(response, definition, submission_key, flow.calculate())
    return response


def answers_of(rows: Iterable[Response]) -> dict[int, dict[str, Any]]:
    """The answers of many responses in one query, as the engine's normalised values."""
    rows = list(rows)
    loaded: dict[int, dict[str, Any]] = defaultdict(dict)
    if not rows:
        return loaded
    versions = {r.id: r.wave.instrument_version for r in rows}
    definitions: dict[int, Definition] = {}
    questions: dict[int, dict] = {}
    answers = db.session.execute(
        db.select(Answer).where(Answer.response_id.in_(list(versions))).order_by(Answer.id)
    ).scalars()
    for answer in answers:
        version = versions[answer.response_id]
        if version.id not in definitions:
            definitions[version.id] = instruments.definition_of(version)
            questions[version.id] = {q.key: q for q in definitions[version.id].questions()}
        stored = StoredValue(number=answer.number, text=answer.text, data=answer.data)
        question = questions[version.id].get(answer.question_key)
        if question is not None:
            value = get_type(question.type).load(question, stored)
        else:
            value = adaptive_blocks.restore(definitions[version.id], answer.question_key, stored)
        if value is not None:
            loaded[answer.response_id][answer.question_key] = value
    return loaded
