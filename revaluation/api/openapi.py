"""The OpenAPI 3 description: hand-written in openapi.yaml, served as JSON.

It is written by hand (not generated) so it reads as documentation; the schemathesis test
in tests/web/test_api_openapi.py keeps it true to the code.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import jsonify, request

from revaluation.api.errors import ApiError
from revaluation.api.routes import bp

SPEC_PATH = Path(__file__).with_name("openapi.yaml")


@cache
def openapi_document() -> dict[str, Any]:
    """The parsed description (read once per process)."""
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@bp.get("/openapi.json")
def openapi_json():
    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@cache
def query_parameters(rule: str, method: str) -> frozenset[str]:
    """The query parameters the description documents for a Flask URL rule and method."""
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.removeprefix(bp.url_prefix or ""))
    document = openapi_document()
    operation = document["paths"].get(path, {}).get(method.lower(), {})
    shared = document["components"]["parameters"]
    resolved = [
        shared[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
        for p in operation.get("parameters", [])
    ]
    return frozenset(p["name"] for p in resolved if p.get("in") == "query")


@bp.before_request
def refuse_unknown_query_parameters() -> None:
    """A query parameter the description does not list is a mistake worth telling about
    (a misspelt filter would otherwise silently return everything)."""
    if request.url_rule is None or request.endpoint == "api.openapi_json":
        return
    unknown = sorted(set(request.args) - query_parameters(request.url_rule.rule, request.method))
    if unknown:
        raise ApiError(
            400,
            "invalid_parameter",
            f"Unknown query parameter(s): {', '.join(repr(u) for u in unknown)}.",
            {"parameters": unknown},
        )
