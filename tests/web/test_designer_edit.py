"""Editing a draft in the designer: pages, questions of every type, choice lists,
validation messages from the engine, and refusals to delete what something depends on."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import (
    Answer,
    Direction,
    IndicatorKind,
    Origin,
    Outcome,
    Response,
    Statistic,
)
from revaluation.services import fieldwork, instruments
from surveys.types import QUESTION_TYPES
from tests.web.designer_fixtures import designer_setup, question_data  # noqa: F401


def _keys(definition: dict) -> list[str]:
    return [q["key"] for s in definition["sections"] for q in s["questions"]]


def test_outline_shows_pages_questions_and_logic(client, ds):
    page = client.get(ds.base).get_data(as_text=True)
    assert "How old are you?" in page and "Walking" in page
    assert "${walks} = &#39;yes&#39;" in page
    assert "Publish version 1" in page


@pytest.mark.parametrize("qtype", sorted(QUESTION_TYPES))
def test_every_engine_type_can_be_added(client, ds, qtype):
    form_page = client.get(f"{ds.base}/questions/new?section=about&type={qtype}")
    assert form_page.status_code == 200
    response = client.post(f"{ds.base}/questions/new", data=question_data(qtype, "new_q"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    definition = ds.definition()
    added = definition["sections"][0]["questions"][-1]
    assert (added["key"], added["type"]) == ("new_q", qtype)
    edit = client.get(f"{ds.base}/questions/new_q/edit")
    assert edit.status_code == 200 and 'value="new_q"' in edit.get_data(as_text=True)


def test_type_settings_are_stored(client, ds):
    client.post(f"{ds.base}/questions/new", data=question_data(
        "number", "hours", s_min="0", s_max="80", s_integer="y", s_unit_en="hours",
        nonsubstantive=["dont_know"], required="y"))
    question = ds.definition()["sections"][0]["questions"][-1]
    assert question["min"] == 0 and question["max"] == 80 and question["integer"] is True
    assert question["unit"] == {"en": "hours"}
    assert question["nonsubstantive"] == ["dont_know"] and question["required"] is True


def test_edit_keeps_input_and_shows_engine_message_beside_the_field(client, ds):
    data = question_data("text", "change", section="walking", relevant="${often} >")
    response = client.post(f"{ds.base}/questions/change/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "syntax error at column" in page
    assert 'href="#relevant"' in page and 'value="${often} &gt;"' in page
    assert ds.definition()["sections"][1]["questions"][1].get("relevant") is None


BAD_INPUT = [
    ({"relevant": "${nobody} = 1"}, "refers to unknown question ${nobody}"),
    ({"relevant": "${agee} > 3"}, "did you mean ${age}?"),
    ({"relevant": "(${age} > 3"}, "syntax error at column"),
    ({"relevant": "${late} = 1"}, "which comes later"),
    ({"constraint": "'a' + 1"}, "type error"),
    ({"relevant": ". > 3"}, "can only be used in a constraint"),
    ({"s_min": "ten"}, "must be a number"),
    ({"s_min": "5", "s_max": "1"}, "(5) is greater than max (1)"),
    ({"key": "Bad Key"}, "lower-case letters"),
    ({"key": "walks"}, "walks"),
    ({"label_en": ""}, "needs a label"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_INPUT)
def test_bad_expressions_and_settings_give_clear_messages(client, ds, extra, message):
    client.post(f"{ds.base}/questions/new", data=question_data("text", "late", section="walking"))
    data = {**question_data("number", "new_q"), **extra}
    response = client.post(f"{ds.base}/questions/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "new_q" not in _keys(ds.definition()) and _keys(ds.definition()).count("walks") == 1


def test_choice_rows_need_labels_and_numeric_scores(client, ds):
    data = question_data("likert", "feel", **{"choices-1-label_en": "", "choices-0-score": "x"})
    page = client.post(f"{ds.base}/questions/new", data=data).get_data(as_text=True)
    assert "Give option “b” a label." in page and "must be a number" in page


def test_duplicate_and_move_questions(client, ds):
    client.post(f"{ds.base}/questions/age/duplicate")
    assert _keys(ds.definition()) == ["age", "age_copy", "walks", "often", "change"]
    client.post(f"{ds.base}/questions/often/up")  # past the top of its page: onto the previous
    assert ds.definition()["sections"][0]["questions"][-1]["key"] == "often"
    client.post(f"{ds.base}/questions/age/down")
    assert _keys(ds.definition())[:2] == ["age_copy", "age"]


def test_moving_a_question_before_what_it_refers_to_is_refused(client, ds):
    client.post(f"{ds.base}/questions/new", data=question_data(
        "text", "why", section="about", relevant="${walks} = 'no'"))
    response = client.post(f"{ds.base}/questions/why/up", follow_redirects=True)
    assert "which comes later" in response.get_data(as_text=True)
    assert _keys(ds.definition())[:3] == ["age", "walks", "why"]


def test_pages_add_edit_duplicate_move_delete(client, ds):
    response = client.post(f"{ds.base}/pages/new", data={"key": "extra", "title_en": "Extra"})
    assert response.status_code == 302
    client.post(f"{ds.base}/pages/extra/edit", data={"key": "extra", "title_en": "More",
                                                     "relevant": "${age} >= 18"})
    assert ds.definition()["sections"][2] == {"key": "extra", "title": {"en": "More"},
                                              "relevant": "${age} >= 18", "questions": []}
    client.post(f"{ds.base}/pages/extra/up")
    assert [s["key"] for s in ds.definition()["sections"]] == ["about", "extra", "walking"]
    client.post(f"{ds.base}/pages/about/duplicate")
    sections = ds.definition()["sections"]
    assert sections[1]["key"] == "about_copy"
    assert [q["key"] for q in sections[1]["questions"]] == ["age_copy", "walks_copy"]
    assert client.get(f"{ds.base}/pages/extra/delete").status_code == 200
    client.post(f"{ds.base}/pages/extra/delete")
    assert "extra" not in [s["key"] for s in ds.definition()["sections"]]


def test_page_with_bad_relevance_is_refused_with_the_column(client, ds):
    response = client.post(f"{ds.base}/pages/walking/edit",
                           data={"key": "walking", "relevant": "${walks} = = 'yes'"})
    assert response.status_code == 400
    assert "syntax error at column" in response.get_data(as_text=True)


def test_delete_refused_when_an_expression_depends_on_it(client, ds):
    page = client.get(f"{ds.base}/questions/walks/delete").get_data(as_text=True)
    assert "You cannot delete" in page and "the relevance of page “walking”" in page
    assert client.post(f"{ds.base}/questions/walks/delete").status_code == 409
    assert "walks" in _keys(ds.definition())


def test_delete_refused_when_answers_exist(client, ds):
    version = ds.instrument.latest
    instruments.publish_version(version, ds.owner.id)
    wave = fieldwork.create_wave(ds.evaluation, version, name="Baseline", groups=["member"])
    response = Response(wave_id=wave.id, group="member")
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, question_key="change", text="More friends"))
    db.session.commit()
    page = client.get(f"{ds.base}/questions/change/delete").get_data(as_text=True)
    assert "“change” has 1 answer in the wave “Baseline”" in page
    assert client.post(f"{ds.base}/questions/change/delete").status_code == 409
    assert "change" in _keys(ds.definition())


def test_delete_refused_when_an_outcome_uses_it(client, ds):
    db.session.add(Outcome(
        evaluation_id=ds.evaluation.id, key="active", title="More people walk often",
        indicator_kind=IndicatorKind.QUESTION, indicator_key="often", statistic=Statistic.MEAN,
        target=6, direction=Direction.INCREASE, origin=Origin.PLANNED))
    db.session.commit()
    page = client.get(f"{ds.base}/questions/often/delete").get_data(as_text=True)
    assert "outcome “More people walk often” uses “often” as its indicator" in page


def test_renaming_a_key_with_dependents_is_refused(client, ds):
    data = question_data("single_choice", "walks2", choices_list="yes_no")
    page = client.post(f"{ds.base}/questions/walks/edit", data=data).get_data(as_text=True)
    assert "cannot change from “walks”" in page


def test_delete_a_free_question(client, ds):
    assert client.post(f"{ds.base}/questions/change/delete").status_code == 302
    assert "change" not in _keys(ds.definition())


def test_choice_lists_create_rename_and_protect(client, ds):
    response = client.post(f"{ds.base}/choices/new", data={
        "name": "often5", "rows-0-value": "1", "rows-0-label_en": "Never",
        "rows-1-value": "5", "rows-1-label_en": "Always", "rows-1-score": "5"})
    assert response.status_code == 302
    assert ds.definition()["choice_lists"]["often5"][1] == {
        "value": "5", "label": {"en": "Always"}, "score": 5.0}
    client.post(f"{ds.base}/choices/yes_no/edit", data={
        "name": "yesno", "rows-0-value": "yes", "rows-0-label_en": "Yes",
        "rows-1-value": "no", "rows-1-label_en": "No"})
    definition = ds.definition()
    assert "yes_no" not in definition["choice_lists"]
    assert definition["sections"][0]["questions"][1]["choices"] == "yesno"
    page = client.post(f"{ds.base}/choices/yesno/delete", follow_redirects=True)
    assert "used by walks" in page.get_data(as_text=True)
    client.post(f"{ds.base}/choices/often5/delete")
    assert "often5" not in ds.definition()["choice_lists"]


def test_adding_a_language_copies_texts_to_translate(client, ds):
    response = client.post(f"{ds.base}/details", data={"title_en": "Check-in",
                                                       "languages": "en, cy"})
    assert response.status_code == 302
    definition = ds.definition()
    assert definition["languages"] == ["en", "cy"]
    assert definition["sections"][0]["questions"][0]["label"]["cy"] == "How old are you?"
    edit = client.get(f"{ds.base}/questions/age/edit").get_data(as_text=True)
    assert "Question text (Welsh)" in edit
