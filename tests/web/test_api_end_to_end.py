"""A script's whole cycle through the API alone: instrument, publish, wave, responses,
results and a report, never touching the web UI; plus results and report endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from revaluation.extensions import db
from revaluation.models import Response
from tests.web.api_fixtures import *  # noqa: F403  (the API fixtures)
from tests.web.api_fixtures import DEFINITION
from tests.web.jobs_fixtures import *  # noqa: F403  (the queue fixture)
from tests.web.jobs_fixtures import work

RESULTS_SCHEMA = Path(__file__).resolve().parents[2] / "docs/results.schema.json"


def _cycle(api) -> tuple[int, list[int]]:
    """Instrument -> publish -> wave -> open -> responses, as a script would; the wave id and
    the scores sent."""
    base = "/evaluations/pulse-eval"
    draft = api.post(f"{base}/instruments", json={"definition": DEFINITION})
    assert draft.status_code == 201, draft.get_json()
    assert api.post(f"{base}/instruments/pulse/versions/1/publish").status_code == 200
    wave = api.post(
        f"{base}/waves",
        json={"name": "Baseline", "instrument": "pulse", "groups": ["member", "staff"]},
    ).get_json()
    assert api.post(f"{base}/waves/{wave['id']}/open").get_json()["state"] == "open"
    scores = [3, 5, 6, 7, 8, 9, 4, 6, 7, 8, 5, 6]
    for n, score in enumerate(scores):
        response = api.post(
            f"{base}/waves/{wave['id']}/responses",
            json={
                "submission_id": f"script-{n:04}",
                "group": "member" if n % 2 else "staff",
                "answers": {"score": score, "helped": "no"},
            },
        )
        assert response.status_code == 201, response.get_json()
    # A retry of the last one changes nothing.
    again = api.post(
        f"{base}/waves/{wave['id']}/responses",
        json={"submission_id": "script-0011", "group": "member", "answers": {"score": 1}},
    )
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert db.session.execute(db.select(db.func.count(Response.id))).scalar_one() == len(scores)
    return wave["id"], scores


def test_a_script_runs_an_evaluation_cycle_without_the_ui(api_for, owner, evaluation, runner):
    api = api_for(owner)
    base = "/evaluations/pulse-eval"
    wave_id, scores = _cycle(api)

    # Reading back, a page at a time, filtered by wave and group.
    members = [s for n, s in enumerate(scores) if n % 2]
    page = api.get(f"{base}/responses?wave={wave_id}&group=member&per_page=4&page=2").get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (len(members), 2, 2)
    assert [r["answers"]["score"] for r in page["items"]] == members[4:]
    assert all(r["group"] == "member" and r["source"] == "api" for r in page["items"])

    # The same figures as `flask results`, whole and filtered.
    for query, options in (("", []), (f"?wave={wave_id}&group=staff",
                                      ["--wave", str(wave_id), "--group", "staff"])):
        results = api.get(f"{base}/results{query}")
        assert results.status_code == 200
        printed = runner.invoke(args=["results", "pulse-eval", "--format", "json", *options])
        assert printed.exit_code == 0, printed.output
        served, cli = results.get_json(), json.loads(printed.output)
        served.pop("generated_at"), cli.pop("generated_at")  # the second they were made
        assert served == cli
    served = api.get(f"{base}/results")
    assert str(sum(scores) / len(scores))[:4] in served.get_data(as_text=True)
    jsonschema.validate(served.get_json(), json.loads(RESULTS_SCHEMA.read_text()))

    # Without a job queue the report is made during the request: done at once.
    job = api.post(f"{base}/reports", json={})
    assert job.status_code == 202
    status = api.get(job.headers["Location"].removeprefix("/api/v1")).get_json()
    assert status["status"] == "done", status
    pdf = api.get(status["download_url"].removeprefix("/api/v1"))
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    editions = api.get(f"{base}/reports").get_json()
    assert editions["total"] == 1
    assert editions["items"][0]["sha256"] == pdf.headers["X-Content-SHA256"]


def test_with_a_job_queue_the_script_polls_the_report_job_until_a_worker_is_done(
    api_for, owner, evaluation, queue, runner
):
    api = api_for(owner)
    base = "/evaluations/pulse-eval"
    _cycle(api)
    started = api.post(f"{base}/reports", json={"sections": ["summary", "outcomes"]})
    assert started.status_code == 202
    job_url = started.headers["Location"].removeprefix("/api/v1")
    polled = api.get(job_url).get_json()
    assert (polled["status"], polled["download_url"]) == ("queued", None)
    work(runner)  # a worker elsewhere picks the job up
    polled = api.get(job_url).get_json()
    assert polled["status"] == "done" and polled["progress"] == 100, polled
    pdf = api.get(polled["download_url"].removeprefix("/api/v1"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_results_filters_by_wave_and_group(api_for, owner, evaluation, open_wave):
    api = api_for(owner)
    url = "/evaluations/pulse-eval/results"
    assert api.get(f"{url}?wave={open_wave.id}&group=member").status_code == 200
    assert api.get(f"{url}?wave=999999").status_code == 404
    assert api.get(f"{url}?wave=abc").get_json()["error"]["code"] == "invalid_parameter"
    assert api.get(f"{url}?group={'x' * 41}").status_code == 400


def test_commissioners_read_results_and_reports_but_cannot_start_one(
    api_for, make_user, evaluation
):
    from revaluation.models import User

    commissioner = db.session.execute(
        db.select(User).filter_by(email="commissioner@example.org")
    ).scalar_one()
    api = api_for(commissioner)
    assert api.get("/evaluations/pulse-eval/results").status_code == 200
    assert api.get("/evaluations/pulse-eval/reports").get_json()["items"] == []
    refused = api.post("/evaluations/pulse-eval/reports", json={})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "role_forbidden"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"wave_ids": [999999]}, "invalid_value"),
        ({"groups": ["nobody"]}, "invalid_value"),
        ({"sections": ["gossip"]}, "invalid_value"),
        ({"wave_ids": ["one"]}, "invalid_type"),
        ({"sections": None}, "invalid_type"),
        ({"format": "docx"}, "unknown_fields"),
    ],
)
def test_bad_report_options_are_refused(api_for, owner, open_wave, body, code):
    response = api_for(owner).post("/evaluations/pulse-eval/reports", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_jobs_and_editions_of_other_evaluations_are_404(
    api_for, owner, evaluation, make_evaluation
):
    from revaluation.models import Job

    other = make_evaluation(slug="other-eval")
    job = Job(evaluation_id=other.id, kind="report")
    db.session.add(job)
    db.session.commit()
    api = api_for(owner)
    assert api.get(f"/evaluations/pulse-eval/jobs/{job.id}").get_json()["error"]["code"] == (
        "job_not_found"
    )
    assert api.get("/evaluations/pulse-eval/reports/1/pdf").get_json()["error"]["code"] == (
        "edition_not_found"
    )
