"""Who may touch fieldwork: edit roles only; commissioners 403, strangers 404, no IDOR."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import Invitation, InvitationKind
from revaluation.services import fieldwork, instruments
from surveys.formats import load_instrument
from tests.web.fieldwork_fixtures import THREE_PAGES, fw_fixture, make_wave  # noqa: F401

ROUTES = [
    ("GET", "/e/walks/fieldwork"),
    ("GET", "/e/walks/fieldwork/new"),
    ("POST", "/e/walks/fieldwork/new"),
    ("GET", "/e/walks/fieldwork/{wave}"),
    ("GET", "/e/walks/fieldwork/{wave}/edit"),
    ("POST", "/e/walks/fieldwork/{wave}/edit"),
    ("GET", "/e/walks/fieldwork/{wave}/open"),
    ("POST", "/e/walks/fieldwork/{wave}/open"),
    ("GET", "/e/walks/fieldwork/{wave}/close"),
    ("POST", "/e/walks/fieldwork/{wave}/close"),
    ("POST", "/e/walks/fieldwork/{wave}/links/{link}/regenerate"),
    ("POST", "/e/walks/fieldwork/{wave}/links/{link}/revoke"),
    ("POST", "/e/walks/fieldwork/{wave}/tokens"),
    ("POST", "/e/walks/fieldwork/{wave}/tokens/revoke"),
    ("GET", "/e/walks/fieldwork/{wave}/links/{link}/qr.png"),
    ("GET", "/e/walks/fieldwork/{wave}/links/{link}/qr.svg"),
    ("GET", "/e/walks/fieldwork/{wave}/links/{link}/poster"),
    ("GET", "/e/walks/fieldwork/{wave}/live"),
]


def _url(template: str, wave, link) -> str:
    return template.format(wave=wave.id, link=link.id)


@pytest.fixture
def wave(fw):
    return make_wave(fw)


def _link(wave):
    return next(i for i in wave.invitations if i.kind is InvitationKind.OPEN)


def test_commissioner_is_refused_everywhere(client, auth, fw, wave):
    auth.login("commissioner@example.org")
    link = _link(wave)
    statuses = {
        (method, template): client.open(
            _url(template, wave, link), method=method, data={"count": "1", "group": "member"}
        ).status_code
        for method, template in ROUTES
    }
    assert statuses == dict.fromkeys(statuses, 403)
    db.session.refresh(wave)
    assert str(wave.state) == "draft" and link.revoked_at is None


def test_non_member_gets_not_found_everywhere(client, auth, fw, wave):
    auth.login("stranger@example.org")
    link = _link(wave)
    statuses = {
        (method, template): client.open(_url(template, wave, link), method=method).status_code
        for method, template in ROUTES
    }
    assert statuses == dict.fromkeys(statuses, 404)


def test_other_evaluations_ids_are_not_found(client, auth, fw, wave, make_evaluation):
    other = make_evaluation(fw.owner, slug="other")
    version = instruments.create_instrument(other, load_instrument(THREE_PAGES))
    instruments.publish_version(version, None)
    foreign = fieldwork.create_wave(other, version, name="Theirs", groups=["member"])
    db.session.commit()
    foreign_link = _link(foreign)
    auth.login("owner@example.org")
    statuses = {}
    for method, template in ROUTES:
        if "{wave}" not in template:
            continue
        # Their wave under our slug...
        statuses[(method, template)] = client.open(
            _url(template, foreign, foreign_link), method=method, data={"count": "1"}
        ).status_code
        # ...and our wave with their link id.
        if "{link}" in template:
            mixed = template.format(wave=wave.id, link=foreign_link.id)
            statuses[(method, "mixed " + template)] = client.open(mixed, method=method).status_code
    assert statuses == dict.fromkeys(statuses, 404)
    db.session.refresh(foreign)
    assert str(foreign.state) == "draft" and foreign_link.revoked_at is None
    assert not [i for i in foreign.invitations if i.kind is InvitationKind.TOKEN]


def test_token_ids_cannot_be_used_as_link_ids(client, auth, fw, wave):
    fieldwork.create_tokens(wave, "member", 1)
    db.session.commit()
    token = db.session.scalars(db.select(Invitation).filter_by(kind=InvitationKind.TOKEN)).one()
    auth.login("owner@example.org")
    assert client.get(f"/e/walks/fieldwork/{wave.id}/links/{token.id}/qr.png").status_code == 404


def test_signed_out_visitor_is_sent_to_login(client, fw, wave):
    response = client.get(f"/e/walks/fieldwork/{wave.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
