"""Report data (a plain dict) -> HTML (Jinja, templates/reports/) -> tagged PDF (WeasyPrint).

Nothing here touches the database or Flask: the same function renders in a request, in an RQ
worker, from the CLI and in the benchmark. WeasyPrint gets a URL fetcher that serves only the
app's own ``static/`` folder; any other address (the network, other files, ``data:`` URIs) is
refused and logged, so text a participant typed can never make the renderer fetch anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

from revaluation.reports import formatting

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates" / "reports"
STATIC = ROOT / "static"
CONTENT_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
}

#: PDF/UA-1 implies tagging (structure tree, alt text, document language) and PDF 1.7.
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


class RefusedURL(ValueError):
    """The report asked for something other than one of the app's static files."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files under ``static_root`` and nothing else."""

    def __init__(self, static_root: Path = STATIC) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.static_root = static_root.resolve()

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = self.resolve(url)
        suffix = path.suffix.lower()
        return URLFetcherResponse(
            url,
            body=path.read_bytes(),
            headers={"Content-Type": CONTENT_TYPES.get(suffix, "application/octet-stream")},
        )

    def resolve(self, url: str) -> Path:
        """The static file ``url`` names, or :class:`RefusedURL` saying why not."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            logger.warning("report renderer refused a non-static address (%s)", parts.scheme)
            raise RefusedURL(f"only the app's static files may be loaded, not {parts.scheme}:")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.static_root) or not path.is_file():
            logger.warning("report renderer refused a file outside static/")
            raise RefusedURL("only files inside the app's static folder may be loaded")
        return path


@dataclass(frozen=True)
class RenderedPdf:
    """A finished PDF and the facts an edition records about it."""

    pdf: bytes
    page_count: int


def template_environment() -> Environment:
    """The reports' own Jinja environment: autoescaped, strict, with the shared number filters."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    formatting.register(env)
    return env


_ENV: Environment | None = None


def render_html(report: dict[str, Any]) -> str:
    """The report's final HTML (what WeasyPrint lays out), from its plain data."""
    global _ENV
    if _ENV is None:
        _ENV = template_environment()
    stylesheet = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return _ENV.get_template("report.html").render(report=report, stylesheet=stylesheet)


def html_to_pdf(html: str) -> RenderedPdf:
    """Lay out and write the PDF (PDF/UA-1, tagged); title and language come from the HTML."""
    document = HTML(
        string=html, base_url=STATIC.as_uri() + "/", url_fetcher=StaticOnlyFetcher()
    ).render(**PDF_OPTIONS)
    pdf = document.write_pdf(**PDF_OPTIONS)
    return RenderedPdf(pdf=pdf, page_count=len(document.pages))


def render_pdf(report: dict[str, Any]) -> RenderedPdf:
    """Report data -> PDF in one call."""
    return html_to_pdf(render_html(report))
