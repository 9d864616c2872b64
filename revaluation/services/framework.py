"""The outcome framework: adding, revising, dropping and ordering intended outcomes.

Before the framework is locked (when the first wave opens) edits are free but audited. After
the lock every change is an OutcomeRevision with a reason and the outcome's entry before and
after, so reports can set the original intentions beside the revised ones. Dropping always
keeps the outcome (inactive) with its reason. Plain-value views of the framework and its
history live in :mod:`revaluation.services.framework_views`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from revaluation.extensions import db
from revaluation.models import (
    Direction,
    Evaluation,
    IndicatorKind,
    Origin,
    Outcome,
    OutcomeRevision,
    Statistic,
    User,
    Wave,
)
from revaluation.services import audit
from revaluation.services.adaptive_scores import adaptive_banks
from revaluation.services.instruments import definition_of

#: Question types whose answers give one number per respondent (the analysis loader's numbers).
NUMERIC_TYPES = frozenset({"number", "rating", "dyad", "likert"})
#: The outcome fields a revision may change (origin, key and position are not edited).
EDITABLE = (
    "title",
    "description",
    "indicator_kind",
    "indicator_key",
    "statistic",
    "threshold",
    "baseline_value",
    "baseline_wave_id",
    "target",
    "direction",
    "due_wave_id",
)
MAX_REASON = 2000
#: Ids above this cannot exist (32-bit keys); looking them up would fail on PostgreSQL.
MAX_ID = 2**31 - 1


class FrameworkError(ValueError):
    """An outcome cannot be saved as given; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Indicator:
    """Something an outcome can be measured by: a question or a scale score."""

    kind: IndicatorKind
    key: str
    label: str
    numeric: bool

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.key}"


def indicators(evaluation: Evaluation) -> list[Indicator]:
    """Scales (adaptive banks' T-scores among them) and answerable questions of the latest
    version of each instrument, scales first.

    The latest version (draft or published) is used so outcomes can be planned while the
    instrument is still being written.
    """
    scales: dict[str, Indicator] = {}
    questions: dict[str, Indicator] = {}
    for instrument in sorted(evaluation.instruments, key=lambda i: i.id):
        if instrument.latest is None:
            continue
        definition = definition_of(instrument.latest)
        language = definition.default_language
        for scale in definition.scales:
            title = definition.text(scale.title, language) or scale.key
            scales.setdefault(scale.key, Indicator(IndicatorKind.SCALE, scale.key, title, True))
        # An adaptive block's T-score (50 + 10 θ) is a scale score under the bank's key.
        for bank in adaptive_banks(definition):
            title = definition.text(bank.title, language) or bank.key
            scales.setdefault(
                bank.key, Indicator(IndicatorKind.SCALE, bank.key, f"{title} (T-score)", True)
            )
        for question in definition.questions():
            if question.type in ("note", "calculated", "story", "value_grid", "triad"):
                continue
            label = definition.text(question.label, language)[:90] or question.key
            questions.setdefault(
                question.key,
                Indicator(
                    IndicatorKind.QUESTION, question.key, label, _numeric(definition, question)
                ),
            )
    return list(scales.values()) + list(questions.values())


def _numeric(definition, question) -> bool:
    if question.type in NUMERIC_TYPES:
        return True
    if question.type != "single_choice":
        return False
    choices = definition.choices_for(question)
    return bool(choices) and all(
        c.score is not None or re.fullmatch(r"-?\d+(\.\d+)?", c.value) for c in choices
    )


def outcome_in(evaluation: Evaluation, outcome_id: int) -> Outcome | None:
    """The evaluation's outcome with this id; None for another evaluation's (no IDOR)."""
    if not 0 < outcome_id <= MAX_ID:
        return None
    return db.session.execute(
        db.select(Outcome).filter_by(id=outcome_id, evaluation_id=evaluation.id)
    ).scalar_one_or_none()


def add_outcome(
    evaluation: Evaluation,
    *,
    title: str,
    indicator_kind: IndicatorKind | str,
    indicator_key: str,
    statistic: Statistic | str,
    target: float,
    direction: Direction | str,
    description: str = "",
    threshold: float | None = None,
    baseline_value: float | None = None,
    baseline_wave_id: int | None = None,
    due_wave_id: int | None = None,
    origin: Origin | str | None = None,
    reason: str | None = None,
    author: User | None = None,
) -> Outcome:
    """Add an outcome to the framework; raises FrameworkError naming the field at fault.

    ``origin`` defaults to ``planned`` before the lock and ``emergent`` after it; ``proposed``
    is for outcomes accepted from members' proposals. After the lock the addition is recorded
    as a revision (before=None) and ``reason`` is required.
    """
    origin = _enum(
        Origin,
        origin or (Origin.EMERGENT if evaluation.framework_locked else Origin.PLANNED),
        "origin",
    )
    if evaluation.framework_locked and origin is Origin.PLANNED:
        raise FrameworkError(
            "The framework is locked, so a new outcome cannot be planned any more: add it as "
            "emergent or proposed.",
            "origin",
        )
    fields = _clean(
        evaluation,
        {
            "title": title,
            "description": description,
            "indicator_kind": indicator_kind,
            "indicator_key": indicator_key,
            "statistic": statistic,
            "threshold": threshold,
            "baseline_value": baseline_value,
            "baseline_wave_id": baseline_wave_id,
            "target": target,
            "direction": direction,
            "due_wave_id": due_wave_id,
        },
    )
    reason = _reason(reason, required=evaluation.framework_locked)
    positions = [o.position for o in evaluation.outcomes]
    outcome = Outcome(
        evaluation=evaluation,
        key=_free_key(evaluation, fields["title"]),
        origin=origin,
        position=max(positions, default=-1) + 1,
        **fields,
    )
    db.session.add(outcome)
    db.session.flush()
    if evaluation.framework_locked:
        _revision(outcome, None, reason, author)
    audit.record(
        "outcome.add",
        evaluation_id=evaluation.id,
        obj=outcome,
        actor_id=author.id if author else None,
        origin=str(origin),
    )
    return outcome


def revise_outcome(
    outcome: Outcome, changes: dict[str, Any], *, reason: str | None, author: User | None
) -> OutcomeRevision | None:
    """Apply ``changes`` (names from EDITABLE) to an outcome.

    After the lock this needs a reason and returns the OutcomeRevision; before it the edit is
    only audited and None is returned. Nothing changing is not an error: None, nothing saved.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not an editable outcome field: {', '.join(sorted(unknown))}")
    evaluation = outcome.evaluation
    current = {name: getattr(outcome, name) for name in EDITABLE}
    fields = _clean(evaluation, {**current, **changes})
    changed = [name for name in EDITABLE if fields[name] != current[name]]
    if not changed:
        return None
    reason = _reason(reason, required=evaluation.framework_locked)
    before = outcome.as_framework_entry()
    for name in changed:
        setattr(outcome, name, fields[name])
    db.session.flush()
    audit.record(
        "outcome.revise",
        evaluation_id=evaluation.id,
        obj=outcome,
        actor_id=author.id if author else None,
        fields=changed,
    )
    if evaluation.framework_locked:
        return _revision(outcome, before, reason, author)
    return None


def drop_outcome(outcome: Outcome, *, reason: str | None, author: User | None) -> OutcomeRevision:
    """Take an outcome out of the framework, keeping it (inactive) with the reason why."""
    if not outcome.active:
        raise FrameworkError("This outcome was already dropped.")
    reason = _reason(reason, required=True)
    before = outcome.as_framework_entry()
    outcome.active = False
    db.session.flush()
    audit.record(
        "outcome.drop",
        evaluation_id=outcome.evaluation_id,
        obj=outcome,
        actor_id=author.id if author else None,
    )
    return _revision(outcome, before, reason, author)


def move_outcome(outcome: Outcome, offset: int) -> bool:
    """Move an outcome up (-1) or down (+1) in the framework; False when already at the end."""
    if not outcome.active:
        return False
    ordered = sorted(
        (o for o in outcome.evaluation.outcomes if o.active), key=lambda o: (o.position, o.id)
    )
    index = ordered.index(outcome)
    other = index + offset
    if offset not in (-1, 1) or not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    audit.record(
        "outcome.move",
        evaluation_id=outcome.evaluation_id,
        obj=outcome,
        direction="up" if offset < 0 else "down",
    )
    return True


def _revision(
    outcome: Outcome, before: dict | None, reason: str, author: User | None
) -> OutcomeRevision:
    revision = OutcomeRevision(
        outcome_id=outcome.id,
        author_id=author.id if author else None,
        reason=reason,
        before=before,
        after=outcome.as_framework_entry(),
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def _reason(reason: str | None, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise FrameworkError(
            "Give the reason for this change: the framework is locked, so every change is kept "
            "with its reason for the report.",
            "reason",
        )
    if len(reason) > MAX_REASON:
        raise FrameworkError(f"Shorten the reason to {MAX_REASON} characters or fewer.", "reason")
    return reason


#: What to say when a choice is not one of the allowed values, by field.
CHOICE_MESSAGES = {
    "origin": "Choose the origin: planned, emergent or proposed.",
    "indicator": "Choose the question or scale that measures this outcome.",
    "statistic": "Choose the statistic: mean, median, or proportion at or above a threshold.",
    "direction": "Choose whether the indicator should increase, decrease or stay about the same.",
}


def _enum(kind: type, value: Any, field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise FrameworkError(CHOICE_MESSAGES[field], field) from None


def _number(value: Any, field: str, label: str, *, required: bool) -> float | None:
    if value is None or value == "":
        if required:
            raise FrameworkError(f"Enter the {label} as a number, e.g. 3.5.", field)
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FrameworkError(f"Enter the {label} as a number, e.g. 3.5.", field) from None
    if not math.isfinite(number) or abs(number) > 1e12:
        raise FrameworkError(f"Enter the {label} as an ordinary number, e.g. 3.5.", field)
    return number


def _wave_id(evaluation: Evaluation, value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value)
    wave = db.session.get(Wave, int(text)) if re.fullmatch(r"[0-9]{1,9}", text) else None
    if wave is None or wave.evaluation_id != evaluation.id:
        raise FrameworkError("Choose one of this evaluation's waves.", field)
    return wave.id


def _clean(evaluation: Evaluation, raw: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise outcome fields; the first problem raises FrameworkError."""
    title = (raw["title"] or "").strip()
    if not title:
        raise FrameworkError(
            "Enter a title for the outcome, e.g. “Members feel listened to”.", "title"
        )
    if len(title) > 200:
        raise FrameworkError("Shorten the title to 200 characters or fewer.", "title")
    kind = _enum(IndicatorKind, raw["indicator_kind"], "indicator")
    statistic = _enum(Statistic, raw["statistic"], "statistic")
    found = {(i.kind, i.key): i for i in indicators(evaluation)}.get((kind, raw["indicator_key"]))
    if found is None:
        raise FrameworkError(
            f"There is no {kind} “{str(raw['indicator_key'])[:64]}” in this evaluation's "
            "instruments: choose one from the list.",
            "indicator",
        )
    if not found.numeric:
        need = (
            "A proportion counts answers at or above a threshold"
            if statistic is Statistic.PROPORTION
            else f"A {statistic}"
        )
        raise FrameworkError(
            f"{need}, so it needs a question with numeric answers or a scale; “{found.label}” "
            "has none. Choose a rating, number or likert question, or a scale.",
            "indicator",
        )
    threshold = _number(
        raw["threshold"], "threshold", "threshold", required=statistic is Statistic.PROPORTION
    )
    if statistic is not Statistic.PROPORTION:
        threshold = None
    baseline_wave_id = _wave_id(evaluation, raw["baseline_wave_id"], "baseline_wave")
    baseline = (
        None
        if baseline_wave_id
        else _number(raw["baseline_value"], "baseline_value", "baseline", required=False)
    )
    target = _number(raw["target"], "target", "target", required=True)
    if statistic is Statistic.PROPORTION:
        for name, value in (("target", target), ("baseline_value", baseline)):
            if value is not None and not 0 <= value <= 1:
                raise FrameworkError(
                    f"For a proportion, enter the {name.split('_')[0]} as a share between 0 and "
                    "1, e.g. 0.6 for 60%.",
                    name,
                )
    return {
        "title": title,
        "description": (raw.get("description") or "").strip()[:5000],
        "indicator_kind": kind,
        "indicator_key": found.key,
        "statistic": statistic,
        "threshold": threshold,
        "baseline_value": baseline,
        "baseline_wave_id": baseline_wave_id,
        "target": target,
        "direction": _enum(Direction, raw["direction"], "direction"),
        "due_wave_id": _wave_id(evaluation, raw["due_wave_id"], "due_wave"),
    }


def _free_key(evaluation: Evaluation, title: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-") or "outcome"
    taken = set(db.session.scalars(db.select(Outcome.key).filter_by(evaluation_id=evaluation.id)))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key
