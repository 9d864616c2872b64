"""The retention period: `flask retention apply` deletes responses (answers, stories) of waves
closed longer ago than their evaluation keeps data, prints what it deleted per evaluation,
audits each wave, and with --dry-run deletes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from revaluation.extensions import db
from revaluation.models import Answer, AuditEvent, Response, ResponseStatus, Story, Wave
from revaluation.models.base import utcnow
from revaluation.services import fieldwork, instruments, retention
from surveys.formats import load_instrument
from tests.web.respond_fixtures import ALL_TYPES_YAML

DAY = timedelta(days=1)


def fill(wave: Wave, n: int) -> None:
    """n complete responses with two answers each, and a story from the first."""
    now = utcnow()
    for i in range(n):
        response = Response(wave_id=wave.id, group="member", status=ResponseStatus.COMPLETE,
                            consent_given=True, started_at=now, completed_at=now)
        db.session.add(response)
        db.session.flush()
        db.session.add_all([Answer(response_id=response.id, question_key="score", number=i),
                            Answer(response_id=response.id, question_key="town", text="Leeds")])
        if i == 0:
            db.session.add(Story(evaluation_id=wave.evaluation_id, wave_id=wave.id,
                                 response_id=response.id, text="A private story"))


def wave(evaluation, version, name: str, *, closed_days_ago: float | None = None,
         window_ended_days_ago: float | None = None, responses: int = 3) -> Wave:
    made = fieldwork.create_wave(evaluation, version, name=name, groups=["member"])
    fieldwork.open_wave(made)
    if closed_days_ago is not None:
        fieldwork.close_wave(made)
        made.closed_at = utcnow() - closed_days_ago * DAY
    if window_ended_days_ago is not None:
        made.closes_at = utcnow() - window_ended_days_ago * DAY
    db.session.flush()
    fill(made, responses)
    return made


@pytest.fixture
def setup(app, make_evaluation):
    kept = make_evaluation(slug="keeps-all")
    timed = make_evaluation(slug="thirty-days", retention_days=30)
    waves = {}
    for evaluation in (kept, timed):
        version = instruments.create_instrument(evaluation, load_instrument(ALL_TYPES_YAML))
        instruments.publish_version(version, None)
        prefix = evaluation.slug
        waves[prefix, "old"] = wave(evaluation, version, "Old", closed_days_ago=45)
        waves[prefix, "recent"] = wave(evaluation, version, "Recent", closed_days_ago=10)
        waves[prefix, "lapsed"] = wave(evaluation, version, "Lapsed", window_ended_days_ago=31,
                                       responses=2)
        waves[prefix, "open"] = wave(evaluation, version, "Open", responses=1)
    db.session.commit()
    return {key: w.id for key, w in waves.items()}


def responses_in(wave_id: int) -> int:
    return len(db.session.execute(db.select(Response.id).filter_by(wave_id=wave_id)).all())


def test_dry_run_reports_and_deletes_nothing(runner, setup):
    result = runner.invoke(args=["retention", "apply", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("thirty-days (retention 30 days): would delete 5 responses, "
                        "10 answers, 2 stories")
    assert any(line.startswith("  wave ") and "“Old”" in line and "3 responses, 6 answers, "
               "1 story" in line for line in lines)
    assert any("“Lapsed”" in line and "2 responses" in line for line in lines)
    assert lines[-1] == "Dry run: nothing was deleted."
    assert "keeps-all" not in result.output and "Recent" not in result.output
    db.session.expire_all()
    assert sum(responses_in(w) for w in setup.values()) == 2 * (3 + 3 + 2 + 1)
    assert not db.session.execute(db.select(AuditEvent).filter_by(
        action="retention.erase")).first()


def test_apply_deletes_what_is_due_and_audits_each_wave(runner, setup):
    result = runner.invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("thirty-days (retention 30 days): deleted 5 responses, "
                                    "10 answers, 2 stories\n")
    assert "A private story" not in result.output and "Leeds" not in result.output
    db.session.expire_all()
    assert responses_in(setup["thirty-days", "old"]) == 0
    assert responses_in(setup["thirty-days", "lapsed"]) == 0
    assert responses_in(setup["thirty-days", "recent"]) == 3
    assert responses_in(setup["thirty-days", "open"]) == 1
    for name in ("old", "recent", "lapsed", "open"):  # no retention period: all kept
        assert responses_in(setup["keeps-all", name]) > 0
    kept_ids = db.select(Response.id)
    assert db.session.execute(db.select(db.func.count()).select_from(Answer).where(
        Answer.response_id.not_in(kept_ids))).scalar_one() == 0
    assert len(db.session.execute(db.select(Story)).all()) == 8 - 2  # one per wave, 2 due
    events = db.session.execute(db.select(AuditEvent).filter_by(
        action="retention.erase")).scalars().all()
    assert sorted(e.object_id for e in events) == sorted(
        [setup["thirty-days", "old"], setup["thirty-days", "lapsed"]])
    assert all(e.actor_label == "system" and e.actor_id is None for e in events)
    assert {e.detail["retention_days"] for e in events} == {30}
    again = runner.invoke(args=["retention", "apply"])
    assert again.output == "thirty-days (retention 30 days): nothing due.\n"


def test_one_evaluation_and_unknown_names(runner, setup):
    result = runner.invoke(args=["retention", "apply", "--evaluation", "keeps-all"])
    assert result.exit_code == 0
    assert result.output == "No evaluation has a retention period (keeps-all).\n"
    wrong = runner.invoke(args=["retention", "apply", "--evaluation", "nope"])
    assert wrong.exit_code != 0 and "No evaluation with the short name “nope”" in wrong.output


def test_due_dates_count_from_closing(app, make_evaluation):
    evaluation = make_evaluation(retention_days=7)
    version = instruments.create_instrument(evaluation, load_instrument(ALL_TYPES_YAML))
    instruments.publish_version(version, None)
    made = wave(evaluation, version, "W", closed_days_ago=2, responses=1)
    now = utcnow()
    assert retention.due_at(made, 7, now) == made.closed_at + 7 * DAY
    assert retention.due_at(made, None, now) is None
    rows = retention.next_deletion(evaluation, now=now)
    assert rows == [{"wave": "W", "due_at": made.closed_at + 7 * DAY, "responses": 1,
                     "overdue": False}]
    # Closed two days ago with seven days' retention: due in five days, not before.
    assert retention.apply_retention(now=now + 4.9 * DAY)[0].waves == []
    assert retention.apply_retention(now=now + 5.1 * DAY)[0].total.responses == 1


def test_owners_see_the_retention_period_and_what_is_due(client, auth, make_user,
                                                         make_evaluation):
    owner = make_user("owner@example.org")
    evaluation = make_evaluation(owner, retention_days=30)
    version = instruments.create_instrument(evaluation, load_instrument(ALL_TYPES_YAML))
    instruments.publish_version(version, None)
    wave(evaluation, version, "Old", closed_days_ago=45, responses=2)
    db.session.commit()
    auth.login("owner@example.org")
    page = client.get(f"/e/{evaluation.slug}/results/erase").get_data(True)
    assert "deleted automatically 30 days after their wave closes" in page
    assert "“Old”: 2 responses, due since" in page
    settings = client.get(f"/e/{evaluation.slug}/settings").get_data(True)
    assert "flask retention apply" in settings
