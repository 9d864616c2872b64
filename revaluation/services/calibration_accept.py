"""Accepting a calibration: the fitted item parameters and a stopping rule go into a draft.

The draft is the instrument's usual one (:func:`revaluation.services.instruments.edit_draft`):
the latest version if it is a draft, else a copy of the latest published version as the next
number, so a published version never changes. The evaluator then reviews the difference and
publishes it the normal way. The edit goes through the engine's full validation like any
other, so a bank that would not load (thresholds that do not match its categories...) is
refused with the engine's message.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass
from functools import partial
from typing import Any

from revaluation.extensions import db
from revaluation.models import Instrument, InstrumentVersion, Job, JobStatus
from revaluation.models.base import utcnow
from revaluation.services import audit, instruments
from revaluation.services.instrument_editing import EditError, validated

#: Stopping-rule defaults offered on the review page (PROMIS-like: 4 to 12 items, SE 0.3,
#: about reliability 0.91).
DEFAULT_MIN_ITEMS = 4
DEFAULT_MAX_ITEMS = 12
DEFAULT_MAX_SE = 0.3
MAX_SE_RANGE = (0.1, 0.9)


class AcceptError(ValueError):
    """The calibration cannot be accepted as asked; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Rule:
    """When the adaptive test stops: after ``max_items``, or once the standard error of the
    score falls below ``max_se`` (but not before ``min_items``)."""

    min_items: int
    max_items: int
    max_se: float

    def to_dict(self) -> dict[str, Any]:
        return {"min_items": self.min_items, "max_items": self.max_items, "max_se": self.max_se}


def default_rule(result: dict[str, Any]) -> Rule:
    """The rule the review form starts from, fitted to the number of usable items."""
    usable = sum(1 for item in result["items"] if item["publishable"]) or 1
    return Rule(min(DEFAULT_MIN_ITEMS, usable), min(DEFAULT_MAX_ITEMS, usable), DEFAULT_MAX_SE)


def check_rule(min_items: Any, max_items: Any, max_se: Any, n_items: int) -> Rule:
    """The stopping rule from form values, or AcceptError naming the field and the fix."""
    def whole(value: Any, field: str, label: str) -> int:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise AcceptError(f"Enter the {label} as a whole number, e.g. 4.", field) from None
        if not 1 <= number <= n_items:
            raise AcceptError(
                f"The {label} must be between 1 and {n_items} (the items you kept).", field
            )
        return number

    low = whole(min_items, "min_items", "fewest items")
    high = whole(max_items, "max_items", "most items")
    if low > high:
        raise AcceptError(
            f"The fewest items ({low}) cannot be more than the most items ({high}).", "min_items"
        )
    try:
        se = float(str(max_se).strip())
    except (TypeError, ValueError):
        raise AcceptError("Enter the standard error to stop at as a number, e.g. 0.3.",
                          "max_se") from None
    if not (math.isfinite(se) and MAX_SE_RANGE[0] <= se <= MAX_SE_RANGE[1]):
        raise AcceptError(
            f"Enter a standard error between {MAX_SE_RANGE[0]} and {MAX_SE_RANGE[1]}; 0.3 (3 "
            "T-score points) is usual.", "max_se"
        )
    return Rule(low, high, round(se, 3))


def accept_calibration(
    instrument: Instrument, job: Job, *, include: list[str], rule: Rule, user_id: int | None
) -> InstrumentVersion:
    """Put the calibration's parameters for the ``include``d items, and ``rule``, into the
    instrument's draft; the other items leave the bank. Returns the draft."""
    result = job.result or {}
    if job.status is not JobStatus.DONE or not result.get("items"):
        raise AcceptError("Only a finished calibration can be accepted.")
    if result.get("accepted"):
        raise AcceptError(
            f"This calibration was already accepted into version "
            f"{result['accepted']['version_number']}."
        )
    items = {item["key"]: item for item in result["items"]}
    chosen = [key for key in dict.fromkeys(include) if key in items]
    unknown = [key for key in include if key not in items]
    if unknown:
        raise AcceptError(f"“{unknown[0]}” is not an item of this calibration.", "include")
    blocked = [key for key in chosen if not items[key]["publishable"]]
    if blocked:
        raise AcceptError(
            f"“{blocked[0]}” has a category nobody chose, so it cannot be used adaptively; "
            "leave it out.", "include"
        )
    if len(chosen) < 2:
        raise AcceptError("Keep at least two items: an adaptive test chooses between items.",
                          "include")
    if rule.max_items > len(chosen):
        raise AcceptError(
            f"The most items ({rule.max_items}) is more than the {len(chosen)} items you kept.",
            "max_items",
        )
    fitted = {key: (items[key]["slope"], items[key]["thresholds"]) for key in chosen}
    operation = partial(
        apply_calibration, bank_key=result["bank_key"], fitted=fitted,
        calibrated=list(items), rule=rule.to_dict(),
    )
    version = instruments.edit_draft(
        instrument, operation, action="calibration_accept", job_id=job.id,
        bank=result["bank_key"],
    )
    job.result = {**result, "accepted": {
        "version_number": version.number,
        "version_id": version.id,
        "items": chosen,
        "rule": rule.to_dict(),
        "by": user_id,
        "at": utcnow().isoformat(timespec="seconds"),
    }}
    db.session.flush()
    audit.record("calibration.accept", evaluation_id=instrument.evaluation_id, obj=job,
                 actor_id=user_id, number=version.number)
    return version


def apply_calibration(
    doc: dict[str, Any],
    *,
    bank_key: str,
    fitted: dict[str, tuple[float, list[float]]],
    calibrated: list[str],
    rule: dict[str, Any],
) -> dict[str, Any]:
    """The definition with bank ``bank_key`` holding the ``fitted`` items (others removed)
    and ``rule``. EditError if the bank changed since the items were ``calibrated``."""
    new = copy.deepcopy(doc)
    bank = next((b for b in new.get("item_banks") or [] if b.get("key") == bank_key), None)
    if bank is None:
        raise EditError(
            f"The latest version no longer has the item bank “{bank_key}”, so there is nothing "
            "to put the parameters into. Calibrate the version that has it."
        )
    current = [item["key"] for item in bank.get("items", [])]
    added = [key for key in current if key not in calibrated]
    if added:
        raise EditError(
            f"Items were added to the bank since this calibration ({', '.join(added)}); their "
            "parameters would not be on the same scale. Field and calibrate the whole bank again."
        )
    gone = [key for key in fitted if key not in current]
    if gone:
        them = "it" if len(gone) == 1 else "them"
        raise EditError(
            f"The latest version's bank no longer has {', '.join(gone)}; leave {them} out, or "
            f"add {them} back first."
        )
    items = []
    for item in bank["items"]:
        if item["key"] in fitted:
            slope, thresholds = fitted[item["key"]]
            items.append({**item, "slope": round(slope, 4), "thresholds": _rounded(thresholds)})
    bank["items"] = items
    bank["rule"] = dict(rule)
    return validated(new)


def _rounded(thresholds: list[float]) -> list[float]:
    """Thresholds to 4 decimals (enough for scoring), or 6 where 4 would tie two of them."""
    for places in (4, 6):
        rounded = [round(b, places) for b in thresholds]
        if all(a < b for a, b in itertools.pairwise(rounded)):
            return rounded
    return list(thresholds)
