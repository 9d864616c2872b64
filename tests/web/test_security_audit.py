"""The audit log owners read: exports, report downloads, role changes, data deletion, API reads
and sign-ins appear in plain words; only owners see it; no event holds personal data."""

from __future__ import annotations

import re

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import AuditEvent, Membership, Response, Role, Wave
from tests.conftest import TEST_PASSWORD
from tests.web.security_world import build_world


def _login(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": TEST_PASSWORD}
                       ).status_code == 302
    return client


def _log(client, slug: str) -> str:
    page = client.get(f"/e/{slug}/audit")
    assert page.status_code == 200
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


def test_owners_read_who_exported_downloaded_changed_and_deleted(app):
    world = build_world(app, app.test_client)
    a = world.a
    owner = _login(app, a.owner.email)
    owner_name = a.owner.name

    assert owner.get(f"/e/{a.slug}/results/data/responses.csv").status_code == 200
    assert owner.get(f"/e/{a.slug}/reports/{a.ids['report_number']}.pdf").status_code == 200
    assert owner.post(f"/e/{a.slug}/members/{a.ids['membership_id']}/role",
                      data={"role": "evaluator"}).status_code == 302
    response_id = db.session.execute(
        sa.select(Response.id).join(Wave).where(Wave.evaluation_id == a.evaluation.id)
        .order_by(Response.id.desc())).scalars().first()
    erased = owner.post(f"/e/{a.slug}/results/responses/{response_id}/erase",
                        data={"confirmation": str(response_id)})
    assert erased.status_code == 303
    api = app.test_client().get(f"/api/v1/evaluations/{a.slug}/responses?per_page=5",
                                headers={"Authorization": f"Bearer {world.api['a_owner']}"})
    assert api.status_code == 200

    log = _log(owner, a.slug)
    assert re.search(rf"{owner_name} exported the responses as csv \(\d+ rows\)", log)
    assert f"{owner_name} downloaded a report" in log
    assert f"{owner_name} gave {world.a_commissioner.name} the role evaluator" in log
    assert re.search(rf"{owner_name} erased response {response_id} \(\d+ answers", log)
    assert f"{owner_name} read 5 responses through the API" in log
    assert f"{owner_name} signed in" in log


def test_only_owners_see_the_audit_log(app):
    world = build_world(app, app.test_client)
    a = world.a
    evaluator = world.a_commissioner
    db.session.execute(sa.update(Membership).filter_by(id=a.ids["membership_id"])
                       .values(role=Role.EVALUATOR))
    db.session.commit()
    assert _login(app, evaluator.email).get(f"/e/{a.slug}/audit").status_code == 403
    assert _login(app, world.b.owner.email).get(f"/e/{a.slug}/audit").status_code == 404
    assert app.test_client().get(f"/e/{a.slug}/audit").status_code == 302


def test_no_event_holds_an_address_a_name_or_an_answer(app):
    world = build_world(app, app.test_client)
    a = world.a
    owner = _login(app, a.owner.email)
    owner.get(f"/e/{a.slug}/results/data/responses.csv")
    owner.post(f"/e/{a.slug}/members/{a.ids['membership_id']}/role", data={"role": "evaluator"})
    app.test_client().post("/login", data={"email": "who-is-this@example.org",
                                           "password": "guess"})
    stored = repr(db.session.execute(
        sa.select(AuditEvent.actor_label, AuditEvent.object_type, AuditEvent.detail)).all())
    for personal in ("@", a.owner.name, world.a_commissioner.name, "who-is-this"):
        assert personal not in stored
