"""XLSForm import and export against real-world-shaped forms (built in xlsforms/forms.py)."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from surveys.errors import DefinitionError
from surveys.formats import load_instrument
from surveys.formats.xlsform import export_xlsform, import_xlsform, read_xlsform


def _load_forms():
    """The fixture forms module, loaded by path so its name cannot clash with others."""
    spec = importlib.util.spec_from_file_location(
        "xlsform_fixture_forms", Path(__file__).parent / "xlsforms" / "forms.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_forms = _load_forms()
COMMUNITY, UNSUPPORTED, xlsx = _forms.COMMUNITY, _forms.UNSUPPORTED, _forms.xlsx


@pytest.fixture(scope="module")
def community():
    return read_xlsform(xlsx(COMMUNITY), filename="community.xlsx")


def test_multilingual_form_keeps_languages_titles_and_translations(community):
    inst = community.instrument
    assert inst.key == "community_checkin"
    assert inst.languages == ("en", "cy") and inst.default_language == "en"
    age = inst.question("age")
    assert age.label.to_value() == {"en": "How old are you?", "cy": "Faint yw eich oed?"}
    assert age.hint.to_value() == {"en": "In years", "cy": "Mewn blynyddoedd"}
    assert age.constraint_message.get("cy") == "Rhowch oed rhwng 16 a 120"


def test_groups_become_pages_and_nested_groups_are_flattened(community):
    inst = community.instrument
    pages = [(s.key, [q.key for q in s.questions], s.relevant) for s in inst.sections]
    assert pages == [
        ("about", ["age", "member"], None),
        ("membership", ["region", "area"], "${member} = 'yes'"),
        ("about_2", ["activities"], None),
        ("feelings", ["trust", "satisfaction", "comments", "age_band", "thanks"], None),
    ]
    assert inst.section("membership").title.get("cy") == "Eich aelodaeth"
    assert any("nested group 'membership'" in note for note in community.notes)


def test_types_settings_and_expressions_are_mapped(community):
    inst = community.instrument
    q = {question.key: question for question in inst.questions()}
    assert (q["age"].type, q["age"].settings, q["age"].required) == (
        "number", {"integer": True}, True)
    assert q["age"].constraint == ". >= 16 and . <= 120"
    assert q["area"].choice_filter == "region=${region}"
    assert [c.extra.get("region") for c in inst.choices_for(q["area"])] == [
        "north", "north", "south"]
    assert q["activities"].type == "multiple_choice" and q["activities"].other
    assert q["trust"].type == "likert"
    assert q["satisfaction"].type == "rating" and q["satisfaction"].settings == {
        "min": 0, "max": 10}
    assert q["comments"].type == "long_text"
    assert q["age_band"].calculation == "if(${age} < 25, 'younger', 'older')"
    assert q["thanks"].label.get("en") == "Thank you (${age_band} member)."


def test_imported_form_exports_to_valid_xlsform_and_round_trips(community):
    data = export_xlsform(community.instrument)
    convert(data, file_type=".xlsx")  # pyxform accepts it (raises otherwise)
    assert import_xlsform(data, filename="again.xlsx") == community.instrument


def test_unsupported_features_are_each_reported_by_name_and_row():
    with pytest.raises(DefinitionError) as caught:
        import_xlsform(xlsx(UNSUPPORTED), filename="kobo.xlsx")
    found = {(p.row, p.message) for p in caught.value.problems}
    rows = {row for row, _ in found}
    assert {4, 5, 8, 9, 10, 11, 12, 13} <= rows
    assert 2 not in rows and 3 not in rows
    text = str(caught.value)
    for name in ("geopoint", "repeat 'children'", "photo (image)", "select_one_from_file",
                 "pulldata()", "search()", "image media", "barcode"):
        assert name in text, name


def test_metadata_rows_are_skipped_with_a_note():
    form = {"survey": [["type", "name", "label"], ["start", "start", None],
                       ["deviceid", "device", None], ["text", "name", "Your name"]]}
    result = read_xlsform(xlsx(form), filename="meta.xlsx")
    assert [q.key for q in result.instrument.questions()] == ["name"]
    assert any("start is recorded by Revaluation" in n for n in result.notes)


def test_names_are_made_into_keys_and_references_follow():
    form = {"survey": [["type", "name", "label", "relevant"],
                       ["integer", "Q1-Age", "Age", None],
                       ["text", "Q2", "Why?", "${Q1-Age} > 30"]]}
    inst = import_xlsform(xlsx(form), filename="names.xlsx")
    assert [q.key for q in inst.questions()] == ["q1_age", "q2"]
    assert inst.question("q2").relevant == "${q1_age} > 30"


@pytest.mark.parametrize(("rows", "message"), [
    ([["type", "name", "label"], ["select_one nolist", "q", "Q"]], "unknown choice list"),
    ([["type", "name", "label", "required"], ["text", "q", "Q", "${x} = 1"]],
     "required must be yes or no"),
    ([["type", "name", "label"], ["begin_group", "g", "G"], ["text", "q", "Q"]],
     "never closed"),
    ([["type", "name", "label"], ["end_group", None, None]], "no matching begin"),
    ([["type", "name", "label"], ["time", "t", "When?"]], "time of day"),
    ([["type", "name", "label", "label::Klingon"], ["text", "q", "Q", "Q"]], "has no code"),
])
def test_definition_mistakes_are_reported_clearly(rows, message):
    with pytest.raises(DefinitionError) as caught:
        import_xlsform(xlsx({"survey": rows}), filename="bad.xlsx")
    assert message in str(caught.value)


def test_engine_validation_problems_carry_the_row():
    form = {"survey": [["type", "name", "label"], ["text", "a", "A"],
                       ["select_one missing", "b", "B"]]}
    with pytest.raises(DefinitionError) as caught:
        import_xlsform(xlsx(form), filename="rows.xlsx")
    assert any(p.row == 3 and p.key == "b" for p in caught.value.problems)


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("data", "message"), [
    (b"type,name,label\ntext,q,Question\n", "CSV"),
    (xlsx(COMMUNITY)[:3000], "damaged"),
    (b"\x00\x01 binary junk", "not an Excel file"),
    (_zip({"hello.txt": b"hi"}), "not an Excel workbook"),
    (_zip({"xl/workbook.xml": b"0" * (60 * 1024 * 1024)}), "50 MB"),
    (b"PK\x03\x04" + b"0" * (6 * 1024 * 1024), "larger than 5 MB"),
    (xlsx({"choices": [["list_name", "name", "label"], ["l", "a", "A"]],
           "settings": [["form_title"], ["T"]]}), "no 'survey' sheet"),
])
def test_bad_files_give_a_clear_definition_error(data, message):
    with pytest.raises(DefinitionError) as caught:
        import_xlsform(data, filename="upload.xlsx")
    assert message in str(caught.value)


def test_oversized_path_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(DefinitionError, match="larger than 5 MB"):
        import_xlsform(big, filename="big.xlsx")


def test_participatory_types_export_as_honest_xlsform_constructs():
    inst = load_instrument({
        "key": "grid", "title": "Grid", "languages": ["en"],
        "choice_lists": {"opts": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
        "sections": [{"key": "p", "questions": [
            {"key": "dots", "type": "dot_allocation", "label": "Spread", "choices": "opts",
             "budget": 10},
            {"key": "grid", "type": "matrix", "label": "Rate", "choices": "opts",
             "rows": [{"key": "r1", "label": "Row 1"}, {"key": "r2", "label": "Row 2"}]},
            {"key": "n", "type": "number", "label": "Hours", "min": 0, "max": 80,
             "unit": "hours", "constraint": ". != 13"},
        ]}]})
    data = export_xlsform(inst)
    xform = convert(data, file_type=".xlsx").xform
    assert "dots__b" in xform and "grid__r2" in xform
    assert " /data/p/dots/dots__a  + . &lt;= 10" in xform
    assert "(. != 13) and . &gt;= 0 and . &lt;= 80" in xform
    assert import_xlsform(data, filename="grid.xlsx") == inst


def test_editing_an_exported_row_in_the_sheet_wins_over_the_stored_definition():
    inst = load_instrument({"key": "t", "title": "T", "languages": ["en"], "sections": [
        {"key": "p", "questions": [{"key": "n", "type": "number", "label": "Hours",
                                    "min": 0, "max": 80}]}]})
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export_xlsform(inst)))
    sheet = book["survey"]
    headers = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[headers.index("name")].value == "n")
    row[headers.index("constraint")].value = ". >= 1"
    out = io.BytesIO()
    book.save(out)
    edited = import_xlsform(out.getvalue(), filename="edited.xlsx").question("n")
    assert edited.constraint == ". >= 1" and "max" not in edited.settings
