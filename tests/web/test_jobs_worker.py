"""Background jobs on a real RQ worker and the real Redis (127.0.0.1:6379): reports, large
exports and imports go to the queue, a failure is retried after its delay, and a worker
killed mid-job leaves nothing half-written and the job is taken up again.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, Job, JobStatus, ReportEdition, Response, StoredFile
from revaluation.reports import sources
from revaluation.services import job_leases, jobs, report_jobs
from revaluation.worker import housekeeping
from tests.web.jobs_fixtures import *  # noqa: F403  (the queue fixture)
from tests.web.jobs_fixtures import REDIS_URL, work
from tests.web.reports_fixtures import people_and_edition
from tests.web.results_fixtures import WAVE_1, WAVE_2, build

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def quick_results(monkeypatch):
    """Job mechanics do not depend on the statistics: an empty results structure keeps them fast."""
    monkeypatch.setattr(sources, "load_results", lambda evaluation, options: {"outcomes": []})


def editions() -> list[int]:
    query = db.select(ReportEdition.number).order_by(ReportEdition.number)
    return list(db.session.execute(query).scalars())


def fresh(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_without_a_queue_the_worker_command_explains_itself(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output


def test_a_report_job_waits_for_the_worker_and_its_status_shows(
    client, auth, make_user, make_evaluation, queue, quick_results, runner
):
    people_and_edition(make_user, make_evaluation)
    auth.login("eva@example.org")
    client.post("/e/walk/reports/generate", data={"sections": ["summary"]})
    job = db.session.execute(db.select(Job)).scalar_one()
    job_id = job.id
    assert job.status is JobStatus.QUEUED
    assert "Waiting for a worker: 0%" in client.get("/e/walk/reports").get_data(as_text=True)
    work(runner)
    job = fresh(job_id)
    assert job.status is JobStatus.DONE and job.attempts == 1 and job.result["number"] == 2
    assert editions() == [1, 2]
    assert not job_leases.is_leased(queue.connection, job_id)  # given back when done


def test_a_failure_is_retried_after_its_delay(
    client, auth, make_user, make_evaluation, queue, monkeypatch, runner
):
    people_and_edition(make_user, make_evaluation)
    calls = []

    def flaky(evaluation, options):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the database blinked")
        return {"outcomes": []}

    monkeypatch.setattr(sources, "load_results", flaky)
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", [1])
    auth.login("eva@example.org")
    client.post("/e/walk/reports/generate", data={"sections": ["summary"]})
    job_id = db.session.execute(db.select(Job.id)).scalar_one()
    work(runner)
    job = fresh(job_id)
    # Failed once, with a retry to come: shown as waiting, never as a stack trace.
    assert job.status is JobStatus.QUEUED and job.attempts == 1 and job.error is None
    assert editions() == [1]
    for _ in range(40):  # the retry is due one second after the failure
        time.sleep(0.25)
        work(runner)
        if fresh(job_id).status is JobStatus.DONE:
            break
    job = fresh(job_id)
    assert job.status is JobStatus.DONE and job.attempts == 2 and len(calls) == 2
    assert editions() == [1, 2]


@pytest.fixture
def tiny(make_user):
    return build(make_user("eva@example.org"))


def test_large_exports_and_imports_go_through_the_worker(client, auth, tiny, queue, runner, app):
    evaluation_id, version_id = tiny[0].id, tiny[1][0].instrument_version_id
    app.config["BACKGROUND_ROWS"] = 3  # the fixture's waves have more rows than this
    auth.login("eva@example.org")
    started = client.get("/e/tiny/results/data/responses.csv")
    assert started.status_code == 302
    export_id = db.session.execute(db.select(Job.id).filter_by(kind="export")).scalar_one()
    page = client.get("/e/tiny/results/data").get_data(as_text=True)
    assert "Export (CSV), job" in page and "Waiting for a worker" in page
    assert 'http-equiv="refresh"' in page
    work(runner)
    assert fresh(export_id).status is JobStatus.DONE
    page = client.get("/e/tiny/results/data").get_data(as_text=True)
    assert f"{len(WAVE_1) + len(WAVE_2)} rows" in page and "Download the file" in page
    download = client.get(f"/e/tiny/results/data/jobs/{export_id}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert len(rows) == len(WAVE_1) + len(WAVE_2)

    # The exported file imported into a new wave, in the background too.
    from revaluation.models import Evaluation, InstrumentVersion
    from revaluation.services import fieldwork

    target = fieldwork.create_wave(db.session.get(Evaluation, evaluation_id),
                                   db.session.get(InstrumentVersion, version_id), name="Copy",
                                   groups=["member", "staff"])
    fieldwork.open_wave(target)
    db.session.commit()
    target_id = target.id
    upload = client.post(f"/e/tiny/results/import/{target_id}",
                         data={"file": (io.BytesIO(download.data), "export.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302
    assert db.session.execute(db.select(StoredFile).filter_by(purpose="upload")).scalar_one()
    review = upload.headers["Location"]
    client.get(review)
    # Map the answer columns by their position in the file; the rest stay "Not imported".
    mapping = {f"map-{i}": c for i, c in enumerate(rows[0]) if c in ("score", "agree", "visit")}
    queued = client.post(review, data={**mapping, "action": "import"})
    assert queued.status_code == 302
    import_id = db.session.execute(db.select(Job.id).filter_by(kind="import")).scalar_one()
    count = db.select(db.func.count(Response.id)).filter_by(wave_id=target_id)
    assert db.session.execute(count).scalar_one() == 0  # nothing until the worker runs
    work(runner)
    job = fresh(import_id)
    assert job.status is JobStatus.DONE, job.error
    imported = db.session.execute(count).scalar_one()
    assert imported == job.result["created"] > 0
    # The upload is deleted once imported; both steps are audited.
    assert db.session.execute(db.select(StoredFile).filter_by(purpose="upload")).first() is None
    actions = {e.action for e in db.session.execute(db.select(AuditEvent)).scalars()}
    assert {"responses.exported", "responses.imported"} <= actions
    page = client.get("/e/tiny/results/data").get_data(as_text=True)
    assert f"{imported} new responses in “Copy”" in page


def test_a_failed_import_says_why_and_can_be_tried_again(client, auth, tiny, queue, runner, app):
    wave_id = tiny[1][1].id
    app.config["BACKGROUND_ROWS"] = 0
    auth.login("eva@example.org")
    upload = client.post(f"/e/tiny/results/import/{wave_id}",
                         data={"file": (io.BytesIO(b"score,visit\n7,yes\n"), "f.csv")},
                         content_type="multipart/form-data")
    review = upload.headers["Location"]
    client.post(review, data={"map-0": "score", "map-1": "visit", "action": "import"})
    job_id = db.session.execute(db.select(Job.id).filter_by(kind="import")).scalar_one()
    # The upload disappears before a worker gets to it (as after its two days).
    db.session.execute(db.delete(StoredFile))
    db.session.commit()
    work(runner)
    job = fresh(job_id)
    assert job.status is JobStatus.FAILED and "upload it again" in job.error
    page = client.get("/e/tiny/results/data").get_data(as_text=True)
    assert "upload it again" in page and "Try again" in page
    again = client.post(f"/e/tiny/results/data/jobs/{job_id}/retry")
    assert again.status_code == 302 and fresh(job_id).status is JobStatus.QUEUED


def test_a_job_with_a_live_lease_is_left_alone_and_an_expired_one_is_queued_again(
    make_user, make_evaluation, queue, quick_results
):
    from rq import Queue

    evaluation, *_ = people_and_edition(make_user, make_evaluation)
    job = jobs.new_job("report", evaluation_id=evaluation.id,
                       params={"sections": ["summary"]}, user_id=None)
    job.status, job.attempts, job.progress = JobStatus.RUNNING, 1, 60
    db.session.commit()
    job_id = job.id
    with job_leases.held(queue.connection, job_id) as mine:
        assert mine
        assert housekeeping(queue.connection) == []  # a live worker is on it
        assert fresh(job_id).status is JobStatus.RUNNING
        with job_leases.held(queue.connection, job_id) as second:
            assert not second  # nobody else may run it meanwhile
    # The worker is gone (its lease expired): the job is queued again, from scratch.
    assert housekeeping(queue.connection) == [job_id]
    job = fresh(job_id)
    assert job.status is JobStatus.QUEUED and job.progress == 0 and job.attempts == 1
    assert Queue(queue.name, connection=queue.connection).count == 1
    # On its last attempt an abandoned job fails with its message (and a retry button).
    job.status, job.attempts = JobStatus.RUNNING, jobs.MAX_ATTEMPTS
    db.session.commit()
    assert housekeeping(queue.connection) == [job_id]
    job = fresh(job_id)
    assert job.status is JobStatus.FAILED and job.error == report_jobs.FAILURE_TEXT


def test_a_queued_job_that_redis_lost_is_sent_again_once_and_runs(
    make_user, make_evaluation, queue, quick_results, runner
):
    from rq import Queue

    evaluation, *_ = people_and_edition(make_user, make_evaluation)
    # Queued in the database but never reached Redis (as after a Redis restart).
    job = jobs.new_job("report", evaluation_id=evaluation.id,
                       params={"sections": ["summary"]}, user_id=None)
    db.session.commit()
    job_id = job.id
    waiting = Queue(queue.name, connection=queue.connection)
    assert waiting.count == 0
    assert housekeeping(queue.connection) == [job_id]
    assert waiting.count == 1
    assert housekeeping(queue.connection) == []  # in the queue now: not sent twice
    work(runner)
    assert fresh(job_id).status is JobStatus.DONE and editions() == [1, 2]


DOOMED_WORKER = """
import os, sys
from pathlib import Path
sys.path.insert(0, os.environ["ROOT"])
from redis import Redis
from rq import Queue
from tests.conftest import _make_app
from revaluation.reports import sources
from revaluation.services import report_jobs
from revaluation.worker import _worker_class

app = _make_app(os.environ["DB_URL"], Path(os.environ["INSTANCE"]), REDIS_URL=os.environ["REDIS"],
                JOB_QUEUE=os.environ["QUEUE"], JOB_LEASE_SECONDS=2)
sources.load_results = lambda evaluation, options: {"outcomes": []}
make_edition = report_jobs.create_edition

def die_before_commit(*args, **kwargs):
    make_edition(*args, **kwargs)  # the edition is written into the transaction...
    os._exit(9)                    # ...and the worker is killed before it commits

report_jobs.create_edition = die_before_commit
with app.app_context():
    connection = Redis.from_url(os.environ["REDIS"])
    worker = _worker_class()([Queue(os.environ["QUEUE"], connection=connection)],
                             connection=connection, name=os.environ["QUEUE"] + "-doomed")
    worker.work(burst=True)
"""


def test_a_worker_killed_mid_job_leaves_nothing_half_written_and_the_job_runs_again(
    app, client, auth, make_user, make_evaluation, queue, quick_results, runner,
    database_url, instance_path,
):
    people_and_edition(make_user, make_evaluation)
    auth.login("eva@example.org")
    client.post("/e/walk/reports/generate", data={"sections": ["summary"]})
    job_id = db.session.execute(db.select(Job.id)).scalar_one()
    db.session.remove()
    env = {**os.environ, "ROOT": str(ROOT), "DB_URL": database_url,
           "INSTANCE": str(instance_path), "REDIS": REDIS_URL, "QUEUE": queue.name}
    doomed = subprocess.run([sys.executable, "-c", DOOMED_WORKER], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert doomed.returncode == 9, doomed.stderr[-2000:]
    job = fresh(job_id)
    # Killed mid-job: the job still says running, and its edition was never stored.
    assert job.status is JobStatus.RUNNING and job.attempts == 1
    assert editions() == [1]
    app.config["JOB_LEASE_SECONDS"] = 2
    for _ in range(120):  # the dead worker's lease runs out (two seconds)
        if not job_leases.is_leased(queue.connection, job_id):
            break
        time.sleep(0.1)
    # A worker starting up finds the abandoned job, queues it again and runs it.
    work(runner)
    job = fresh(job_id)
    assert job.status is JobStatus.DONE and job.attempts == 2
    assert editions() == [1, 2]
    assert job.result["number"] == 2
