"""The native instrument format: YAML (or JSON, which YAML reads too) to `Instrument`
and back.

Loading checks everything before building anything and raises one `DefinitionError`
listing every problem, each located by key, field and line. Lines come from YAML's node
tree: the document is composed first, every mapping key and list item is mapped to its
line, and problems found on the plain data are looked up by their path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from surveys.errors import DefinitionError, Problem
from surveys.formats.checks import DocumentChecker
from surveys.model import COMMON_FIELDS, Instrument
from surveys.types import QUESTION_TYPES

#: Largest definition accepted, in bytes.
MAX_BYTES = 2 * 1024 * 1024

LinePath = tuple[str, ...]


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads((Path(__file__).parent / "schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def load_instrument(source: str | bytes | Path | Mapping[str, Any], *,
                    filename: str | None = None) -> Instrument:
    """Read and fully validate an instrument from YAML/JSON text, bytes, a file path or
    an already parsed dict. Raises DefinitionError listing every problem found."""
    if isinstance(source, Mapping):
        return _build(_plain(dict(source)), {})
    if isinstance(source, Path):
        source = source.read_bytes()
    if isinstance(source, bytes):
        if len(source) > MAX_BYTES:
            raise DefinitionError([_too_big(len(source))])
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DefinitionError([Problem(f"the file is not UTF-8 text (byte {error.start})")]
                                  ) from None
    if len(source.encode("utf-8")) > MAX_BYTES:
        raise DefinitionError([_too_big(len(source.encode("utf-8")))])
    doc, lines, problems = _read_yaml(source)
    if not lines:
        named = f"{filename}: " if filename else ""
        raise DefinitionError([Problem(named + p.message, line=p.line) for p in problems])
    return _build(doc, lines, problems)


def _too_big(size: int) -> Problem:
    return Problem(f"the definition is {size / 1024 / 1024:.1f} MB; the limit is 2 MB. "
                   "Split it into several instruments.")


def _read_yaml(text: str) -> tuple[Any, dict[LinePath, int], list[Problem]]:
    """Parse YAML keeping the line of every mapping key and list item."""
    try:
        loader = _Loader(text)
    except yaml.YAMLError as error:  # the reader refuses control characters before parsing
        return None, {}, [Problem(f"this is not valid YAML: {error}")]
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, [Problem("the definition is empty")]
        lines: dict[LinePath, int] = {(): node.start_mark.line + 1}
        problems: list[Problem] = []
        _map_lines(node, (), lines, problems)
        doc = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        return None, {}, [Problem(f"this is not valid YAML: {error.problem or error}", line=line)]
    except yaml.YAMLError as error:
        return None, {}, [Problem(f"this is not valid YAML: {error}")]
    finally:
        loader.dispose()
    return _plain(doc), lines, problems


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 also reads yes/no/on/off as booleans,
    which silently turns a choice value "yes" or a label "No" into True/False."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|"
                                                                     r"False|FALSE)$"),
                              list("tTfF"))


def _map_lines(node: yaml.Node, path: LinePath, lines: dict[LinePath, int],
               problems: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            name = str(key_node.value)
            line = key_node.start_mark.line + 1
            if name in first_seen:
                problems.append(Problem(f"'{name}' appears twice in the same block (first on "
                                        f"line {first_seen[name]})", field=name, line=line))
            first_seen.setdefault(name, line)
            lines[(*path, name)] = line
            _map_lines(value_node, (*path, name), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, str(i))] = item.start_mark.line + 1
            _map_lines(item, (*path, str(i)), lines, problems)


def _plain(value: Any) -> Any:
    """YAML dates become ISO text, so the document is plain JSON-able data."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _line(lines: Mapping[LinePath, int], path: tuple[Any, ...]) -> int | None:
    """The line of a path, or of its nearest enclosing part that has one."""
    key = tuple(str(p) for p in path)
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return lines.get(())


def _owner(doc: Any, path: tuple[Any, ...]) -> str | None:
    """The key of the innermost keyed thing (question, section, scale...) on a path."""
    owner, node = None, doc
    for i, step in enumerate(path):
        if isinstance(node, Mapping) and isinstance(node.get("key"), str):
            owner = node["key"]
        if i == 1 and path[0] == "choice_lists":
            owner = str(step)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return owner
    if isinstance(node, Mapping) and isinstance(node.get("key"), str):
        owner = node["key"]
    return owner


def _schema_problems(doc: Any, lines: Mapping[LinePath, int]) -> list[Problem]:
    problems = []
    for error in sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.path))):
        path = tuple(error.absolute_path)
        field = next((str(p) for p in reversed(path) if isinstance(p, str)), None)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else None
            message = f"missing required field '{missing}'"
            field = missing
        elif error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            field = str(extra[0]) if extra else field
            path = (*path, field)
            message = f"unknown field '{field}'"
        elif error.validator == "pattern":
            message = (f"{error.instance!r} is not allowed here: use lower-case letters, "
                       "digits and underscores, starting with a letter")
        else:
            message = error.message
        problems.append(Problem(message, key=_owner(doc, path), field=field,
                                line=_line(lines, path)))
    return problems


def _normalise_settings(doc: Any) -> None:
    """Plain-string text settings (unit: hours) mean the default language; make them
    language mappings so they are stored and checked like every other text."""
    if not isinstance(doc, dict):
        return
    languages = doc.get("languages")
    default = doc.get("default_language") or (
        languages[0] if isinstance(languages, list) and languages else "en")
    for section in doc.get("sections") or []:
        for question in (section.get("questions") or []) if isinstance(section, dict) else []:
            if not isinstance(question, dict) or question.get("type") not in QUESTION_TYPES:
                continue
            kinds = QUESTION_TYPES[question["type"]].settings_fields
            for name, value in question.items():
                kind = kinds.get(name) if name not in COMMON_FIELDS else None
                if kind == "text" and isinstance(value, str):
                    question[name] = {default: value}
                elif kind == "texts" and isinstance(value, list):
                    question[name] = [{default: v} if isinstance(v, str) else v for v in value]
                elif kind == "rows" and isinstance(value, list):
                    for row in value:
                        if isinstance(row, dict) and isinstance(row.get("label"), str):
                            row["label"] = {default: row["label"]}


def _build(doc: Any, lines: Mapping[LinePath, int],
           problems: list[Problem] | None = None) -> Instrument:
    problems = list(problems or [])
    if not isinstance(doc, dict):
        raise DefinitionError([*problems, Problem("the definition must be a mapping of fields "
                                                  "(key, title, sections...)", line=1)])
    _normalise_settings(doc)
    problems += _schema_problems(doc, lines)

    def report(message: str, path: tuple[Any, ...], key: str | None, field: str | None) -> None:
        problems.append(Problem(message, key=key, field=field, line=_line(lines, path)))

    DocumentChecker(doc, report).run()
    if problems:
        raise DefinitionError(problems)
    return Instrument.from_dict(doc)


def dump_instrument(instrument: Instrument) -> str:
    """The instrument as native YAML, fields in a stable order; loading it gives back an
    equal instrument."""
    return yaml.dump(instrument.to_dict(), Dumper=_Dumper, sort_keys=False,
                     allow_unicode=True, width=100, default_flow_style=False)


class _Dumper(yaml.SafeDumper):
    """Writes strings that YAML 1.1 would misread (yes, no, on, 1.0...) in quotes; the
    safe dumper already does that, and this subclass only indents lists under keys."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)
