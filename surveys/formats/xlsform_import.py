"""Convert the sheets of an XLSForm into a native instrument document (a plain dict).

Every row is either converted or reported: unsupported types, columns and functions
become `Problem`s naming the thing and its spreadsheet row, so nothing is dropped
silently. Rows exported by Revaluation carry a `revaluation` JSON cell that restores
what XLSForm cannot express (dyads, scales, item banks...) when the row was not edited.
See `surveys.formats.xlsform` for the full mapping.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from surveys.errors import Problem
from surveys.formats.xlsform_columns import (
    TRANSLATABLE,
    language_code,
    split_header,
    to_key,
)
from surveys.formats.xlsform_read import Workbook
from surveys.formats.xlsform_rows import RowReader, choice_lists

_SELECT = re.compile(r"^(select_one|select1|select one|select_multiple|select multiple|"
                     r"select all that apply|rank)\s+(\S+)(\s+or_other)?$", re.IGNORECASE)
_GROUP_WORDS = {"begin_group": "begin_group", "begin_repeat": "begin_repeat",
                "end_group": "end_group", "end_repeat": "end_repeat",
                "begin_loop": "begin_repeat", "end_loop": "end_repeat"}


@dataclass
class Conversion:
    """A converted document with the problems found and where each key came from."""

    document: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class _Page:
    key: str
    title: dict[str, str] | None
    relevant: str | None
    extra: dict[str, Any]
    questions: list[dict[str, Any]] = field(default_factory=list)


def _languages(book: Workbook, default_name: str | None, problems: list[Problem]
               ) -> tuple[dict[str | None, str], list[str]]:
    """Map header language names (None = unsuffixed) to codes; the default comes first."""
    names: list[str] = []
    unsuffixed = False
    for row in [*book.survey, *book.choices]:
        for header in row:
            base, lang = split_header(header)
            if base in TRANSLATABLE:
                if lang is None:
                    unsuffixed = True
                elif lang not in names:
                    names.append(lang)
    mapping: dict[str | None, str] = {}
    for name in names:
        code = language_code(name)
        if code is None:
            problems.append(Problem(f"the language '{name}' has no code: name the columns "
                                    f"like 'label::{name} (xx)' with its two-letter code",
                                    field="label"))
            code = name.lower()
        mapping[name] = code
    default = (language_code(default_name) if default_name else None) or (
        mapping[names[0]] if names and not unsuffixed else "en")
    mapping[None] = default
    codes = [default] + [c for c in mapping.values() if c != default]
    return mapping, list(dict.fromkeys(codes))


def _classify(type_text: str) -> tuple[str, str | None, bool]:
    """(kind, list name, or_other) for a type cell; kind is lower case with underscores."""
    text = " ".join(type_text.split())
    found = _SELECT.match(text)
    if found:
        word = found.group(1).lower()
        kind = "rank" if word == "rank" else (
            "select_one" if word in ("select_one", "select1", "select one") else
            "select_multiple")
        return kind, found.group(2), bool(found.group(3))
    kind = text.lower().replace(" ", "_")
    return _GROUP_WORDS.get(kind, kind), None, False


def _revaluation_settings(book: Workbook) -> dict[str, Any]:
    """Instrument-level data Revaluation stored in the settings sheet, or {}."""
    chunks = [row.get("revaluation", "") for row in book.settings_rows]
    text = "".join(chunks).strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def convert_workbook(book: Workbook, filename: str) -> Conversion:
    """Turn the workbook into a native document, collecting every problem on the way."""
    problems: list[Problem] = []
    notes: list[str] = []
    settings = book.settings
    stored = _revaluation_settings(book)
    lang_map, codes = _languages(book, settings.get("default_language"), problems)
    default = codes[0]

    rename: dict[str, str] = {}
    for row in book.survey:
        name = (row.get("name") or "").strip()
        if name:
            rename.setdefault(name, to_key(name))
    reader = RowReader(lang_map, rename, problems, notes)

    pages: list[_Page] = []
    stack: list[_Page] = []
    page_keys: set[str] = set()
    skip_depth = 0
    bank_rows: set[str] = set()
    rows: dict[str, int] = {}

    def new_page(name: str, title: Any, extra: dict[str, Any]) -> _Page:
        base = to_key(name)
        key, n = base, 2
        while key in page_keys:
            key, n = f"{base}_{n}", n + 1
        page_keys.add(key)
        relevant = [p.relevant for p in stack if p.relevant]
        joined = relevant[0] if len(relevant) == 1 else (
            " and ".join(f"({r})" for r in relevant) or None)
        page = _Page(key, title, joined, extra)
        pages.append(page)
        return page

    current: _Page | None = None
    for index, row in enumerate(book.survey):
        rownum = index + 2
        type_text = (row.get("type") or "").strip()
        if not type_text:
            if row:
                problems.append(Problem("this row has no type", row=rownum, field="type"))
            continue
        kind, list_name, or_other = _classify(type_text)
        marker = reader.marker(row, rownum)
        if skip_depth:
            skip_depth += {"begin_group": 1, "begin_repeat": 1, "end_group": -1,
                           "end_repeat": -1}.get(kind, 0)
            continue
        if "bank_item" in marker and stored.get("item_banks"):
            bank_rows.add(row.get("name", ""))
            continue
        if kind in ("begin_group", "begin_repeat"):
            native = marker.get("question")
            if native:
                if current is None:
                    current = new_page("page", None, {})
                question = reader.construct(row, rownum, native)
                current.questions.append(question)
                rows[question["key"]] = rownum
                skip_depth = 1
                continue
            if kind == "begin_repeat":
                problems.append(Problem(f"repeat '{row.get('name', '')}' is not supported: "
                                        "Revaluation asks each question once per response",
                                        row=rownum, field="type"))
            reader.check_unused(row, rownum, {"repeat_count"})
            section = marker.get("section") or {}
            title = reader.text(row, "label")
            page = _Page(section.get("key") or row.get("name") or f"group_{rownum}", title,
                         reader.expression(row, rownum, "relevant"), section)
            stack.append(page)
            current = new_page(page.key, title, section)
            continue
        if kind in ("end_group", "end_repeat"):
            if not stack:
                problems.append(Problem(f"'{type_text}' has no matching begin", row=rownum,
                                        field="type"))
                continue
            closed = stack.pop()
            if len(stack) >= 1:
                notes.append(f"row {rownum}: nested group '{closed.key}' became its own page")
            current = new_page(stack[-1].key, stack[-1].title, {}) if stack else None
            continue
        question = reader.question(row, rownum, kind, list_name, or_other, marker)
        if question is None:
            continue
        if current is None:
            current = new_page("page", None, {})
        current.questions.append(question)
        rows[question["key"]] = rownum
    for page in stack:
        problems.append(Problem(f"group '{page.key}' is never closed: add an end_group row",
                                key=page.key))

    sections = []
    for page in pages:
        if not page.questions and not page.extra.get("adaptive"):
            continue
        section: dict[str, Any] = {"key": page.key}
        for name, value in (("title", page.title), ("relevant", page.relevant),
                            ("description", page.extra.get("description")),
                            ("adaptive", page.extra.get("adaptive"))):
            if value:
                section[name] = value
        section["questions"] = page.questions
        sections.append(section)

    lists, list_problems = choice_lists(book.choices, reader)
    problems.extend(list_problems)
    used = {q.get("choices") for s in sections for q in s["questions"]}
    used |= {b.get("categories") for b in stored.get("item_banks") or []}
    for name in stored.get("generated_lists") or []:
        if name not in used:
            lists.pop(name, None)

    form_title = settings.get("form_title") or ""
    title = stored.get("title") if isinstance(stored.get("title"), dict) and (
        stored["title"].get(default) == form_title) else dict.fromkeys(
            codes, form_title or filename)
    document: dict[str, Any] = {
        "key": _instrument_key(settings.get("form_id") or filename),
        "title": title, "languages": codes, "default_language": default}
    for name in ("description", "licence", "credit", "source"):
        if stored.get(name):
            document[name] = stored[name]
    if lists:
        document["choice_lists"] = lists
    document["sections"] = sections
    for name in ("scales", "item_banks"):
        if stored.get(name):
            document[name] = stored[name]
    if bank_rows and not stored.get("item_banks"):
        notes.append("item bank rows were imported as ordinary questions")
    return Conversion(document, problems, notes, rows)


def _instrument_key(name: str) -> str:
    """A slug for the instrument key from form_id or the file name."""
    stem = name.rsplit("/", 1)[-1]
    for suffix in (".xlsx", ".xls", ".xlsm"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    slug = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_")
    return slug or "imported-form"

