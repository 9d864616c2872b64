"""The outcome framework editor: adding, validating, reordering, dropping, and revisions after
the framework is locked."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, Origin, Outcome, OutcomeRevision
from revaluation.services import fieldwork, framework
from tests.web.framework_fixtures import PASSWORD, outcome_data
from tests.web.framework_fixtures import framework_setup as framework_setup


@pytest.fixture
def signed_in(fw, auth):
    auth.login("dee@example.org", PASSWORD)
    return fw


def _outcomes(evaluation_id: int) -> list[Outcome]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(Outcome).filter_by(evaluation_id=evaluation_id).order_by(Outcome.position)
        )
    )


def test_adding_an_outcome_puts_it_in_the_framework_as_planned(signed_in, client):
    fw = signed_in
    response = client.post(
        f"/e/{fw.slug}/outcomes/new",
        data=outcome_data(
            baseline_kind="wave", baseline_wave=str(fw.baseline.id), due_wave=str(fw.follow_up.id)
        ),
    )
    assert response.status_code == 302
    (outcome,) = _outcomes(fw.evaluation.id)
    assert (outcome.key, outcome.origin, outcome.target) == (
        "members-feel-connected",
        Origin.PLANNED,
        3.5,
    )
    assert outcome.baseline_wave_id == fw.baseline.id and outcome.baseline_value is None
    page = client.get(f"/e/{fw.slug}/outcomes").get_data(as_text=True)
    assert "Members feel connected" in page
    assert "Mean of scale score “Connection” (connection)" in page
    assert "measured at Baseline" in page and "increase to 3.5" in page


def test_the_indicator_select_offers_the_instruments_keys_with_labels(signed_in, client):
    page = client.get(f"/e/{signed_in.slug}/outcomes/new").get_data(as_text=True)
    assert '<optgroup label="Scale scores">' in page
    assert "How confident do you feel? (confidence)" in page
    assert "What changed? (change) – no numbers" in page


BAD_OUTCOMES = [
    ({"title": ""}, "Enter a title for the outcome, e.g. “Members feel listened to”."),
    ({"indicator": ""}, "Choose the question or scale that measures this outcome."),
    (
        {"indicator": "question:nope"},
        "There is no question “nope” in this evaluation's instruments: choose one from the list.",
    ),
    ({"indicator": "banana:age"}, "Choose the question or scale that measures this outcome."),
    (
        {"indicator": "question:change"},
        "A mean, so it needs a question with numeric answers or a scale; “What changed?” has none. "
        "Choose a rating, number or likert question, or a scale.",
    ),
    (
        {"indicator": "question:walks", "statistic": "median"},
        "A median, so it needs a question with numeric answers or a scale; “Do you walk with the "
        "group?” has none. Choose a rating, number or likert question, or a scale.",
    ),
    (
        {"statistic": "mode"},
        "Choose the statistic: mean, median, or proportion at or above a threshold.",
    ),
    (
        {"statistic": "proportion", "threshold": "", "target": "0.6"},
        "Enter the threshold as a number, e.g. 3.5.",
    ),
    (
        {"statistic": "proportion", "threshold": "7", "target": "60"},
        "For a proportion, enter the target as a share between 0 and 1, e.g. 0.6 for 60%.",
    ),
    ({"target": ""}, "Enter the target as a number, e.g. 3.5."),
    ({"target": "lots"}, "Enter the target as a number, e.g. 3.5."),
    ({"target": "nan"}, "Enter the target as an ordinary number, e.g. 3.5."),
    ({"target": "1e400"}, "Enter the target as an ordinary number, e.g. 3.5."),
    (
        {"baseline_kind": "value", "baseline_value": ""},
        "Enter the baseline value, or choose “No baseline yet”.",
    ),
    (
        {"baseline_kind": "value", "baseline_value": "abc"},
        "Enter the baseline as a number, e.g. 3.5.",
    ),
    (
        {"baseline_kind": "wave", "baseline_wave": ""},
        "Choose the wave at which the baseline is measured.",
    ),
    ({"baseline_kind": "wave", "baseline_wave": "99999"}, "Choose one of this evaluation's waves."),
    ({"due_wave": "x"}, "Choose one of this evaluation's waves."),
    ({"due_wave": "9" * 20}, "Choose one of this evaluation's waves."),
    (
        {"direction": "sideways"},
        "Choose whether the indicator should increase, decrease or stay about the same.",
    ),
    ({"baseline_kind": "maybe"}, "Choose how the baseline is known."),
    ({"title": "x" * 201}, "Shorten the title to 200 characters or fewer."),
]


@pytest.mark.parametrize(("change", "message"), BAD_OUTCOMES)
def test_bad_outcome_input_is_refused_with_a_helpful_message(signed_in, client, change, message):
    response = client.post(f"/e/{signed_in.slug}/outcomes/new", data=outcome_data(**change))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert message.replace("“", "&#8220;") in page or message in _unescape(page)
    assert _outcomes(signed_in.evaluation.id) == []
    kept = change.get("title", "Members feel connected")
    assert kept in _unescape(page)  # what was typed is kept


def _unescape(page: str) -> str:
    import html

    return html.unescape(page)


def test_editing_before_the_lock_needs_no_reason_and_makes_no_revision(signed_in, client):
    fw = signed_in
    client.post(f"/e/{fw.slug}/outcomes/new", data=outcome_data())
    (outcome,) = _outcomes(fw.evaluation.id)
    response = client.post(
        f"/e/{fw.slug}/outcomes/{outcome.id}/edit", data=outcome_data(target="4")
    )
    assert response.status_code == 302
    (outcome,) = _outcomes(fw.evaluation.id)
    assert outcome.target == 4.0 and outcome.revisions == []
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="outcome.revise")).one()
    assert event.detail == {"fields": ["target"]}


def _lock(fw) -> None:
    fieldwork.lock_framework(fw.evaluation)
    db.session.commit()


def test_after_the_lock_an_edit_needs_a_reason_and_keeps_before_and_after(signed_in, client):
    fw = signed_in
    client.post(f"/e/{fw.slug}/outcomes/new", data=outcome_data())
    (outcome,) = _outcomes(fw.evaluation.id)
    _lock(fw)
    refused = client.post(f"/e/{fw.slug}/outcomes/{outcome.id}/edit", data=outcome_data(target="3"))
    assert refused.status_code == 400
    assert "Give the reason for this change" in refused.get_data(as_text=True)
    assert _outcomes(fw.evaluation.id)[0].target == 3.5

    client.post(
        f"/e/{fw.slug}/outcomes/{outcome.id}/edit",
        data=outcome_data(target="3", reason="Members said 3.5 was unrealistic."),
    )
    revision = db.session.scalars(db.select(OutcomeRevision)).one()
    assert (revision.before["target"], revision.after["target"]) == (3.5, 3.0)
    assert revision.reason == "Members said 3.5 was unrealistic."
    assert revision.author_id == fw.evaluator.id

    history = client.get(f"/e/{fw.slug}/outcomes/{outcome.id}/history").get_data(as_text=True)
    assert "Members said 3.5 was unrealistic." in _unescape(history)
    assert "increase to 3.5" in history and "increase to 3" in history and "by Dee" in history


def test_adding_after_the_lock_is_an_emergent_revision_with_a_reason(signed_in, client):
    fw = signed_in
    _lock(fw)
    refused = client.post(f"/e/{fw.slug}/outcomes/new", data=outcome_data())
    assert refused.status_code == 400
    client.post(
        f"/e/{fw.slug}/outcomes/new", data=outcome_data(reason="Stories kept mentioning it.")
    )
    (outcome,) = _outcomes(fw.evaluation.id)
    assert outcome.origin is Origin.EMERGENT
    (revision,) = outcome.revisions
    assert revision.before is None and revision.after["title"] == "Members feel connected"
    page = _unescape(client.get(f"/e/{fw.slug}/outcomes/history").get_data(as_text=True))
    assert "added after the lock" in page and "Not in the original framework." in page


def test_up_and_down_buttons_reorder_the_framework(signed_in, client):
    fw = signed_in
    for title in ("First", "Second", "Third"):
        client.post(f"/e/{fw.slug}/outcomes/new", data=outcome_data(title=title))
    third = _outcomes(fw.evaluation.id)[2]
    client.post(f"/e/{fw.slug}/outcomes/{third.id}/move", data={"direction": "up"})
    assert [o.title for o in _outcomes(fw.evaluation.id)] == ["First", "Third", "Second"]
    first = _outcomes(fw.evaluation.id)[0]
    client.post(f"/e/{fw.slug}/outcomes/{first.id}/move", data={"direction": "up"})  # no-op
    client.post(f"/e/{fw.slug}/outcomes/{first.id}/move", data={"direction": "down"})
    assert [o.title for o in _outcomes(fw.evaluation.id)] == ["Third", "First", "Second"]
    assert (
        client.post(
            f"/e/{fw.slug}/outcomes/{first.id}/move", data={"direction": "left"}
        ).status_code
        == 400
    )


def test_dropping_keeps_the_outcome_with_its_reason(signed_in, client):
    fw = signed_in
    client.post(f"/e/{fw.slug}/outcomes/new", data=outcome_data())
    (outcome,) = _outcomes(fw.evaluation.id)
    refused = client.post(f"/e/{fw.slug}/outcomes/{outcome.id}/drop", data={"reason": " "})
    assert refused.status_code == 400
    assert "Give the reason for dropping this outcome; reports show it." in refused.get_data(
        as_text=True
    )
    client.post(
        f"/e/{fw.slug}/outcomes/{outcome.id}/drop", data={"reason": "Out of the movement's reach."}
    )
    (outcome,) = _outcomes(fw.evaluation.id)
    assert outcome.active is False
    assert outcome.revisions[0].reason == "Out of the movement's reach."
    page = client.get(f"/e/{fw.slug}/outcomes").get_data(as_text=True)
    assert "dropped" in page


def test_service_add_outcome_for_accepted_proposals(fw):
    fieldwork.lock_framework(fw.evaluation)
    outcome = framework.add_outcome(
        fw.evaluation,
        title="Fewer lonely weekends",
        indicator_kind="question",
        indicator_key="confidence",
        statistic="proportion",
        threshold=7,
        target=0.6,
        direction="increase",
        origin="proposed",
        reason="Proposal 12, accepted.",
        author=fw.owner,
    )
    assert (
        outcome.origin is Origin.PROPOSED
        and outcome.revisions[0].reason == "Proposal 12, accepted."
    )
    with pytest.raises(framework.FrameworkError) as refused:
        framework.add_outcome(
            fw.evaluation,
            title="Planned late",
            indicator_kind="scale",
            indicator_key="connection",
            statistic="mean",
            target=3,
            direction="increase",
            origin="planned",
            reason="x",
        )
    assert refused.value.field == "origin"
    revision = framework.revise_outcome(
        outcome, {"threshold": 8}, reason="Stricter.", author=fw.owner
    )
    assert revision.before["threshold"] == 7 and revision.after["threshold"] == 8
    assert framework.revise_outcome(outcome, {"threshold": 8}, reason="", author=None) is None
