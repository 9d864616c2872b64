"""The JSON API blueprint (/api/v1): bearer tokens only, JSON errors, one module per noun.

CSRF protection is for cookie-authenticated forms; this blueprint never reads the session
cookie (see :mod:`revaluation.api.auth`), so it is exempt.
"""

from flask import Blueprint

from revaluation.api import auth, errors, inputs
from revaluation.extensions import csrf, limiter
from revaluation.web import JSON_ERROR_BODIES

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.before_request(inputs.refuse_unstorable_url)
bp.before_request(auth.authenticate_request)
bp.register_error_handler(errors.ApiError, errors.api_error)
limiter.limit(auth.rate_limit_value, key_func=auth.rate_limit_key)(bp)


@bp.record_once
def _json_errors_under_api(state) -> None:
    """Errors raised before routing reaches the blueprint (404, 405, 413) under /api/ answer
    in the API's JSON shape: the app-wide handler in revaluation.web looks the prefix up here."""
    state.app.extensions.setdefault(JSON_ERROR_BODIES, {})["/api/"] = errors.http_error_body


# The endpoints live in their own modules and register on this blueprint.
from revaluation.api import (  # noqa: E402,F401
    evaluations,
    instruments,
    openapi,
    reports,
    responses,
    results,
)
