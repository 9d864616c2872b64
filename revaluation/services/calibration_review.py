"""What the calibration pages show, as plain values (templates fire no queries, compute nothing).

The item and test information curves are computed here from the stored parameters with the
engine's formulas (:func:`surveys.grm.item_information`) and drawn by
:func:`revaluation.reports.charts.information_curves`; the same numbers go into the table that
is the charts' text alternative.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from revaluation.models import Instrument, Job
from revaluation.reports.charts import information_curves
from revaluation.services.calibration_accept import Rule, default_rule
from revaluation.services.calibration_jobs import BankSource, calibration_jobs
from surveys.grm import GradedItem, item_information

#: θ from -3 to 3 (T 20 to 80): where nearly everyone in a population with mean 0 and SD 1 is.
CURVE_T = np.linspace(20.0, 80.0, 121)
TABLE_T = [20, 30, 40, 50, 60, 70, 80]


def _theta(t_scores: np.ndarray | list[float]) -> np.ndarray:
    return (np.asarray(t_scores, dtype=float) - 50.0) / 10.0


def job_summary(job: Job) -> dict[str, Any]:
    """A calibration job's state and what it was asked, for lists and the review page."""
    result = job.result or {}
    return {
        "id": job.id,
        "status": str(job.status),
        "progress": job.progress,
        "error": job.error,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "bank_key": job.params.get("bank_key"),
        "wave_id": job.params.get("wave_id"),
        "bank_title": result.get("bank_title") or job.params.get("bank_key"),
        "wave_name": result.get("wave_name"),
        "version_number": result.get("version_number"),
        "accepted": result.get("accepted"),
    }


def calibrate_page(instrument: Instrument, sources: list[BankSource]) -> dict[str, Any]:
    """The "Calibrate item bank" page: banks with their waves, and earlier calibrations."""
    jobs = [job_summary(job) for job in calibration_jobs(instrument)]
    return {
        "banks": [
            {
                "key": bank.key,
                "title": bank.title,
                "n_items": bank.n_items,
                "categories": bank.categories,
                "adaptive_page": bank.adaptive_page,
                "rule": bank.rule,
                "ready": [w for w in bank.waves if w.ready],
                "not_ready": [w for w in bank.waves if not w.ready],
            }
            for bank in sources
        ],
        "jobs": jobs,
        "refresh": any(j["status"] in ("queued", "running") for j in jobs),
    }


def review(job: Job, rule: Rule | None = None) -> dict[str, Any]:
    """Everything the review page shows for one calibration job."""
    out: dict[str, Any] = {"job": job_summary(job), "result": None}
    result = job.result
    if not result or not result.get("items"):
        return out
    labels = result["category_labels"]
    items = [_item_row(item, labels) for item in result["items"]]
    graded = [GradedItem(i["key"], i["slope"], tuple(i["thresholds"])) for i in result["items"]]
    chosen = rule or default_rule(result)
    out["result"] = {
        **{k: result[k] for k in ("bank_key", "bank_title", "version_number", "wave_name",
                                  "n_used", "n_complete", "converged", "iterations", "warnings",
                                  "accepted")},
        "categories": labels,
        "items": items,
        "flagged": [i for i in items if i["flags"]],
        "blocked": [i["key"] for i in items if not i["publishable"]],
        "rule": chosen,
        **_information(graded, chosen.max_se, result["bank_title"]),
    }
    return out


def _item_row(item: dict[str, Any], labels: list[str]) -> dict[str, Any]:
    errors = item["threshold_se"] or [None] * len(item["thresholds"])
    return {
        "key": item["key"],
        "label": item["label"],
        "slope": item["slope"],
        "slope_se": item["slope_se"],
        "thresholds": list(zip(item["thresholds"], errors, strict=True)),
        "counts": list(zip(labels, item["counts"], strict=True)),
        "flags": item["flags"],
        "publishable": item["publishable"],
    }


def _information(items: list[GradedItem], max_se: float, title: str) -> dict[str, Any]:
    """Item and test information over T 20-80: two SVG charts and their table."""
    theta = _theta(CURVE_T)
    curves = [{"label": item.key, "values": item_information(item, theta).tolist()}
              for item in items]
    total = np.sum([c["values"] for c in curves], axis=0)
    needed = 1.0 / max_se**2
    reference = (needed, f"SE {max_se:g} needs information {needed:.1f}")
    table_theta = _theta(TABLE_T)
    rows = [{"key": item.key, "values": item_information(item, table_theta).tolist()}
            for item in items]
    table_total = np.sum([r["values"] for r in rows], axis=0)
    precise = CURVE_T[total >= needed]
    return {
        "item_chart": information_curves(
            CURVE_T.tolist(), curves, title=f"Item information curves: {title}"),
        "test_chart": information_curves(
            CURVE_T.tolist(), [{"label": f"All {len(items)} items", "values": total.tolist()}],
            title=f"Test information curve: {title}", reference=reference),
        "table_t": TABLE_T,
        "table_rows": rows,
        "table_total": table_total.tolist(),
        # The SE of an EAP score from the whole bank, with the N(0, 1) prior adding 1.
        "table_se": (1.0 / np.sqrt(table_total + 1.0)).tolist(),
        "precise_range": (float(precise.min()), float(precise.max())) if precise.size else None,
        "needed": needed,
    }
