"""Simulate adaptive testing and calibration on a PROMIS-like graded-response bank.

Run as ``python benchmarks/cat_simulation.py [--seed N]``. It builds a 28-item, 5-category
bank with slopes between 1.5 and 3.5, draws simulees from N(0,1), answers the whole bank for
each of them, then runs a CAT (min 4 / max 12 items / SE < 0.3) that reads its answers from the
same responses, so the CAT and full-bank scores differ only by which items were used.
It prints how many items the CAT needed, how close its scores are to the full bank and to the
true θ, and the marginal reliability; then it recalibrates the bank from N = 1,000 simulated
respondents and prints how well the parameters are recovered.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from surveys.adaptive import CatRule, CatSession, ItemBank, eap_scores
from surveys.calibration import fit_grm
from surveys.grm import GradedItem, simulate_responses

N_ITEMS = 28
N_CATEGORIES = 5


def make_bank(rng: np.random.Generator) -> ItemBank:
    """Slopes U(1.5, 3.5); each item centred in U(-0.8, 0.8) with gaps U(0.6, 1.3)."""
    items = []
    for j in range(N_ITEMS):
        gaps = rng.uniform(0.6, 1.3, N_CATEGORIES - 2)
        offsets = np.concatenate([[0.0], np.cumsum(gaps)])
        thresholds = rng.uniform(-0.8, 0.8) + offsets - offsets.mean()
        items.append(GradedItem(f"item{j + 1:02d}", rng.uniform(1.5, 3.5), tuple(thresholds)))
    return ItemBank(items)


def run_cat(bank: ItemBank, rule: CatRule, answers: np.ndarray) -> tuple[np.ndarray, ...]:
    """CAT θ, SE and number of items for each row of the full-bank ``answers``."""
    column = {key: j for j, key in enumerate(bank.keys)}
    theta, se, used = (np.empty(len(answers)) for _ in range(3))
    for person, row in enumerate(answers):
        session = CatSession(bank, rule)
        while (item := session.next_item()) is not None:
            session.record(item.key, int(row[column[item.key]]))
        theta[person], se[person], used[person] = session.theta, session.se, len(session.asked)
    return theta, se, used


def rmse_t(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((10 * (a - b)) ** 2)))


def report_cat(bank: ItemBank, rule: CatRule, true: np.ndarray, answers: np.ndarray) -> None:
    full, full_se = eap_scores(bank, answers)
    start = time.perf_counter()
    cat, cat_se, used = run_cat(bank, rule, answers)
    elapsed = time.perf_counter() - start
    mean_se2 = float(np.mean(cat_se**2))
    print(
        f"CAT ({rule.selection}, min {rule.min_items} / max {rule.max_items} / SE < "
        f"{rule.max_se}), {len(true)} simulees, {elapsed:.1f} s"
    )
    print(
        f"  items asked: mean {used.mean():.2f}, median {np.median(used):.0f}, "
        f"at the maximum {np.mean(used == rule.max_items):.1%}"
    )
    print(f"  r(CAT θ, full-bank θ)        = {np.corrcoef(cat, full)[0, 1]:.4f}")
    print(
        f"  r(CAT θ, true θ)             = {np.corrcoef(cat, true)[0, 1]:.4f}"
        f"   (full bank: {np.corrcoef(full, true)[0, 1]:.4f})"
    )
    print(f"  RMSE CAT vs full bank        = {rmse_t(cat, full):.2f} T points")
    print(
        f"  RMSE CAT vs true θ           = {rmse_t(cat, true):.2f} T points"
        f"   (full bank: {rmse_t(full, true):.2f})"
    )
    print(
        f"  mean CAT SE                  = {np.mean(cat_se):.3f}"
        f"   (full bank: {np.mean(full_se):.3f})"
    )
    var_hat = float(np.var(cat))
    print(f"  marginal reliability var(θ̂)/(var(θ̂)+mean SE²) = {var_hat / (var_hat + mean_se2):.3f}")
    print(f"  1 - mean SE² / var(θ̂)                         = {1 - mean_se2 / var_hat:.3f}")
    print(
        f"  r(CAT θ, true θ)²                             = {np.corrcoef(cat, true)[0, 1] ** 2:.3f}"
    )


def report_calibration(bank: ItemBank, n: int, rng: np.random.Generator) -> None:
    theta = rng.normal(size=n)
    answers = simulate_responses(bank.items, theta, rng)
    start = time.perf_counter()
    result = fit_grm(answers, keys=bank.keys, n_categories=N_CATEGORIES)
    elapsed = time.perf_counter() - start
    true_a = np.array([item.slope for item in bank])
    fit_a = np.array([item.slope for item in result.items])
    true_b = np.concatenate([item.thresholds for item in bank])
    fit_b = np.concatenate([item.thresholds for item in result.items])
    print(
        f"Calibration, N = {n}, {N_ITEMS} items: {elapsed:.1f} s, "
        f"{len(result.loglik_history) - 1} EM iterations, converged {result.converged}"
    )
    print(
        f"  r(true, fitted slopes)       = {np.corrcoef(true_a, fit_a)[0, 1]:.4f}"
        f"   mean |diff| {np.mean(np.abs(true_a - fit_a)):.3f}"
    )
    print(
        f"  r(true, fitted thresholds)   = {np.corrcoef(true_b, fit_b)[0, 1]:.4f}"
        f"   mean |diff| {np.mean(np.abs(true_b - fit_b)):.3f}"
    )
    print(
        f"  log-likelihood never fell    = {bool(np.all(np.diff(result.loglik_history) > -1e-6))}"
    )
    for warning in result.warnings:
        print(f"  warning: {warning}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--simulees", type=int, default=2000)
    parser.add_argument("--calibration-n", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    bank = make_bank(rng)
    slopes = np.array([item.slope for item in bank])
    print(
        f"Bank: {N_ITEMS} items x {N_CATEGORIES} categories, seed {args.seed}, slopes "
        f"{slopes.min():.2f}-{slopes.max():.2f} (mean {slopes.mean():.2f})"
    )
    true = rng.normal(size=args.simulees)
    answers = simulate_responses(bank.items, true, rng)
    for selection in ("mfi", "pwi"):
        report_cat(bank, CatRule(4, 12, 0.3, selection=selection), true, answers)
    report_calibration(bank, args.calibration_n, rng)


if __name__ == "__main__":
    main()
