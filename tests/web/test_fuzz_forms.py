"""Fuzzing every POST endpoint of the respondent, participation and designer pages.

The endpoints come from the app's URL map (so a new form is fuzzed without anyone
remembering to add it), with real ids from a seeded demo, signed in as the demo's
evaluator, CSRF off. Each gets fixed hostile bodies (empty, huge, NUL, every field twice, over
the size limit) and hypothesis-generated ones (random and nasty values, unknown and missing
fields, files, JSON, raw bytes). No request may end in a server error, and a request the app
refuses (an error status, or the form shown again with its errors) must store nothing.
"""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings

from revaluation.extensions import db
from tests.web.fuzz_fixtures import (
    BLUEPRINTS,
    Body,
    ErrorLog,
    bodies,
    changed,
    examples,
    fixed_bodies,
    form_names,
    only_added,
    post_rules,
    rejected,
    reseed,
    restore,
    saved_rows,
    snapshot,
    url_for_rule,
)
from tests.web.participate_fixtures import (  # noqa: F401  (participation_setup: the ps fixture)
    CODE,
    participation_setup,
    propose,
    resume_code,
)

#: Generated bodies per endpoint, on top of the fixed ones (the suite must stay quick).
EXAMPLES = examples(3)
#: Fewest POST rules each blueprint has today: fuzzing must never quietly cover nothing.
LEAST_RULES = {"respond": 10, "participate": 15, "design": 25}


@pytest.fixture
def error_log():
    handler = ErrorLog()
    logger = logging.getLogger("revaluation")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


class Fuzzer:
    """Posts bodies to one URL, checking each answer and what was stored."""

    def __init__(self, client, error_log: ErrorLog) -> None:
        self.client, self.log = client, error_log
        self.stored = snapshot()

    def post(self, url: str, body: Body) -> None:
        self.log.records.clear()
        response = self.client.post(url, **body.request_kwargs())
        db.session.remove()
        assert response.status_code < 500, (
            f"POST {url} with {body.describe()} -> {response.status_code}\n"
            + "\n".join(self.log.records[-1:])
        )
        after = snapshot()
        if rejected(response):
            assert after == self.stored, (
                f"POST {url} was refused ({response.status_code}) but changed what is stored: "
                f"{changed(self.stored, after)}; body {body.describe()}"
            )
        self.stored = after

    def fuzz(self, url: str, names: list[str]) -> None:
        for body in fixed_bodies(names):
            self.post(url, body)

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
        @given(body=bodies(names))
        def generated(body: Body) -> None:
            self.post(url, body)

        generated()


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_post_endpoints_survive_hostile_bodies(app, blueprint, error_log):
    rules = post_rules(app, blueprint)
    assert len(rules) >= LEAST_RULES[blueprint]
    client, world = reseed(app)
    seeded, fresh = saved_rows(), snapshot()
    for rule, fixed in rules:
        url = url_for_rule(rule, fixed, world)
        names = []
        if "GET" in rule.methods:
            names = form_names(client.get(url).get_data(as_text=True))
            db.session.remove()
        fuzzer = Fuzzer(client, error_log)
        fuzzer.fuzz(url, names)
        if not only_added(fresh, fuzzer.stored):  # an accepted request changed the demo
            restore(seeded)
            assert snapshot() == fresh


def test_a_refused_participation_post_keeps_no_participant(client, ps):
    """Found by the fuzzing: a refused post used to keep the participant it made (and show
    their resume code on the error page)."""
    from revaluation.models import Participant

    def participants() -> int:
        return db.session.execute(sa.select(sa.func.count()).select_from(Participant)).scalar()

    refused = client.post(f"{ps.url}/propose", data={"kind": "outcome", "text": ""})
    assert refused.status_code == 400
    assert participants() == 0
    assert CODE.search(refused.get_data(as_text=True)) is None
    accepted = propose(client, ps, "More walks in the evening")
    assert participants() == 1
    assert resume_code(accepted.get_data(as_text=True))


@pytest.mark.parametrize("body", [b"false", b"[1, 2]", b'{"confirm": "yes"}'])
def test_a_json_body_to_a_page_form_is_refused(client, make_evaluation, body):
    """Found by the fuzzing: Flask-WTF read a JSON body as the form, and failed on an array or
    a number (a 500). The pages' forms are never sent as JSON; the JSON API still is."""
    from revaluation.models import Wave, WaveState
    from tests.conftest import TEST_PASSWORD
    from tests.web.respond_fixtures import make_survey

    survey = make_survey(make_evaluation)
    owner = survey.evaluation.memberships[0].user
    client.post("/login", data={"email": owner.email, "password": TEST_PASSWORD})
    url = f"/e/{survey.evaluation.slug}/fieldwork/{survey.wave.id}/close"
    refused = client.post(url, data=body, content_type="application/json")
    assert refused.status_code == 415
    assert "That was not sent from the form" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Wave, survey.wave.id).state is WaveState.OPEN


def test_a_file_sent_as_a_text_field_is_left_out(client, make_user):
    """Found by the fuzzing: Flask-WTF handed an uploaded file to a text field's validators
    (a 500). Now the file is left out and the form says the field is missing."""
    import io

    make_user("someone@example.org")
    page = client.post("/login", data={"email": (io.BytesIO(b"x"), "email.txt"),
                                       "password": "wrong"},
                       content_type="multipart/form-data")
    assert page.status_code < 500
    assert "Enter your email address." in page.get_data(as_text=True)
