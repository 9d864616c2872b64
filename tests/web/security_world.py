"""Two evaluations, A (the seeded demo, with one of every object) and B (a small one), for the
security tests: an attacker from B, a commissioner of A and strangers probe A's routes.

A holds: closed and open waves with open links and single-use tokens, a published and a draft
instrument version, outcomes, responses, a participation space with proposals, stories, MSC,
negotiation and sense-making rounds, a report edition with a one-off download link, a failed
report job, a colleague invitation, API tokens, and a stored response import.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from revaluation.extensions import db
from revaluation.models import (
    ColleagueInvitation,
    Evaluation,
    Instrument,
    Invitation,
    InvitationKind,
    JobStatus,
    Membership,
    MscRound,
    NegotiationRound,
    Outcome,
    Proposal,
    ReportDelivery,
    ReportEdition,
    Response,
    Role,
    RoundState,
    Story,
    User,
    Wave,
)
from revaluation.models.base import utcnow
from revaluation.models.participation import SenseMakingRound
from revaluation.services import (
    api_tokens,
    fieldwork,
    instruments,
    jobs,
    participation,
    participation_rounds,
    report_jobs,
)
from revaluation.services.demo import seed_demo
from revaluation.services.members import TOKEN_PURPOSE as COLLEAGUE_PURPOSE
from revaluation.services.report_delivery import TOKEN_PURPOSE as REPORT_PURPOSE
from revaluation.services.secrets import keyed_hash
from revaluation.services.users import create_user
from surveys.formats import load_instrument
from tests.conftest import TEST_PASSWORD

PDF_BYTES = b"%PDF-1.7\n% a stand-in for a rendered report of evaluation A\n%%EOF\n"

B_INSTRUMENT = """
key: bravo_check
title: Bravo check-in
languages: [en]
sections:
  - key: bravo_page
    title: Bravo page
    questions:
      - {key: bravo_rating, type: rating, label: "How is Bravo going?", min: 0, max: 10}
"""

ALL_SCOPES = list(api_tokens.SCOPES)


@dataclass
class Side:
    """One evaluation and the ids, codes and people that reach it."""

    evaluation: Evaluation
    owner: User
    slug: str
    space_code: str
    ids: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side
    a_commissioner: User
    #: API bearer tokens: "a_owner", "a_commissioner", "b_owner".
    api: dict[str, str]
    #: Text only A's pages and files hold; none may appear in an answer to an attacker.
    markers: list[str]

    def leaked(self, body: bytes) -> list[str]:
        """The markers of A that appear in a response body."""
        text = body.decode("utf-8", "replace")
        return [m for m in self.markers if m in text or html.escape(m) in text]


def _rename_demo_people() -> None:
    """Let a second seeding make fresh accounts: A's demo people get new addresses."""
    for user in db.session.execute(sa.select(User)).scalars():
        user.email = "a-" + user.email


def build_world(app, client_factory) -> World:
    """Seed A and B and return the ids, codes and tokens the security tests fill URLs with."""
    info = seed_demo(members=16, staff=6)
    db.session.commit()
    db.session.expire_all()  # relationships loaded while seeding are stale
    evaluation = db.session.execute(sa.select(Evaluation).filter_by(slug="demo")).scalar_one()
    owner = db.session.execute(sa.select(User).filter_by(email=info.evaluator_email)).scalar_one()
    commissioner = db.session.execute(
        sa.select(User).filter_by(email=info.commissioner_email)
    ).scalar_one()
    for user in (owner, commissioner):
        user.set_password(TEST_PASSWORD)
    a = Side(evaluation, owner, evaluation.slug, participation.space_of(evaluation).code)
    _fill_a(a, commissioner)
    b = _build_b()
    api = {
        "a_owner": api_tokens.create_token(owner, "A owner", ALL_SCOPES)[1],
        "a_commissioner": api_tokens.create_token(commissioner, "A commissioner", ALL_SCOPES)[1],
        "b_owner": api_tokens.create_token(b.owner, "B owner", ALL_SCOPES)[1],
    }
    a.ids["token_id"] = api_tokens.authenticate(api["a_owner"]).id
    db.session.commit()
    a.ids["upload"] = _stored_upload(a, client_factory)
    markers = _markers(a)
    return World(a, b, commissioner, api, markers)


def _fill_a(a: Side, commissioner: User) -> None:
    evaluation = a.evaluation
    waves = sorted(evaluation.waves, key=lambda w: w.id)
    open_wave = next(w for w in waves if str(w.state) == "open")
    a.ids["wave_id"] = open_wave.id
    a.ids["closed_wave_id"] = waves[0].id
    link = db.session.execute(
        sa.select(Invitation).filter_by(wave_id=open_wave.id, kind=InvitationKind.OPEN)
    ).scalars().first()
    a.ids["link_id"] = link.id
    a.tokens["open_link"] = link.code
    a.tokens["wave_token"] = fieldwork.create_tokens(open_wave, "member", 2)[0]

    instrument = db.session.execute(
        sa.select(Instrument).filter_by(evaluation_id=evaluation.id)
    ).scalars().first()
    published = instrument.latest
    definition = instruments.definition_of(published)
    draft = instruments.new_draft(instrument)
    a.ids.update(
        instrument_id=instrument.id,
        instrument_key=instrument.key,
        version_number=published.number,
        draft_number=draft.number,
        version_id=published.id,
        draft_version_id=draft.id,
        section=definition.sections[0].key,
        question=definition.sections[0].questions[0].key,
        choice_list=definition.choice_lists[0].name,
    )

    outcome = db.session.execute(
        sa.select(Outcome).filter_by(evaluation_id=evaluation.id).order_by(Outcome.id)
    ).scalars().first()
    a.ids.update(outcome_id=outcome.id, outcome_key=outcome.key)
    a.ids["membership_id"] = db.session.execute(
        sa.select(Membership.id).filter_by(evaluation_id=evaluation.id, user_id=commissioner.id)
    ).scalar_one()

    response = db.session.execute(
        sa.select(Response).join(Wave).where(Wave.evaluation_id == evaluation.id)
        .order_by(Response.id)
    ).scalars().first()
    a.ids["response_id"] = response.id

    a.ids["proposal_id"] = db.session.execute(
        sa.select(Proposal.id).filter_by(evaluation_id=evaluation.id).order_by(Proposal.id)
    ).scalars().first()
    a.ids["story_id"] = db.session.execute(
        sa.select(Story.id).filter_by(evaluation_id=evaluation.id).order_by(Story.id)
    ).scalars().first()
    msc = db.session.execute(sa.select(MscRound).filter_by(evaluation_id=evaluation.id)
                             ).scalars().first()
    negotiation = db.session.execute(
        sa.select(NegotiationRound).filter_by(evaluation_id=evaluation.id)).scalars().first()
    sense = db.session.execute(
        sa.select(SenseMakingRound).filter_by(evaluation_id=evaluation.id)).scalars().first()
    # Reopen the negotiation so its items answer; the demo closed it.
    negotiation.state = RoundState.OPEN
    a.ids.update(msc_round=msc.id, negotiation_round=negotiation.id, sense_round=sense.id)
    a.tokens["msc_code"] = msc.code
    a.ids["item_id"] = participation_rounds.negotiation_account(negotiation)["items"][0]["id"]
    a.ids["finding_id"] = sense.findings[0].id

    edition = ReportEdition(
        evaluation_id=evaluation.id, number=1, options={}, pdf=PDF_BYTES,
        sha256=hashlib.sha256(PDF_BYTES).hexdigest(), page_count=3, created_by_id=a.owner.id,
    )
    db.session.add(edition)
    db.session.flush()
    a.ids["report_number"] = edition.number
    report_token = "a-report-link-token-0123456789abcdef"
    db.session.add(ReportDelivery(
        edition_id=edition.id, recipient_email="funder@example.org", sent_by_id=a.owner.id,
        token_hash=keyed_hash(report_token, purpose=REPORT_PURPOSE),
        expires_at=utcnow() + timedelta(days=30),
    ))
    a.tokens["report_link"] = report_token
    job = jobs.new_job(report_jobs.JOB_KIND, evaluation_id=evaluation.id, params={},
                       user_id=a.owner.id)
    job.status = JobStatus.FAILED
    job.error = "stand-in failure"
    a.ids["job_id"] = job.id

    colleague_token = "a-colleague-invitation-token-0123456789"
    invitation = ColleagueInvitation(
        evaluation_id=evaluation.id, email="newcolleague@example.org", role=Role.EVALUATOR,
        token_hash=keyed_hash(colleague_token, purpose=COLLEAGUE_PURPOSE),
        invited_by_id=a.owner.id, expires_at=utcnow() + timedelta(days=14),
    )
    db.session.add(invitation)
    db.session.flush()
    a.ids["invitation_id"] = invitation.id
    a.tokens["colleague_invitation"] = colleague_token


def _build_b() -> Side:
    from revaluation.services.evaluations import create_evaluation

    owner = create_user("bee@example.org", "Bee Owner", TEST_PASSWORD)
    evaluation = create_evaluation(slug="bravo", title="Bravo evaluation",
                                   movement="Bravo movement", owner=owner)
    version = instruments.create_instrument(evaluation, load_instrument(B_INSTRUMENT))
    instruments.publish_version(version, owner.id)
    wave = fieldwork.create_wave(evaluation, version, name="Bravo wave", groups=["member"])
    fieldwork.open_wave(wave)
    link = next(i for i in wave.invitations if i.kind is InvitationKind.OPEN)
    link.code = "bravolink"
    space = participation.create_space(evaluation, code="bravospace")
    db.session.flush()
    side = Side(evaluation, owner, evaluation.slug, space.code)
    side.ids.update(wave_id=wave.id, instrument_id=version.instrument_id, version_id=version.id)
    side.tokens["open_link"] = link.code
    return side


def _stored_upload(a: Side, client_factory) -> str:
    """A response file A's owner uploaded for import (its stored name is in the next URL)."""
    client = client_factory()
    client.post("/login", data={"email": a.owner.email, "password": TEST_PASSWORD})
    content = b"response_id,life_satisfaction\nrow-1,7\nrow-2,8\n"
    made = client.post(
        f"/e/{a.slug}/results/import/{a.ids['wave_id']}",
        data={"file": (io.BytesIO(content), "a-responses.csv")},
        content_type="multipart/form-data",
    )
    assert made.status_code == 302, made.get_data(as_text=True)[:500]
    return made.headers["Location"].rstrip("/").rsplit("/", 1)[1]


def _markers(a: Side) -> list[str]:
    """Distinctive text of A: its title and movement, wave, outcome, story, proposal names."""
    evaluation = a.evaluation
    found = [evaluation.title, evaluation.movement]
    found += [w.name for w in evaluation.waves]
    found += list(db.session.execute(
        sa.select(Outcome.title).filter_by(evaluation_id=evaluation.id)).scalars())
    found += list(db.session.execute(
        sa.select(Story.title).filter_by(evaluation_id=evaluation.id)).scalars())
    found += list(db.session.execute(
        sa.select(Proposal.text).filter_by(evaluation_id=evaluation.id)).scalars())
    found += [i.title for i in evaluation.instruments]
    return sorted({m for m in found if m and len(m) >= 12})


#: Columns a refused request may still touch: an attacker's own token records its use.
VOLATILE = {("api_token", "last_used_at")}


def snapshot() -> str:
    """A digest of every row of every table: equal digests mean nothing was changed."""
    digest = hashlib.sha256()
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
        order = list(table.primary_key.columns) or columns
        for row in db.session.execute(sa.select(*columns).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


# -- walking the URL map -------------------------------------------------------------------

#: URL parameters that choose a page, not an object: an IDOR probe needs an object id.
NOT_OBJECTS = {"slug", "code", "action", "fmt", "kind"}


@dataclass(frozen=True)
class Probe:
    rule: Rule
    method: str
    values: dict

    @property
    def name(self) -> str:
        return f"{self.method} {self.rule.rule} {self.values}"


def _choices(rule: Rule) -> dict[str, list[str]]:
    return {name: sorted(conv.items) for name, conv in rule._converters.items()
            if isinstance(conv, AnyConverter)}


def fill(world: World, rule: Rule, choice: dict[str, str], *, slug_side: str = "a") -> dict:
    """URL values for the rule: slug and space code from ``slug_side``, every id from A."""
    a, host = world.a, (world.a if slug_side == "a" else world.b)
    ids, endpoint = a.ids, rule.endpoint
    values = {}
    for name in rule.arguments:
        if name in choice:
            values[name] = choice[name]
        elif name == "slug":
            values[name] = host.slug
        elif name == "code":
            values[name] = host.space_code
        elif name == "rid":
            values[name] = ids["response_id"]
        elif name == "number":
            values[name] = ids["report_number"] if "report" in endpoint else ids["version_number"]
        elif name == "key":
            values[name] = (ids["section"] if "section" in endpoint
                            else ids["question"] if "question" in endpoint
                            else ids["outcome_key"] if endpoint == "results.outcome"
                            else ids["instrument_key"])
        elif name == "section":
            values[name] = ids["section"]
        elif name == "name":
            values[name] = ids["choice_list"]
        elif name == "fmt":
            values[name] = "csv"
        elif name == "round_id":
            kind = choice.get("kind") or ("sense" if "sense" in rule.rule or "finding" in endpoint
                                          else "negotiation")
            values[name] = ids[{"msc": "msc_round", "negotiation": "negotiation_round",
                                "sense": "sense_round"}[kind]]
        elif name in ids:
            values[name] = ids[name]
        else:
            raise AssertionError(
                f"{rule.rule}: no value for <{name}>; add it to security_world and fill()")
    return values


def probes(app, world: World, audience: Callable[[Rule], str], kinds: set[str], *,
           slug_side: str = "a", objects_only: bool = False,
           methods: set[str] | None = None, overrides: dict | None = None) -> Iterator[Probe]:
    """Every (route, method, URL values) of the given audiences, one per any() choice."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if audience(rule) not in kinds:
            continue
        if objects_only and not set(rule.arguments) - NOT_OBJECTS:
            continue
        choices = _choices(rule)
        combos = [dict(zip(choices, c, strict=True))
                  for c in itertools.product(*choices.values())] or [{}]
        for choice in combos:
            values = fill(world, rule, choice, slug_side=slug_side)
            values.update({k: v for k, v in (overrides or {}).items() if k in values})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if methods is None or method in methods:
                    yield Probe(rule, method, values)


def send(client, app, probe: Probe, *, token: str | None = None):
    with app.test_request_context():
        from flask import url_for

        url = url_for(probe.rule.endpoint, **probe.values)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if probe.rule.rule.startswith("/api/"):
        return client.open(url, method=probe.method, json={}, headers=headers)
    return client.open(url, method=probe.method, data={}, headers=headers)
