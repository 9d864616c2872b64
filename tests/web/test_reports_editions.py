"""Editions and jobs: generate from the page, numbering, frozen sent editions, failures, RQ."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, Job, JobStatus, ReportEdition
from revaluation.reports import sources
from tests.web.calibration_fixtures import redis_url_fixture  # noqa: F401  (redis_url)
from tests.web.reports_fixtures import people_and_edition


@pytest.fixture
def quick_results(monkeypatch):
    """Job mechanics do not depend on the statistics: an empty results structure keeps them fast."""
    monkeypatch.setattr(sources, "load_results", lambda evaluation, options: {"outcomes": []})


@pytest.fixture
def setup(make_user, make_evaluation):
    return people_and_edition(make_user, make_evaluation)


def editions() -> list[ReportEdition]:
    query = db.select(ReportEdition).order_by(ReportEdition.number)
    return list(db.session.execute(query).scalars())


def test_generate_makes_a_new_numbered_edition_and_never_touches_a_sent_one(
    client, auth, setup, quick_results
):
    _evaluation, first, *_ = setup
    first.sent_at = first.created_at
    db.session.commit()
    frozen = (first.pdf, first.sha256)
    auth.login("eva@example.org")
    response = client.post(
        "/e/walk/reports/generate",
        data={"sections": ["summary", "methods"]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Edition 2 is ready to download." in response.get_data(as_text=True)
    stored = editions()
    assert [e.number for e in stored] == [1, 2]
    assert (stored[0].pdf, stored[0].sha256) == frozen
    second = stored[1]
    assert second.pdf.startswith(b"%PDF") and second.page_count >= 3
    assert second.options["sections"] == ["summary", "methods"]
    job = db.session.execute(db.select(Job)).scalar_one()
    assert job.status is JobStatus.DONE and job.progress == 100 and job.attempts == 1
    assert job.result == {"edition_id": second.id, "number": 2}
    actions = {e.action for e in db.session.execute(db.select(AuditEvent)).scalars()}
    assert {"report.request", "report.generate"} <= actions
    page = client.get("/e/walk/reports").get_data(as_text=True)
    assert "Edition 2" in page and "Edition 1" in page and "Not sent" in page


def test_commissioners_download_but_cannot_generate(client, auth, setup, quick_results):
    auth.login("cora@example.org")
    page = client.get("/e/walk/reports")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Download PDF" in body and "Generate report" not in body
    assert client.post("/e/walk/reports/generate", data={}).status_code == 403


def test_unknown_options_are_refused_in_words(client, auth, setup, quick_results):
    auth.login("eva@example.org")
    response = client.post("/e/walk/reports/generate", data={"groups": ["nobody"]})
    assert response.status_code == 400
    assert "There is no group “nobody” in this evaluation." in response.get_data(as_text=True)
    response = client.post("/e/walk/reports/generate", data={})
    assert response.status_code == 400
    assert "Choose at least one section" in response.get_data(as_text=True)


def test_a_failing_job_says_so_and_can_be_retried(client, auth, setup, monkeypatch):
    def broken(evaluation, options):
        raise RuntimeError("database went away")

    monkeypatch.setattr(sources, "load_results", broken)
    auth.login("eva@example.org")
    page = client.post(
        "/e/walk/reports/generate", data={"sections": ["summary"]}, follow_redirects=True
    )
    body = page.get_data(as_text=True)
    assert "could not be generated" in body and "database went away" not in body
    job = db.session.execute(db.select(Job)).scalar_one()
    assert job.status is JobStatus.FAILED and job.attempts == 1
    assert [e.number for e in editions()] == [1]
    monkeypatch.setattr(sources, "load_results", lambda evaluation, options: {"outcomes": []})
    client.post(f"/e/walk/reports/jobs/{job.id}/retry")
    db.session.refresh(job)
    assert job.status is JobStatus.DONE and job.attempts == 2
    assert [e.number for e in editions()] == [1, 2]


def test_with_redis_the_job_waits_for_a_worker_then_finishes(
    app, client, auth, setup, quick_results, redis_url
):
    from redis import Redis
    from rq import Queue, SimpleWorker

    from revaluation.services.report_jobs import QUEUE_NAME

    app.config["REDIS_URL"] = redis_url
    auth.login("eva@example.org")
    page = client.post(
        "/e/walk/reports/generate", data={"sections": ["summary"]}, follow_redirects=True
    )
    assert "being generated" in page.get_data(as_text=True)
    job = db.session.execute(db.select(Job)).scalar_one()
    assert job.status is JobStatus.QUEUED
    job_id = job.id
    listing = client.get("/e/walk/reports").get_data(as_text=True)
    assert "Waiting for a worker" in listing and 'http-equiv="refresh"' in listing
    connection = Redis.from_url(redis_url)
    SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(burst=True)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status is JobStatus.DONE and job.progress == 100
    assert [e.number for e in editions()] == [1, 2]
