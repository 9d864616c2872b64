"""The languages of the public pages: which ones the interface speaks, which are written
right to left, and which one each request uses.

Instrument texts come in whatever languages their authors wrote. The interface around them
(buttons, hints, error messages) comes from the gettext catalogues in
``revaluation/translations``. A respondent's pages speak the language stored on their
response (`use_language`); other public pages follow ``?lang=``, then the ``lang`` cookie,
then the browser's Accept-Language, among the languages that have a catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import flask_babel
from flask import Response, current_app, request
from flask_babel import gettext, ngettext

from surveys.errors import Message

#: Where the catalogues live (Flask-Babel's default, relative to the app package).
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
#: The language the interface is written in; it needs no catalogue.
SOURCE_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur",
                           "yi"})
#: Each language's name in itself, for language pickers.
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg", "ar": "العربية", "ur": "اردو",
                  "pl": "Polski", "fa": "فارسی", "he": "עברית", "so": "Soomaali",
                  "pa": "ਪੰਜਾਬੀ", "bn": "বাংলা", "gd": "Gàidhlig", "ga": "Gaeilge",
                  "fr": "Français", "es": "Español", "pt": "Português", "ro": "Română"}
#: request.environ key of the language a view chose for this request.
CHOSEN = "revaluation.language"
#: The cookie that keeps a language picked with ?lang= on the public pages.
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600


def N_(text: str) -> str:
    """Mark a string for the catalogues where it is defined; translate it where it is shown."""
    return text


@lru_cache(maxsize=1)
def interface_languages() -> tuple[str, ...]:
    """English and every language with a compiled catalogue, in a stable order."""
    found = sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo"))
    return (SOURCE_LANGUAGE, *[code for code in found if code != SOURCE_LANGUAGE])


def language_name(code: str) -> str:
    """A language's name in itself (the code if we do not know it)."""
    return LANGUAGE_NAMES.get(code, code)


def text_direction(language: str | None) -> str:
    """"rtl" for right-to-left languages, else "ltr"."""
    return "rtl" if (language or "").split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def use_language(language: str) -> None:
    """Make the rest of this request speak `language` (a respondent's chosen language):
    every gettext call and template from here on, not only the final render."""
    request.environ[CHOSEN] = language
    flask_babel.refresh()


def current_language() -> str:
    """The language this request speaks, as a code such as "cy"."""
    locale = flask_babel.get_locale()
    return str(locale) if locale is not None else SOURCE_LANGUAGE


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module docstring)."""
    chosen = request.environ.get(CHOSEN)
    if chosen:
        return chosen
    known = interface_languages()
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in known:
            return candidate
    return request.accept_languages.best_match(known) or SOURCE_LANGUAGE


def remember_language(response: Response) -> Response:
    """after_request: keep a language picked with ?lang= for the next pages (a preference
    cookie with nothing personal in it)."""
    picked = request.args.get("lang")
    if picked in interface_languages() and picked != request.cookies.get(COOKIE):
        response.set_cookie(COOKIE, picked, max_age=COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def translate(text: Any) -> Any:
    """The survey engine's respondent message in this request's language.

    Engine messages are `surveys.errors.Message` objects that keep their English template
    and values; anything else (an author's own constraint message, already in the
    respondent's language; None) is returned as it is.
    """
    if not isinstance(text, Message):
        return text
    params = {name: translate(value) for name, value in text.params.items()}
    if text.plural is not None:
        return ngettext(text.template, text.plural, **params)
    return gettext(text.template, **params) if params else gettext(text.template)


def translate_all(messages: Mapping[str, Any]) -> dict[str, Any]:
    """`translate` over the values of a mapping (field -> message)."""
    return {key: translate(value) for key, value in messages.items()}
