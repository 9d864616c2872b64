"""`flask instruments validate|import|export`: exit codes, messages and round trips."""

from __future__ import annotations

from revaluation.extensions import db
from revaluation.models import Instrument
from surveys.formats import import_xlsform, load_instrument
from tests.web.designer_fixtures import TWO_PAGES


def test_validate_good_and_bad_files(runner, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(TWO_PAGES)
    result = runner.invoke(args=["instruments", "validate", str(good)])
    assert result.exit_code == 0 and "valid (check-in, 2 pages, 4 questions)" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(TWO_PAGES.replace("type: rating", "type: ratting").replace(
        "${walks} = 'yes'", "${nobody} = 'yes'"))
    result = runner.invoke(args=["instruments", "validate", str(bad)])
    assert result.exit_code == 1
    assert "2 problems" in result.output
    assert "line 17, 'walking', field 'relevant'" in result.output and "ratting" in result.output


def test_validate_reports_xlsform_rows(runner, tmp_path):
    from tests.web.test_designer_create import xlsform

    path = tmp_path / "form.xlsx"
    path.write_bytes(xlsform([("text", "a", "A"), ("geopoint", "where", "Where?")]))
    result = runner.invoke(args=["instruments", "validate", str(path)])
    assert result.exit_code == 1 and "row 3" in result.output


def test_import_and_export(runner, tmp_path, make_evaluation):
    make_evaluation(slug="walks")
    source = tmp_path / "in.yaml"
    source.write_text(TWO_PAGES)
    result = runner.invoke(args=["instruments", "import", str(source), "--evaluation", "walks"])
    assert result.exit_code == 0 and "version 1 (draft)" in result.output
    assert db.session.execute(db.select(Instrument).filter_by(key="check-in")).scalar_one()
    again = runner.invoke(args=["instruments", "import", str(source), "--evaluation", "walks"])
    assert again.exit_code == 0 and "version 1" in again.output  # replaces the open draft
    yaml_out, xlsx_out = tmp_path / "out.yaml", tmp_path / "out.xlsx"
    result = runner.invoke(args=["instruments", "export", "check-in", "--evaluation", "walks",
                                 "--format", "yaml", "--out", str(yaml_out)])
    assert result.exit_code == 0
    assert load_instrument(yaml_out.read_bytes()) == load_instrument(TWO_PAGES)
    result = runner.invoke(args=["instruments", "export", "check-in", "--evaluation", "walks",
                                 "--format", "xlsform", "--out", str(xlsx_out), "--version", "1"])
    assert result.exit_code == 0
    assert import_xlsform(xlsx_out.read_bytes(), filename="out.xlsx") == load_instrument(TWO_PAGES)


def test_cli_errors(runner, tmp_path, make_evaluation):
    make_evaluation(slug="walks")
    source = tmp_path / "in.yaml"
    source.write_text("key: x\n")
    result = runner.invoke(args=["instruments", "import", str(source), "--evaluation", "nope"])
    assert result.exit_code == 1 and "No evaluation with the short name “nope”" in result.output
    result = runner.invoke(args=["instruments", "import", str(source), "--evaluation", "walks"])
    assert result.exit_code == 1 and "missing required field 'title'" in result.output
    result = runner.invoke(args=["instruments", "export", "missing", "--evaluation", "walks",
                                 "--out", str(tmp_path / "o.yaml")])
    assert result.exit_code == 1 and "no instrument with the key “missing”" in result.output
