"""The work of a calibration job: read a wave's answers to a bank, fit it, check the fit.

Fits Samejima's graded response model (:func:`surveys.calibration.fit_grm`), works out
standard errors (:func:`surveys.grm_errors.standard_errors`) and flags what needs a second
look. Everything the review page shows is returned as plain JSON for ``Job.result``, so a
calibration can be read later exactly as it came out.

Answers are read by the item's choice value (``Answer.text``) in the bank's category list, so
the category codes are the ones the bank defines whatever the stored number says.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa
from threadpoolctl import threadpool_limits

from revaluation.extensions import db
from revaluation.models import Answer, InstrumentVersion, Job, Response, ResponseStatus, Wave
from revaluation.models.base import utcnow
from revaluation.services import jobs
from surveys.calibration import CalibrationError, CalibrationResult, fit_grm
from surveys.grm_em import SLOPE_BOUNDS
from surveys.grm_errors import standard_errors
from surveys.model import Instrument as Definition

#: Respondents who answered every item; fewer gives estimates too rough to adapt on.
MIN_COMPLETE = 200
#: A category chosen by fewer respondents than this has a poorly estimated threshold.
MIN_PER_CATEGORY = 10
#: Slopes below this barely separate people: the item adds little information anywhere.
LOW_SLOPE = 0.5


def answer_matrix(wave: Wave, definition: Definition, bank_key: str) -> np.ndarray:
    """Complete responses x bank items of category codes (0..K-1 in the bank's category
    list), -1 where an item was not answered; rows without any answer are left out."""
    bank = definition.item_bank(bank_key)
    keys = [item.key for item in bank.items]
    values = [c.value for c in definition.choice_list(bank.categories).choices]
    code_of = {value: position for position, value in enumerate(values)}
    rows = db.session.execute(
        sa.select(Answer.response_id, Answer.question_key, Answer.text)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.wave_id == wave.id,
            Response.status == ResponseStatus.COMPLETE,
            Answer.question_key.in_(keys),
        )
        .order_by(Answer.response_id)
    ).all()
    people = {rid: row for row, rid in enumerate(dict.fromkeys(r[0] for r in rows))}
    column = {key: index for index, key in enumerate(keys)}
    codes = np.full((len(people), len(keys)), -1, dtype=int)
    for rid, key, text in rows:
        code = code_of.get(text)
        if code is not None:
            codes[people[rid], column[key]] = code
    return codes[np.any(codes >= 0, axis=1)]


def calibrate(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """The work of a calibration job: the result dict for ``Job.result`` (see the module
    docstring); JobInputError, in words, when the data cannot support a fit."""
    version = db.session.get(InstrumentVersion, job.params["version_id"])
    wave = db.session.get(Wave, job.params["wave_id"])
    if version is None or wave is None:
        raise jobs.JobInputError(
            "The instrument version or the wave this calibration used has been deleted."
        )
    definition = Definition.from_dict(version.definition)
    bank_key = job.params["bank_key"]
    bank = definition.item_bank(bank_key)
    categories = definition.choice_list(bank.categories).choices
    codes = answer_matrix(wave, definition, bank_key)
    progress(15)
    keys = [item.key for item in bank.items]
    # The matrices are small: threaded BLAS only fights the web processes for the cores (it
    # made a fit several times slower on a busy two-core host), so one thread does the maths.
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            fitted = fit_grm(
                codes, keys=keys, n_categories=len(categories), min_complete=MIN_COMPLETE
            )
        except CalibrationError as error:
            raise jobs.JobInputError(f"The data cannot support a calibration: {error}.") from None
        progress(70)
        errors = standard_errors(fitted, codes)
    progress(95)
    language = definition.default_language
    return {
        "bank_key": bank_key,
        "bank_title": definition.text(bank.title, language) or bank_key,
        "version_id": version.id,
        "version_number": version.number,
        "wave_id": wave.id,
        "wave_name": wave.name,
        "category_labels": [definition.text(c.label, language) or c.value for c in categories],
        "n_used": fitted.n_used,
        "n_complete": int(np.all(codes >= 0, axis=1).sum()),
        "converged": fitted.converged,
        "iterations": len(fitted.loglik_history) - 1,
        "loglik": round(fitted.loglik_history[-1], 4),
        "warnings": [] if fitted.converged else [
            f"The fit did not converge in {len(fitted.loglik_history) - 1} cycles, so the "
            "estimates are provisional. Collect more responses before adapting on them."
        ],
        "items": _items(fitted, codes, errors, definition, bank_key),
        "fitted_at": utcnow().isoformat(timespec="seconds"),
        "accepted": None,
    }


def _items(
    fitted: CalibrationResult, codes: np.ndarray, errors: dict, definition: Definition,
    bank_key: str,
) -> list[dict[str, Any]]:
    language = definition.default_language
    bank = definition.item_bank(bank_key)
    labels = [
        definition.text(c.label, language) or c.value
        for c in definition.choice_list(bank.categories).choices
    ]
    out = []
    for column, item in enumerate(fitted.items):
        answers = codes[codes[:, column] >= 0, column]
        counts = np.bincount(answers, minlength=len(labels)).tolist()
        error = errors.get(item.key)
        flags = _flags(item.slope, counts, labels, no_error=error is None)
        out.append({
            "key": item.key,
            "label": definition.text(bank.item(item.key).label, language),
            "slope": round(item.slope, 6),
            "thresholds": [round(b, 6) for b in item.thresholds],
            "slope_se": None if error is None else round(error.slope, 6),
            "threshold_se": None if error is None else [round(e, 6) for e in error.thresholds],
            "categories": list(fitted.categories[item.key]),
            "counts": counts,
            "flags": flags,
            "publishable": not any(f["code"] == "unused_category" for f in flags),
        })
    return out


def _flags(
    slope: float, counts: list[int], labels: list[str], *, no_error: bool
) -> list[dict[str, str]]:
    """What a reviewer should look at for one item, each with a plain explanation."""
    flags = []
    unused = [f"“{labels[k]}”" for k, count in enumerate(counts) if count == 0]
    if unused:
        flags.append({"code": "unused_category", "text": (
            f"Nobody chose {' or '.join(unused)}, so that category has no threshold. The item "
            "cannot go into an adaptive version as it is: leave it out, or calibrate on more data."
        )})
    sparse = [
        f"“{labels[k]}” ({count})" for k, count in enumerate(counts) if 0 < count < MIN_PER_CATEGORY
    ]
    if sparse:
        flags.append({"code": "sparse_category", "text": (
            f"Fewer than {MIN_PER_CATEGORY} people chose {', '.join(sparse)}; the thresholds "
            "next to that category are rough."
        )})
    if np.isclose(slope, SLOPE_BOUNDS[0]) or np.isclose(slope, SLOPE_BOUNDS[1]):
        flags.append({"code": "slope_at_bound", "text": (
            f"The discrimination ran to its limit ({slope:.2f}): the data barely identify it."
        )})
    elif slope < LOW_SLOPE:
        flags.append({"code": "low_slope", "text": (
            f"Discrimination {slope:.2f} is near zero: answers hardly depend on the trait, so "
            "the item adds little information. Consider leaving it out."
        )})
    if no_error:
        flags.append({"code": "no_standard_error", "text": (
            "No standard error could be computed: the data do not pin this item down."
        )})
    return flags
