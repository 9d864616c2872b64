"""Editing operations on an instrument definition, in the engine's dict form.

Each operation takes a stored definition (``Instrument.to_dict()``) and returns a new one;
nothing is changed in place. Every result goes through `validated`, i.e. through
`surveys.formats.load_instrument` with the same schema and meaning checks as a YAML or
XLSForm import, so the designer has no second, laxer way in: a bad expression, an unknown
choice list or a reference to a later question is refused with the engine's own message.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from surveys.expressions import ExpressionError, parse
from surveys.formats import load_instrument

Doc = dict[str, Any]
EXPRESSION_FIELDS = ("relevant", "constraint", "calculation", "choice_filter")
PIPED_FIELDS = ("label", "hint")
INLINE_PREFIX = "own_options_of_"


class EditError(ValueError):
    """An edit that cannot be made (unknown key, a move past the end...); `message` says why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def validated(doc: Doc) -> Doc:
    """The definition after the engine's full validation, in its normal stored form.

    Raises `surveys.formats.DefinitionError` listing every problem. The engine's settings
    check cannot yet look up a question's own (inline) option list, so those lists are
    checked under a temporary name and put back inline afterwards."""
    named, inline = _name_inline_lists(copy.deepcopy(doc))
    result = load_instrument(named).to_dict()
    if inline:
        lists = result["choice_lists"]
        for section in result["sections"]:
            for question in section["questions"]:
                if question.get("choices") in inline:
                    question["choices"] = lists.pop(question["choices"])
        if not lists:
            del result["choice_lists"]
    return result


def _name_inline_lists(doc: Doc) -> tuple[Doc, set[str]]:
    lists = doc.get("choice_lists") if isinstance(doc.get("choice_lists"), dict) else {}
    inline: set[str] = set()
    for section in doc.get("sections") or []:
        for question in section.get("questions") or []:
            if isinstance(question, dict) and isinstance(question.get("choices"), list):
                name = f"{INLINE_PREFIX}{question.get('key')}"
                while name in lists or name in inline:
                    name += "_"
                lists[name] = question["choices"]
                question["choices"] = name
                inline.add(name)
    if inline:
        doc["choice_lists"] = lists
    return doc, inline


# -- finding things ---------------------------------------------------------------------


def question_keys(doc: Doc) -> list[str]:
    """Every question key, in page order."""
    return [q["key"] for s in doc.get("sections", []) for q in s.get("questions", [])]


def section_index(doc: Doc, key: str) -> int:
    for i, section in enumerate(doc.get("sections", [])):
        if section["key"] == key:
            return i
    raise EditError(f"There is no page with the key “{key}”.")


def locate(doc: Doc, key: str) -> tuple[int, int]:
    """(section index, question index) of a question; EditError if it is not there."""
    for i, section in enumerate(doc.get("sections", [])):
        for j, question in enumerate(section.get("questions", [])):
            if question["key"] == key:
                return i, j
    raise EditError(f"There is no question with the key “{key}”.")


def unused_key(taken: set[str], base: str) -> str:
    """`base_copy`, `base_copy2`... whichever is free first."""
    candidate, n = f"{base}_copy", 2
    while candidate in taken:
        candidate, n = f"{base}_copy{n}", n + 1
    return candidate


# -- sections ---------------------------------------------------------------------------


def add_section(doc: Doc, section: Doc) -> Doc:
    """Append a page."""
    new = copy.deepcopy(doc)
    new.setdefault("sections", []).append({**section, "questions": []})
    return validated(new)


def update_section(doc: Doc, key: str, fields: Doc) -> Doc:
    """Replace a page's own fields (key, title, description, relevance); keep its questions."""
    new = copy.deepcopy(doc)
    i = section_index(new, key)
    old = new["sections"][i]
    kept = {k: v for k, v in old.items() if k in ("adaptive", "questions")}
    new["sections"][i] = {**fields, **kept}
    return validated(new)


def duplicate_section(doc: Doc, key: str) -> tuple[Doc, str]:
    """Copy a page after itself; the copy and its questions get fresh `_copy` keys."""
    new = copy.deepcopy(doc)
    i = section_index(new, key)
    copy_ = copy.deepcopy(new["sections"][i])
    copy_["key"] = unused_key({s["key"] for s in new["sections"]}, key)
    taken = set(question_keys(new))
    for question in copy_.get("questions", []):
        question["key"] = unused_key(taken, question["key"])
        taken.add(question["key"])
    new["sections"].insert(i + 1, copy_)
    return validated(new), copy_["key"]


def move_section(doc: Doc, key: str, step: int) -> Doc:
    """Move a page up (step -1) or down (+1)."""
    new = copy.deepcopy(doc)
    i = section_index(new, key)
    j = i + step
    if not 0 <= j < len(new["sections"]):
        raise EditError("That page is already " + ("first." if step < 0 else "last."))
    sections = new["sections"]
    sections[i], sections[j] = sections[j], sections[i]
    return validated(new)


def delete_section(doc: Doc, key: str) -> Doc:
    """Remove a page and its questions (callers check dependents first)."""
    new = copy.deepcopy(doc)
    i = section_index(new, key)
    if len(new["sections"]) == 1:
        raise EditError("An instrument needs at least one page; add another before deleting this.")
    del new["sections"][i]
    return validated(new)


# -- questions --------------------------------------------------------------------------


def add_question(doc: Doc, section_key: str, question: Doc) -> Doc:
    """Append a question to a page."""
    new = copy.deepcopy(doc)
    i = section_index(new, section_key)
    new["sections"][i].setdefault("questions", []).append(question)
    return validated(new)


def update_question(doc: Doc, key: str, question: Doc, *, section_key: str | None = None) -> Doc:
    """Replace a question (possibly with a new key or type), optionally on another page."""
    new = copy.deepcopy(doc)
    i, j = locate(new, key)
    if section_key is None or section_key == new["sections"][i]["key"]:
        new["sections"][i]["questions"][j] = question
    else:
        target = section_index(new, section_key)
        del new["sections"][i]["questions"][j]
        new["sections"][target].setdefault("questions", []).append(question)
    return validated(new)


def duplicate_question(doc: Doc, key: str) -> tuple[Doc, str]:
    """Copy a question right after itself under a fresh `_copy` key."""
    new = copy.deepcopy(doc)
    i, j = locate(new, key)
    copy_ = copy.deepcopy(new["sections"][i]["questions"][j])
    copy_["key"] = unused_key(set(question_keys(new)), key)
    new["sections"][i]["questions"].insert(j + 1, copy_)
    return validated(new), copy_["key"]


def move_question(doc: Doc, key: str, step: int) -> Doc:
    """Move a question up or down; past the top or bottom of its page it moves onto the
    neighbouring page, so any order can be reached with the two buttons alone."""
    new = copy.deepcopy(doc)
    i, j = locate(new, key)
    sections = new["sections"]
    questions = sections[i]["questions"]
    if 0 <= j + step < len(questions):
        questions[j], questions[j + step] = questions[j + step], questions[j]
    elif 0 <= i + step < len(sections):
        moving = questions.pop(j)
        neighbour = sections[i + step].setdefault("questions", [])
        neighbour.insert(len(neighbour) if step < 0 else 0, moving)
    else:
        raise EditError("That question is already " + ("first." if step < 0 else "last."))
    return validated(new)


def delete_question(doc: Doc, key: str) -> Doc:
    """Remove a question (callers check dependents first)."""
    new = copy.deepcopy(doc)
    i, j = locate(new, key)
    del new["sections"][i]["questions"][j]
    return validated(new)


# -- choice lists -----------------------------------------------------------------------


def choice_list_users(doc: Doc, name: str) -> list[str]:
    """Keys of the questions (and item banks) that use a named choice list."""
    users = [q["key"] for s in doc.get("sections", []) for q in s.get("questions", [])
             if q.get("choices") == name]
    users += [f"item bank {b['key']}" for b in doc.get("item_banks", [])
              if b.get("categories") == name]
    return users


def set_choice_list(doc: Doc, name: str, choices: list[Doc], *, old_name: str | None = None
                    ) -> Doc:
    """Create or replace a named choice list; renaming updates every question using it."""
    new = copy.deepcopy(doc)
    lists = dict(new.get("choice_lists") or {})
    if old_name is not None and old_name != name:
        if name in lists:
            raise EditError(f"There is already a choice list called “{name}”.")
        lists = {(name if k == old_name else k): v for k, v in lists.items()}
        for section in new.get("sections", []):
            for question in section.get("questions", []):
                if question.get("choices") == old_name:
                    question["choices"] = name
        for bank in new.get("item_banks", []):
            if bank.get("categories") == old_name:
                bank["categories"] = name
    elif old_name is None and name in lists:
        raise EditError(f"There is already a choice list called “{name}”; choose another name.")
    lists[name] = choices
    new["choice_lists"] = lists
    return validated(new)


def delete_choice_list(doc: Doc, name: str) -> Doc:
    """Remove a named choice list that nothing uses."""
    users = choice_list_users(doc, name)
    if users:
        raise EditError(f"The choice list “{name}” is used by {', '.join(users)}; "
                        "give those questions other choices first.")
    new = copy.deepcopy(doc)
    lists = dict(new.get("choice_lists") or {})
    lists.pop(name, None)
    new["choice_lists"] = lists
    if not lists:
        del new["choice_lists"]
    return validated(new)


# -- the instrument's own fields --------------------------------------------------------


def update_details(doc: Doc, *, title: dict[str, str], description: dict[str, str] | None,
                   languages: list[str], default_language: str) -> Doc:
    """Change title, description and languages. A new language starts with copies of the
    default-language texts (to be translated), and a dropped language's texts are removed,
    so the instrument stays complete in every language it declares."""
    new = copy.deepcopy(doc)
    old_languages = list(new.get("languages") or ["en"])
    old_default = new.get("default_language") or old_languages[0]
    added = [x for x in languages if x not in old_languages]
    removed = [x for x in old_languages if x not in languages]
    for text in _texts(new, set(old_languages)):
        source = text.get(old_default, next(iter(text.values()), ""))
        for language in added:
            text[language] = source
        for language in removed:
            text.pop(language, None)
    for text in (title, description or {}):
        for language in added:
            text.setdefault(language, text.get(old_default, ""))
    new["title"] = title
    if description:
        new["description"] = description
    else:
        new.pop("description", None)
    new["languages"] = languages
    new["default_language"] = default_language
    return validated(new)


def _texts(node: Any, languages: set[str]) -> Iterator[dict[str, str]]:
    """Every multilingual text (a dict of language -> string) inside a definition."""
    if isinstance(node, dict):
        if node and set(node) <= languages and all(isinstance(v, str) for v in node.values()):
            yield node
            return
        for value in node.values():
            yield from _texts(value, languages)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value, languages)


# -- what depends on a question ---------------------------------------------------------


def dependents(doc: Doc, keys: set[str]) -> list[str]:
    """Plain descriptions of everything in the definition that refers to any of `keys`
    (expressions, piped labels, scales), leaving out things that are themselves in `keys`."""
    found = []
    for section in doc.get("sections", []):
        if _refers(section.get("relevant"), keys):
            found.append(f"the relevance of page “{section['key']}”")
        for question in section.get("questions", []):
            if question["key"] in keys:
                continue
            for name in EXPRESSION_FIELDS:
                if _refers(question.get(name), keys):
                    found.append(f"the {name.replace('_', ' ')} of question “{question['key']}”")
            for name in PIPED_FIELDS:
                texts = question.get(name)
                if isinstance(texts, dict) and any(
                        "${" + k + "}" in t for t in texts.values() for k in keys):
                    found.append(f"the {name} of question “{question['key']}” (piped answer)")
    for scale in doc.get("scales", []):
        if keys & set(scale.get("items", [])):
            found.append(f"scale “{scale['key']}”")
    return found


def _refers(text: Any, keys: set[str]) -> bool:
    if not isinstance(text, str):
        return False
    try:
        return bool(parse(text).references & keys)
    except ExpressionError:
        return any("${" + k + "}" in text for k in keys)
