"""Between the designer's forms and the engine's dict form of pages and questions.

`*_dict` functions read a submitted form into the native format (reporting input that
cannot even be read, such as a score that is not a number); `fill_*` functions put a stored
definition back into a form; `attach_problems` shows the engine's validation problems next
to the fields they are about, so the author sees "relevant has a syntax error at column 7"
under the relevance box.
"""

from __future__ import annotations

import re
from typing import Any

from revaluation.design.forms_instruments import SPARE_ROWS, setting_text
from surveys.errors import Problem
from surveys.types import QUESTION_TYPES

Errors = list[tuple[str | None, str]]
COMMON_TEXTS = ("label", "hint", "constraint_message")
EXPRESSIONS = ("relevant", "constraint", "calculation", "choice_filter")


def texts(form, name: str, languages: list[str]) -> dict[str, str] | None:
    """The non-empty texts of `name_<language>` fields, or None when all are empty."""
    out = {}
    for language in languages:
        field = getattr(form, f"{name}_{language}", None)
        value = (field.data or "").strip() if field is not None else ""
        if value:
            out[language] = value
    return out or None


def fill_texts(form, name: str, value: Any, languages: list[str]) -> None:
    if value is None:
        return
    values = value if isinstance(value, dict) else {languages[0]: str(value)}
    for language in languages:
        field = getattr(form, f"{name}_{language}", None)
        if field is not None:
            field.data = values.get(language, "")


def _put(out: dict, name: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        out[name] = value


def section_dict(form, languages: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"key": form.key.data.strip()}
    _put(out, "title", texts(form, "title", languages))
    _put(out, "description", texts(form, "description", languages))
    _put(out, "relevant", (form.relevant.data or "").strip())
    return out


def fill_section(form, section: dict, languages: list[str]) -> None:
    form.key.data = section["key"]
    fill_texts(form, "title", section.get("title"), languages)
    fill_texts(form, "description", section.get("description"), languages)
    form.relevant.data = section.get("relevant", "")


def rows_from(field_list, key_name: str, languages: list[str], what: str) -> tuple[list, Errors]:
    """Rows (choices or matrix rows) from a list of sub-forms; blank rows are skipped."""
    rows, errors = [], []
    for n, entry in enumerate(field_list.entries, start=1):
        sub = entry.form
        value = (getattr(sub, key_name).data or "").strip()
        label = texts(sub, "label", languages)
        score = (sub.score.data or "").strip() if hasattr(sub, "score") else ""
        if not value and not label and not score:
            continue
        if not value:
            errors.append((getattr(sub, key_name).id, f"Give {what} {n} a value."))
            continue
        if not label:
            errors.append(
                (getattr(sub, f"label_{languages[0]}").id, f"Give {what} “{value}” a label.")
            )
            continue
        row: dict[str, Any] = {key_name: value, "label": label}
        if score:
            try:
                row["score"] = _number(score)
            except ValueError:
                errors.append((sub.score.id, f"The score of {what} “{value}” must be a number."))
        rows.append(row)
    return rows, errors


def fill_rows(field_list, rows: list[dict], key_name: str, languages: list[str]) -> None:
    for row in rows:
        data = {key_name: str(row.get(key_name, "")), "score": _show(row.get("score"))}
        label = row.get("label")
        label = label if isinstance(label, dict) else {languages[0]: str(label or "")}
        data.update({f"label_{x}": label.get(x, "") for x in languages})
        field_list.append_entry(data)
    for _ in range(SPARE_ROWS):
        field_list.append_entry()


def _number(text: str) -> int | float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return int(value) if value.is_integer() and "." not in text else value


def _show(value: Any) -> str:
    return "" if value is None else str(value)


def question_dict(
    form, qtype: str, languages: list[str], original: dict | None
) -> tuple[dict[str, Any], Errors]:
    """The question a submitted form describes, keeping fields the form does not show
    (a default answer) from the stored question."""
    kind = QUESTION_TYPES[qtype]
    out: dict[str, Any] = {"key": form.key.data.strip(), "type": qtype}
    errors: Errors = []
    for name in COMMON_TEXTS:
        _put(out, name, texts(form, name, languages))
    if getattr(form, "required", None) is not None and form.required.data:
        out["required"] = True
    for name in EXPRESSIONS:
        field = getattr(form, name, None)
        if field is not None:
            _put(out, name, (field.data or "").strip())
    if getattr(form, "nonsubstantive", None) is not None:
        _put(out, "nonsubstantive", list(form.nonsubstantive.data or []))
    if kind.uses_choices:
        if form.choices_list.data:
            out["choices"] = form.choices_list.data
        else:
            rows, row_errors = rows_from(form.choices, "value", languages, "option")
            errors += row_errors
            _put(out, "choices", rows)
        if getattr(form, "other", None) is not None and form.other.data:
            out["other"] = True
    for name, setting in kind.settings_fields.items():
        value, problem = _setting(form, qtype, name, setting, languages)
        if problem:
            errors.append(problem)
        _put(out, name, value)
    if original and original.get("type") == qtype and "default" in original:
        out["default"] = original["default"]
    return out, errors


def _setting(form, qtype: str, name: str, setting: str, languages: list[str]):
    label = setting_text(qtype, name)[0]
    if setting in ("int", "number", "date"):
        field = getattr(form, f"s_{name}")
        raw = (field.data or "").strip()
        if not raw or setting == "date":
            return raw or None, None
        try:
            value = _number(raw)
        except ValueError:
            return None, (field.id, f"{label} must be a number, like 0 or 10.")
        if setting == "int" and not isinstance(value, int):
            return None, (field.id, f"{label} must be a whole number, like 0 or 10.")
        return value, None
    if setting == "bool":
        return (True if getattr(form, f"s_{name}").data else None), None
    if setting == "text":
        return texts(form, f"s_{name}", languages), None
    if setting == "texts":
        corners = [texts(form, f"s_{name}_{i}", languages) for i in (1, 2, 3)]
        return ([c or {} for c in corners] if any(corners) else None), None
    rows, errors = rows_from(getattr(form, f"s_{name}"), "key", languages, "row")
    return rows or None, (errors[0] if errors else None)


def fill_question(form, question: dict, qtype: str, languages: list[str]) -> None:
    """Put a stored question into its form (for a type change, the fields both types have)."""
    form.key.data = question.get("key", "")
    for name in COMMON_TEXTS:
        if hasattr(form, f"{name}_{languages[0]}"):
            fill_texts(form, name, question.get(name), languages)
    for name in ("required", *EXPRESSIONS, "nonsubstantive", "other"):
        if getattr(form, name, None) is not None and name in question:
            getattr(form, name).data = question[name]
    kind = QUESTION_TYPES[qtype]
    if kind.uses_choices:
        choices = question.get("choices")
        form.choices_list.data = choices if isinstance(choices, str) else ""
        fill_rows(form.choices, choices if isinstance(choices, list) else [], "value", languages)
    same_type = question.get("type") == qtype
    for name, setting in kind.settings_fields.items():
        value = question.get(name) if same_type else None
        if setting in ("int", "number", "date", "bool"):
            getattr(form, f"s_{name}").data = value if setting == "bool" else _show(value)
        elif setting == "text":
            fill_texts(form, f"s_{name}", value, languages)
        elif setting == "texts":
            for i, text in enumerate(value or [], start=1):
                fill_texts(form, f"s_{name}_{i}", text, languages)
        elif setting == "rows":
            fill_rows(getattr(form, f"s_{name}"), value or [], "key", languages)


def attach_problems(
    form, problems: list[Problem], own_key: str | None, languages: list[str]
) -> Errors:
    """Show each engine problem about `own_key` under its field (the form's error summary
    then lists it); return summary entries for the others, named by where they are."""
    summary: Errors = []
    for problem in problems:
        message = problem.message[:1].upper() + problem.message[1:]
        field = _field_for(form, problem, languages) if problem.key == own_key else None
        if field is None:
            summary.append((None, str(problem)))
            continue
        field.errors = [*field.errors, message]  # listed in the summary with the form's own
    return summary


def _field_for(form, problem: Problem, languages: list[str]):
    name = problem.field or ""
    language = re.search(r"no '([^']+)' translation", problem.message)
    candidates = [
        name,
        f"s_{name}",
        f"{name}_{language.group(1) if language else languages[0]}",
        f"s_{name}_{language.group(1) if language else languages[0]}",
        f"s_{name}_1_{languages[0]}",
    ]
    if name == "choices":
        candidates.insert(0, "choices_list")
    if name == "type":
        candidates.append("key")
    for candidate in candidates:
        field = getattr(form, candidate, None) if candidate else None
        if field is not None and hasattr(field, "errors") and not hasattr(field, "entries"):
            return field
    return None
