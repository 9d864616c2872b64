"""How numbers are written, in one place, for the results pages and the PDF reports alike.

A commissioner compares the report with the web page and with ``flask results`` output, so a
mean, a share or a p-value must read identically everywhere. Every template that prints a
statistic goes through these functions (also registered as Jinja filters by :func:`register`).

Conventions: means and medians with two decimals; proportions as percentages with one
decimal; changes signed, proportions' changes in percentage points; p-values with three
decimals, or "< 0.001"; counts with thousands separators. A missing value is an en dash.
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "–"
MINUS = "\u2212"  # the typographic minus sign, which never breaks from its number

#: Plain words for the analysis layer's outcome statuses.
STATUS_LABELS = {
    "achieved": "Achieved",
    "not_achieved": "Not achieved",
    "too_early": "Too early to tell",
    "not_measurable": "Not measurable",
}

#: Short explanations a commissioner can read aloud.
STATUS_MEANINGS = {
    "achieved": "the whole 95% confidence interval is on the right side of the target",
    "not_achieved": "the whole 95% confidence interval is on the wrong side of the target",
    "too_early": "the 95% confidence interval includes the target, so the data cannot yet say",
    "not_measurable": "there were too few answers, or no answers, to measure it",
}


def _finite(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _signed(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def is_share(statistic: str | None) -> bool:
    """Whether values of this statistic are shares (0-1) printed as percentages."""
    return statistic == "proportion"


def format_value(value: Any, statistic: str | None = None) -> str:
    """An estimate: 3.42 for a mean or median, 42.3% for a proportion."""
    number = _finite(value)
    if number is None:
        return MISSING
    if is_share(statistic):
        return _signed(f"{number * 100:.1f}%")
    return _signed(f"{number:.2f}")


def format_ci(low: Any, high: Any, statistic: str | None = None) -> str:
    """A 95% interval as "3.10 to 3.55" (words, not a dash, so it reads aloud)."""
    if _finite(low) is None or _finite(high) is None:
        return MISSING
    return f"{format_value(low, statistic)} to {format_value(high, statistic)}"


def format_change(value: Any, statistic: str | None = None) -> str:
    """A signed difference: +0.42, or +5.1 points for proportions (percentage points)."""
    number = _finite(value)
    if number is None:
        return MISSING
    text = f"{number * 100:+.1f} points" if is_share(statistic) else f"{number:+.2f}"
    return _signed(text)


def format_change_ci(low: Any, high: Any, statistic: str | None = None) -> str:
    """The interval of a difference, signed: "−19.2 to +0.7" (points for proportions)."""
    if _finite(low) is None or _finite(high) is None:
        return MISSING
    scale, pattern = (100, "{:+.1f}") if is_share(statistic) else (1, "{:+.2f}")
    return " to ".join(_signed(pattern.format(float(v) * scale)) for v in (low, high))


def format_p(value: Any) -> str:
    """A p-value: 0.012, or < 0.001 (never 0.000)."""
    number = _finite(value)
    if number is None:
        return MISSING
    if number < 0.001:
        return "< 0.001"
    return f"{min(number, 1.0):.3f}"


def format_effect(value: Any) -> str:
    """An effect size (d, r, V...): two decimals, signed when negative."""
    number = _finite(value)
    if number is None:
        return MISSING
    return _signed(f"{number:.2f}")


def format_count(value: Any) -> str:
    """A count with thousands separators; a suppressed or missing count is a dash."""
    number = _finite(value)
    if number is None:
        return MISSING
    return f"{round(number):,}"


def format_percent(value: Any) -> str:
    """A share of 0-1 as a whole-ish percentage, e.g. a response rate: 64.2%."""
    number = _finite(value)
    if number is None:
        return MISSING
    return f"{number * 100:.1f}%"


def status_label(status: str | None) -> str:
    """The plain-words status, e.g. "Too early to tell"."""
    return STATUS_LABELS.get(status or "", "Not measurable")


def register(env: Any) -> None:
    """Add the formatting functions to a Jinja environment as filters."""
    env.filters.update(
        value=format_value,
        ci=format_ci,
        change=format_change,
        change_ci=format_change_ci,
        pvalue=format_p,
        effect=format_effect,
        count=format_count,
        percent=format_percent,
        status_label=status_label,
    )
