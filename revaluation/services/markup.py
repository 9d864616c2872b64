"""Light Markdown for help text that evaluators write: **bold**, *emphasis*, [links](https://…)
and line breaks, the subset XLSForm authors use in hints. Nothing else becomes HTML.

The text is escaped first, so nothing typed can open a tag; the few marks are then turned into
tags, and the result is cleaned by nh3 against an allow-list (three tags, one attribute, web and
mail links only), so even a mistake in the conversion cannot let script through.
"""

from __future__ import annotations

import html
import re

import nh3
from markupsafe import Markup, escape

ALLOWED_TAGS = {"strong", "em", "a", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
#: The longest help text converted; longer text is shown as it was typed, escaped.
MAX_LENGTH = 10_000

_LINK = re.compile(r"\[([^\[\]\n]{1,300})\]\(((?:https?://|mailto:)[^\s()<>\"']{1,2000})\)")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"
                       r"|(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")


def light_markdown(text: str | None) -> Markup:
    """Help text as safe HTML: the light Markdown subset converted, everything else escaped."""
    if not text:
        return Markup("")
    if len(text) > MAX_LENGTH:
        return escape(text)
    escaped = html.escape(text, quote=True)
    converted = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', escaped)
    converted = _STRONG.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", converted)
    converted = _EMPHASIS.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", converted)
    converted = converted.replace("\r\n", "\n").replace("\n", "<br>")
    return Markup(sanitise(converted))  # noqa: S704 - nh3 allow-listed it just now


def sanitise(fragment: str) -> str:
    """An HTML fragment reduced to the allow-list; links get rel="noopener noreferrer"."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(text: str | None) -> str:
    """Help text without its Markdown marks, for places that show plain text (PDF, exports)."""
    if not text:
        return ""
    plain = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    plain = _STRONG.sub(lambda m: m.group(1) or m.group(2), plain)
    return _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), plain)
