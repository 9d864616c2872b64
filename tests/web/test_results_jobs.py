"""Closing a wave computes the evaluation's results ahead of need on a real RQ worker (real
Redis), so the next results page or report reads kept figures; without a queue, or with Redis
unreachable, closing works exactly as before."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import Evaluation, Job, JobStatus, ResultsCache, WaveState
from revaluation.services import results as results_service
from revaluation.services import results_jobs
from tests.web.api_fixtures import *  # noqa: F403  (api_for)
from tests.web.jobs_fixtures import *  # noqa: F403  (the queue fixture)
from tests.web.jobs_fixtures import work
from tests.web.results_fixtures import build


@pytest.fixture
def tiny(make_user):
    return build(make_user("eva@example.org"))


def _jobs() -> list[Job]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Job).filter_by(kind=results_jobs.JOB_KIND)).scalars())


def _kept() -> int:
    return db.session.execute(db.select(db.func.count(ResultsCache.id))).scalar_one()


def test_closing_a_wave_has_a_worker_compute_the_results(client, auth, tiny, queue, runner,
                                                        monkeypatch):
    evaluation, waves = tiny
    evaluation_id = evaluation.id
    auth.login("eva@example.org")
    page = client.post(f"/e/tiny/fieldwork/{waves[1].id}/close", follow_redirects=True)
    assert page.status_code == 200 and "is now closed" in page.get_data(as_text=True)
    [job] = _jobs()
    assert job.status is JobStatus.QUEUED and job.evaluation_id == evaluation_id
    assert _kept() == 0
    work(runner)
    [job] = _jobs()
    assert job.status is JobStatus.DONE and job.result["outcomes"] == 3
    assert _kept() == 1
    evaluation = db.session.get(Evaluation, evaluation_id)
    expected = results_service.compute_results(evaluation)

    def not_again(*_args, **_kwargs):
        raise AssertionError("the kept results should have been read")

    monkeypatch.setattr(results_service, "compute_results", not_again)
    kept = results_service.evaluation_results(evaluation)
    assert kept["outcomes"] == expected["outcomes"]
    assert kept["questions"] == expected["questions"]


def test_opening_a_wave_queues_nothing(client, auth, make_user, queue):
    from revaluation.services import fieldwork, instruments
    from revaluation.services.evaluations import create_evaluation
    from surveys.model import Instrument
    from tests.web.results_fixtures import DEFINITION

    owner = make_user("eva@example.org")
    evaluation = create_evaluation(slug="draft", title="Draft", movement="M", owner=owner)
    version = instruments.create_instrument(evaluation, Instrument.from_dict(DEFINITION))
    instruments.publish_version(version, owner.id)
    wave = fieldwork.create_wave(evaluation, version, name="First", groups=["member"])
    db.session.commit()
    auth.login("eva@example.org")
    client.post(f"/e/draft/fieldwork/{wave.id}/open")
    db.session.refresh(wave)
    assert wave.state is WaveState.OPEN and _jobs() == []


def test_without_a_queue_closing_queues_nothing(client, auth, tiny):
    _evaluation, waves = tiny
    auth.login("eva@example.org")
    client.post(f"/e/tiny/fieldwork/{waves[1].id}/close")
    db.session.refresh(waves[1])
    assert waves[1].state is WaveState.CLOSED
    assert _jobs() == [] and _kept() == 0


def test_unreachable_redis_does_not_stop_a_wave_closing(client, auth, tiny, app, caplog):
    _evaluation, waves = tiny
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    auth.login("eva@example.org")
    page = client.post(f"/e/tiny/fieldwork/{waves[1].id}/close", follow_redirects=True)
    assert page.status_code == 200 and "is now closed" in page.get_data(as_text=True)
    [job] = _jobs()
    assert job.status is JobStatus.QUEUED  # the worker's sweep sends it once Redis is back
    assert "stays queued until Redis is reachable" in caplog.text


def test_closing_through_the_api_queues_the_results_too(tiny, api_for, queue, runner):
    evaluation, waves = tiny
    owner = evaluation.memberships[0].user
    reply = api_for(owner).post(f"/evaluations/tiny/waves/{waves[1].id}/close")
    assert reply.status_code == 200, reply.get_json()
    assert [job.status for job in _jobs()] == [JobStatus.QUEUED]
    work(runner)
    assert [job.status for job in _jobs()] == [JobStatus.DONE]
    assert _kept() == 1
