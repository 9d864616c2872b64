"""Creating evaluations, managing members, and the overview figures of an evaluation."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import (
    Evaluation,
    Membership,
    Response,
    ResponseStatus,
    Role,
    User,
    Wave,
)
from revaluation.services import audit

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
#: WCAG 2 AA contrast for normal text; white text is drawn on the brand colour.
MIN_CONTRAST = 4.5


class EvaluationError(ValueError):
    """The evaluation's settings are not acceptable; the message names the field."""


def create_evaluation(
    *,
    slug: str,
    title: str,
    movement: str,
    owner: User,
    description: str = "",
    brand_colour: str = "#1d5c63",
    default_language: str = "en",
    small_cell_threshold: int = 5,
    retention_days: int | None = None,
) -> Evaluation:
    """Create an evaluation with ``owner`` as its first owner."""
    if not SLUG_RE.match(slug):
        raise EvaluationError(
            "Short name: use 2-63 lower-case letters, digits and dashes, starting with a "
            "letter or digit."
        )
    if not COLOUR_RE.match(brand_colour):
        raise EvaluationError("Brand colour: use a hex colour like #1d5c63.")
    if db.session.execute(db.select(Evaluation.id).filter_by(slug=slug)).first():
        raise EvaluationError(f"Short name: “{slug}” is already taken; choose another.")
    evaluation = Evaluation(
        slug=slug,
        title=title.strip(),
        movement=movement.strip(),
        description=description,
        brand_colour=brand_colour.lower(),
        default_language=default_language,
        small_cell_threshold=small_cell_threshold,
        retention_days=retention_days,
    )
    _check_numbers(evaluation)
    db.session.add(evaluation)
    db.session.flush()
    add_member(evaluation, owner, Role.OWNER)
    audit.record(
        "evaluation.create", evaluation_id=evaluation.id, obj=evaluation, actor_id=owner.id
    )
    return evaluation


def free_slug(title: str) -> str:
    """A short name for web addresses made from the title, unused by any other evaluation."""
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:50].strip("-") or "evaluation"
    if len(base) < 2:
        base = f"evaluation-{base}"
    slug, n = base, 2
    while db.session.execute(db.select(Evaluation.id).filter_by(slug=slug)).first():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white text on ``colour`` (1 to 21)."""
    return 1.05 / (_luminance(colour) + 0.05)


def darker_shade(colour: str, *, ratio: float = MIN_CONTRAST) -> str:
    """The lightest shade of ``colour`` (same hue, scaled towards black) that white text
    can be read on at ``ratio``; offered to the user when their colour fails."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(100, -1, -1):
        shade = "#" + "".join(f"{round(c * step / 100):02x}" for c in (red, green, blue))
        if contrast_with_white(shade) >= ratio:
            return shade
    return "#000000"


def colour_problem(colour: str) -> str | None:
    """Why ``colour`` cannot be the brand colour (white text is drawn on it), or None."""
    if not COLOUR_RE.match(colour or ""):
        return "Brand colour: enter a hex colour of 6 digits after #, like #1d5c63."
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST:
        return (
            f"Brand colour: white text on {colour.lower()} has a contrast of only {ratio:.1f}:1 "
            f"and needs at least {MIN_CONTRAST:g}:1 to be readable. Try a darker shade such as "
            f"{darker_shade(colour.lower())}."
        )
    return None


def _check_numbers(evaluation: Evaluation) -> None:
    if evaluation.small_cell_threshold < 2:
        raise EvaluationError("Small-cell threshold: use 2 or more.")
    if evaluation.retention_days is not None and evaluation.retention_days < 1:
        raise EvaluationError("Retention period: use 1 day or more, or leave it empty.")


#: The settings an owner or evaluator may change after creation (the slug stays: it is in links).
SETTINGS_FIELDS = (
    "title",
    "movement",
    "description",
    "brand_colour",
    "default_language",
    "small_cell_threshold",
    "retention_days",
)


def update_settings(evaluation: Evaluation, **changes: object) -> list[str]:
    """Change the evaluation's settings; returns the names of the fields that changed.

    The brand colour must be readable under white text (WCAG AA, 4.5:1).
    """
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"not a setting: {', '.join(sorted(unknown))}")
    if "brand_colour" in changes:
        problem = colour_problem(str(changes["brand_colour"]))
        if problem:
            raise EvaluationError(problem)
        changes["brand_colour"] = str(changes["brand_colour"]).lower()
    changed = [
        name
        for name in SETTINGS_FIELDS
        if name in changes and getattr(evaluation, name) != changes[name]
    ]
    before = {name: getattr(evaluation, name) for name in changed}
    for name in changed:
        setattr(evaluation, name, changes[name])
    try:
        _check_numbers(evaluation)
    except EvaluationError:
        for name, value in before.items():
            setattr(evaluation, name, value)
        raise
    if changed:
        db.session.flush()
        audit.record(
            "evaluation.settings", evaluation_id=evaluation.id, obj=evaluation, fields=changed
        )
    return changed


def add_member(evaluation: Evaluation, user: User, role: Role) -> Membership:
    """Give ``user`` a role (or change it); returns the membership."""
    membership = db.session.execute(
        db.select(Membership).filter_by(evaluation_id=evaluation.id, user_id=user.id)
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(evaluation_id=evaluation.id, user_id=user.id, role=role)
        db.session.add(membership)
    elif membership.role is not role:
        membership.role = role
    else:
        return membership
    db.session.flush()
    audit.record("membership.role", evaluation_id=evaluation.id, obj=membership, role=str(role))
    return membership


@dataclass(frozen=True)
class WaveCounts:
    wave_id: int
    started: int
    completed: int


def response_counts(evaluation: Evaluation) -> dict[int, WaveCounts]:
    """Responses started and completed per wave, in one grouped query."""
    rows = db.session.execute(
        sa.select(
            Response.wave_id,
            sa.func.count(Response.id),
            sa.func.count(Response.id).filter(Response.status == ResponseStatus.COMPLETE),
        )
        .join(Wave, Wave.id == Response.wave_id)
        .where(Wave.evaluation_id == evaluation.id)
        .group_by(Response.wave_id)
    ).all()
    return {w: WaveCounts(w, started, completed) for w, started, completed in rows}
