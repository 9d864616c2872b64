"""Bearer-token authentication, scopes and the evaluation loader every API route uses.

The API never reads the session cookie: a request is authenticated by its token alone, so
CSRF (a cookie-borne attack) cannot reach it and the blueprint is exempt from CSRF checks.
The token's user is made Flask-Login's current user for the request, so audit events and the
services' role checks see the right person.
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, request

from revaluation.api.errors import ApiError
from revaluation.extensions import db
from revaluation.models import Evaluation, Role
from revaluation.services import access, api_tokens

#: Paths under the blueprint anyone may read (the API's own description).
PUBLIC_ENDPOINTS = {"api.openapi_json"}


def rate_limit_key() -> str:
    """One rate-limit bucket per presented token (per address when none is sent)."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "api-anon:" + (request.remote_addr or "unknown")


def rate_limit_value() -> str:
    return current_app.config.get("API_RATE_LIMIT", "600 per minute")


def authenticate_request() -> None:
    """before_request: resolve the bearer token or answer 401 before any route runs."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        raise ApiError(
            401,
            "token_missing",
            "Send your API token in the header `Authorization: Bearer rvl_<id>_<secret>`; "
            "create one on your account's API tokens page.",
        )
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(
            401, "token_malformed", "Use the Bearer scheme: `Authorization: Bearer <token>`."
        )
    token = api_tokens.authenticate(value)
    if token is None:
        raise ApiError(
            401,
            "token_invalid",
            "That token is not valid: it may be mistyped, revoked, or its account disabled.",
        )
    g.api_token = token
    # Flask-Login's current_user for this request only; nothing is written to the session.
    g._login_user = token.user


def require_scope(scope: str) -> None:
    """403 unless the request's token carries ``scope``."""
    if scope not in g.api_token.scope_set:
        raise ApiError(
            403,
            "scope_missing",
            f"This token lacks the scope “{scope}”; create a token that has it.",
            {"required_scope": scope, "token_scopes": sorted(g.api_token.scope_set)},
        )


def load_evaluation(slug: str, scope: str, *, edit: bool = False) -> tuple[Evaluation, Role]:
    """The evaluation if the token has ``scope`` and its user has a role (an editing one if
    ``edit``); otherwise 403 for scope or role, 404 when the user is not a member at all."""
    require_scope(scope)
    evaluation = db.session.execute(db.select(Evaluation).filter_by(slug=slug)).scalar_one_or_none()
    role = access.role_in(evaluation, g.api_token.user) if evaluation is not None else None
    if role is None:
        raise ApiError(
            404,
            "evaluation_not_found",
            f"No evaluation “{slug}” that you belong to.",
            {"evaluation": slug},
        )
    if edit and not role.can_edit:
        raise ApiError(
            403,
            "role_forbidden",
            f"Your role in this evaluation ({role}) can read but not change it; "
            "an owner or evaluator must do this.",
            {"role": str(role)},
        )
    return evaluation, role


def not_found(kind: str, ident: object) -> ApiError:
    """A 404 for an object inside an evaluation (never hinting at other evaluations' ids)."""
    return ApiError(404, f"{kind}_not_found", f"No {kind} {ident} in this evaluation.")
