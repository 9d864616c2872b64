"""The PDF pipeline on report data alone (no database): fetcher, tagging, layout, wording."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from revaluation.reports import formatting
from revaluation.reports.render import (
    STATIC,
    RefusedURL,
    StaticOnlyFetcher,
    html_to_pdf,
    render_html,
    render_pdf,
)
from tests.conftest import need
from tests.web.reports_fixtures import sample_report


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return render_pdf(sample_report()).pdf


def pdf_text(pdf: bytes, tmp_path) -> str:
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/tracker.png",
        "http://127.0.0.1:5000/static/css/app.css",
        "file:///etc/passwd",
        STATIC.as_uri() + "/../revaluation/config.py",
        "data:image/svg+xml;base64,PHN2Zy8+",
        "ftp://example.org/x.css",
    ],
)
def test_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises((RefusedURL, ValueError)):
        StaticOnlyFetcher().fetch(url)


def test_fetcher_serves_the_apps_own_static_files():
    response = StaticOnlyFetcher().fetch(STATIC.as_uri() + "/css/app.css")
    assert response.content_type == "text/css"
    assert b"{" in response.read()


def test_a_remote_image_in_participant_text_is_not_fetched(monkeypatch):
    """Stories are escaped, but even raw markup could not make the renderer go online."""
    asked = []
    original = StaticOnlyFetcher.resolve
    monkeypatch.setattr(
        StaticOnlyFetcher, "resolve", lambda self, url: asked.append(url) or original(self, url)
    )
    html = render_html(sample_report()).replace(
        "</body>", '<img src="https://example.org/x.png" alt="x"></body>'
    )
    html_to_pdf(html)
    assert asked == ["https://example.org/x.png"]


def test_pdf_is_tagged_pdf_ua_with_title_language_and_bookmarks(sample_pdf):
    reader = PdfReader(io.BytesIO(sample_pdf))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en"
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == (
        "Walk & Talk: does peer support change lives? – evaluation report"
    )
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp, "declares PDF/UA-1 conformance"
    bookmarks = [item.title for item in reader.outline if not isinstance(item, list)]
    assert bookmarks[:3] == ["Contents", "Summary in plain English", "Intended and actual outcomes"]


def test_contents_page_numbers_headers_and_footers(sample_pdf, tmp_path):
    text = pdf_text(sample_pdf, tmp_path)
    pages = text.split("\f")
    reader = PdfReader(io.BytesIO(sample_pdf))
    total = len(reader.pages)
    assert f"Page 2 of {total}" in pages[1]
    assert "Page 1 of" not in pages[0], "the cover carries no running footer"
    # The contents line for the summary points at the page where the summary starts.
    contents = [line for line in pages[1].splitlines() if "Summary in plain English" in line]
    number = int(contents[0].rsplit(" ", 1)[-1])
    assert "Summary in plain English" in pages[number - 1].splitlines()[0]


def test_statuses_read_in_words_and_numbers_use_the_shared_formatting(sample_pdf, tmp_path):
    text = pdf_text(sample_pdf, tmp_path)
    for label in formatting.STATUS_LABELS.values():
        assert label in text
    assert "6.50 to 7.10" in text


def test_table_rows_are_never_split_across_pages():
    css = (STATIC.parent / "templates" / "reports" / "report.css").read_text()
    assert "tr { break-inside: avoid; }" in css
    assert "thead { display: table-header-group; }" in css


def test_same_data_gives_the_same_page_count():
    report = sample_report()
    assert render_pdf(report).page_count == render_pdf(report).page_count


@pytest.mark.parametrize(
    ("function", "args", "expected"),
    [
        (formatting.format_value, (3.14159, "mean"), "3.14"),
        (formatting.format_value, (0.4235, "proportion"), "42.4%"),
        (formatting.format_value, (-0.5, "median"), "\u22120.50"),
        (formatting.format_value, (None, "mean"), "–"),
        (formatting.format_value, (float("nan"), "mean"), "–"),
        (formatting.format_ci, (0.31, 0.45, "proportion"), "31.0% to 45.0%"),
        (formatting.format_ci, (None, 0.45, "proportion"), "–"),
        (formatting.format_change, (0.051, "proportion"), "+5.1 points"),
        (formatting.format_change, (-0.42, "mean"), "\u22120.42"),
        (formatting.format_p, (0.0004,), "< 0.001"),
        (formatting.format_p, (0.04567,), "0.046"),
        (formatting.format_count, (12345,), "12,345"),
        (formatting.format_count, (None,), "–"),
        (formatting.status_label, ("too_early",), "Too early to tell"),
    ],
)
def test_number_formatting(function, args, expected):
    assert function(*args) == expected
