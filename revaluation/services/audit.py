"""Writing audit events. Callers pass ids and verbs, never answers or personal data."""

from __future__ import annotations

import logging
from typing import Any

from flask_login import current_user

from revaluation.extensions import db
from revaluation.models import AuditEvent

logger = logging.getLogger(__name__)


def record(
    action: str,
    *,
    evaluation_id: int | None = None,
    obj: Any = None,
    actor_id: int | None = None,
    actor_label: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` on ``obj`` by the current user (or the given actor)."""
    if actor_id is None and actor_label is None:
        try:
            if current_user and current_user.is_authenticated:
                actor_id = current_user.id
        except RuntimeError:  # outside a request (CLI, worker)
            pass
    event = AuditEvent(
        evaluation_id=evaluation_id,
        actor_id=actor_id,
        actor_label=actor_label or ("user" if actor_id else "system"),
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else None,
        object_id=getattr(obj, "id", None),
        detail=detail,
    )
    db.session.add(event)
    logger.debug("audit %s on %s %s", action, event.object_type, event.object_id)
    return event
