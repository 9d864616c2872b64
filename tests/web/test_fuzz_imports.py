"""Fuzzing every importer with hostile files: random bytes, random and malformed CSV, random
spreadsheets, random XLSForms and damaged copies of a valid one.

Through the web (the designer's instrument upload, the results' response import and its
review step) no file may cause a server error, and a refused file stores nothing; an accepted
import stores only complete responses with answers. Underneath, the importers themselves may
only refuse with their own error (``ImportRejected``, ``DefinitionError``), never crash.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import logging

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revaluation.extensions import db
from revaluation.models import Wave
from revaluation.services.imports import ImportRejected, plan_import, read_table
from surveys.errors import DefinitionError
from surveys.formats import import_xlsform, load_instrument
from tests.web.fuzz_fixtures import (
    NASTY,
    ErrorLog,
    changed,
    examples,
    rejected,
    reseed,
    snapshot,
    values,
)

EXAMPLES = examples(8)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
XLSFORM_TYPES = [
    "text", "integer", "decimal", "select_one yn", "select_multiple yn", "select_one missing",
    "note", "date", "calculate", "begin group", "end group", "begin repeat", "end repeat",
    "range", "rank yn", "geopoint", "acknowledge", "trigger", "", "select_one", "bogus",
]
DEMO_KEYS = ["life_satisfaction", "lonely", "involvement", "activities", "gp_visits",
             "change_story", "response_id", "group", "_uuid"]


def cell() -> st.SearchStrategy:
    return st.one_of(values(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                     st.none(), st.booleans(), st.dates(),
                     st.sampled_from(["=1/0", "=A1", "#REF!"]))


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title=title)
        for row in rows:
            sheet.append([_storable(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _storable(value):
    """openpyxl refuses control characters in cells; a spreadsheet program could not save them
    either, so the fuzzing drops them."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")[:2000]
    return value


@st.composite
def csv_files(draw) -> tuple[bytes, str]:
    header = draw(st.lists(st.one_of(st.sampled_from(DEMO_KEYS), values()), min_size=0,
                           max_size=8))
    rows = draw(st.lists(st.lists(values(), max_size=len(header) + 2), max_size=6))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return text.getvalue().encode(encoding, errors="replace"), "responses.csv"


@st.composite
def spreadsheets(draw) -> tuple[bytes, str]:
    rows = draw(st.lists(st.lists(cell(), max_size=6), max_size=6))
    if draw(st.booleans()):
        rows.insert(0, draw(st.lists(st.sampled_from(DEMO_KEYS), min_size=1, max_size=5)))
    name = draw(st.text(alphabet="abcdefghij ", min_size=1, max_size=12)).strip() or "Sheet"
    return _xlsx({name: rows}), "responses.xlsx"


@st.composite
def xlsforms(draw) -> tuple[bytes, str]:
    survey = [["type", "name", "label", "required", "relevant", "constraint", "calculation"]]
    for _ in range(draw(st.integers(0, 6))):
        survey.append([
            draw(st.sampled_from(XLSFORM_TYPES)),
            draw(st.one_of(st.sampled_from(["q1", "q2", "q1", "yn", "_x", ""]), values())),
            draw(values()),
            draw(st.sampled_from(["yes", "no", "", "maybe", "TRUE"])),
            draw(st.sampled_from(["", "${q1} = 'yes'", "${nope} > 1", "((", "1 div 0"])),
            draw(st.sampled_from(["", ". > 0", "regex(., '[')", "${q2}", ")"])),
            draw(st.sampled_from(["", "${q1} + 1", "once(", "now()"])),
        ])
    choice = st.one_of(st.sampled_from(["yn", "yes", "no", ""]), values())
    choices = [["list_name", "name", "label"],
               *draw(st.lists(st.lists(choice, min_size=3, max_size=3), max_size=5))]
    sheets = {"survey": survey, "choices": choices}
    if draw(st.booleans()):
        sheets["settings"] = [["form_id", "form_title", "default_language"],
                              [draw(values()), draw(values()), draw(values())]]
    return _xlsx(sheets), draw(st.sampled_from(["form.xlsx", "form.xls"]))


VALID_XLSFORM = [
    ["type", "name", "label"], ["select_one yn", "q1", "Any?"], ["integer", "q2", "How many?"],
]


@functools.cache
def _valid_xlsform() -> bytes:
    """Made once: a workbook's zip carries the time it was saved."""
    return _xlsx({"survey": VALID_XLSFORM,
                  "choices": [["list_name", "name", "label"], ["yn", "y", "Yes"]]})


@st.composite
def damaged_xlsforms(draw) -> tuple[bytes, str]:
    """A valid XLSForm with bytes flipped or cut short (a broken zip)."""
    content = bytearray(_valid_xlsform())
    if draw(st.booleans()):
        content = content[: draw(st.integers(0, len(content) - 1))]
    for _ in range(draw(st.integers(1, 8))):
        if content:
            content[draw(st.integers(0, len(content) - 1))] = draw(st.integers(0, 255))
    return bytes(content), "form.xlsx"


def random_files(names: list[str]) -> st.SearchStrategy[tuple[bytes, str]]:
    return st.tuples(st.binary(max_size=2000), st.sampled_from(names))


DEFINITION_FILES = st.one_of(
    xlsforms(), damaged_xlsforms(),
    random_files(["form.xlsx", "form.xls", "form.yaml", "form.json", "form.txt"]),
    st.tuples(st.sampled_from([*NASTY, "key: [", "{}", "- a\n- b", "key: x\nsections: 7"]).map(
        lambda t: t.encode()), st.just("form.yaml")),
)
RESPONSE_FILES = st.one_of(
    csv_files(), spreadsheets(), damaged_xlsforms(),
    random_files(["responses.csv", "responses.xlsx", "responses.txt"]),
)


@pytest.fixture
def world(app):
    handler = ErrorLog()
    logging.getLogger("revaluation").addHandler(handler)
    client, seeded = reseed(app)
    yield client, seeded, handler
    logging.getLogger("revaluation").removeHandler(handler)


def _post_file(client, log, url: str, content: bytes, filename: str, **fields):
    before = snapshot()
    log.records.clear()
    response = client.post(url, data={"file": (io.BytesIO(content), filename), **fields},
                           content_type="multipart/form-data")
    db.session.remove()
    assert response.status_code < 500, (
        f"{url} with {filename} ({len(content)} bytes) -> {response.status_code}\n"
        + "\n".join(log.records[-1:])
    )
    if rejected(response):
        after = snapshot()
        assert after == before, f"{filename} was refused but stored: {changed(before, after)}"
    return response


def test_instrument_upload_survives_hostile_files(world):
    client, seeded, log = world
    url = f"/e/{seeded.ids['slug']}/instruments/upload"

    @FUZZ
    @given(upload=DEFINITION_FILES)
    def upload(upload):
        _post_file(client, log, url, *upload)

    upload()


def test_response_import_survives_hostile_files(world):
    client, seeded, log = world
    slug, wave_id = seeded.ids["slug"], seeded.ids["wave_id"]

    @FUZZ
    @given(upload=RESPONSE_FILES, mapping=st.lists(st.tuples(
        st.integers(0, 9).map(lambda i: f"map-{i}"), st.sampled_from([*DEMO_KEYS, "", "x"])),
        max_size=4))
    def upload(upload, mapping):
        response = _post_file(client, log, f"/e/{slug}/results/import/{wave_id}", *upload)
        if response.status_code != 302 or "/results/import/" not in response.headers["Location"]:
            return
        review = response.headers["Location"]
        assert client.get(review).status_code < 500, "\n".join(log.records[-1:])
        before = snapshot()
        done = client.post(review, data=dict(mapping) | {"action": "import"})
        db.session.remove()
        assert done.status_code < 500, "\n".join(log.records[-1:])
        if rejected(done):
            assert snapshot() == before
        hollow = db.session.execute(sa.text(
            "SELECT count(*) FROM response r WHERE r.imported_from IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM answer a WHERE a.response_id = r.id)")).scalar()
        db.session.remove()
        assert hollow == 0, "an import stored a response without answers"

    upload()


@FUZZ
@given(upload=st.one_of(RESPONSE_FILES, random_files(["x.csv", "x.xlsx", "x.xlsm"])))
def test_response_reader_refuses_only_with_its_own_error(upload):
    with contextlib.suppress(ImportRejected):
        read_table(*upload)


def test_import_plan_refuses_only_with_its_own_error(world):
    wave = db.session.get(Wave, world[1].ids["wave_id"])

    @FUZZ
    @given(upload=csv_files(), explicit=st.dictionaries(st.sampled_from(DEMO_KEYS), st.sampled_from(
        [*DEMO_KEYS, "nope"]), max_size=3))
    def plan(upload, explicit):
        with contextlib.suppress(ImportRejected):
            plan_import(wave, read_table(*upload), explicit)

    plan()


@FUZZ
@given(upload=DEFINITION_FILES)
def test_definition_loaders_refuse_only_with_their_own_error(upload):
    content, filename = upload
    if filename.endswith((".xlsx", ".xls")):
        with contextlib.suppress(DefinitionError):
            import_xlsform(content, filename=filename)
    else:
        # TypeError: inline option lists, which the web import turns into a DefinitionError.
        with contextlib.suppress(DefinitionError, TypeError):
            load_instrument(content, filename=filename)
