"""A script's whole cycle through the API alone: instrument, publish, wave, responses,
results and a report, never touching the web UI; plus results and report endpoints."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import Response
from tests.web.api_fixtures import *  # noqa: F403  (the API fixtures)
from tests.web.api_fixtures import DEFINITION


def test_a_script_runs_an_evaluation_cycle_without_the_ui(api_for, owner, evaluation):
    api = api_for(owner)
    base = "/evaluations/pulse-eval"
    draft = api.post(f"{base}/instruments", json={"definition": DEFINITION})
    assert draft.status_code == 201
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
    assert (
        api.post(
            f"{base}/waves/{wave['id']}/responses",
            json={"submission_id": "script-0011", "group": "member", "answers": {"score": 1}},
        ).status_code
        == 200
    )
    assert db.session.execute(db.select(db.func.count(Response.id))).scalar_one() == len(scores)

    results = api.get(f"{base}/results")
    assert results.status_code == 200
    from revaluation.services.results import evaluation_results

    assert results.get_json() == _jsonable(evaluation_results(evaluation))
    assert str(sum(scores) / len(scores))[:4] in results.get_data(as_text=True)

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


def _jsonable(value):
    """What the results dict looks like after a trip through JSON."""
    import json

    from flask import current_app

    return json.loads(current_app.json.dumps(value))


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
