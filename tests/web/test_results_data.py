"""Exports (CSV, XLSX, SPSS) with their codebooks, imports with a dry run, and the round trip."""

from __future__ import annotations

import csv
import io

import pytest

from revaluation.extensions import db
from revaluation.models import AuditEvent, Response
from revaluation.services.exports import export_responses, neutralise
from revaluation.services.imports import import_rows, plan_import, read_table
from tests.web.results_fixtures import WAVE_1, WAVE_2, build


@pytest.fixture
def tiny(make_user):
    return build(make_user("eva@example.org"))


def _csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_export_has_answers_and_no_panel_codes(tiny):
    evaluation, _ = tiny
    made = export_responses(evaluation, "csv")
    rows = _csv_rows(made.content)
    assert len(rows) == len(WAVE_1) + len(WAVE_2) == made.rows
    assert "panel_hash" not in rows[0] and not any(v == "p1" for r in rows for v in r.values())
    assert [r["agree"] for r in rows[:4]] == ["3", "4", "4", "prefer_not_to_say"]
    assert rows[0]["visit"] == "yes" and rows[0]["score"] == "5"


@pytest.mark.parametrize("value, expected", [
    ("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-2", "'-2"), ("@x", "'@x"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("fine", "fine"), (5, 5),
])
def test_formula_injection_is_neutralised(value, expected):
    assert neutralise(value) == expected


def test_xlsx_export_has_codebook_sheet(tiny):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export_responses(tiny[0], "xlsx").content))
    assert book.sheetnames == ["responses", "codebook"]
    codebook = list(book["codebook"].iter_rows(values_only=True))
    agree = next(r for r in codebook if r[0] == "agree")
    assert "4=Point 4" in agree[3] and agree[4] == "prefer_not_to_say"


def test_sav_export_keeps_labels(tiny, tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    path = tmp_path / "out.sav"
    path.write_bytes(export_responses(tiny[0], "sav").content)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert meta.column_names_to_labels["agree"] == "Agree"
    assert meta.variable_value_labels["visit"] == {1.0: "Yes", 2.0: "No"}
    assert meta.variable_value_labels["agree"][-1.0] == "prefer_not_to_say"
    assert frame["score"].iloc[0] == 5


def test_export_is_audited_and_commissioner_free(client, auth, tiny):
    auth.login("eva@example.org")
    response = client.get("/e/tiny/results/data/responses.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("private")
    assert db.session.execute(db.select(AuditEvent).filter_by(action="responses.exported")
                              ).scalar_one()


def test_dry_run_reports_every_value_that_does_not_fit(tiny):
    _, waves = tiny
    table = read_table(b"id,Score,agree,visit,group\n1,11,3,yes,member\n2,5,9,maybe,alien\n"
                       b"3,,,,member\n", "kobo.csv")
    plan = plan_import(waves[1], table)
    assert plan.mapping == {"Score": "score", "agree": "agree", "visit": "visit"}
    found = {(p.row, p.column, p.value) for p in plan.problems}
    assert found == {(1, "Score", "11"), (2, "agree", "9"), (2, "visit", "maybe"),
                     (2, "group", "alien")}
    assert all(p.message for p in plan.problems)
    assert plan.valid_rows == 2  # row 3 is empty


def test_import_is_idempotent_and_round_trips(tiny, runner, tmp_path):
    evaluation, waves = tiny
    exported = export_responses(evaluation, "csv", wave_ids=[waves[0].id])
    table = read_table(exported.content, "export.csv")
    from revaluation.services import fieldwork

    version = waves[0].instrument_version
    new_wave = fieldwork.create_wave(evaluation, version, name="Imported",
                                     groups=["member", "staff"])
    fieldwork.open_wave(new_wave)
    db.session.commit()
    plan = plan_import(new_wave, table)
    assert not plan.problems
    assert import_rows(new_wave, plan) == len(WAVE_1)
    db.session.commit()
    assert import_rows(new_wave, plan_import(new_wave, table)) == 0
    again = _csv_rows(export_responses(evaluation, "csv", wave_ids=[new_wave.id]).content)
    before = _csv_rows(exported.content)
    keys = ("group", "score", "agree", "visit")
    assert [[r[k] for k in keys] for r in again] == [[r[k] for k in keys] for r in before]
    path = tmp_path / "again.csv"
    path.write_bytes(exported.content)
    out = runner.invoke(args=["responses", "import", "tiny", "--wave", str(new_wave.id),
                              str(path), "--dry-run"])
    assert out.exit_code == 0 and f"{len(WAVE_1)} of {len(WAVE_1)} rows" in out.output
    count = db.session.execute(db.select(db.func.count(Response.id))
                               .filter_by(wave_id=new_wave.id)).scalar_one()
    assert count == len(WAVE_1)


def test_web_import_flow(client, auth, tiny):
    _, waves = tiny
    auth.login("eva@example.org")
    upload = client.post(f"/e/tiny/results/import/{waves[1].id}",
                         data={"file": (io.BytesIO(b"score,visit\n7,yes\n12,no\n"), "f.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302
    review = client.get(upload.headers["Location"])
    html = review.get_data(as_text=True)
    assert "12" in html and "Values that do not fit" in html
    mapping = {"map-0": "score", "map-1": "visit", "action": "check"}
    checked = client.post(upload.headers["Location"], data=mapping)
    assert "Import 2 responses" in checked.get_data(as_text=True)
    done = client.post(upload.headers["Location"], data={**mapping, "action": "import"})
    assert done.status_code == 302
    wrong = client.post(f"/e/tiny/results/import/{waves[1].id}",
                        data={"file": (io.BytesIO(b"x"), "f.pdf")},
                        content_type="multipart/form-data")
    assert wrong.status_code == 400 and ".csv or .xlsx" in wrong.get_data(as_text=True)


def test_cli_export_writes_file(runner, tiny, tmp_path):
    out = tmp_path / "r.xlsx"
    result = runner.invoke(args=["responses", "export", "tiny", "--format", "xlsx",
                                 "--out", str(out)])
    assert result.exit_code == 0 and out.stat().st_size > 0
