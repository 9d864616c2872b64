"""QR codes for invitation links, as PNG (for messages and slides) and SVG (for print).

segno writes the codes; its output is deterministic, so the same link always gives the same
image and can be cached by browsers and printers alike.
"""

from __future__ import annotations

import io

import segno

#: Medium error correction survives a creased or partly covered poster.
ERROR_LEVEL = "m"
#: Four modules of quiet zone, as the QR standard asks, so every phone finds the code.
BORDER = 4


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR_LEVEL, micro=False)


def qr_png(url: str, *, scale: int = 10) -> bytes:
    """A black-on-white PNG of the link, ``scale`` pixels per module."""
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=scale, border=BORDER)
    return out.getvalue()


def qr_svg(url: str, *, scale: int = 10) -> bytes:
    """A standalone SVG file of the link (with an XML declaration), in UTF-8."""
    out = io.BytesIO()
    _code(url).save(out, kind="svg", scale=scale, border=BORDER, title=url)
    return out.getvalue()


def qr_svg_inline(url: str) -> str:
    """An SVG element for embedding in HTML: no XML declaration and no fixed size, so CSS sizes
    it (it keeps its viewBox and stays sharp at any print size)."""
    out = io.BytesIO()
    _code(url).save(
        out,
        kind="svg",
        border=BORDER,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        svgclass="qr",
        lineclass=None,
        title=f"QR code: {url}",
    )
    return out.getvalue().decode("utf-8")
