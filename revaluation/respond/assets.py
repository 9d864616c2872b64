"""The respondent pages' stylesheet and script, and compression of what they send.

Weight budget: a question page needs the HTML plus two requests (CSS, JS), at most 30 KB
compressed in all, with no third-party request. Choices made for that:

- The evaluation's brand colour is baked into the stylesheet served at
  ``/r/assets/<version>/<rrggbb>.css`` (one cached file per colour), because the CSP forbids
  inline styles. Text on the brand colour is white or near-black, whichever contrasts more.
- Both files are gzip-compressed once in memory and served with a content hash in the URL,
  ``Cache-Control: immutable`` and an ETag, so a second page costs the HTML only.
- Respondent HTML and JSON are gzip-compressed in an after_request hook of this blueprint
  (flask-compress is not a dependency; gzip at level 6 costs well under a millisecond here).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import Response as FlaskResponse
from flask import abort, current_app, request

HEX = re.compile(r"^[0-9a-fA-F]{6}$")
MIN_GZIP = 600
INK = "#1b1f23"


def _root() -> Path:
    return Path(current_app.static_folder or "static")


@lru_cache(maxsize=4)
def _source(path: str, mtime: float) -> bytes:
    return Path(path).read_bytes()


def _read(relative: str) -> bytes:
    path = _root() / relative
    return _source(str(path), path.stat().st_mtime)


def version() -> str:
    """A short hash of both files, so a change gets a new URL (and caches stay safe)."""
    css, js = _root() / "css/respond.css", _root() / "js/respond.js"
    return _version(str(css), css.stat().st_mtime, str(js), js.stat().st_mtime)


@lru_cache(maxsize=4)
def _version(css: str, css_mtime: float, js: str, js_mtime: float) -> str:
    """Hashed once per change of either file (every page links both)."""
    digest = hashlib.sha256(_source(css, css_mtime) + _source(js, js_mtime))
    return digest.hexdigest()[:10]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def on_brand(hex_colour: str) -> str:
    """White or near-black text, whichever has the higher contrast on the brand colour."""
    lum = _luminance(hex_colour)
    white = 1.05 / (lum + 0.05)
    dark = (lum + 0.05) / (_luminance(INK[1:]) + 0.05)
    return "#ffffff" if white >= dark else INK


def brand_hex(colour: str | None) -> str:
    """A safe six-digit colour for the URL; the house colour if the stored one is odd."""
    value = (colour or "").lstrip("#")
    return value.lower() if HEX.match(value) else "1d5c63"


@lru_cache(maxsize=64)
def _css(colour: str, source_version: str) -> tuple[bytes, bytes]:
    text = (f":root{{--brand:#{colour};--on-brand:{on_brand(colour)}}}\n").encode()
    body = text + _read("css/respond.css")
    return body, gzip.compress(body, 9, mtime=0)


@lru_cache(maxsize=4)
def _js(source_version: str) -> tuple[bytes, bytes]:
    body = _read("js/respond.js")
    return body, gzip.compress(body, 9, mtime=0)


def _serve(body: bytes, compressed: bytes, mimetype: str) -> FlaskResponse:
    etag = hashlib.sha256(body).hexdigest()[:20]
    if request.if_none_match.contains(etag):
        response = FlaskResponse(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = FlaskResponse(compressed, mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = FlaskResponse(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def stylesheet(colour: str) -> FlaskResponse:
    """The respondent stylesheet with this brand colour."""
    if not HEX.match(colour):
        abort(404)
    body, compressed = _css(colour.lower(), version())
    return _serve(body, compressed, "text/css")


def script() -> FlaskResponse:
    body, compressed = _js(version())
    return _serve(body, compressed, "text/javascript")


def compress(response: FlaskResponse) -> FlaskResponse:
    """after_request: gzip HTML and JSON for clients that accept it."""
    if (response.direct_passthrough or response.status_code < 200
            or "Content-Encoding" in response.headers
            or response.mimetype not in ("text/html", "application/json")
            or "gzip" not in request.headers.get("Accept-Encoding", "")):
        return response
    body = response.get_data()
    if len(body) < MIN_GZIP:
        return response
    response.set_data(gzip.compress(body, 6))
    response.headers["Content-Encoding"] = "gzip"
    response.headers.add("Vary", "Accept-Encoding")
    return response
