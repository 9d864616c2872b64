"""Real-shaped survey data shared by the analysis tests (fixed seeds, so numbers are stable)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def likert() -> np.ndarray:
    """40 answers to a 1-5 Likert item, many ties."""
    rng = np.random.default_rng(7)
    return rng.choice([1, 2, 3, 4, 5], size=40, p=[0.1, 0.15, 0.3, 0.3, 0.15]).astype(float)


@pytest.fixture
def ratings_members() -> np.ndarray:
    """37 members' 0-10 ratings."""
    rng = np.random.default_rng(11)
    return np.clip(np.round(rng.normal(6.5, 2.0, 37)), 0, 10)


@pytest.fixture
def ratings_staff() -> np.ndarray:
    """12 staff members' 0-10 ratings."""
    rng = np.random.default_rng(12)
    return np.clip(np.round(rng.normal(5.0, 2.2, 12)), 0, 10)


@pytest.fixture
def scale_items() -> np.ndarray:
    """45 respondents x 4 Likert items driven by one trait, with two missing answers."""
    rng = np.random.default_rng(3)
    trait = rng.normal(0, 1, 45)
    items = np.clip(np.round(3 + trait[:, None] + rng.normal(0, 0.8, (45, 4))), 1, 5)
    items[4, 2] = np.nan
    items[10, 0] = np.nan
    return items


@pytest.fixture
def panel() -> tuple[np.ndarray, np.ndarray]:
    """25 respondents linked by panel code: baseline and follow-up 0-10 ratings."""
    rng = np.random.default_rng(5)
    before = np.clip(np.round(rng.normal(5, 2, 25)), 0, 10)
    after = np.clip(before + np.round(rng.normal(0.8, 1.5, 25)), 0, 10)
    return before, after
