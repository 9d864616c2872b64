"""Starting instruments (scratch, library, YAML and XLSForm uploads), upload errors that
must read as a list of problems (never a 500), and who may use the designer at all."""

from __future__ import annotations

import io

import openpyxl
import pytest

from revaluation.extensions import db
from revaluation.models import Instrument
from surveys.library import list_library
from tests.web.designer_fixtures import TWO_PAGES, designer_setup  # noqa: F401


def xlsform(rows: list[tuple], choices: list[tuple] = ()) -> bytes:
    """A small XLSForm workbook: survey rows of (type, name, label)."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(("type", "name", "label"))
    for row in rows:
        survey.append(row)
    sheet = book.create_sheet("choices")
    sheet.append(("list_name", "name", "label"))
    for row in choices:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, slug: str, data: bytes, filename: str):
    return client.post(f"/e/{slug}/instruments/upload",
                       data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_empty_list_offers_three_ways_to_start(client, make_user, make_evaluation, auth):
    make_evaluation(make_user("owner@example.org"), slug="fresh")
    auth.login("owner@example.org")
    page = client.get("/e/fresh/instruments").get_data(as_text=True)
    assert "No instruments yet" in page
    for text in ("Start from scratch", "Copy from the library", "Upload a file"):
        assert text in page


def test_create_from_scratch_then_duplicate_key_is_refused(client, ds):
    response = client.post("/e/walks/instruments/new",
                           data={"key": "follow-up", "title": "Follow-up", "language": "en"})
    assert response.status_code == 302
    instrument = db.session.execute(db.select(Instrument).filter_by(key="follow-up")).scalar_one()
    assert instrument.latest.definition["sections"][0]["key"] == "page_1"
    again = client.post("/e/walks/instruments/new",
                        data={"key": "follow-up", "title": "Again", "language": "en"})
    assert again.status_code == 400
    assert "already has an instrument with the key" in again.get_data(as_text=True)


@pytest.mark.parametrize(("data", "message"), [
    ({"key": "", "title": "T", "language": "en"}, "Enter a short name"),
    ({"key": "Has Space", "title": "T", "language": "en"}, "Use lower-case letters"),
    ({"key": "ok", "title": "", "language": "en"}, "Enter a title"),
    ({"key": "ok", "title": "T", "language": "English"}, "Enter a language code"),
])
def test_new_instrument_form_messages(client, ds, data, message):
    response = client.post("/e/walks/instruments/new", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_library_shows_licence_and_credit_and_copies(client, ds):
    entry = list_library()[0]
    page = client.get("/e/walks/instruments/library").get_data(as_text=True)
    assert entry.title in page and entry.licence in page
    response = client.post("/e/walks/instruments/library", data={"library_key": entry.key})
    assert response.status_code == 302
    copied = db.session.execute(db.select(Instrument).filter_by(key=entry.key)).scalar_one()
    assert copied.latest.definition["licence"] == entry.licence
    assert client.post("/e/walks/instruments/library", data={}).status_code == 400


def test_yaml_upload_creates_draft_or_next_version(client, ds):
    yaml_text = TWO_PAGES.replace("key: check-in", "key: second")
    response = upload(client, "walks", yaml_text.encode(), "second.yaml")
    assert response.status_code == 302
    assert db.session.execute(db.select(Instrument).filter_by(key="second")).scalar_one()


def test_yaml_upload_lists_every_problem_with_lines(client, ds):
    bad = TWO_PAGES.replace("type: rating", "type: ratting").replace(
        "${walks} = 'yes'", "${walks} = = 'yes'")
    response = upload(client, "walks", bad.encode(), "bad.yml")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There are 2 problems" in page and "Line 17" in page and "Line 19" in page
    assert "syntax error at column 12" in page and "ratting" in page


def test_xlsform_upload_imports(client, ds):
    data = xlsform([("begin_group", "p1", "Page one"),
                    ("select_one yn", "helped", "Did it help?"),
                    ("integer", "visits", "How many visits?"),
                    ("end_group", "", "")],
                   [("yn", "yes", "Yes"), ("yn", "no", "No")])
    response = upload(client, "walks", data, "form.xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)
    instrument = db.session.execute(
        db.select(Instrument).where(Instrument.key != "check-in")).scalar_one()
    keys = [q["key"] for s in instrument.latest.definition["sections"] for q in s["questions"]]
    assert keys == ["helped", "visits"]


def test_xlsform_unsupported_features_are_listed_with_rows(client, ds):
    data = xlsform([("text", "name", "Name"), ("geopoint", "where", "Where?"),
                    ("begin_repeat", "kids", "Children"), ("text", "kid", "Name"),
                    ("end_repeat", "", "")])
    response = upload(client, "walks", data, "form.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Row 3" in page and "Row 4" in page and "geopoint" in page


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"a,b\n1,2\n", "answers.csv", "is not a YAML file or an XLSForm"),
    (b"name,label\nq1,Hello\n", "renamed.xlsx", "problem"),
    (b"PK\x03\x04 this zip is broken", "broken.xlsx", "problem"),
    (b"\x00\x01binary", "weird.xls", "problem"),
    (b"- just\n- a list\n", "list.yaml", "must be a mapping"),
    (b"", "empty.yaml", "problem"),
])
def test_bad_uploads_give_a_list_not_a_500(client, ds, data, filename, message):
    response = upload(client, "walks", data, filename)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "Nothing has been saved" in page


def test_no_file_chosen(client, ds):
    response = client.post("/e/walks/instruments/upload", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a YAML file" in response.get_data(as_text=True)


@pytest.fixture
def app_config():
    return {"MAX_CONTENT_LENGTH": 64 * 1024}


def test_oversize_upload_gets_413_with_a_clear_message(client, ds):
    response = upload(client, "walks", b"x" * (100 * 1024), "huge.yaml")
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "larger than the 0 MB upload limit" in page or "upload limit" in page
    assert "Upload an instrument" in page


def designer_routes(base: str) -> list[tuple[str, str]]:
    return [
        ("get", "/e/walks/instruments"), ("get", "/e/walks/instruments/new"),
        ("get", "/e/walks/instruments/library"), ("get", "/e/walks/instruments/upload"),
        ("get", base), ("get", f"{base}/v/1"), ("post", f"{base}/publish"),
        ("get", f"{base}/diff"), ("get", f"{base}/v/1/yaml"), ("get", f"{base}/v/1/xlsform"),
        ("get", f"{base}/details"), ("get", f"{base}/pages/new"),
        ("get", f"{base}/pages/about/edit"), ("post", f"{base}/pages/about/up"),
        ("get", f"{base}/pages/about/delete"), ("get", f"{base}/questions/new"),
        ("get", f"{base}/questions/age/edit"), ("post", f"{base}/questions/age/duplicate"),
        ("post", f"{base}/questions/age/delete"), ("get", f"{base}/choices/new"),
        ("get", f"{base}/choices/yes_no/edit"), ("post", f"{base}/choices/yes_no/delete"),
    ]


def test_commissioner_gets_403_and_stranger_404_everywhere(client, ds, auth):
    before = ds.definition()
    for who, status in (("commissioner@example.org", 403), ("stranger@example.org", 404)):
        auth.logout()
        auth.login(who)
        for method, url in designer_routes(ds.base):
            assert getattr(client, method)(url).status_code == status, (who, method, url)
    assert ds.definition() == before
    auth.logout()
    assert client.get("/e/walks/instruments").status_code == 302  # to the sign-in page


def test_another_evaluations_instrument_is_not_found(client, ds, make_evaluation):
    other = make_evaluation(ds.owner, slug="other")
    assert client.get(f"/e/{other.slug}/instruments/{ds.instrument.id}").status_code == 404
