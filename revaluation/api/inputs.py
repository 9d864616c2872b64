"""Reading API input strictly: JSON bodies against a field table, pagination, filters.

Every rejection is an :class:`ApiError` naming the field at fault, raised before anything is
written, so a bad request never leaves half its content behind.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import request

from revaluation.api.errors import ApiError
from revaluation.extensions import db

MAX_PER_PAGE = 200
#: Ids and page numbers beyond a 32-bit integer cannot exist; refusing them early keeps
#: PostgreSQL from raising on out-of-range values.
MAX_INT = 2_147_483_647
DEFAULT_PER_PAGE = 50

_TYPE_NAMES = {str: "string", int: "integer", bool: "boolean", dict: "object", list: "array"}


@dataclass(frozen=True)
class Field:
    """One accepted body field: its JSON type(s) and simple limits."""

    kind: type | tuple[type, ...]
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    pattern: str | None = None

    def expected(self) -> str:
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        return " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)


def _is_instance(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool):  # JSON true is not a number here
        return bool in kinds
    return isinstance(value, kinds)


def read_body(fields: dict[str, Field]) -> dict[str, Any]:
    """The request's JSON object, checked against ``fields`` (unknown names are refused)."""
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the body as JSON with the header `Content-Type: application/json`.",
        )
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(
            400, "malformed_json", f"The body is not valid JSON ({exc}).", {"position": _pos(exc)}
        ) from None
    if not isinstance(body, dict):
        raise ApiError(422, "body_not_object", "The body must be a JSON object ({...}).")
    bad_text = _unstorable_text(body)
    if bad_text is not None:
        raise ApiError(
            422,
            "invalid_text",
            f"Text at {bad_text} contains a NUL character or broken Unicode; remove it.",
            {"field": bad_text},
        )
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise ApiError(
            422,
            "unknown_fields",
            f"Unknown field(s): {', '.join(unknown)}. Accepted: {', '.join(sorted(fields))}.",
            {"fields": unknown},
        )
    missing = sorted(n for n, f in fields.items() if f.required and n not in body)
    if missing:
        raise ApiError(
            422,
            "missing_fields",
            f"Required field(s) missing: {', '.join(missing)}.",
            {"fields": missing},
        )
    for name, value in body.items():
        _check(name, value, fields[name])
    return body


def _unstorable_text(value: Any, path: str = "$") -> str | None:
    """The JSON path of the first string no database can store (NUL, lone surrogates)."""
    if isinstance(value, str):
        return path if not storable(value) else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and not storable(key):
            return path
        where = f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"
        found = _unstorable_text(item, where)
        if found is not None:
            return found
    return None


def storable(text: str) -> bool:
    """Whether text can go into SQLite and PostgreSQL unchanged."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def refuse_unstorable_url() -> None:
    """before_request: a NUL or broken Unicode in the path or query is a 400, not a 500."""
    values = [request.path, *request.args.keys()]
    values += [v for vs in request.args.listvalues() for v in vs]
    if not all(storable(v) for v in values):
        raise ApiError(
            400,
            "invalid_parameter",
            "The address contains a NUL character or broken Unicode; remove it.",
        )


def _pos(exc: Exception) -> int | None:
    return getattr(exc, "pos", None)


def _check(name: str, value: Any, field: Field) -> None:
    if not _is_instance(value, field.kind):
        raise ApiError(
            422,
            "invalid_type",
            f"“{name}” must be {field.expected()}, not {_json_type(value)}.",
            {"field": name, "expected": field.expected()},
        )
    too_long = field.max_length is not None and isinstance(value, str | list | dict)
    if too_long and len(value) > field.max_length:
        raise ApiError(
            422,
            "invalid_value",
            f"“{name}” is too long: at most {field.max_length} allowed.",
            {"field": name, "max_length": field.max_length},
        )
    if field.choices is not None and value not in field.choices:
        raise ApiError(
            422,
            "invalid_value",
            f"“{name}” must be one of: {', '.join(field.choices)}.",
            {"field": name, "choices": list(field.choices)},
        )
    if field.pattern is not None and not re.fullmatch(field.pattern, value):
        raise ApiError(
            422,
            "invalid_value",
            f"“{name}” has the wrong form; it must match {field.pattern}.",
            {"field": name, "pattern": field.pattern},
        )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def text_args(name: str, *, max_length: int = 40) -> list[str]:
    """A repeatable text query parameter, each value at most ``max_length`` characters."""
    values = [v for v in request.args.getlist(name) if v]
    if any(len(v) > max_length for v in values):
        raise ApiError(
            400,
            "invalid_parameter",
            f"Query parameter “{name}” may be at most {max_length} characters.",
            {"parameter": name},
        )
    return values


def int_args(name: str) -> list[int]:
    """A repeatable whole-number query parameter (ids), or 400 naming it."""
    values = []
    for raw in request.args.getlist(name):
        if not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= MAX_INT:
            raise ApiError(
                400,
                "invalid_parameter",
                f"Query parameter “{name}” must be a whole number from 1 to {MAX_INT}.",
                {"parameter": name},
            )
        values.append(int(raw))
    return values


def int_arg(name: str, *, default: int | None = None, minimum: int = 1) -> int | None:
    """A whole-number query parameter, or 400 ``invalid_parameter`` naming it."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 10 or not minimum <= int(raw) <= MAX_INT:
        raise ApiError(
            400,
            "invalid_parameter",
            f"Query parameter “{name}” must be a whole number of at least {minimum}.",
            {"parameter": name},
        )
    return int(raw)


def pagination() -> tuple[int, int]:
    """``?page=&per_page=`` with per_page capped at 200 (more is a 400 ``page_too_large``)."""
    page = int_arg("page", default=1) or 1
    per_page = int_arg("per_page", default=DEFAULT_PER_PAGE) or DEFAULT_PER_PAGE
    if per_page > MAX_PER_PAGE:
        raise ApiError(
            400,
            "page_too_large",
            f"per_page may be at most {MAX_PER_PAGE}; ask for more pages instead.",
            {"parameter": "per_page", "maximum": MAX_PER_PAGE},
        )
    return page, per_page


def page_of(query, serialise, *, page: int, per_page: int) -> dict[str, Any]:
    """Run ``query`` (a select) for one page; the envelope every list endpoint returns."""
    total = db.session.execute(
        db.select(db.func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars()
    return {
        "items": [serialise(row) for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": max(1, -(-total // per_page)),
    }
