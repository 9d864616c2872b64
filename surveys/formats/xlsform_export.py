"""Write an instrument as an XLSForm workbook (survey, choices and settings sheets).

The workbook is a valid XLSForm for KoboToolbox and ODK. Each section becomes a
field-list group (a page). Types XLSForm lacks are written as the nearest honest
construct with a note in the hint (see the table in `surveys.formats.xlsform`), and a
`revaluation` column holds the native definition as JSON so that importing the file back
restores the instrument, as long as those rows were not edited.
"""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

from openpyxl import Workbook

from surveys.formats.xlsform_columns import language_header
from surveys.model import Instrument, Question, Text

#: Excel's limit on the characters in one cell; longer JSON is spread over rows.
CELL_LIMIT = 32_000
_BOXES = ("calculate", "calibrate", "capacitate")
_PLAIN = {"single_choice", "likert", "multiple_choice", "ranking", "text", "long_text",
          "date", "note", "calculated", "consent", "number", "rating"}


class _Sheets:
    """Rows being written, plus the choice lists the export had to invent."""

    def __init__(self, instrument: Instrument) -> None:
        self.inst = instrument
        self.langs = list(instrument.languages)
        self.survey: list[dict[str, Any]] = []
        self.lists: dict[str, list[dict[str, Any]]] = {
            cl.name: [c.to_dict() for c in cl.choices] for cl in instrument.choice_lists}
        self.generated: list[str] = []

    def text_cells(self, base: str, text: Text | dict[str, str] | None) -> dict[str, str]:
        if not text:
            return {}
        return {self.column(base, lang): value.strip()
                for lang, value in dict(text).items() if value and value.strip()}

    def column(self, base: str, lang: str) -> str:
        """'label' for an English-only form (what most XLSForms look like), else
        'label::Welsh (cy)'."""
        return base if self.langs == ["en"] else f"{base}::{language_header(lang)}"

    def invent_list(self, name: str, choices: list[dict[str, Any]]) -> str:
        while name in self.lists and name not in self.generated:
            name = f"{name}_"
        if name not in self.lists:
            self.lists[name] = choices
            self.generated.append(name)
        return name

    def hint_with(self, question: Question, note: dict[str, str]) -> dict[str, str] | None:
        """The question's hint with a per-language note appended (what Kobo users see)."""
        hint = dict(question.hint or {})
        for lang, extra in note.items():
            hint[lang] = f"{hint[lang]} ({extra})" if hint.get(lang) else extra
        return hint or None

    def pole_note(self, left: Any, right: Any, low: Any, high: Any) -> dict[str, str]:
        left_t, right_t = Text.of(left or {}), Text.of(right or {})
        out = {}
        for lang in self.langs:
            a, b = left_t.get(lang, self.inst.default_language), right_t.get(
                lang, self.inst.default_language)
            if a or b:
                out[lang] = f"{low} = {a}, {high} = {b}"
        return out


def _constraint(question: Question, parts: list[str]) -> str | None:
    if question.constraint:
        parts = [f"({question.constraint})" if parts else question.constraint, *parts]
    return " and ".join(parts) or None


def _base_row(sheets: _Sheets, question: Question) -> dict[str, Any]:
    row: dict[str, Any] = {"name": question.key}
    row.update(sheets.text_cells("label", question.label))
    if question.required:
        row["required"] = "yes"
    for name in ("relevant", "choice_filter", "calculation"):
        if getattr(question, name):
            row[name] = getattr(question, name)
    row.update(sheets.text_cells("constraint_message", question.constraint_message))
    if question.default is not None:
        default = question.default
        row["default"] = " ".join(default) if isinstance(default, list) else str(default)
    return row


def _list_for(sheets: _Sheets, question: Question) -> str:
    if isinstance(question.choices, tuple):
        return sheets.invent_list(f"{question.key}_choices",
                                  [c.to_dict() for c in question.choices])
    return question.choices or ""


def _simple_row(sheets: _Sheets, q: Question) -> dict[str, Any]:
    """The one-row XLSForm for a question type that has one; hint notes where needed."""
    s, parts = q.settings, []
    note: dict[str, str] = {}
    row = _base_row(sheets, q)
    if q.type in ("single_choice", "likert", "multiple_choice", "ranking"):
        word = {"multiple_choice": "select_multiple", "ranking": "rank"}.get(q.type, "select_one")
        row["type"] = f"{word} {_list_for(sheets, q)}" + (" or_other" if q.other else "")
        if q.type == "likert":
            row["appearance"] = "likert"
        if s.get("min_selected"):
            parts.append(f"count-selected(.) >= {s['min_selected']}")
        if s.get("max_selected"):
            parts.append(f"count-selected(.) <= {s['max_selected']}")
        if s.get("top"):
            note = dict.fromkeys(sheets.langs, f"only the top {s['top']} count")
    elif q.type in ("rating", "dyad"):
        low, high, step = (s.get("min", 0), s.get("max", 10), 1) if q.type == "rating" else (
            0, 1, 0.01)
        row["type"] = "range"
        row["parameters"] = f"start={low} end={high} step={step}"
        note = sheets.pole_note(s.get("left"), s.get("right"), low, high)
    elif q.type == "number":
        row["type"] = "integer" if s.get("integer") else "decimal"
        parts += [f". {op} {s[k]}" for k, op in (("min", ">="), ("max", "<=")) if k in s]
        if s.get("unit"):
            note = dict(Text.of(s["unit"]))
    elif q.type == "date":
        row["type"] = "date"
        parts += [f". {op} date('{s[k]}')" for k, op in (("min", ">="), ("max", "<="))
                  if k in s]
    else:
        row["type"] = {"note": "note", "calculated": "calculate", "consent": "acknowledge"
                       }.get(q.type, "text")
        if q.type in ("long_text", "story"):
            row["appearance"] = "multiline"
        if s.get("outcome_harvest"):
            note = dict.fromkeys(sheets.langs, "in Revaluation this also asks what changed, "
                                 "who changed, how the movement contributed and why it matters")
    constraint = _constraint(q, parts)
    if constraint:
        row["constraint"] = constraint
    hint = sheets.hint_with(q, note)
    row.update(sheets.text_cells("hint", hint))
    if q.type not in _PLAIN or isinstance(q.choices, tuple) or q.nonsubstantive or (
            set(s) - {"integer"} and not (q.type == "rating" and set(s) <= {"min", "max"})):
        native = q.to_dict()
        native.pop("label", None)
        written = {"type": row["type"], "appearance": row.get("appearance"),
                   "parameters": row.get("parameters"), "constraint": constraint,
                   "hint": {k: v.strip() for k, v in hint.items()} if hint else None}
        row["revaluation"] = json.dumps({"native": native, "written": written},
                                        ensure_ascii=False)
    return row


def _construct_rows(sheets: _Sheets, q: Question) -> list[dict[str, Any]]:
    """Types with no one-row equivalent: a group of rows, restored whole on import."""
    native = q.to_dict()
    native.pop("label", None)
    group = _base_row(sheets, q)
    group.pop("required", None)
    group.update(type="begin_group", appearance="field-list",
                 revaluation=json.dumps({"question": native}, ensure_ascii=False))
    part = json.dumps({"part_of": q.key})
    inner: list[dict[str, Any]] = []
    required = "yes" if q.required else None

    def add(name: str, type_: str, label: Any, **more: Any) -> None:
        row = {"type": type_, "name": f"{q.key}__{name}", "revaluation": part, **more}
        row.update(sheets.text_cells("label", Text.of(label, sheets.inst.default_language)))
        if required:
            row["required"] = required
        inner.append({k: v for k, v in row.items() if v is not None})

    if q.type == "triad":
        names = [f"${{{q.key}__{i}}}" for i in (1, 2)]
        for i, corner in enumerate(q.settings.get("corners") or [], start=1):
            add(str(i), "integer", corner, constraint=". >= 0 and . <= 100"
                if i < 3 else f". >= 0 and {' + '.join(names)} + . = 100")
    elif q.type == "dot_allocation":
        choices = sheets.inst.choices_for(q)
        names = [f"${{{q.key}__{c.value}}}" for c in choices[:-1]]
        for i, choice in enumerate(choices):
            last = i == len(choices) - 1
            add(choice.value, "integer", choice.label, constraint=". >= 0" if not last else
                f". >= 0 and {' + '.join([*names, '.'])} <= {q.settings.get('budget', 0)}")
    elif q.type == "matrix":
        listed = _list_for(sheets, q)
        for r in q.settings.get("rows") or []:
            add(r["key"], f"select_one {listed}", r.get("label"))
    else:  # value_grid: a repeat of (box, visibility, note) entries
        group["type"] = "begin_repeat"
        group.pop("appearance")
        boxes = sheets.invent_list("rv_value_box", [
            {"value": b, "label": {lang: b.capitalize() for lang in sheets.langs}}
            for b in _BOXES])
        seen = sheets.invent_list("rv_visibility", [
            {"value": v, "label": {lang: v.capitalize() for lang in sheets.langs}}
            for v in ("visible", "invisible")])
        add("box", f"select_one {boxes}", {sheets.inst.default_language: "Kind of value"})
        add("visibility", f"select_one {seen}", {sheets.inst.default_language: "Visibility"})
        add("note", "text", {sheets.inst.default_language: "Note"})
    end = "end_repeat" if group["type"] == "begin_repeat" else "end_group"
    return [group, *inner, {"type": end}]


def _survey_rows(sheets: _Sheets) -> None:
    question_keys = {q.key for q in sheets.inst.questions()}
    for section in sheets.inst.sections:
        name = section.key.replace("-", "_")
        marker: dict[str, Any] = {}
        if name in question_keys or name != section.key:
            name = f"{name}_page"
            marker["key"] = section.key
        for field in ("description", "adaptive"):
            value = getattr(section, field)
            if value is not None:
                marker[field] = value.to_value() if isinstance(value, Text) else value
        row: dict[str, Any] = {"type": "begin_group", "name": name,
                               "appearance": "field-list"}
        row.update(sheets.text_cells("label", section.title))
        if section.relevant:
            row["relevant"] = section.relevant
        if marker:
            row["revaluation"] = json.dumps({"section": marker}, ensure_ascii=False)
        sheets.survey.append(row)
        if section.adaptive:
            bank = sheets.inst.item_bank(section.adaptive)
            marker_json = json.dumps({"bank_item": bank.key})
            for item in bank.items:
                item_row = {"type": f"select_one {bank.categories}", "name": item.key,
                            "appearance": "likert", "revaluation": marker_json}
                item_row.update(sheets.text_cells("label", item.label))
                sheets.survey.append(item_row)
        for q in section.questions:
            if q.type in ("triad", "dot_allocation", "matrix", "value_grid"):
                sheets.survey.extend(_construct_rows(sheets, q))
            else:
                sheets.survey.append(_simple_row(sheets, q))
        sheets.survey.append({"type": "end_group"})


def _write_sheet(book: Workbook, title: str, rows: list[dict[str, Any]],
                 first: list[str]) -> None:
    sheet = book.create_sheet(title)
    headers = list(first)
    for row in rows:
        headers += [h for h in row if h not in headers]
    sheet.append(headers)
    for row in rows:
        sheet.append([_cell(row.get(h)) for h in headers])


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    return json.dumps(value, ensure_ascii=False)


def export_workbook(instrument: Instrument) -> bytes:
    """The instrument as .xlsx bytes."""
    sheets = _Sheets(instrument)
    _survey_rows(sheets)
    stored: dict[str, Any] = {"title": instrument.title.to_value()}
    data = instrument.to_dict()
    for name in ("description", "licence", "credit", "source", "scales", "item_banks"):
        if name in data:
            stored[name] = data[name]
    stored["generated_lists"] = sheets.generated
    text = json.dumps(stored, ensure_ascii=False)
    chunks = [text[i:i + CELL_LIMIT] for i in range(0, len(text), CELL_LIMIT)]
    default = instrument.default_language
    settings = [{"form_title": instrument.title.get(default), "form_id": instrument.key,
                 "style": "pages", "revaluation": chunks[0]}]
    if sheets.langs != ["en"]:
        settings[0]["default_language"] = language_header(default)
    settings += [{"revaluation": chunk} for chunk in chunks[1:]]
    choices = [{"list_name": name, "name": c["value"],
                **sheets.text_cells("label", c["label"]),
                **{k: v for k, v in c.items() if k not in ("value", "label")}}
               for name, items in sheets.lists.items() for c in items]
    book = Workbook()
    book.remove(book.active)
    label_cols = [sheets.column("label", lang) for lang in instrument.languages]
    _write_sheet(book, "survey", sheets.survey, ["type", "name", *label_cols])
    _write_sheet(book, "choices", choices, ["list_name", "name", *label_cols])
    _write_sheet(book, "settings", settings, ["form_title", "form_id"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
