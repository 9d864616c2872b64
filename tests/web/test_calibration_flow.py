"""Calibrating an item bank in the designer: start on a wave's answers, review, accept, publish.

The wave's answers are simulated from known graded-response parameters (calibration_fixtures),
so the review page's numbers can be checked against the truth.
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

from revaluation.extensions import db
from revaluation.models import Job, JobStatus, VersionStatus
from revaluation.services import calibration_jobs, instruments, jobs
from revaluation.services.adaptive_blocks import block
from tests.web.calibration_fixtures import (  # noqa: F401
    TRUE,
    redis_url_fixture,
    seeded_fixture,
)


def start(client, s, *, wave_id=None, bank="agency", follow=True):
    return client.post(
        f"{s.base}/v/1/calibrate",
        data={"bank": bank, "wave": str(wave_id if wave_id is not None else s.wave.id)},
        follow_redirects=follow,
    )


def the_job() -> Job:
    return db.session.execute(db.select(Job).filter_by(kind="calibration")).scalar_one()


_FITTED: dict[str, dict] = {}


@pytest.fixture
def done(seeded) -> Job:
    """A finished calibration of the seeded wave. The fit is the same every time (same data),
    so it runs once and later tests store its result as a finished job."""
    if "result" not in _FITTED:
        job = calibration_jobs.start_calibration(
            seeded.instrument, seeded.version, bank_key="agency", wave_id=seeded.wave.id,
            user_id=seeded.evaluator.id)
        _FITTED["result"] = copy.deepcopy(job.result)
    else:
        job = jobs.new_job("calibration", evaluation_id=seeded.evaluation.id, params={
            "instrument_id": seeded.instrument.id, "version_id": seeded.version.id,
            "bank_key": "agency", "wave_id": seeded.wave.id}, user_id=seeded.evaluator.id)
        job.status, job.progress = JobStatus.DONE, 100
        job.result = {**copy.deepcopy(_FITTED["result"]), "version_id": seeded.version.id,
                      "wave_id": seeded.wave.id}
    db.session.commit()
    return job


def page_parameters(html: str) -> dict[str, tuple[float, list[float]]]:
    """Discrimination and thresholds of each item, read back from the review page's table."""
    table = html.split('class="param-table"', 1)[1].split("</table>", 1)[0]
    out = {}
    for row in table.split("<tr")[2:]:
        key = re.search(r"<code>(\w+)</code>", row).group(1)
        cells = re.findall(r"(−?\d+\.\d+) \(", row)
        numbers = [float(c.replace("−", "-")) for c in cells]
        out[key] = (numbers[0], numbers[1:])
    return out


def test_the_instrument_page_links_to_calibration_and_lists_the_bank(client, auth, seeded):
    auth.login("eva@example.org")
    html = client.get(seeded.base).get_data(as_text=True)
    assert f'href="{seeded.base}/v/1/calibrate"' in html
    assert "no stopping rule, so every item is asked" in html
    page = client.get(f"{seeded.base}/v/1/calibrate").get_data(as_text=True)
    assert "Calibrate item bank" in page
    assert "Calibration wave" in page and "400 complete responses answered every item" in page
    assert 'name="wave"' in page


def test_calibration_recovers_the_generating_parameters(client, auth, seeded):
    auth.login("eva@example.org")
    reply = start(client, seeded)
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    assert "The calibration is finished" in html
    job = the_job()
    assert job.status is JobStatus.DONE and job.result["converged"]
    assert job.result["n_used"] == 400 and job.result["n_complete"] == 400
    shown = page_parameters(html)
    assert list(shown) == list(TRUE)
    for key, (slope, thresholds) in TRUE.items():
        fitted_slope, fitted_thresholds = shown[key]
        item = next(i for i in job.result["items"] if i["key"] == key)
        # Within about three standard errors of the truth (N = 400).
        assert abs(fitted_slope - slope) < 3 * item["slope_se"] + 0.01, key
        assert np.allclose(fitted_thresholds, thresholds,
                           atol=3 * max(item["threshold_se"]) + 0.01), key
        assert 0.05 < item["slope_se"] < 0.5
    truth = np.array([s for s, _ in TRUE.values()])
    assert np.corrcoef(truth, [shown[k][0] for k in TRUE])[0, 1] > 0.9
    assert "<svg" in html and "Item information curves" in html and "Test information" in html
    assert 'class="info-table"' in html


def test_accepting_makes_a_draft_with_the_fitted_bank_then_it_publishes(
        client, auth, seeded, done):
    auth.login("eva@example.org")
    job = done
    reply = client.post(
        f"{seeded.base}/calibrations/{job.id}/accept",
        data={"include": [k for k in TRUE if k != "ag6"], "min_items": "3", "max_items": "5",
              "max_se": "0.35"},
        follow_redirects=True,
    )
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "Version 2 is a draft with the fitted parameters" in html
    assert "Changes from version 1 to version 2" in html
    assert "Item banks" in html and "ag6" in html and "min 3, max 5 items" in html
    draft = instruments.version_numbered(seeded.instrument, 2)
    assert draft.status is VersionStatus.DRAFT
    bank = draft.definition["item_banks"][0]
    assert [i["key"] for i in bank["items"]] == ["ag1", "ag2", "ag3", "ag4", "ag5"]
    assert bank["rule"] == {"min_items": 3, "max_items": 5, "max_se": 0.35}
    fitted = {i["key"]: i for i in the_job().result["items"]}
    assert bank["items"][0]["slope"] == pytest.approx(fitted["ag1"]["slope"], abs=1e-4)
    assert the_job().result["accepted"]["version_number"] == 2
    assert seeded.version.definition["item_banks"][0]["items"][0]["slope"] == 1.0

    client.post(f"{seeded.base}/publish")
    db.session.refresh(draft)
    assert draft.status is VersionStatus.PUBLISHED
    engine = block(instruments.definition_of(draft), "agency")
    assert engine.rule.max_items == 5 and engine.rule.max_se == 0.35
    assert len(engine.bank) == 5

    review = client.get(f"{seeded.base}/calibrations/{job.id}").get_data(as_text=True)
    assert "Accepted into <strong>version 2</strong>" in review
    again = client.post(f"{seeded.base}/calibrations/{job.id}/accept",
                        data={"include": ["ag1", "ag2"], "min_items": "1", "max_items": "2",
                              "max_se": "0.3"})
    assert again.status_code == 400
    assert "already accepted into version 2" in again.get_data(as_text=True)


@pytest.mark.parametrize(("form", "message"), [
    ({"min_items": "x", "max_items": "5", "max_se": "0.3"},
     "Enter the fewest items as a whole number"),
    ({"min_items": "6", "max_items": "4", "max_se": "0.3"},
     "cannot be more than the most items"),
    ({"min_items": "2", "max_items": "9", "max_se": "0.3"}, "must be between 1 and 6"),
    ({"min_items": "2", "max_items": "5", "max_se": "nope"},
     "Enter the standard error to stop at as a number"),
    ({"min_items": "2", "max_items": "5", "max_se": "2"}, "between 0.1 and 0.9"),
    ({"min_items": "1", "max_items": "1", "max_se": "0.3", "include": ["ag1"]},
     "Keep at least two items"),
    ({"min_items": "1", "max_items": "2", "max_se": "0.3", "include": ["zz9", "ag1"]},
     "“zz9” is not an item of this calibration"),
])
def test_bad_accept_forms_say_what_to_fix(client, auth, seeded, done, form, message):
    auth.login("eva@example.org")
    job = done
    data = {"include": list(TRUE), **form}
    reply = client.post(f"{seeded.base}/calibrations/{job.id}/accept", data=data)
    assert reply.status_code == 400
    assert message in reply.get_data(as_text=True)
    assert instruments.version_numbered(seeded.instrument, 2) is None
    assert the_job().result["accepted"] is None


def test_starting_without_enough_answers_is_refused_with_the_counts(
        client, auth, make_user, make_evaluation):
    from tests.web.calibration_fixtures import seed

    small = seed(make_user, make_evaluation, n=120)
    auth.login("eva@example.org")
    page = client.get(f"{small.base}/v/1/calibrate").get_data(as_text=True)
    assert "No wave has enough answers to calibrate this bank yet" in page
    assert "Waves with too few answers" in page and "80 more needed" in page
    reply = start(client, small, follow=False)
    assert reply.status_code == 400
    assert ("Only 120 complete responses to “Calibration wave” answered all 6 items of "
            "“Agency”; a calibration needs at least 200") in reply.get_data(as_text=True)
    assert db.session.execute(db.select(Job)).first() is None


@pytest.mark.parametrize(("data", "message"), [
    ({"bank": "agency", "wave": ""}, "Choose the wave whose answers"),
    ({"bank": "nope", "wave": "1"}, "Version 1 has no item bank “nope”"),
    ({"bank": "agency", "wave": "99999"}, "Choose a wave that fielded the item bank"),
])
def test_bad_start_requests_are_explained(client, auth, seeded, data, message):
    auth.login("eva@example.org")
    reply = client.post(f"{seeded.base}/v/1/calibrate", data=data)
    assert reply.status_code == 400
    assert message in reply.get_data(as_text=True)


def test_data_the_model_cannot_fit_fails_the_job_with_the_reason(client, auth, seeded):
    from revaluation.models import Answer

    db.session.execute(
        db.update(Answer).where(Answer.question_key == "ag6").values(text="3", number=2.0))
    db.session.commit()
    auth.login("eva@example.org")
    html = start(client, seeded).get_data(as_text=True)
    job = the_job()
    assert job.status is JobStatus.FAILED
    assert "item 'ag6': every answer is in category 2" in job.error
    assert job.error in html.replace("&#39;", "'") and "Try again" in html


def test_only_evaluators_of_this_evaluation_reach_the_pages(
        client, auth, seeded, done, make_user, make_evaluation):
    job = done
    auth.login("cora@example.org")
    assert client.get(f"{seeded.base}/v/1/calibrate").status_code == 403
    assert client.get(f"{seeded.base}/calibrations/{job.id}").status_code == 403
    auth.logout()
    other = make_evaluation(make_user("other@example.org"), slug="other")
    assert other is not None
    auth.login("other@example.org")
    assert client.get(f"{seeded.base}/calibrations/{job.id}").status_code == 404
    auth.logout()
    auth.login("eva@example.org")
    assert client.get(f"{seeded.base}/calibrations/{job.id + 1}").status_code == 404
    assert client.get(f"{seeded.base}/v/7/calibrate").status_code == 404


def test_with_a_worker_the_calibration_waits_then_finishes(app, client, auth, seeded, redis_url):
    from redis import Redis
    from rq import Queue, SimpleWorker

    app.config["REDIS_URL"] = redis_url
    auth.login("eva@example.org")
    html = start(client, seeded).get_data(as_text=True)
    assert "running in the background" in html
    assert "Waiting for a worker" in html and 'http-equiv="refresh"' in html
    job_id = the_job().id
    assert the_job().status is JobStatus.QUEUED
    listing = client.get(f"{seeded.base}/v/1/calibrate").get_data(as_text=True)
    assert f"Calibration {job_id}" in listing and "Waiting for a worker" in listing
    base = seeded.base  # the worker ends the session, detaching the fixture's objects
    connection = Redis.from_url(redis_url)
    SimpleWorker([Queue(jobs.queue_name(), connection=connection)],
                 connection=connection).work(burst=True)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status is JobStatus.DONE and job.progress == 100 and job.attempts == 1
    review = client.get(f"{base}/calibrations/{job_id}").get_data(as_text=True)
    assert "Fitted parameters" in review and 'http-equiv="refresh"' not in review
