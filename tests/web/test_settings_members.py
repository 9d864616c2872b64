"""Members and colleague invitations: inviting by email, the emailed link, roles, the rule
that an evaluation keeps an owner, and the owners' audit log."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, ColleagueInvitation, Membership, Role, User
from revaluation.models.base import utcnow
from revaluation.services import mail
from tests.web.framework_fixtures import PASSWORD
from tests.web.framework_fixtures import framework_setup as framework_setup


@pytest.fixture
def app_config(tmp_path) -> dict:
    """Each test gets its own outbox, so it reads only the emails it sent."""
    return {"OUTBOX_DIR": str(tmp_path / "outbox")}


@pytest.fixture
def owner(fw, auth):
    auth.login("owner@example.org", PASSWORD)
    return fw


def _role(evaluation_id: int, user_id: int) -> Role | None:
    db.session.expire_all()
    m = db.session.scalars(
        db.select(Membership).filter_by(evaluation_id=evaluation_id, user_id=user_id)
    ).one_or_none()
    return m.role if m else None


def _invitation_link() -> str:
    (message,) = mail.list_outbox(subject_prefix="Invitation to join")
    return re.search(r"http\S+/invitations/(\S+)", message.text).group(0)


def test_inviting_an_existing_account_adds_them_at_once(owner, client, make_user):
    colleague = make_user("kim@example.org", name="Kim")
    response = client.post(
        f"/e/{owner.slug}/members/invite", data={"email": " KIM@example.org ", "role": "evaluator"}
    )
    assert response.status_code == 302
    assert _role(owner.evaluation.id, colleague.id) is Role.EVALUATOR
    assert mail.list_outbox(subject_prefix="Invitation to join") == []


def test_a_new_colleague_gets_an_email_and_joins_by_setting_a_password(owner, client, auth):
    client.post(
        f"/e/{owner.slug}/members/invite", data={"email": "ren@example.org", "role": "commissioner"}
    )
    (message,) = mail.list_outbox(subject_prefix="Invitation to join")
    assert message.to == "ren@example.org"
    assert "Olu Owner has invited you" in message.text and "14 days" in message.text
    invitation = db.session.scalars(db.select(ColleagueInvitation)).one()
    token = _invitation_link().rsplit("/", 1)[1]
    assert token not in invitation.token_hash  # only a keyed hash is stored
    members_page = html.unescape(client.get(f"/e/{owner.slug}/members").get_data(as_text=True))
    assert "ren@example.org" in members_page and "Link works until" in members_page

    auth.logout()
    page = html.unescape(client.get(f"/invitations/{token}").get_data(as_text=True))
    assert "Join “Walk together”" in page and "ren@example.org" in page
    short = client.post(
        f"/invitations/{token}", data={"name": "Ren", "password": "short", "confirm": "short"}
    )
    assert short.status_code == 400
    assert "Password: use 10 to 200 characters." in short.get_data(as_text=True)
    joined = client.post(
        f"/invitations/{token}", data={"name": "Ren", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert joined.status_code == 302 and joined.headers["Location"] == "/e/walks/"
    ren = db.session.scalars(db.select(User).filter_by(email="ren@example.org")).one()
    assert _role(owner.evaluation.id, ren.id) is Role.COMMISSIONER
    assert client.get("/e/walks/").status_code == 200  # signed in as Ren
    used = client.get(f"/invitations/{token}")
    assert used.status_code == 410 and "already been used" in used.get_data(as_text=True)


def test_a_signed_in_user_accepts_with_one_button(owner, client, auth, make_user):
    client.post(
        f"/e/{owner.slug}/members/invite", data={"email": "pat@example.org", "role": "evaluator"}
    )
    token = _invitation_link().rsplit("/", 1)[1]
    pat = make_user("pat@example.org", name="Pat")
    auth.logout()
    auth.login("pat@example.org", PASSWORD)
    assert "Accept and join" in client.get(f"/invitations/{token}").get_data(as_text=True)
    client.post(f"/invitations/{token}")
    assert _role(owner.evaluation.id, pat.id) is Role.EVALUATOR


def test_expired_and_unknown_invitation_links_say_what_to_do(owner, client):
    client.post(
        f"/e/{owner.slug}/members/invite", data={"email": "ash@example.org", "role": "evaluator"}
    )
    token = _invitation_link().rsplit("/", 1)[1]
    invitation = db.session.scalars(db.select(ColleagueInvitation)).one()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = client.get(f"/invitations/{token}")
    assert expired.status_code == 410
    assert "Ask the evaluation's owner to invite you again." in html.unescape(
        expired.get_data(as_text=True)
    )
    unknown = client.get("/invitations/not-a-real-token")
    assert unknown.status_code == 410
    assert "Check that you copied the whole address" in unknown.get_data(as_text=True)


BAD_INVITES = [
    ({"email": ""}, "Email address: enter your colleague's email address."),
    ({"email": "not-an-address"}, "Email address: enter a full address like name@example.org."),
    ({"role": "king"}, "Role: choose owner, evaluator or commissioner."),
    (
        {"email": "dee@example.org"},
        "dee@example.org is already a member (evaluator). Change their role in the list of members "
        "instead.",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_INVITES)
def test_bad_invitations_are_refused(owner, client, change, message):
    data = {"email": "new@example.org", "role": "evaluator", **change}
    response = client.post(f"/e/{owner.slug}/members/invite", data=data)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))


def test_the_last_owner_cannot_be_demoted_or_removed(owner, client):
    own = db.session.scalars(db.select(Membership).filter_by(user_id=owner.owner.id)).one()
    for path, data in (
        (f"/e/{owner.slug}/members/{own.id}/role", {"role": "evaluator"}),
        (f"/e/{owner.slug}/members/{own.id}/remove", {}),
    ):
        response = client.post(path, data=data)
        assert response.status_code == 400
        assert "an evaluation needs at least one owner" in response.get_data(as_text=True)
    assert _role(owner.evaluation.id, owner.owner.id) is Role.OWNER
    dee = db.session.scalars(db.select(Membership).filter_by(user_id=owner.evaluator.id)).one()
    client.post(f"/e/{owner.slug}/members/{dee.id}/role", data={"role": "owner"})
    assert _role(owner.evaluation.id, owner.evaluator.id) is Role.OWNER
    client.post(f"/e/{owner.slug}/members/{own.id}/role", data={"role": "evaluator"})
    assert _role(owner.evaluation.id, owner.owner.id) is Role.EVALUATOR


def test_removing_a_member_takes_their_access_away(owner, client, auth):
    cam = db.session.scalars(db.select(Membership).filter_by(user_id=owner.commissioner.id)).one()
    assert client.post(f"/e/{owner.slug}/members/{cam.id}/remove").status_code == 302
    assert _role(owner.evaluation.id, owner.commissioner.id) is None
    auth.logout()
    auth.login("cam@example.org", PASSWORD)
    assert client.get(f"/e/{owner.slug}/").status_code == 404


def test_the_audit_log_describes_changes_in_plain_language(owner, client):
    from revaluation.services import fieldwork

    fieldwork.open_wave(owner.baseline)
    db.session.commit()
    client.post(
        f"/e/{owner.slug}/members/invite", data={"email": "ren@example.org", "role": "commissioner"}
    )
    page = html.unescape(client.get(f"/e/{owner.slug}/audit").get_data(as_text=True))
    assert "The system opened wave “Baseline”" in page  # opened outside a request here
    assert "Olu Owner emailed an invitation to join as commissioner" in page
    assert "Olu Owner created the evaluation" in page
    filtered = html.unescape(
        client.get(f"/e/{owner.slug}/audit?action=wave").get_data(as_text=True)
    )
    assert "opened wave “Baseline”" in filtered and "emailed an invitation" not in filtered
    assert "ren@example.org" not in str(
        [e.detail for e in db.session.scalars(db.select(AuditEvent))]
    )


def test_the_audit_log_is_paginated(owner, client):
    for n in range(55):
        db.session.add(
            AuditEvent(
                evaluation_id=owner.evaluation.id,
                actor_id=owner.owner.id,
                action="wave.update",
                object_type="wave",
                object_id=owner.baseline.id,
                detail={"n": n},
            )
        )
    db.session.commit()
    first = client.get(f"/e/{owner.slug}/audit").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Older events" in first
    second = client.get(f"/e/{owner.slug}/audit?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second and "Newer events" in second
    assert client.get(f"/e/{owner.slug}/audit?page=abc&action=nonsense").status_code == 200
    # A NUL character is refused app-wide before any handler runs (revaluation.web).
    assert client.get(f"/e/{owner.slug}/audit?action=%00").status_code == 400
