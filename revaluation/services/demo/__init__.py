"""`flask demo`: one realistic evaluation of a fictional community health movement.

Running it again finds the existing demo and changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import (
    Anonymity,
    Answer,
    Direction,
    Evaluation,
    IndicatorKind,
    Invitation,
    InvitationKind,
    Origin,
    Outcome,
    OutcomeRevision,
    Response,
    ResponseStatus,
    Role,
    Statistic,
    User,
    Wave,
)
from revaluation.models.base import utcnow
from revaluation.services import consent, fieldwork, instruments
from revaluation.services.demo.participation import MSC_CODE, SPACE_CODE, seed_participation
from revaluation.services.demo.synthetic import answers_for, people
from revaluation.services.evaluations import add_member, create_evaluation
from revaluation.services.secrets import keyed_hash
from revaluation.services.users import create_user
from surveys.formats import load_instrument
from surveys.types import get_type

DEMO_SLUG = "demo"
EVALUATOR_EMAIL = "evaluator@walkandtalk.example"
COMMISSIONER_EMAIL = "commissioner@walkandtalk.example"
# A published demo password: the demo holds only synthetic data.
DEMO_PASSWORD = "walk-and-talk-demo"  # noqa: S105
MEMBER_LINK_CODE = "walkmembers"
STAFF_LINK_CODE = "walkstaff"
INSTRUMENT_PATH = Path(__file__).with_name("instrument.yaml")


@dataclass(frozen=True)
class DemoInfo:
    created: bool
    evaluator_email: str
    commissioner_email: str
    password: str
    respondent_path: str
    participation_path: str = f"/p/{SPACE_CODE}"
    msc_path: str = f"/msc/{MSC_CODE}"


def seed_demo(*, members: int = 220, staff: int = 60, seed: int = 2026) -> DemoInfo:
    """Create the demo evaluation unless it exists; the caller commits."""
    info = DemoInfo(
        created=False,
        evaluator_email=EVALUATOR_EMAIL,
        commissioner_email=COMMISSIONER_EMAIL,
        password=DEMO_PASSWORD,
        respondent_path=f"/r/{MEMBER_LINK_CODE}",
    )
    if db.session.execute(db.select(Evaluation.id).filter_by(slug=DEMO_SLUG)).first():
        return info
    rng = random.Random(seed)
    evaluator = _user(EVALUATOR_EMAIL, "Dee Evaluator")
    commissioner = _user(COMMISSIONER_EMAIL, "Cam Commissioner")
    evaluation = create_evaluation(
        slug=DEMO_SLUG,
        title="Walk & Talk: does peer support change lives?",
        movement="Walk & Talk Peer Support Network (a fictional movement)",
        description=(
            "A peer-led network of walking groups, talk cafés and online meet-ups for people "
            "living with long-term conditions and loneliness, run with local NHS staff. This "
            "evaluation asks what changed for members and staff, and what the network is worth."
        ),
        owner=evaluator,
        brand_colour="#1d5c63",
    )
    add_member(evaluation, commissioner, Role.COMMISSIONER)

    definition = load_instrument(INSTRUMENT_PATH.read_text(), filename=INSTRUMENT_PATH.name)
    version = instruments.create_instrument(evaluation, definition)
    instruments.publish_version(version, evaluator.id)

    now = utcnow()
    baseline = fieldwork.create_wave(
        evaluation,
        version,
        name="Baseline (spring)",
        groups=["member", "staff"],
        ask_panel_code=True,
        anonymity=Anonymity.PSEUDONYMOUS,
        consent_text=CONSENT_TEXT,
    )
    follow_up = fieldwork.create_wave(
        evaluation,
        version,
        name="Six-month follow-up",
        groups=["member", "staff"],
        ask_panel_code=True,
        anonymity=Anonymity.PSEUDONYMOUS,
        consent_text=CONSENT_TEXT,
        closes_at=now + timedelta(days=21),
    )
    for wave in (baseline, follow_up):  # the instrument is in English and Welsh
        wave.consent_translations = {"cy": CONSENT_TEXT_CY}
    for invitation in follow_up.invitations:
        invitation.code = MEMBER_LINK_CODE if invitation.group == "member" else STAFF_LINK_CODE
    outcomes = _outcomes(evaluation, baseline, follow_up)

    fieldwork.open_wave(baseline)
    baseline.opened_at = now - timedelta(days=200)
    evaluation.framework_locked_at = baseline.opened_at
    population = people(rng, members=members, staff=staff)
    _respond(baseline, population, 0, rng, start=now - timedelta(days=199), partial_share=0.06)
    fieldwork.close_wave(baseline)
    baseline.closed_at = now - timedelta(days=170)

    _revise(evaluation, outcomes, evaluator)
    fieldwork.open_wave(follow_up)
    follow_up.opened_at = now - timedelta(days=10)
    returning = [p for p in population if p.panel_code and rng.random() < 0.7]
    newcomers = people(rng, members=40, staff=10)
    for person in newcomers:
        person.panel_code = None
    _respond(
        follow_up, returning + newcomers, 1, rng, start=now - timedelta(days=9), partial_share=0.1
    )
    db.session.flush()
    seed_participation(evaluation, evaluator)
    return DemoInfo(
        created=True,
        evaluator_email=EVALUATOR_EMAIL,
        commissioner_email=COMMISSIONER_EMAIL,
        password=DEMO_PASSWORD,
        respondent_path=f"/r/{MEMBER_LINK_CODE}",
    )


CONSENT_TEXT = (
    "This survey is part of an evaluation of Walk & Talk. Your answers are anonymous: we do "
    "not ask your name. If you choose to make a panel code, we store it scrambled so we can "
    "compare your answers over time without knowing who you are. You can stop at any time."
)
#: Our own Welsh translation, like the demo instrument's: to be checked by a fluent speaker.
CONSENT_TEXT_CY = (
    "Mae'r arolwg hwn yn rhan o werthusiad o Walk & Talk. Mae eich atebion yn ddienw: nid "
    "ydym yn gofyn eich enw. Os byddwch yn dewis creu cod panel, rydym yn ei gadw wedi'i "
    "sgramblo er mwyn i ni allu cymharu eich atebion dros amser heb wybod pwy ydych chi. "
    "Gallwch stopio ar unrhyw adeg."
)


def _user(email: str, name: str) -> User:
    existing = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    return existing or create_user(email, name, DEMO_PASSWORD)


def _outcomes(evaluation: Evaluation, baseline: Wave, follow_up: Wave) -> dict[str, Outcome]:
    specs = [
        (
            "life-satisfaction",
            "Members are more satisfied with their lives",
            IndicatorKind.QUESTION,
            "life_satisfaction",
            Statistic.MEAN,
            None,
            7.0,
            Direction.INCREASE,
        ),
        (
            "less-lonely",
            "Fewer people feel lonely often or some of the time",
            IndicatorKind.QUESTION,
            "lonely",
            Statistic.PROPORTION,
            4.0,
            0.25,
            Direction.DECREASE,
        ),
        (
            "connection",
            "People feel more connected to others",
            IndicatorKind.SCALE,
            "connection",
            Statistic.MEAN,
            None,
            3.8,
            Direction.INCREASE,
        ),
        (
            "voice",
            "Members feel their ideas are listened to",
            IndicatorKind.QUESTION,
            "voice_heard",
            Statistic.MEDIAN,
            None,
            4.0,
            Direction.INCREASE,
        ),
        (
            "confidence",
            "Most feel confident talking to health professionals",
            IndicatorKind.QUESTION,
            "confidence",
            Statistic.PROPORTION,
            7.0,
            0.6,
            Direction.INCREASE,
        ),
    ]
    made = {}
    for position, (key, title, kind, ind, stat, threshold, target, direction) in enumerate(specs):
        outcome = Outcome(
            evaluation_id=evaluation.id,
            key=key,
            title=title,
            indicator_kind=kind,
            indicator_key=ind,
            statistic=stat,
            threshold=threshold,
            target=target,
            direction=direction,
            origin=Origin.PLANNED,
            baseline_wave_id=baseline.id,
            due_wave_id=follow_up.id,
            position=position,
        )
        db.session.add(outcome)
        made[key] = outcome
    db.session.flush()
    return made


def _revise(evaluation: Evaluation, outcomes: dict[str, Outcome], author: User) -> None:
    """After the lock: one revised target and one emergent outcome, each with its reason."""
    voice = outcomes["voice"]
    before = voice.as_framework_entry()
    voice.target = 3.5
    db.session.add(
        OutcomeRevision(
            outcome=voice,
            author_id=author.id,
            before=before,
            after=voice.as_framework_entry(),
            reason="Members said at the first sense-making session that 'agree' on every item was "
            "unrealistic within six months; the steering group lowered the target.",
        )
    )
    emergent = Outcome(
        evaluation_id=evaluation.id,
        key="fewer-ae-visits",
        title="Fewer visits to A&E",
        description="Not planned: several stories described using A&E less after joining.",
        indicator_kind=IndicatorKind.QUESTION,
        indicator_key="ae_visit",
        statistic=Statistic.PROPORTION,
        threshold=1.0,
        target=0.15,
        direction=Direction.DECREASE,
        origin=Origin.EMERGENT,
        position=len(outcomes),
        due_wave_id=voice.due_wave_id,
    )
    db.session.add(emergent)
    db.session.flush()
    db.session.add(
        OutcomeRevision(
            outcome=emergent,
            author_id=author.id,
            before=None,
            after=emergent.as_framework_entry(),
            reason="Emerged from baseline stories: people described a plan and a buddy instead "
            "of going to A&E.",
        )
    )


def _respond(
    wave: Wave, population, wave_index: int, rng: random.Random, *, start, partial_share: float
) -> None:
    """Insert responses and their answers in bulk, every value through the engine's types."""
    definition = instruments.definition_of(wave.instrument_version)
    questions = {q.key: q for q in definition.questions()}
    invitations = {
        i.group: i.id
        for i in db.session.execute(
            db.select(Invitation).filter_by(wave_id=wave.id, kind=InvitationKind.OPEN)
        ).scalars()
    }
    agreed = consent.current_version(wave)  # the words every synthetic respondent agreed to
    responses = []
    planned = []
    for person in population:
        answers = answers_for(person, wave_index, rng)
        started = start + timedelta(minutes=rng.randint(0, 60 * 24 * 8))
        partial = rng.random() < partial_share
        if partial:
            keep = list(answers)[: rng.randint(1, 5)]
            answers = {k: answers[k] for k in keep}
        response = Response(
            wave_id=wave.id,
            invitation_id=invitations[person.group],
            group=person.group,
            language="en",
            consent_given=True,
            consent_version=wave.consent_version,
            consent_hash=agreed.text_hash,
            consented_at=started,
            panel_hash=keyed_hash(person.panel_code, purpose="panel")
            if person.panel_code
            else None,
            started_at=started,
            status=ResponseStatus.PARTIAL if partial else ResponseStatus.COMPLETE,
            completed_at=None if partial else started + timedelta(seconds=rng.randint(150, 900)),
            current_page="connection" if partial else None,
        )
        responses.append(response)
        planned.append(answers)
    db.session.add_all(responses)
    db.session.flush()
    rows = []
    for response, answers in zip(responses, planned, strict=True):
        for key, raw in answers.items():
            question = questions[key]
            qtype = get_type(question.type)
            value = qtype.normalise(question, raw, instrument=definition)
            stored = qtype.storage(question, value, instrument=definition)
            rows.append(
                {
                    "response_id": response.id,
                    "question_key": key,
                    "number": stored.number,
                    "text": stored.text,
                    "data": stored.data,
                    "updated_at": response.started_at,
                }
            )
    if rows:
        db.session.execute(sa.insert(Answer), rows)
