"""Results pages and `flask results`: same numbers as the JSON, filters, who may see what."""

from __future__ import annotations

import json

import pytest

from revaluation.reports.formatting import format_ci, format_value
from revaluation.services.results import evaluation_results
from tests.web.results_fixtures import build


@pytest.fixture
def tiny(make_user, make_evaluation):
    owner = make_user("eva@example.org")
    evaluation, waves = build(owner)
    from revaluation.extensions import db
    from revaluation.models import Role
    from revaluation.services.evaluations import add_member

    add_member(evaluation, make_user("cora@example.org"), Role.COMMISSIONER)
    make_user("otto@example.org")
    db.session.commit()
    return evaluation, waves


def test_outcome_table_shows_the_json_numbers(client, auth, tiny):
    evaluation, _ = tiny
    results = evaluation_results(evaluation)
    auth.login("cora@example.org")
    page = client.get("/e/tiny/results")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for o in results["outcomes"]:
        actual = o["result"]["actual"]
        assert o["title"] in html
        assert format_value(actual["value"], o["statistic"]) in html
        assert format_ci(actual["ci_low"], actual["ci_high"], o["statistic"]) in html
    assert "Export or import" not in html  # commissioners get no row-level data


def test_outcome_detail_has_chart_with_text_alternative(client, auth, tiny):
    auth.login("eva@example.org")
    page = client.get("/e/tiny/results/outcomes/mean-score")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and "<title" in html and "<desc" in html
    assert "Wilcoxon" in html or "t-test" in html
    assert client.get("/e/tiny/results/outcomes/nope").status_code == 404


def test_questions_page_lists_questions_and_filters(client, auth, tiny):
    _, waves = tiny
    auth.login("eva@example.org")
    page = client.get(f"/e/tiny/results/questions?wave={waves[1].id}&group=member")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Agree" in html and "Score" in html and "(filtered)" in html
    assert "Benjamini-Hochberg" in html


def test_results_pages_show_no_python_internals(client, auth, tiny):
    """A template that names a dict method by mistake prints "<built-in method ...>"."""
    auth.login("eva@example.org")
    for path in ("/e/tiny/results", "/e/tiny/results/questions"):
        html = client.get(path).get_data(as_text=True)
        assert "built-in method" not in html and " object at 0x" not in html, path


@pytest.mark.parametrize("query, message", [
    ("wave=abc", "A wave filter must be a wave number"),
    ("wave=99999", "There is no wave 99999"),
    ("group=nobody", "There is no group “nobody”"),
])
def test_bad_filters_explain_themselves(client, auth, tiny, query, message):
    auth.login("eva@example.org")
    page = client.get(f"/e/tiny/results?{query}")
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)


def test_non_member_gets_404(client, auth, tiny):
    auth.login("otto@example.org")
    assert client.get("/e/tiny/results").status_code == 404
    assert client.get("/e/tiny/results/data/responses.csv").status_code == 404


def test_commissioner_cannot_export_rows(client, auth, tiny):
    auth.login("cora@example.org")
    for path in ("/e/tiny/results/data", "/e/tiny/results/data/responses.csv",
                 "/e/tiny/results/data/responses.sav", "/e/tiny/results/data/codebook.csv"):
        assert client.get(path).status_code == 403


def test_cli_json_matches_results(runner, tiny):
    evaluation, _ = tiny
    out = runner.invoke(args=["results", "tiny", "--format", "json"])
    assert out.exit_code == 0, out.output
    printed = json.loads(out.output)
    direct = evaluation_results(evaluation)
    printed.pop("generated_at"), direct.pop("generated_at")
    assert printed == direct
    text = runner.invoke(args=["results", "tiny", "--group", "member"])
    assert text.exit_code == 0 and "Mean Score" in text.output
    bad = runner.invoke(args=["results", "tiny", "--wave", "424242"])
    assert bad.exit_code != 0 and "no wave 424242" in bad.output
    missing = runner.invoke(args=["results", "nope"])
    assert missing.exit_code != 0 and "No evaluation" in missing.output
