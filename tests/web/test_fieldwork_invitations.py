"""Invitations: open links, single-use tokens (CSV once, hashes only), QR codes and posters."""

from __future__ import annotations

import csv
import io

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, Invitation, InvitationKind
from revaluation.services import fieldwork
from revaluation.services.secrets import keyed_hash
from tests.web.fieldwork_fixtures import fw_fixture, make_wave  # noqa: F401

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def app_config():
    return {"PUBLIC_BASE_URL": "https://survey.example.org"}


@pytest.fixture
def wave(fw):
    return make_wave(fw)


def open_link(wave, group="member") -> Invitation:
    return next(
        i
        for i in wave.invitations
        if i.kind is InvitationKind.OPEN and i.group == group and i.revoked_at is None
    )


def test_wave_page_shows_full_public_links(client, auth, wave):
    auth.login("evaluator@example.org")
    text = client.get(f"/e/walks/fieldwork/{wave.id}").get_data(as_text=True)
    for group in ("member", "staff"):
        assert f"https://survey.example.org/r/{open_link(wave, group).code}" in text
    assert "Printable poster" in text and "QR as SVG" in text


def test_tokens_are_downloaded_once_and_only_hashes_kept(client, auth, wave):
    auth.login("evaluator@example.org")
    response = client.post(
        f"/e/walks/fieldwork/{wave.id}/tokens", data={"group": "staff", "count": "5"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 5 and list(rows[0]) == ["group", "token", "url"]
    assert {r["group"] for r in rows} == {"staff"}
    assert all(r["url"] == f"https://survey.example.org/t/{r['token']}" for r in rows)
    stored = db.session.scalars(
        db.select(Invitation).filter_by(wave_id=wave.id, kind=InvitationKind.TOKEN)
    ).all()
    hashes = {i.token_hash for i in stored}
    tokens = {r["token"] for r in rows}
    assert hashes == {keyed_hash(t, purpose="invitation") for t in tokens}
    assert not hashes & tokens and all(i.code is None for i in stored)
    page = client.get(f"/e/walks/fieldwork/{wave.id}").get_data(as_text=True)
    assert not any(t in page for t in tokens)
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="invitation.tokens")).one()
    assert event.detail == {"count": 5}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"group": "staff", "count": ""}, "Enter how many tokens to create, e.g. 50."),
        ({"group": "staff", "count": "lots"}, "Enter a whole number of tokens, e.g. 50."),
        ({"group": "staff", "count": "0"}, "Create between 1 and 10,000 tokens at a time."),
        ({"group": "staff", "count": "10001"}, "Create between 1 and 10,000 tokens at a time."),
        ({"group": "ghosts", "count": "3"}, "Choose one of this wave&#39;s groups."),
    ],
)
def test_bad_token_requests_are_explained(client, auth, wave, data, message):
    auth.login("evaluator@example.org")
    response = client.post(f"/e/walks/fieldwork/{wave.id}/tokens", data=data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "There is a problem" in text and message in text
    if data["count"] not in ("", "lots"):
        assert f'value="{data["count"]}"' in text
    assert not db.session.scalars(db.select(Invitation).filter_by(kind=InvitationKind.TOKEN)).all()


def test_revoking_unused_tokens_leaves_used_ones(client, auth, wave):
    fieldwork.create_tokens(wave, "member", 3)
    fieldwork.create_tokens(wave, "staff", 2)
    used = db.session.scalars(
        db.select(Invitation).filter_by(kind=InvitationKind.TOKEN, group="member")
    ).first()
    from revaluation.models.base import utcnow

    used.used_at = utcnow()
    db.session.commit()
    auth.login("evaluator@example.org")
    response = client.post(
        f"/e/walks/fieldwork/{wave.id}/tokens/revoke",
        data={"revoke-group": "member"},
        follow_redirects=True,
    )
    assert "Revoked 2 unused tokens." in response.get_data(as_text=True)
    tokens = db.session.scalars(db.select(Invitation).filter_by(kind=InvitationKind.TOKEN)).all()
    revoked = sorted((t.group, t.revoked_at is not None) for t in tokens)
    assert revoked == [
        ("member", False),
        ("member", True),
        ("member", True),
        ("staff", False),
        ("staff", False),
    ]
    response = client.post(
        f"/e/walks/fieldwork/{wave.id}/tokens/revoke",
        data={"revoke-group": ""},
        follow_redirects=True,
    )
    assert "Revoked 2 unused tokens." in response.get_data(as_text=True)


def test_regenerating_a_link_retires_the_old_code(client, auth, wave):
    old = open_link(wave)
    old_code = old.code
    auth.login("evaluator@example.org")
    response = client.post(
        f"/e/walks/fieldwork/{wave.id}/links/{old.id}/regenerate", follow_redirects=True
    )
    assert "A new link for “member” replaces the old one." in response.get_data(as_text=True)
    db.session.expire_all()
    fresh = open_link(wave)
    assert fresh.code != old_code and db.session.get(Invitation, old.id).revoked_at is not None
    assert f"/r/{fresh.code}" in response.get_data(as_text=True)


def test_revoking_a_link_twice_says_so(client, auth, wave):
    link = open_link(wave, "staff")
    auth.login("evaluator@example.org")
    client.post(f"/e/walks/fieldwork/{wave.id}/links/{link.id}/revoke")
    again = client.post(
        f"/e/walks/fieldwork/{wave.id}/links/{link.id}/revoke", follow_redirects=True
    )
    assert "That link is already revoked." in again.get_data(as_text=True)
    assert "The “staff” group has no active link." in again.get_data(as_text=True)
    client.post(f"/e/walks/fieldwork/{wave.id}/links/{link.id}/regenerate")
    db.session.expire_all()
    assert open_link(wave, "staff").code != link.code
    actions = db.session.scalars(
        db.select(AuditEvent.action).filter_by(action="invitation.revoke")
    ).all()
    assert actions == ["invitation.revoke"]


def test_closed_wave_links_cannot_change(client, auth, wave):
    fieldwork.open_wave(wave)
    fieldwork.close_wave(wave)
    db.session.commit()
    link = open_link(wave)
    auth.login("evaluator@example.org")
    response = client.post(
        f"/e/walks/fieldwork/{wave.id}/links/{link.id}/regenerate", follow_redirects=True
    )
    assert "is closed; its links can no longer change." in response.get_data(as_text=True)


def test_qr_png_is_a_cacheable_png(client, auth, wave):
    link = open_link(wave)
    auth.login("evaluator@example.org")
    response = client.get(f"/e/walks/fieldwork/{wave.id}/links/{link.id}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(PNG_MAGIC)
    assert "max-age" in response.headers["Cache-Control"] and response.headers["ETag"]
    again = client.get(
        f"/e/walks/fieldwork/{wave.id}/links/{link.id}/qr.png",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_qr_svg_encodes_the_link(client, auth, wave):
    import segno

    link = open_link(wave)
    auth.login("evaluator@example.org")
    response = client.get(f"/e/walks/fieldwork/{wave.id}/links/{link.id}/qr.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<svg ')
    assert b'xmlns="http://www.w3.org/2000/svg"' in response.data
    url = f"https://survey.example.org/r/{link.code}"
    # segno is deterministic: the same URL at the same settings gives the same drawing.
    expected = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        expected, kind="svg", scale=10, border=4, title=url
    )
    assert response.data == expected.getvalue()


def test_poster_has_qr_address_and_brand(client, auth, wave):
    link = open_link(wave)
    auth.login("evaluator@example.org")
    response = client.get(f"/e/walks/fieldwork/{wave.id}/links/{link.id}/poster")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" viewBox=' in text
    assert f"survey.example.org/r/{link.code}" in text
    assert "Walk together" in text and 'fill="#1d5c63"' in text
    assert "Your answers are anonymous" in text
    assert "The wave is not open" in text  # draft: the poster warns before printing


def test_link_falls_back_to_the_request_host(client, auth, fw, app):
    app.config["PUBLIC_BASE_URL"] = ""
    wave = make_wave(fw)
    auth.login("evaluator@example.org")
    text = client.get(f"/e/walks/fieldwork/{wave.id}").get_data(as_text=True)
    assert f"http://localhost/r/{open_link(wave).code}" in text
