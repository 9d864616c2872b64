"""Versions in the designer: publishing freezes a draft, later edits start the next draft,
the difference between versions reads by key, and downloads load back unchanged."""

from __future__ import annotations

import io

import pytest

from revaluation.extensions import db
from revaluation.models import InstrumentVersion, StateError
from revaluation.services.instrument_diff import diff_definitions
from surveys.formats import import_xlsform, load_instrument
from tests.web.designer_fixtures import designer_setup, question_data  # noqa: F401


def _versions(ds) -> list[InstrumentVersion]:
    db.session.expire_all()
    return list(db.session.get(type(ds.instrument), ds.instrument.id).versions)


def test_publish_freezes_and_next_edit_starts_version_2(client, ds):
    response = client.post(f"{ds.base}/publish", follow_redirects=True)
    assert "Version 1 is published" in response.get_data(as_text=True)
    v1 = _versions(ds)[0]
    frozen = dict(v1.definition)
    page = client.get(ds.base).get_data(as_text=True)
    assert "starts <strong>version 2</strong>" in page and "Publish version" not in page
    client.post(f"{ds.base}/questions/new", data=question_data("text", "more", section="walking"))
    v1, v2 = _versions(ds)
    assert v1.definition == frozen and (v2.number, str(v2.status)) == (2, "draft")
    assert v2.definition["sections"][1]["questions"][-1]["key"] == "more"
    client.post(f"{ds.base}/questions/age/duplicate")
    assert len(_versions(ds)) == 2  # further edits go into the same draft


def test_published_version_cannot_be_changed_or_published_twice(client, ds):
    client.post(f"{ds.base}/publish")
    v1 = _versions(ds)[0]
    v1.definition = {**v1.definition, "title": {"en": "Changed"}}
    with pytest.raises(StateError):
        db.session.flush()
    db.session.rollback()
    page = client.post(f"{ds.base}/publish", follow_redirects=True).get_data(as_text=True)
    assert "already published" in page


def test_refused_edit_on_published_instrument_leaves_no_draft(client, ds):
    client.post(f"{ds.base}/publish")
    response = client.post(f"{ds.base}/questions/new", data=question_data(
        "text", "bad", relevant="${missing} = 1"))
    assert response.status_code == 400
    assert len(_versions(ds)) == 1


def test_empty_instrument_cannot_be_published(client, ds):
    client.post("/e/walks/instruments/new", data={"key": "blank", "title": "B", "language": "en"})
    blank = next(v for v in db.session.execute(db.select(InstrumentVersion)).scalars()
                 if v.definition["key"] == "blank")
    page = client.post(f"/e/walks/instruments/{blank.instrument_id}/publish",
                       follow_redirects=True).get_data(as_text=True)
    assert "Add at least one question before publishing" in page


def test_diff_page_shows_added_removed_changed_by_key(client, ds):
    client.post(f"{ds.base}/publish")
    client.post(f"{ds.base}/questions/new", data=question_data("text", "more", section="walking"))
    client.post(f"{ds.base}/questions/change/delete")
    client.post(f"{ds.base}/questions/age/edit", data=question_data(
        "number", "age", s_min="18", s_max="110", label_en="Your age?"))
    page = client.get(f"{ds.base}/diff?a=1&b=2").get_data(as_text=True)
    assert "Changes from version 1 to version 2" in page
    assert "<code>more</code> on page walking" in page
    assert "<code>change</code> (was on page walking)" in page
    assert "How old are you?" in page and "Your age?" in page
    assert page.count('class="before"') >= 2  # label and min, each shown before and after


def test_diff_of_choice_lists_and_pages():
    old = load_instrument(_doc(choices=["yes", "no"])).to_dict()
    new = load_instrument(_doc(choices=["yes", "no", "maybe"], title="Second page")).to_dict()
    diff = diff_definitions(old, new)
    assert [c.name for c in diff.choice_lists_changed[0].changes] == ["choice maybe"]
    assert diff.sections_changed[0].changes[0].after == "en: Second page"
    assert diff_definitions(old, old).empty
    two = {**old, "sections": [*old["sections"], {"key": "p2", "questions": []}]}
    swapped = {**two, "sections": two["sections"][::-1]}
    assert diff_definitions(two, swapped).sections_reordered == (("p", "p2"), ("p2", "p"))


def _doc(*, choices: list[str], title: str = "Page") -> dict:
    return {"key": "d", "title": "D", "choice_lists": {"yn": [
        {"value": c, "label": c.title()} for c in choices]},
        "sections": [{"key": "p", "title": title, "questions": [
            {"key": "q", "type": "single_choice", "label": "Q", "choices": "yn"}]}]}


def test_unknown_versions_are_not_found(client, ds):
    assert client.get(f"{ds.base}/diff?a=1&b=9").status_code == 404
    assert client.get(f"{ds.base}/v/9").status_code == 404
    assert client.get(f"{ds.base}/v/9/yaml").status_code == 404


def test_yaml_download_round_trips(client, ds):
    response = client.get(f"{ds.base}/v/1/yaml")
    assert response.mimetype == "application/x-yaml"
    assert 'filename="check-in-v1.yaml"' in response.headers["Content-Disposition"]
    assert load_instrument(response.data).to_dict() == ds.definition()
    client.post(f"{ds.base}/questions/change/delete")
    reimport = client.post("/e/walks/instruments/upload", data={
        "file": (io.BytesIO(response.data), "check-in-v1.yaml")},
        content_type="multipart/form-data")
    assert reimport.status_code == 302
    assert ds.definition() == load_instrument(response.data).to_dict()


def test_xlsform_download_round_trips(client, ds):
    response = client.get(f"{ds.base}/v/1/xlsform")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="check-in-v1.xlsx"' in response.headers["Content-Disposition"]
    assert import_xlsform(response.data, filename="x.xlsx").to_dict() == ds.definition()


def test_version_page_is_read_only_and_links_preview(client, ds, app):
    client.post(f"{ds.base}/publish")
    client.post(f"{ds.base}/questions/age/duplicate")
    page = client.get(f"{ds.base}/v/1").get_data(as_text=True)
    assert "You are looking at version 1" in page and "Add a question" not in page
    if "respond.preview" in app.view_functions:
        assert f"/preview/{_versions(ds)[0].id}" in page
