"""Read single XLSForm rows (survey questions and choices) into native dicts.

`RowReader` knows the form's languages and the renamed keys, and appends a `Problem`
with the row number for anything it cannot carry over: an unsupported type, column,
appearance or function.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from surveys.errors import Problem
from surveys.formats.xlsform_columns import rename_references, split_header, to_key, yes_no

#: XLSForm types that are device metadata, not questions; the platform records its own.
META_TYPES = {"start", "end", "today", "deviceid", "phonenumber", "username", "email",
              "simserial", "subscriberid", "audit", "imei", "instanceid"}
#: XLSForm types Revaluation cannot ask, with the words used to name them.
UNSUPPORTED_TYPES = {
    "geopoint": "location (geopoint)", "geotrace": "line on a map (geotrace)",
    "geoshape": "area on a map (geoshape)", "start-geopoint": "start location",
    "image": "photo (image)", "audio": "audio recording", "video": "video recording",
    "background-audio": "background audio", "file": "file upload", "barcode": "barcode",
    "time": "time of day", "datetime": "date and time", "hidden": "hidden field",
    "xml-external": "external XML data", "csv-external": "external CSV data",
    "trigger": "trigger", "osm": "OpenStreetMap question",
    "select_one_from_file": "choices from a file (select_one_from_file)",
    "select_multiple_from_file": "choices from a file (select_multiple_from_file)",
    "select_one_external": "external choices (select_one_external)",
}
#: Functions that need data Revaluation does not have (attached files, repeats...).
UNSUPPORTED_FUNCTIONS = ("pulldata", "search", "instance", "indexed-repeat",
                         "jr:choice-name", "jr:itext", "position", "digest", "once")
_FUNCTION = re.compile(r"(?<![\w:-])(" + "|".join(re.escape(f) for f in UNSUPPORTED_FUNCTIONS)
                       + r")\s*\(")
_HANDLED = {"type", "name", "label", "hint", "required", "relevant", "constraint",
            "constraint_message", "calculation", "choice_filter", "appearance", "parameters",
            "default", "revaluation"}
_NOTED = {"guidance_hint", "required_message"}
_MEDIA = {"image", "audio", "video", "big-image"}
_DISPLAY_APPEARANCES = {"field-list", "minimal", "horizontal", "horizontal-compact",
                        "compact", "quick", "columns", "columns-pack", "no-label",
                        "list-nolabel", "label", "list", "numbers", "no-calendar",
                        "month-year", "year", "vertical", "rating", "distress"}
#: Sheet fields that always win over the stored native question (the author may edit them).
_SHEET_WINS = ("label", "required", "relevant", "choice_filter", "constraint_message",
               "calculation")


class RowReader:
    """Reads rows with the form's language map and key renames, collecting problems."""

    def __init__(self, languages: Mapping[str | None, str], rename: Mapping[str, str],
                 problems: list[Problem], notes: list[str]) -> None:
        self.languages = languages
        self.rename = rename
        self.problems = problems
        self.notes = notes

    def _problem(self, message: str, row: int, column: str | None = None) -> None:
        self.problems.append(Problem(message, row=row, field=column))

    def text(self, row: Mapping[str, str], base: str) -> dict[str, str] | None:
        """A translatable column as {code: text}; labels keep ${key} piping renamed."""
        out: dict[str, str] = {}
        for header, value in row.items():
            col, lang = split_header(header)
            if col == base and value:
                code = self.languages.get(lang, lang or "en")
                if lang is not None or code not in out:
                    out[code] = rename_references(value, self.rename) or ""
        return out or None

    def cell(self, row: Mapping[str, str], base: str) -> str | None:
        """An untranslated column, whatever alias its header used."""
        for header, value in row.items():
            if split_header(header)[0] == base and value:
                return value.strip()
        return None

    def expression(self, row: Mapping[str, str], rownum: int, base: str) -> str | None:
        """An expression column with references renamed and unsupported functions reported."""
        text = self.cell(row, base)
        if text is None:
            return None
        for name in _FUNCTION.findall(text):
            self._problem(f"the function {name}() in {base} is not supported", rownum, base)
        return rename_references(text, self.rename)

    def marker(self, row: Mapping[str, str], rownum: int) -> dict[str, Any]:
        """The JSON Revaluation wrote in the `revaluation` column, or {}."""
        text = self.cell(row, "revaluation")
        if not text:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            self._problem("the revaluation cell is not valid JSON", rownum, "revaluation")
            return {}
        return data if isinstance(data, dict) else {}

    def check_unused(self, row: Mapping[str, str], rownum: int, allowed: set[str]) -> None:
        """Report every filled column this converter does not understand."""
        for header, value in row.items():
            base, _ = split_header(header)
            if not value or base in _HANDLED or base in allowed or base[:1] in "$_#":
                continue
            if base in _NOTED:
                self.notes.append(f"row {rownum}: {header} is not used by Revaluation")
            elif base in _MEDIA:
                self._problem(f"{base} media ('{value}') is not supported", rownum, header)
            else:
                self._problem(f"the column '{header}' is not supported", rownum, header)

    def construct(self, row: Mapping[str, str], rownum: int, native: Mapping[str, Any]
                  ) -> dict[str, Any]:
        """A Revaluation question exported as a group of rows, restored from its JSON."""
        question = dict(native)
        question["key"] = to_key(row.get("name") or question.get("key", ""))
        question["label"] = self.text(row, "label") or question.get("label") or {}
        question.pop("relevant", None)
        relevant = self.expression(row, rownum, "relevant")
        if relevant:
            question["relevant"] = relevant
        return question

    def question(self, row: Mapping[str, str], rownum: int, kind: str,
                 list_name: str | None, or_other: bool, marker: Mapping[str, Any]
                 ) -> dict[str, Any] | None:
        """One question row as a native question dict, or None if it cannot be one."""
        name = (row.get("name") or "").strip()
        if kind in META_TYPES:
            self.notes.append(f"row {rownum}: {kind} is recorded by Revaluation itself")
            return None
        if kind in UNSUPPORTED_TYPES:
            self._problem(f"{UNSUPPORTED_TYPES[kind]} questions ('{name}') are not supported",
                          rownum, "type")
            return None
        if not name:
            self._problem("this question has no name", rownum, "name")
            return None
        appearance = (self.cell(row, "appearance") or "").split()
        question: dict[str, Any] = {"key": self.rename.get(name, to_key(name))}
        settings = self._type(row, rownum, kind, list_name, appearance, question)
        if settings is None:
            return None
        self._appearance(appearance, kind, rownum)
        self.check_unused(row, rownum, set())
        for base in ("label", "hint", "constraint_message"):
            text = self.text(row, base)
            if text:
                question[base] = text
        required = yes_no(row.get("required"))
        if required is None:
            self._problem(f"required must be yes or no, not '{row.get('required')}'",
                          rownum, "required")
        elif required:
            question["required"] = True
        for base in ("relevant", "constraint", "choice_filter", "calculation"):
            value = self.expression(row, rownum, base)
            if value:
                question[base] = value
        if question.get("calculation") and kind != "calculate":
            self._problem("a calculation on a question that is not 'calculate' (a dynamic "
                          "default) is not supported", rownum, "calculation")
        if or_other:
            question["other"] = True
        default = self.cell(row, "default")
        if default is not None:
            question["default"] = _default_value(default, question["type"], settings)
        question.update(settings)
        return _restore(question, marker, self._written(row, marker))

    def _written(self, row: Mapping[str, str], marker: Mapping[str, Any]) -> bool:
        """True when the cells Revaluation wrote are still as written (row not edited)."""
        written = marker.get("written")
        if not isinstance(written, dict) or "native" not in marker:
            return False
        now = {"type": " ".join((row.get("type") or "").split()),
               "appearance": self.cell(row, "appearance"),
               "parameters": self.cell(row, "parameters"),
               "constraint": self.cell(row, "constraint"),
               "hint": self.text(row, "hint")}
        return all(now.get(k) == v for k, v in written.items())

    def _type(self, row: Mapping[str, str], rownum: int, kind: str, list_name: str | None,
              appearance: list[str], question: dict[str, Any]) -> dict[str, Any] | None:
        """Set question['type'] (and choices) and return the type settings."""
        simple = {"integer": "number", "int": "number", "decimal": "number", "text": "text",
                  "string": "text", "date": "date", "note": "note", "calculate": "calculated",
                  "acknowledge": "consent"}
        if kind in ("select_one", "select_multiple", "rank"):
            question["type"] = {"select_multiple": "multiple_choice", "rank": "ranking"}.get(
                kind, "likert" if "likert" in appearance else "single_choice")
            question["choices"] = list_name
            return {}
        if kind == "range":
            return _range(self.cell(row, "parameters") or "", question, rownum, self)
        if kind not in simple:
            self._problem(f"the question type '{row.get('type')}' is not supported",
                          rownum, "type")
            return None
        question["type"] = simple[kind]
        if kind == "text" and "multiline" in appearance:
            question["type"] = "long_text"
        return {"integer": True} if kind in ("integer", "int") else {}

    def _appearance(self, words: list[str], kind: str, rownum: int) -> None:
        for word in words:
            if word.startswith("search"):
                self._problem("the search() appearance is not supported", rownum, "appearance")
            elif word in ("likert", "multiline"):
                continue
            elif word not in _DISPLAY_APPEARANCES:
                self.notes.append(f"row {rownum}: appearance '{word}' on {kind} is not used")


def _range(parameters: str, question: dict[str, Any], rownum: int, reader: RowReader
           ) -> dict[str, Any] | None:
    """range -> rating for short integer scales, else number with min and max."""
    values = {"start": 1.0, "end": 10.0, "step": 1.0}
    for part in re.split(r"[\s;,]+", parameters.strip()):
        name, _, number = part.partition("=")
        if name.strip().lower() in values:
            try:
                values[name.strip().lower()] = float(number)
            except ValueError:
                reader._problem(f"range parameter '{part}' is not a number", rownum,
                                "parameters")
                return None
    start, end, step = values["start"], values["end"], values["step"]
    whole = start.is_integer() and end.is_integer() and step.is_integer()
    bounds = {"min": int(start) if whole else start, "max": int(end) if whole else end}
    if whole and step == 1 and 0 < end - start <= 10:
        question["type"] = "rating"
        return bounds
    question["type"] = "number"
    return {**bounds, "integer": True} if whole else bounds


def _default_value(text: str, qtype: str, settings: Mapping[str, Any]) -> Any:
    if qtype in ("number", "rating"):
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    if qtype in ("multiple_choice", "ranking"):
        return text.split()
    return text


def _restore(question: dict[str, Any], marker: Mapping[str, Any], unedited: bool
             ) -> dict[str, Any]:
    """The stored native question when the row is unedited, with sheet fields winning."""
    native = marker.get("native")
    if not unedited or not isinstance(native, dict):
        return question
    restored = {k: v for k, v in native.items() if k not in _SHEET_WINS}
    restored.update({k: question[k] for k in _SHEET_WINS if k in question})
    restored["key"] = question["key"]
    return restored


def choice_lists(rows: list[dict[str, str]], reader: RowReader
                 ) -> tuple[dict[str, list[dict[str, Any]]], list[Problem]]:
    """The choices sheet as native choice lists; extra columns stay on each choice."""
    lists: dict[str, list[dict[str, Any]]] = {}
    problems: list[Problem] = []
    for index, row in enumerate(rows):
        rownum = index + 2
        if not row:
            continue
        list_name, value = reader.cell(row, "list_name"), reader.cell(row, "name")
        if not list_name or value is None:
            problems.append(Problem("choices rows need a list_name and a name", row=rownum))
            continue
        choice: dict[str, Any] = {"value": value,
                                  "label": reader.text(row, "label") or {}}
        if not choice["label"]:
            problems.append(Problem(f"choice '{value}' in list '{list_name}' has no label",
                                    row=rownum, field="label"))
        for header, cell in row.items():
            base, _ = split_header(header)
            if base in ("list_name", "name", "label") or base[:1] in "$_#":
                continue
            if base in _MEDIA:
                problems.append(Problem(f"{base} media on choices is not supported",
                                        row=rownum, field=header))
            elif base == "score":
                try:
                    choice["score"] = float(cell)
                except ValueError:
                    problems.append(Problem(f"score '{cell}' is not a number", row=rownum,
                                            field=header))
            else:
                choice[base] = cell
        lists.setdefault(list_name, []).append(choice)
    return lists, problems
