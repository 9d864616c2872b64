"""Every API error has one shape: ``{"error": {"code", "message", "details"}}``.

Codes are stable strings clients can switch on; messages are plain words for people. The
app-wide HTTP error handler (revaluation.web) calls :func:`http_error_body` for /api/ paths,
so routing errors (404, 405), oversize bodies (413) and rate limits (429) share the shape.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

#: status -> (stable code, message) for errors raised by Flask/Werkzeug rather than by us.
HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood; check its syntax."),
    401: ("unauthorized", "Send a valid API token: `Authorization: Bearer rvl_<id>_<secret>`."),
    403: ("forbidden", "Your role or your token's scopes do not allow this."),
    404: ("not_found", "Nothing here: check the address and that you belong to the evaluation."),
    405: ("method_not_allowed", "This address does not accept that HTTP method."),
    409: ("conflict", "That conflicts with the current state; reload and try again."),
    413: ("payload_too_large", "The request body is too large; send less at once."),
    415: ("unsupported_media_type", "Send the body as JSON with `Content-Type: application/json`."),
    422: ("unprocessable", "The request was well-formed but its content is not valid."),
    429: ("rate_limited", "Too many requests; wait a minute, then slow down."),
}


class ApiError(Exception):
    """An error to return to an API client with a status, a stable code and details."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    """The JSON response for an error (with WWW-Authenticate on 401, as RFC 6750 asks)."""
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="revaluation"'
    return response


def http_error_body(error: HTTPException) -> Response:
    """The API shape for a Werkzeug HTTP exception (404 from routing, 405, 413, 429...)."""
    status = error.code or 500
    code, message = HTTP_CODES.get(status, (error.name.lower().replace(" ", "_"), error.name))
    response = error_response(status, code, message)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response


def api_error(error: ApiError) -> Response:
    """Blueprint handler for :class:`ApiError`."""
    return error_response(error.status, error.code, error.message, error.details)
