"""`flask report SLUG --out FILE.pdf` and its options."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from revaluation.reports import sources


@pytest.fixture
def quick_results(monkeypatch):
    monkeypatch.setattr(sources, "load_results", lambda evaluation, options: {"outcomes": []})


def test_report_command_writes_a_pdf_with_only_the_chosen_sections(
    runner, demo, tmp_path, quick_results
):
    out = tmp_path / "report.pdf"
    result = runner.invoke(
        args=[
            "report",
            "demo",
            "--out",
            str(out),
            "--group",
            "member",
            "--sections",
            "summary,methods",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "pages" in result.output and "SHA-256" in result.output
    reader = PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Summary in plain English" in text and "Methods and caveats" in text
    assert "Participation and fieldwork" not in text
    assert "Groups included" in text and "member" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "nope", "--out", "x.pdf"], "No evaluation with the short name “nope”."),
        (
            ["report", "demo", "--out", "x.pdf", "--sections", "summary,gossip"],
            "Unknown section “gossip”.",
        ),
        (
            ["report", "demo", "--out", "x.pdf", "--wave", "999999"],
            "There is no wave 999999 in this evaluation.",
        ),
        (
            ["report", "demo", "--out", "x.pdf", "--group", "aliens"],
            "There is no group “aliens” in this evaluation.",
        ),
    ],
)
def test_report_command_explains_bad_options(runner, demo, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output


@pytest.mark.parametrize("command", [
    ["report", "demo"],
    ["responses", "export", "demo", "--format", "csv"],
    ["instruments", "export", "walk-talk-checkin", "--evaluation", "demo"],
])
def test_an_output_folder_that_is_not_there_is_said_before_any_work(runner, demo, tmp_path,
                                                                    command):
    out = tmp_path / "no-such-folder" / "file.out"
    result = runner.invoke(args=[*command, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "does not exist: create it first, or choose another file" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_file_the_disk_refuses_is_a_sentence_not_a_traceback(runner, demo, tmp_path,
                                                               quick_results, monkeypatch):
    from pathlib import Path

    def refuse(self, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "write_bytes", refuse)
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", "demo", "--out", str(out)])
    assert result.exit_code == 1
    assert f"Could not write {out}: Permission denied." in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_exporting_a_wave_that_is_not_there_says_which_waves_are(runner, demo, tmp_path):
    out = tmp_path / "x.csv"
    result = runner.invoke(args=["responses", "export", "demo", "--format", "csv",
                                 "--out", str(out), "--wave", "99999"])
    assert result.exit_code == 1
    assert "There is no wave 99999 in this evaluation. Its waves are: " in result.output
    assert "(Baseline (spring))" in result.output and not out.exists()
