"""Helpers for the fuzzing tests: the POST endpoints of a blueprint (from the app's URL map),
real values for their URL arguments from a seeded demo, adversarial request bodies
(hypothesis strategies) and a snapshot of everything stored, to prove that a rejected
request stored nothing.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from revaluation.extensions import db
from revaluation.models import (
    ColleagueInvitation,
    Evaluation,
    Finding,
    Instrument,
    Invitation,
    InvitationKind,
    Membership,
    MscRound,
    NegotiationRound,
    Outcome,
    Proposal,
    Role,
    Story,
    ValueItem,
    Wave,
    WaveState,
)
from revaluation.models.participation import SenseMakingRound
from revaluation.services.demo import (
    DEMO_PASSWORD,
    DEMO_SLUG,
    EVALUATOR_EMAIL,
    MEMBER_LINK_CODE,
    seed_demo,
)
from revaluation.services.demo.participation import MSC_CODE, SPACE_CODE
from tests.conftest import _empty_tables

#: Texts and numbers that commonly break web forms: NUL, numbers beyond any column,
#: non-numbers, JSON where text is expected, markup, right-to-left marks, impossible dates,
#: formula prefixes, a byte-order mark, the last code point and the forms' own button values.
NASTY = [
    "", " ", "\x00", "nul\x00inside", "x" * 20_000, "9" * 400, "-1", "0", "-0", "1e309",
    "-1e309", "NaN", "inf", "1.5", "0x1F", "1_000", "١٢", "true", "null", "[]", "{}",
    '{"a": [1, {"b": null}]}', "[1, 2, 3]", "<script>alert(1)</script>", "' OR '1'='1",
    "../../etc/passwd", "%00", "\u202e\u2066rtl", "\U0001f600" * 50, "2024-02-30", "0000-00-00",
    "9999-12-31T23:59:59", "\r\n\r\n", "\t", "a,b;c", "=cmd|' /C calc'!A0", "\ufeff",
    "\U0010ffff", "İı", "a" * 65, "__proto__", "on", "yes", "no", "continue", "save", "skip",
]
#: Field names most forms of the site use, tried where a page shows no form to copy.
COMMON_NAMES = [
    "csrf_token", "action", "lang", "agree", "panel_code", "code", "text", "title", "name",
    "label", "value", "role", "email", "submission_id", "tags", "tag", "reason", "dots",
    "stance", "comment", "key", "return_to", "item", "answer", "story", "group",
]
LARGE_BODY = "y" * 300_000
FIELD = re.compile(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"')
BLUEPRINTS = ("respond", "participate", "design")


def examples(default: int) -> int:
    """Generated examples per check: small by default (the suite must stay quick), more with
    ``FUZZ_EXAMPLES=500`` for a deeper hunt."""
    return int(os.environ.get("FUZZ_EXAMPLES", default))


def values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=60),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )


@dataclass(frozen=True)
class Body:
    """One request body: form fields (a field may repeat), files, JSON or raw bytes."""

    kind: str
    fields: tuple[tuple[str, str], ...] = ()
    raw: bytes = b""

    def request_kwargs(self) -> dict[str, Any]:
        if self.kind == "json":
            return {"data": self.raw, "content_type": "application/json"}
        if self.kind == "raw":
            return {"data": self.raw, "content_type": "application/octet-stream"}
        data = MultiDict()
        for name, value in self.fields:
            if self.kind == "multipart" and value.startswith("file:"):
                data.add(name, (io.BytesIO(value.encode()), "upload.bin"))
            else:
                data.add(name, value)
        return {"data": data}

    def describe(self) -> str:
        shown = [(n[:30], v[:40] + ("..." if len(v) > 40 else "")) for n, v in self.fields]
        return f"{self.kind} {shown or self.raw[:80]!r}"


def bodies(names: list[str]) -> st.SearchStrategy[Body]:
    """Adversarial bodies for a form whose field names are ``names``: random and nasty
    values, duplicated and missing fields, unknown names, files, JSON and raw bytes."""
    name = st.one_of(st.sampled_from(names or COMMON_NAMES), st.text(min_size=1, max_size=20))
    pairs = st.lists(st.tuples(name, values()), max_size=12).map(tuple)
    files = st.lists(st.tuples(name, values().map(lambda v: "file:" + v)), min_size=1,
                     max_size=3).map(tuple)
    json_value = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                      max_size=4),
        max_leaves=10,
    )
    return st.one_of(
        pairs.map(lambda p: Body("form", p)),
        pairs.map(lambda p: Body("form", p)),
        st.tuples(pairs, files).map(lambda t: Body("multipart", t[0] + t[1])),
        json_value.map(lambda v: Body("json", raw=json.dumps(v).encode())),
        st.binary(max_size=300).map(lambda b: Body("raw", raw=b)),
    )


#: Fixed bodies every endpoint also gets: empty, every field huge, the real fields sent twice
#: with different values, and a body over the size limits.
def fixed_bodies(names: list[str]) -> list[Body]:
    names = names or COMMON_NAMES
    return [
        Body("form"),
        Body("form", tuple((n, "z" * 5000) for n in names)),
        Body("form", tuple(p for n in names for p in ((n, "1"), (n, "two")))),
        Body("form", (("text", LARGE_BODY),)),
    ]


def form_names(html: str) -> list[str]:
    return sorted(set(FIELD.findall(html)))


# -- the seeded world and the endpoints ---------------------------------------------------------


@dataclass
class World:
    """Ids from the seeded demo that URL arguments can take."""

    ids: dict[str, Any] = field(default_factory=dict)
    rid: int | None = None


def _first(statement) -> Any:
    return db.session.execute(statement.limit(1)).scalar()


Rows = dict[str, list[dict[str, Any]]]


def saved_rows() -> Rows:
    """Every row of every table, to put the seeded demo back quickly (:func:`restore`)."""
    db.session.remove()
    rows = {table.name: [dict(row._mapping) for row in db.session.execute(sa.select(table))]
            for table in db.metadata.sorted_tables}
    db.session.remove()
    return rows


def restore(rows: Rows) -> None:
    """Put the database back to ``rows``: far quicker than seeding the demo again. Foreign
    keys are checked at commit (SQLite) or not re-checked (PostgreSQL replica role), since a
    table may refer to its own later rows; PostgreSQL sequences are moved past the ids."""
    db.session.remove()
    _empty_tables()
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica" if postgres
                             else "PRAGMA defer_foreign_keys = ON")
        for table in db.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
            serial = [c for c in table.primary_key.columns if c.autoincrement is not False
                      and isinstance(c.type, sa.Integer)]
            if postgres and serial and rows[table.name]:
                conn.execute(sa.text("SELECT setval(pg_get_serial_sequence(:t, :c), :v)"), {
                    "t": table.name, "c": serial[0].name,
                    "v": max(r[serial[0].name] for r in rows[table.name])})


#: The seeded demo's rows, kept after the first seeding of a test session: putting them
#: back (:func:`restore`) is far quicker than seeding again.
_SEEDED: dict[str, Rows] = {}


def _seed_demo() -> None:
    """The demo, plus a pending colleague invitation (the demo has none)."""
    from revaluation.services import members

    if "demo" in _SEEDED:
        restore(_SEEDED["demo"])
        return
    seed_demo(members=8, staff=2)
    evaluation = db.session.execute(sa.select(Evaluation).filter_by(slug=DEMO_SLUG)).scalar_one()
    evaluator = next(m.user for m in evaluation.memberships if m.role is Role.OWNER)
    with current_app.test_request_context():  # the invitation's e-mail holds a link
        members.invite(evaluation, "colleague@example.org", Role.COMMISSIONER,
                       inviter=evaluator)
    db.session.commit()
    _SEEDED["demo"] = saved_rows()


def seed_world(client) -> World:
    """Seed the demo, sign the client in as its evaluator, and start a respondent on the open
    wave (consent given, panel code skipped), so every kind of URL has a real target."""
    _seed_demo()
    evaluation = db.session.execute(sa.select(Evaluation).filter_by(slug=DEMO_SLUG)).scalar_one()
    instrument = _first(sa.select(Instrument).filter_by(evaluation_id=evaluation.id))
    definition = instrument.latest.definition
    section = definition["sections"][0]
    wave = _first(sa.select(Wave).filter_by(evaluation_id=evaluation.id, state=WaveState.OPEN))
    lists = definition.get("choice_lists") or definition.get("choices") or {}
    world = World(ids={
        "slug": DEMO_SLUG,
        "wave_id": wave.id,
        "link_id": _first(sa.select(Invitation.id).filter_by(wave_id=wave.id,
                                                             kind=InvitationKind.OPEN)),
        "instrument_id": instrument.id,
        "version_id": instrument.latest.id,
        "section": section["key"],
        "page_key": section["key"],
        "question_key": section["questions"][0]["key"],
        "name": next(iter(lists), "none"),
        "membership_id": _first(sa.select(Membership.id).filter_by(
            evaluation_id=evaluation.id, role=Role.COMMISSIONER)),
        "invitation_id": _first(sa.select(ColleagueInvitation.id)),
        "outcome_id": _first(sa.select(Outcome.id).filter_by(evaluation_id=evaluation.id)),
        "proposal_id": _first(sa.select(Proposal.id)),
        "story_id": _first(sa.select(Story.id)),
        "item_id": _first(sa.select(ValueItem.id)),
        "finding_id": _first(sa.select(Finding.id)),
        "msc": _first(sa.select(MscRound.id)),
        "negotiation": _first(sa.select(NegotiationRound.id)),
        "sense": _first(sa.select(SenseMakingRound.id)),
    })
    client.post("/login", data={"email": EVALUATOR_EMAIL, "password": DEMO_PASSWORD})
    start = client.post(f"/r/{MEMBER_LINK_CODE}/start")
    world.rid = int(start.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/s/{world.rid}/consent", data={"agree": "yes"})
    client.post(f"/s/{world.rid}/panel", data={"action": "skip"})
    db.session.remove()
    return world


def reseed(app):
    """Empty the database and seed the world, with a fresh browser: (client, world)."""
    db.session.remove()
    _empty_tables()
    client = app.test_client()
    return client, seed_world(client)


def post_rules(app, blueprint: str) -> list[tuple[Rule, dict[str, str]]]:
    """Every POST rule of the blueprint, once per choice of its ``any(...)`` arguments."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint.split(".")[0] != blueprint:
            continue
        choices: list[dict[str, str]] = [{}]
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                options = re.findall(r"[\w-]+", converter.regex.replace("(?:", ""))
                choices = [{**c, name: o} for c in choices for o in options]
        found += [(rule, choice) for choice in choices]
    return found


PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def url_for_rule(rule: Rule, fixed: dict[str, str], world: World) -> str:
    """The rule's path with real ids from the world (an unknown id where the demo has none)."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        chosen = fixed.get(name)
        if chosen is None:
            chosen = _argument(rule.rule, name, fixed, world)
        return quote(str(chosen), safe="")

    return PLACEHOLDER.sub(value, rule.rule)


def _argument(path: str, name: str, fixed: dict[str, str], world: World) -> Any:
    ids = world.ids
    if name == "code":
        return {"/r/": MEMBER_LINK_CODE, "/p/": SPACE_CODE, "/msc": MSC_CODE}.get(path[:3],
                                                                                   "unknown")
    if name == "rid":
        return world.rid
    if name == "key":
        return ids["question_key"] if "/questions/" in path else ids["page_key"]
    if name == "round_id":
        kind = fixed.get("kind") or next(k for k in ("msc", "negotiat", "sense") if k in path)
        return ids.get("negotiation" if kind.startswith("negotiat") else kind) or 999_999
    if name == "token":
        return "not-a-real-token"
    value = ids.get(name)
    return 999_999 if value is None else value


# -- what is stored ----------------------------------------------------------------------------


Snapshot = dict[str, frozenset[str]]


def snapshot() -> Snapshot:
    """Per table, its rows (timestamps left out: reading a page may note when it was seen)."""
    db.session.remove()
    connection = db.session.connection()
    out = {}
    for table in db.metadata.sorted_tables:
        columns = ", ".join(f'"{c.name}"' for c in table.columns if not c.name.endswith("_at"))
        # Names from the app's own metadata, nothing a user sent.
        query = f'SELECT {columns} FROM "{table.name}"'  # noqa: S608
        rows = connection.exec_driver_sql(query).fetchall()
        out[table.name] = frozenset(repr(tuple(row)) for row in rows)
    db.session.remove()
    return out


def only_added(before: Snapshot, after: Snapshot) -> bool:
    """True when nothing of ``before`` was changed or removed (rows may have been added)."""
    return all(before[name] <= after[name] for name in before)


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    return [f"{name}: {len(before[name])} -> {len(after[name])} rows"
            + ("" if len(before[name]) != len(after[name]) else " (same count, rows changed)")
            for name in before if before[name] != after[name]]


class ErrorLog(logging.Handler):
    """Keeps the app's "unhandled error" records, to show the traceback behind a 500."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


def rejected(response) -> bool:
    """The app refused the request: an error status, or the form shown again with errors."""
    if response.status_code >= 400:
        return True
    return response.status_code == 200 and b"error-summary" in response.data
