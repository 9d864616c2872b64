"""Respondent pages: every question type parsed, stored, re-displayed, and errors kept."""

from __future__ import annotations

import pytest

from revaluation.extensions import db
from revaluation.models import Answer, Response
from revaluation.models.responses import ResponseStatus
from tests.web.respond_fixtures import (
    VALID_PAGES,
    answer_all,
    make_survey,
    rid_of,
    start,
    submission_id,
)


@pytest.fixture
def survey(app, make_evaluation):
    """An open wave on the all-types instrument, with consent text and a panel code page."""
    return make_survey(make_evaluation)


def stored(rid: int) -> dict[str, Answer]:
    rows = db.session.execute(db.select(Answer).filter_by(response_id=rid)).scalars()
    return {a.question_key: a for a in rows}


def test_whole_survey_stores_every_type_through_the_engine(client, survey):
    first = start(client, survey.code)
    check = answer_all(client, first)
    rid = rid_of(first)
    html = client.get(check).get_data(as_text=True)
    assert "Check your answers" in html and "Leeds" in html
    reply = client.post(check.replace("/check", "/submit"),
                        data={"submission_id": submission_id(html)})
    assert reply.status_code == 302 and reply.location.endswith("/done")
    done = client.get(reply.location).get_data(as_text=True)
    assert "Your answers have been sent" in done
    answers = stored(rid)
    assert answers["colour"].text == "a"
    assert answers["extras"].data == ["b"]
    assert answers["score"].number == 7
    assert answers["doubled"].number == 14  # calculated at submission
    assert answers["age"].number == 34
    assert answers["born"].text == "2020-02-29"
    assert answers["tale"].data == {"what_changed": "Fitter", "intended": "yes"}
    assert answers["who"].number == pytest.approx(0.3)
    assert answers["kind"].data == pytest.approx([0.5, 0.3, 0.2])
    assert answers["spend"].data == {"a": 6, "c": 4}
    assert answers["order"].data == ["c", "a", "b"]
    assert answers["grid"].data == {"r1": "4", "r2": "2"}
    assert answers["worth"].data == [{"box": "calibrate", "visibility": "invisible",
                                      "note": "Trust"}]
    asked = answers["agency__asked"].data
    assert 2 <= len(asked) <= 3
    assert all(answers[key].text == "4" for key, _category in asked)
    assert 50 < answers["agency__t"].number < 80
    assert 0 < answers["agency__se"].number < 1
    response = db.session.get(Response, rid)
    assert response.status is ResponseStatus.COMPLETE and response.consent_version == 1


def test_pages_redisplay_stored_answers_for_back_and_forward(client, survey):
    first = start(client, survey.code)
    answer_all(client, first)
    base = first.rsplit("/p/", 1)[0]
    basics = client.get(f"{base}/p/basics").get_data(as_text=True)
    assert 'value="a" checked' in basics and 'value="Leeds"' in basics
    assert 'value="2020-02-29"' in basics
    shapes = client.get(f"{base}/p/shapes").get_data(as_text=True)
    assert 'name="kind__1" value="50"' in shapes
    assert 'name="spend__a" value="6"' in shapes
    assert '<option value="c" selected>' in shapes
    assert 'value="4" checked aria-labelledby="grid__r1-label' in shapes
    assert 'value="0.3" checked' in shapes  # dyad fallback radio nearest to the answer


ERROR_CASES = [
    # (page, fields, question key, message fragment, typed text that must be kept)
    ("basics", {"colour": "other", "colour__other": ""}, "colour", "Say what your other answer",
     None),
    ("basics", {"colour": "a", "age": "twelve"}, "age", "whole number between 16 and 120",
     'value="twelve"'),
    ("basics", {"colour": "a", "age": "200"}, "age", "between 16 and 120", 'value="200"'),
    ("basics", {"colour": "a", "born": "31/02/2020"}, "born", "YYYY-MM-DD", 'value="31/02/2020"'),
    ("basics", {"colour": "a", "extras": ["a", "b", "c"]}, "extras", "no more than 2", None),
    ("basics", {}, "colour", "Choose an answer", None),
    ("shapes", {"kind__1": "50", "kind__2": "30", "kind__3": "30"}, "kind", "add up to 110",
     'value="30"'),
    ("shapes", {"spend__a": "8", "spend__b": "5"}, "spend", "3 too many", 'value="8"'),
    ("shapes", {"spend__a": "-1"}, "spend", "cannot be negative", 'value="-1"'),
    ("shapes", {"order__1": "a", "order__2": "a", "order__3": "b"}, "order", "only be ranked once",
     None),
    ("shapes", {"worth__1__box": "calculate", "worth__1__note": "Money"}, "worth",
     "visible or invisible", 'value="Money"'),
    ("shapes", {"who": "1.5"}, "who", "Choose a point on the line", None),
    ("words", {"tale": "x" * 20_001}, "tale", "Shorten your story", None),
]


@pytest.mark.parametrize(("section", "fields", "key", "message", "kept"), ERROR_CASES)
def test_errors_show_next_to_the_field_and_keep_what_was_typed(client, survey, section, fields,
                                                              key, message, kept):
    first = start(client, survey.code)
    base = first.rsplit("/p/", 1)[0]
    rid = rid_of(first)
    reply = client.post(f"{base}/p/{section}", data={**fields, "action": "continue"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "There is a problem" in html
    assert f'href="#{key}"' in html and f'id="{key}-error"' in html
    assert message in html
    if kept:
        assert kept in html
    assert stored(rid) == {}


def test_nonsubstantive_and_other_answers(client, survey):
    first = start(client, survey.code)
    base = first.rsplit("/p/", 1)[0]
    client.post(f"{base}/p/basics", data={"colour": "other", "colour__other": "Soup",
                                          "age__ns": "prefer_not_to_say", "action": "continue"})
    answers = stored(rid_of(first))
    assert answers["colour"].text == "other" and answers["colour"].data == {"other_text": "Soup"}
    assert answers["age"].data == {"nonsubstantive": "prefer_not_to_say"}
    html = client.get(f"{base}/p/basics").get_data(as_text=True)
    assert 'value="Soup"' in html and 'value="prefer_not_to_say" checked' in html


def test_piping_and_relevance(client, survey):
    first = start(client, survey.code)
    base = first.rsplit("/p/", 1)[0]
    client.post(f"{base}/p/basics", data={"colour": "a", "extras": ["b"], "town": "Hull",
                                          "action": "continue"})
    assert "Hello from Hull!" in client.get(f"{base}/p/words").get_data(as_text=True)
    # Changing the answer that makes "extras" relevant removes its stored answer.
    client.post(f"{base}/p/basics", data={"colour": "c", "town": "Hull", "action": "continue"})
    assert "extras" not in stored(rid_of(first))
    html = client.get(f"{base}/p/basics").get_data(as_text=True)
    assert 'id="q-extras" data-key="extras" hidden' in html


def test_a_question_revealed_on_the_same_page_is_shown_again_without_javascript(client, survey):
    first = start(client, survey.code)
    base = first.rsplit("/p/", 1)[0]
    reply = client.post(f"{base}/p/basics", data={"colour": "a", "action": "continue"})
    assert reply.location.endswith("/p/basics?more=1")
    assert "opened more questions" in client.get(reply.location).get_data(as_text=True)
    reply = client.post(f"{base}/p/basics", data={"colour": "a", "action": "continue"})
    assert reply.location.endswith("/p/words")


def test_progress_and_accessible_structure(client, survey):
    first = start(client, survey.code)
    html = client.get(first).get_data(as_text=True)
    assert "Page 1 of 4" in html
    assert '<legend class="qlabel">Favourite food?' in html
    shapes = client.get(first.replace("basics", "shapes")).get_data(as_text=True)
    assert 'type="range"' in shapes and 'hidden' in shapes  # slider needs JS; radios do not
    assert shapes.count('name="who"') == 11
    assert '<th scope="col"' in shapes and '<th scope="row"' in shapes
    assert 'name="order__3"' in shapes
    assert "You have 10 dots left" in shapes


def test_adaptive_block_serves_one_item_and_handles_skips(client, survey):
    first = start(client, survey.code)
    base = first.rsplit("/p/", 1)[0]
    html = client.get(f"{base}/p/cat").get_data(as_text=True)
    item = html.split('name="item" value="')[1].split('"')[0]
    client.post(f"{base}/p/cat", data={"item": item, "action": "skip"})
    answers = stored(rid_of(first))
    assert answers["agency__asked"].data == [[item, None]]
    assert item not in answers
    html = client.get(f"{base}/p/cat").get_data(as_text=True)
    assert f'name="item" value="{item}"' not in html
    # Replaying the same POST (double tap) does not record anything twice.
    second = html.split('name="item" value="')[1].split('"')[0]
    for _ in range(2):
        client.post(f"{base}/p/cat", data={"item": second, "answer": "5", "action": "answer"})
    asked = stored(rid_of(first))["agency__asked"].data
    assert [k for k, _c in asked] == [item, second]


def test_autosave_returns_visibility_and_errors_and_stores_valid_answers(client, survey):
    first = start(client, survey.code)
    base = first.rsplit("/p/", 1)[0]
    reply = client.post(f"{base}/p/basics/autosave", data={"colour": "c", "age": "3"})
    data = reply.get_json()
    assert "extras" not in data["visible"] and "colour" in data["visible"]
    assert "16 and 120" in data["errors"]["age"]
    answers = stored(rid_of(first))
    assert answers["colour"].text == "c" and "age" not in answers
    data = client.post(f"{base}/p/basics/autosave", data={"colour": "a"}).get_json()
    assert "extras" in data["visible"]


def test_valid_pages_cover_every_answerable_type():
    from surveys.formats import load_instrument
    from surveys.types import QUESTION_TYPES
    from tests.web.respond_fixtures import ALL_TYPES_YAML

    types = {q.type for q in load_instrument(ALL_TYPES_YAML).questions()}
    assert types == set(QUESTION_TYPES)
    assert set(VALID_PAGES) == {"basics", "words", "shapes"}
