"""Waves: create, edit while draft, open (which locks the framework), close."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, InvitationKind, Wave, WaveState
from tests.web.fieldwork_fixtures import fw_fixture, make_wave, wave_form  # noqa: F401


def actions(evaluation_id: int) -> list[str]:
    return list(
        db.session.scalars(
            db.select(AuditEvent.action)
            .filter_by(evaluation_id=evaluation_id)
            .order_by(AuditEvent.id)
        )
    )


def test_fieldwork_page_lists_waves_and_offers_creation(client, auth, fw):
    make_wave(fw, name="Spring baseline")
    auth.login("evaluator@example.org")
    page = client.get("/e/walks/fieldwork")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Spring baseline" in text and "Create a wave" in text
    assert 'aria-current="page">Fieldwork' in text


def test_create_wave_makes_a_draft_with_a_link_per_group(client, auth, fw):
    auth.login("evaluator@example.org")
    form = client.get("/e/walks/fieldwork/new").get_data(as_text=True)
    assert "Check-in – version 1" in form and 'type="datetime-local"' in form
    response = client.post(
        "/e/walks/fieldwork/new",
        data=wave_form(
            fw, opens_at="2026-05-01T09:00", closes_at="2026-06-01T17:00", ask_panel_code="y"
        ),
    )
    assert response.status_code == 302
    wave = db.session.scalars(db.select(Wave)).one()
    assert response.headers["Location"].endswith(f"/e/walks/fieldwork/{wave.id}")
    assert wave.state is WaveState.DRAFT and wave.ask_panel_code
    assert wave.groups == ["member", "staff"]
    assert wave.opens_at.hour == 9 and wave.closes_at.day == 1
    links = sorted(i.group for i in wave.invitations if i.kind is InvitationKind.OPEN)
    assert links == ["member", "staff"]
    assert "wave.create" in actions(fw.evaluation.id)
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="wave.create")).one()
    assert event.actor_id == fw.evaluator.id


BAD_WAVES = [
    ({"name": ""}, "Enter a name for the wave, e.g. Baseline."),
    ({"name": "x" * 121}, "Wave name: use at most 120 characters."),
    ({"version": "999999"}, "Choose one of the published versions listed."),
    ({"version": "abc"}, "Choose one of the published versions listed."),
    ({"groups": ""}, "Enter at least one audience group, e.g. member."),
    (
        {"groups": "member, Staff Team"},
        "“Staff Team” is not a valid group name: use lower-case letters, digits, dashes or "
        "underscores (up to 40), e.g. member, staff.",
    ),
    ({"groups": "member, member"}, "“member” is listed twice; list each group once."),
    (
        {"groups": ",".join(f"g{i}" for i in range(11))},
        "Use at most 10 audience groups; you entered 11.",
    ),
    ({"opens_at": "next tuesday"}, "Opens: enter a date and time, e.g. 2026-05-01 09:00."),
    ({"closes_at": "2026-13-01T10:00"}, "Closes: enter a date and time, e.g. 2026-05-01 17:00."),
    (
        {"opens_at": "2026-05-02T09:00", "closes_at": "2026-05-01T09:00"},
        "The closing time must be after the opening time.",
    ),
    (
        {"opens_at": "2026-05-01T09:00", "closes_at": "2026-05-01T09:00"},
        "The closing time must be after the opening time.",
    ),
    ({"anonymity": "secret"}, "Choose one of the anonymity options listed."),
    ({"consent_text": "x" * 5001}, "Consent text: use at most 5,000 characters."),
]


@pytest.mark.parametrize(("changes", "message"), BAD_WAVES)
def test_bad_wave_input_is_explained_and_kept(client, auth, fw, changes, message):
    auth.login("evaluator@example.org")
    data = wave_form(fw, **{"name": "Keep this name", **changes})
    response = client.post("/e/walks/fieldwork/new", data=data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "There is a problem" in text
    from markupsafe import escape

    assert str(escape(message)) in text
    if "name" not in changes:
        assert 'value="Keep this name"' in text
    assert db.session.scalars(db.select(Wave)).first() is None


def test_new_wave_needs_a_published_version(client, auth, fw, make_evaluation):
    make_evaluation(fw.owner, slug="empty")
    auth.login("owner@example.org")
    listing = client.get("/e/empty/fieldwork").get_data(as_text=True)
    assert "first publish a version of an instrument" in listing
    response = client.get("/e/empty/fieldwork/new", follow_redirects=True)
    assert "Publish an instrument version before creating a wave." in response.get_data(
        as_text=True
    )


def test_edit_draft_bumps_consent_version_and_syncs_group_links(client, auth, fw):
    wave = make_wave(fw, consent_text="Old text")
    auth.login("evaluator@example.org")
    page = client.get(f"/e/walks/fieldwork/{wave.id}/edit").get_data(as_text=True)
    assert 'value="member, staff"' in page and "Old text" in page
    response = client.post(
        f"/e/walks/fieldwork/{wave.id}/edit",
        data=wave_form(fw, name="Renamed", groups="member, volunteer", consent_text="New text"),
    )
    assert response.status_code == 302
    db.session.refresh(wave)
    assert wave.name == "Renamed" and wave.consent_version == 2
    assert sorted(i.group for i in wave.invitations) == ["member", "volunteer"]
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="wave.update")).one()
    assert event.detail["fields"] == ["consent_text", "groups", "name"]


def test_saving_unchanged_consent_keeps_its_version(client, auth, fw):
    wave = make_wave(fw, consent_text="We ask about your wellbeing.")
    auth.login("evaluator@example.org")
    client.post(f"/e/walks/fieldwork/{wave.id}/edit", data=wave_form(fw, name="Other"))
    db.session.refresh(wave)
    assert wave.consent_version == 1 and wave.name == "Other"


def test_open_wave_is_not_editable(client, auth, fw):
    wave = make_wave(fw)
    auth.login("evaluator@example.org")
    client.post(f"/e/walks/fieldwork/{wave.id}/open")
    page = client.get(f"/e/walks/fieldwork/{wave.id}/edit", follow_redirects=True)
    assert "is open; only a draft wave can be edited." in page.get_data(as_text=True)
    response = client.post(
        f"/e/walks/fieldwork/{wave.id}/edit",
        data=wave_form(fw, name="Sneaky"),
        follow_redirects=True,
    )
    assert "only a draft wave can be edited" in response.get_data(as_text=True)
    db.session.refresh(wave)
    assert wave.name == "Baseline"


def test_opening_first_wave_warns_then_locks_framework(client, auth, fw):
    wave = make_wave(fw)
    auth.login("evaluator@example.org")
    confirm = client.get(f"/e/walks/fieldwork/{wave.id}/open").get_data(as_text=True)
    assert "Opening locks your outcome framework" in confirm
    response = client.post(f"/e/walks/fieldwork/{wave.id}/open", follow_redirects=True)
    assert "is now open" in response.get_data(as_text=True)
    db.session.refresh(wave)
    db.session.refresh(fw.evaluation)
    assert wave.state is WaveState.OPEN and fw.evaluation.framework_locked
    assert actions(fw.evaluation.id)[-2:] == ["framework.lock", "wave.open"]
    second = make_wave(fw, name="Follow-up")
    confirm = client.get(f"/e/walks/fieldwork/{second.id}/open").get_data(as_text=True)
    assert "Opening locks your outcome framework" not in confirm


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (["open", "open"], "Wave “Baseline” is already open."),
        (["close"], "Wave “Baseline” has not opened yet, so it cannot close."),
        (["open", "close", "close"], "Wave “Baseline” is already closed."),
        (
            ["open", "close", "open"],
            "Wave “Baseline” is closed and cannot reopen; create a new wave instead.",
        ),
    ],
)
def test_impossible_moves_are_refused_with_the_reason(client, auth, fw, steps, message):
    wave = make_wave(fw)
    auth.login("evaluator@example.org")
    for step in steps:
        response = client.post(f"/e/walks/fieldwork/{wave.id}/{step}", follow_redirects=True)
        assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_close_confirmation_says_it_is_final(client, auth, fw):
    wave = make_wave(fw)
    auth.login("evaluator@example.org")
    client.post(f"/e/walks/fieldwork/{wave.id}/open")
    page = client.get(f"/e/walks/fieldwork/{wave.id}/close").get_data(as_text=True)
    assert "A closed wave cannot reopen" in page
    client.post(f"/e/walks/fieldwork/{wave.id}/close")
    db.session.refresh(wave)
    assert wave.state is WaveState.CLOSED
    assert actions(fw.evaluation.id)[-1] == "wave.close"


def test_waves_made_one_after_another_in_one_session_take_the_next_positions(fw):
    from revaluation.services import fieldwork

    evaluation, version = fw.evaluation, fw.version
    assert evaluation.waves == []  # the collection is loaded before any wave exists
    made = [fieldwork.create_wave(evaluation, version, name=f"Wave {i}", groups=["member"])
            for i in range(3)]
    assert [w.position for w in made] == [0, 1, 2]
    assert evaluation.waves == made
    db.session.commit()
    db.session.expire_all()
    assert [w.name for w in evaluation.waves] == ["Wave 0", "Wave 1", "Wave 2"]
