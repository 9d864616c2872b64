"""Anonymity modes hold through results, reports, exports and the API: names appear only in an
owner's export of a named wave (and in the API for named waves), never from an anonymous or
pseudonymous wave; panel codes, resume codes and tokens are stored only as keyed hashes and
never appear in clear anywhere."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json

import pytest

from revaluation.extensions import db
from revaluation.models import Anonymity, Answer, Response, ResponseStatus, Role
from revaluation.models.base import utcnow
from revaluation.reports.render import render_html
from revaluation.reports.sources import ReportOptions, build_report
from revaluation.services import fieldwork, instruments
from revaluation.services.evaluations import add_member
from revaluation.services.exports import export_responses
from revaluation.services.results import evaluation_results
from revaluation.services.secrets import keyed_hash
from surveys.formats import load_instrument
from tests.web.privacy_fixtures import database_text, send_response
from tests.web.respond_fixtures import ALL_TYPES_YAML, make_survey

NAMED, STRAY = "Named Respondent", "Stray Name"


@pytest.fixture
def modes(app, make_user, make_evaluation):
    """One evaluation with a named, an anonymous and a pseudonymous wave, six responses each.

    Every response carries a name, as if one had slipped into a non-named wave through an
    old import: the modes must keep those names out of every output."""
    owner, evaluator = make_user("owner@example.org"), make_user("eva@example.org")
    evaluation = make_evaluation(owner, slug="modes")
    add_member(evaluation, evaluator, Role.EVALUATOR)
    version = instruments.create_instrument(evaluation, load_instrument(ALL_TYPES_YAML))
    instruments.publish_version(version, None)
    waves = {}
    for mode in Anonymity:
        wave = fieldwork.create_wave(evaluation, version, name=str(mode), groups=["member"],
                                     anonymity=mode, ask_panel_code=mode is not Anonymity.NAMED)
        fieldwork.open_wave(wave)
        waves[mode] = wave
        now = utcnow()
        for i in range(6):
            response = Response(
                wave_id=wave.id, group="member", status=ResponseStatus.COMPLETE,
                consent_given=True, started_at=now, completed_at=now,
                respondent_name=f"{NAMED} {i}" if mode is Anonymity.NAMED else f"{STRAY} {i}",
                panel_hash=keyed_hash(f"panel{i}", purpose="panel"))
            db.session.add(response)
            db.session.flush()
            db.session.add(Answer(response_id=response.id, question_key="score", number=i))
    db.session.commit()
    return evaluation, waves


def export_rows(evaluation, **options) -> list[dict]:
    made = export_responses(evaluation, "csv", **options)
    return list(csv.DictReader(io.StringIO(made.content.decode("utf-8-sig"))))


def test_owner_export_with_names_has_them_only_for_the_named_wave(modes):
    evaluation, _waves = modes
    rows = export_rows(evaluation, include_names=True)
    names = {r["wave"]: r["respondent_name"] for r in rows}
    assert names["named"].startswith(NAMED)
    assert names["anonymous"] == "" and names["pseudonymous"] == ""
    text = json.dumps(rows)
    assert STRAY not in text and keyed_hash("panel1", purpose="panel") not in text
    plain = export_rows(evaluation)
    assert "respondent_name" not in plain[0] and NAMED not in json.dumps(plain)


def test_exports_of_waves_without_names_have_no_name_column(modes):
    evaluation, waves = modes
    only = [waves[Anonymity.ANONYMOUS].id, waves[Anonymity.PSEUDONYMOUS].id]
    rows = export_rows(evaluation, include_names=True, wave_ids=only)
    assert "respondent_name" not in rows[0] and STRAY not in json.dumps(rows)


def test_only_owners_get_names_through_the_page(client, auth, modes):
    auth.login("eva@example.org")
    body = client.get("/e/modes/results/data/responses.csv?names=1").get_data(True)
    assert "respondent_name" not in body and NAMED not in body
    auth.logout()
    auth.login("owner@example.org")
    body = client.get("/e/modes/results/data/responses.csv?names=1").get_data(True)
    assert NAMED in body and STRAY not in body


def test_results_and_reports_never_carry_names_or_panel_hashes(modes):
    evaluation, _waves = modes
    results = json.dumps(evaluation_results(evaluation), default=str)
    html = render_html(build_report(evaluation, ReportOptions(), edition_label="Test",
                                    generated_at=utcnow()))
    for output in (results, html):
        assert NAMED not in output and STRAY not in output
        assert keyed_hash("panel1", purpose="panel") not in output


def test_the_api_shows_names_only_for_named_waves_and_never_hashes(modes):
    from revaluation.api.responses import response_json  # after the app registered the API

    _evaluation, waves = modes
    for mode, wave in waves.items():
        response = db.session.execute(db.select(Response).filter_by(wave_id=wave.id)).scalars(
        ).first()
        shown = json.dumps(response_json(response, {}))
        assert (NAMED in shown) is (mode is Anonymity.NAMED)
        assert STRAY not in shown and response.panel_hash not in shown


def test_codes_and_tokens_are_stored_only_as_keyed_hashes(app, client, make_evaluation):
    survey = make_survey(make_evaluation)
    _rid, reference = send_response(client, survey.code, panel="ZEBRA-42-quilt")
    token = fieldwork.create_tokens(survey.wave, "member", 1)[0]
    db.session.commit()
    other = app.test_client()
    assert other.post(f"/t/{token}/start", data={"lang": "en"}).status_code == 302
    stored = database_text().lower()
    for secret in ("zebra42quilt", "zebra-42-quilt", reference, token):
        assert secret not in stored, secret
    response = db.session.execute(
        db.select(Response).where(Response.panel_hash.is_not(None))).scalar_one()
    key = app.config["PANEL_CODE_KEY"].encode()
    assert response.panel_hash == hmac.new(key, b"panel\x00zebra42quilt",
                                           hashlib.sha256).hexdigest()
    # Not a plain hash: a dictionary of likely codes cannot be checked against a dump.
    assert response.panel_hash != hashlib.sha256(b"zebra42quilt").hexdigest()
