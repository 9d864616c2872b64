"""Cell-level vocabulary of XLSForm shared by import and export: column headers with
their language suffixes, language names and codes, question type words, yes/no cells and
`${name}` references.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

#: Language names people write in XLSForm headers without a code, and their codes.
KNOWN_LANGUAGES = {
    "english": "en", "welsh": "cy", "cymraeg": "cy", "french": "fr", "français": "fr",
    "spanish": "es", "español": "es", "german": "de", "deutsch": "de", "portuguese": "pt",
    "arabic": "ar", "urdu": "ur", "bengali": "bn", "punjabi": "pa", "polish": "pl",
    "somali": "so", "swahili": "sw", "gaelic": "gd", "irish": "ga", "italian": "it",
}
#: Language codes back to the names written in exported headers, e.g. "Welsh (cy)".
LANGUAGE_NAMES = {"en": "English", "cy": "Welsh", "fr": "French", "es": "Spanish",
                  "de": "German", "pt": "Portuguese", "ar": "Arabic", "ur": "Urdu",
                  "bn": "Bengali", "pa": "Punjabi", "pl": "Polish", "so": "Somali",
                  "sw": "Swahili", "gd": "Gaelic", "ga": "Irish", "it": "Italian"}

#: Header spellings that mean the same column.
COLUMN_ALIASES = {
    "relevance": "relevant", "calculate": "calculation", "caption": "label",
    "jr:constraintmsg": "constraint_message", "constraining_message": "constraint_message",
    "list": "list_name", "value": "name",
}

#: Columns whose text differs by language.
TRANSLATABLE = ("label", "hint", "constraint_message", "required_message", "guidance_hint",
                "image", "audio", "video", "big-image")

_CODE_IN_NAME = re.compile(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\)\s*$")
_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_KEY_BAD = re.compile(r"[^a-z0-9_]")
_YES = {"yes", "true", "1", "true()"}
_NO = {"no", "false", "0", "false()", ""}


def split_header(header: str) -> tuple[str, str | None]:
    """'label::Welsh (cy)' -> ('label', 'Welsh (cy)'); 'media::image' -> ('image', None)."""
    parts = [p.strip() for p in header.split("::")]
    base = parts[0].lower().replace(" ", "_")
    if base == "media" and len(parts) > 1:
        base, parts = parts[1].lower(), parts[1:]
    base = COLUMN_ALIASES.get(base, base)
    language = "::".join(parts[1:]) or None
    return base, language


def language_code(name: str) -> str | None:
    """The code in 'Welsh (cy)', or the code of a well-known name such as 'English'."""
    found = _CODE_IN_NAME.search(name)
    if found:
        return found.group(1).lower()
    return KNOWN_LANGUAGES.get(name.strip().lower())


def language_header(code: str) -> str:
    """The header suffix written for a language code: 'Welsh (cy)'."""
    return f"{LANGUAGE_NAMES.get(code, code)} ({code})"


def yes_no(value: str | None) -> bool | None:
    """True/False for the yes/no spellings XLSForm allows, None for anything else."""
    text = (value or "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def to_key(name: str) -> str:
    """A native question key from an XLSForm name: lower case, other characters as '_'."""
    key = _KEY_BAD.sub("_", name.strip().lower())
    return key if key and not key[0].isdigit() else f"q_{key}"


def rename_references(text: str | None, rename: Mapping[str, str]) -> str | None:
    """Rewrite `${name}` references to the renamed keys; unknown names stay as written."""
    if text is None:
        return None
    return _REFERENCE.sub(lambda m: "${" + rename.get(m.group(1), m.group(1)) + "}", text)


def references(text: str) -> list[str]:
    """The names referenced as `${name}` in an expression or label."""
    return _REFERENCE.findall(text)


def map_text(text: Mapping[str, str] | None, fn: Callable[[str], str | None]
             ) -> dict[str, str] | None:
    """Apply `fn` to every translation of a text dict."""
    if text is None:
        return None
    return {lang: fn(value) or "" for lang, value in text.items()}
