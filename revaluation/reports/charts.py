"""SVG charts drawn from plain data, shared by the results pages and the PDF reports.

Pure functions: numbers in, an SVG string out (no Flask, no models, no JavaScript). Every chart
has a ``<title>`` and a ``<desc>`` that say in words what it shows, and reads in greyscale:
estimates are dots of different shapes, targets are dashed lines, bars are hatched where a
colour alone would carry meaning. Suppressed or missing values are drawn as "–" with a note.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, unescape

INK = "#1b1b1b"
MUTED = "#6b6b6b"
ACCENT = "#1d5c63"
WIDTH = 560
SHAPES = ("circle", "square", "diamond", "triangle")


def _fmt(value: float | None, statistic: str | None) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.1f}%" if statistic == "proportion" else f"{value:.2f}"


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    ident = "c" + hashlib.sha1(f"{title}{desc}".encode()).hexdigest()[:10]  # noqa: S324
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{ident}t {ident}d" class="chart" '
        f'font-family="sans-serif" font-size="12">'
        f'<title id="{ident}t">{escape(title)}</title><desc id="{ident}d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def _marker(shape: str, x: float, y: float, r: float = 5) -> str:
    if shape == "square":
        return (f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" '
                f'fill="{INK}"/>')
    if shape == "diamond":
        points = f"{x},{y - r - 1} {x + r + 1},{y} {x},{y + r + 1} {x - r - 1},{y}"
        return f'<polygon points="{points}" fill="{INK}"/>'
    if shape == "triangle":
        points = f"{x},{y - r - 1} {x + r + 1},{y + r} {x - r - 1},{y + r}"
        return f'<polygon points="{points}" fill="{INK}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{INK}"/>'


def _range(values: Sequence[float], statistic: str | None) -> tuple[float, float]:
    low, high = min(values), max(values)
    if statistic == "proportion":
        # Zoomed to the data in steps of 10 percentage points, never beyond 0-100%.
        return max(0.0, math.floor(low * 10 - 0.5) / 10), min(1.0, math.ceil(high * 10 + 0.5) / 10)
    pad = (high - low) * 0.15 or max(abs(high) * 0.1, 1.0)
    return math.floor(low - pad), math.ceil(high + pad)


def _short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ci_dot_plot(
    rows: Sequence[dict[str, Any]], *, target: float | None = None, statistic: str | None = None,
    title: str = "Estimates with 95% confidence intervals",
) -> str:
    """One row per wave or group: a dot at the estimate, whiskers for the 95% interval, and a
    dashed vertical line at the target. ``rows``: ``{label, value, ci_low, ci_high}``."""
    numbers = [v for r in rows for v in (r.get("value"), r.get("ci_low"), r.get("ci_high"))
               if v is not None] + ([target] if target is not None else [])
    low, high = _range(numbers or [0.0, 1.0], statistic)
    labels = [_short(str(r.get("label", "")), 36) for r in rows]
    # Room for the longest label (about 7 px a character at 12 px), within limits.
    left = min(270, max(120, 14 + 7 * max((len(label) for label in labels), default=0)))
    right, row_h = WIDTH - 30, 30
    height = 50 + row_h * max(len(rows), 1)

    def x(value: float) -> float:
        return left + (value - low) / ((high - low) or 1) * (right - left)

    axis = height - 30
    body = [f'<line x1="{left}" y1="{axis}" x2="{right}" y2="{axis}" stroke="{MUTED}"/>']
    for tick in (low, (low + high) / 2, high):
        body.append(f'<text x="{x(tick):.1f}" y="{height - 12}" text-anchor="middle" '
                    f'fill="{MUTED}">{escape(_fmt(tick, statistic))}</text>')
    described = []
    for i, row in enumerate(rows):
        y = 22 + i * row_h
        label = str(row.get("label", ""))
        body.append(f'<text x="{left - 10}" y="{y + 4}" text-anchor="end" fill="{INK}">'
                    f'{escape(labels[i])}</text>')
        value = row.get("value")
        if value is None:
            body.append(f'<text x="{left + 6}" y="{y + 4}" fill="{MUTED}">– not shown '
                        f'({escape(row.get("reason") or "too few answers")})</text>')
            described.append(f"{label}: not shown")
            continue
        lo, hi = row.get("ci_low"), row.get("ci_high")
        if lo is not None and hi is not None:
            body.append(f'<line x1="{x(lo):.1f}" y1="{y}" x2="{x(hi):.1f}" y2="{y}" '
                        f'stroke="{INK}" stroke-width="2"/>')
            for end in (lo, hi):
                body.append(f'<line x1="{x(end):.1f}" y1="{y - 6}" x2="{x(end):.1f}" '
                            f'y2="{y + 6}" stroke="{INK}" stroke-width="2"/>')
        body.append(_marker(SHAPES[i % len(SHAPES)], x(value), y))
        interval = f" (95% CI {_fmt(lo, statistic)} to {_fmt(hi, statistic)})" if lo is not None \
            else ""
        described.append(f"{label}: {_fmt(value, statistic)}{interval}")
    if target is not None:
        tx = x(target)
        body.append(f'<line x1="{tx:.1f}" y1="6" x2="{tx:.1f}" y2="{height - 30}" '
                    f'stroke="{ACCENT}" stroke-width="2" stroke-dasharray="6 4"/>')
        body.append(f'<text x="{tx + 4:.1f}" y="{height - 34}" fill="{ACCENT}">target '
                    f'{escape(_fmt(target, statistic))}</text>')
        described.append(f"target {_fmt(target, statistic)} (dashed line)")
    return _svg(WIDTH, height, title, "; ".join(described) + ".", body)


def distribution_bars(rows: Sequence[dict[str, Any]], *, title: str = "Distribution") -> str:
    """Horizontal bars of percentages (hatched, so they print in greyscale); ``rows``:
    ``{label, percent}`` with ``percent`` None for a withheld cell."""
    left, right, row_h = 190, WIDTH - 60, 26
    height = 16 + row_h * max(len(rows), 1)
    body = ['<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{ACCENT}"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>']
    described = []
    for i, row in enumerate(rows):
        y = 8 + i * row_h
        label, percent = str(row.get("label", "")), row.get("percent")
        body.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">'
                    f'{escape(label[:30])}</text>')
        if percent is None:
            body.append(f'<text x="{left + 4}" y="{y + 14}" fill="{MUTED}">– withheld</text>')
            described.append(f"{label}: withheld")
            continue
        width = (right - left) * max(0.0, min(percent, 100.0)) / 100
        body.append(f'<rect x="{left}" y="{y + 2}" width="{width:.1f}" height="16" '
                    f'fill="url(#hatch)" stroke="{INK}" stroke-width="0.5"/>')
        body.append(f'<text x="{left + width + 6:.1f}" y="{y + 14}">{percent:.1f}%</text>')
        described.append(f"{label}: {percent:.1f}%")
    return _svg(WIDTH, height, title, "; ".join(described) + ".", body)


def wave_comparison(by_wave: Sequence[dict[str, Any]], *, target: float | None,
                    statistic: str | None, title: str = "By wave") -> str:
    """The outcome's estimate in each wave against its target."""
    return ci_dot_plot([_row(e, "wave") for e in by_wave], target=target, statistic=statistic,
                       title=title)


def group_comparison(by_group: Sequence[dict[str, Any]], *, target: float | None,
                     statistic: str | None, title: str = "By group") -> str:
    """The outcome's estimate in each group (measured wave) against its target."""
    return ci_dot_plot([_row(e, "group") for e in by_group], target=target, statistic=statistic,
                       title=title)


def _row(entry: dict[str, Any], label_key: str) -> dict[str, Any]:
    estimate = entry.get("estimate") or {}
    return {"label": entry.get(label_key), "value": estimate.get("value"),
            "ci_low": estimate.get("ci_low"), "ci_high": estimate.get("ci_high"),
            "reason": "withheld: too few answers" if estimate.get("suppressed")
            else estimate.get("reason")}


def outcome_chart(outcome: dict[str, Any]) -> tuple[str, str]:
    """The outcome's chart for a page or report (each wave and group against the target) and
    its text alternative."""
    statistic = outcome.get("statistic")
    rows = [_row(e, "wave") for e in outcome.get("by_wave") or []]
    measured = (outcome.get("measured_wave") or {}).get("name", "")
    rows += [{**_row(e, "group"), "label": f"{e.get('group')}, {measured}"}
             for e in outcome.get("by_group") or []]
    title = f"{outcome.get('title', 'Outcome')}: actual against target"
    svg = ci_dot_plot(rows, target=outcome.get("target"), statistic=statistic, title=title)
    desc = svg.split("<desc", 1)[1].split(">", 1)[1].split("</desc>", 1)[0]
    return svg, f"{title}. {unescape(desc)}"


def ternary_plot(corners: Sequence[str], points: Sequence[dict[str, Any]], *,
                 cloud: Sequence[Sequence[float]] = (),
                 title: str = "Where stories fall between three ideas") -> str:
    """A triangle with its corners labelled. ``cloud`` holds every story's own position (three
    shares), drawn as small open circles so the spread shows; each of ``points``
    (``{label, shares}``, a group's centre) is a filled marker of its own shape, named in a
    legend beside the triangle rather than beside the marker, where centres close together
    would print their names over each other."""
    size, top, left = 280, 30, 70
    bottom = top + size * 0.866
    corner_xy = [(left + size / 2, top), (left, bottom), (left + size, bottom)]

    def place(shares: Sequence[float]) -> tuple[float, float]:
        a, b, c = shares
        return (a * corner_xy[0][0] + b * corner_xy[1][0] + c * corner_xy[2][0],
                a * corner_xy[0][1] + b * corner_xy[1][1] + c * corner_xy[2][1])

    body = [f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in corner_xy)}" '
            f'fill="none" stroke="{INK}"/>']
    # Faint lines from each corner to the middle of the opposite side meet at the centre,
    # where a story weighs the three ideas equally.
    for i, (x, y) in enumerate(corner_xy):
        (x1, y1), (x2, y2) = (corner_xy[j] for j in range(3) if j != i)
        body.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{(x1 + x2) / 2:.1f}" '
                    f'y2="{(y1 + y2) / 2:.1f}" stroke="{MUTED}" stroke-width="0.5" '
                    f'stroke-dasharray="2 3"/>')
    # Each corner's name centred above (the top one) or below it.
    for (x, y), name, dy in zip(corner_xy, corners, (-10, 18, 18), strict=False):
        body.append(f'<text x="{x:.1f}" y="{y + dy:.1f}" text-anchor="middle">'
                    f'{escape(_short(str(name), 24))}</text>')
    for shares in cloud:
        x, y = place(shares)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="none" '
                    f'stroke="{MUTED}" stroke-width="0.6"/>')
    described = []
    if cloud:
        described.append(f"{len(cloud)} stories drawn")
    legend_x, legend_y = left + size + 40, top + 20
    for i, point in enumerate(points):
        shape = SHAPES[i % len(SHAPES)]
        label = str(point.get("label"))
        shares = point.get("shares")
        row_y = legend_y + 22 * i
        if not shares:
            body.append(f'<text x="{legend_x + 14}" y="{row_y + 4}" fill="{MUTED}">'
                        f'{escape(_short(label, 18))}: withheld</text>')
            described.append(f"{label}: not shown")
            continue
        x, y = place(shares)
        body.append(_marker(shape, x, y))
        body.append(_marker(shape, legend_x, row_y))
        body.append(f'<text x="{legend_x + 14}" y="{row_y + 4}">{escape(_short(label, 22))}</text>')
        described.append(f"{label}: " + ", ".join(
            f"{name} {share * 100:.0f}%" for name, share in zip(corners, shares, strict=False)))
    height = int(bottom + 30)
    return _svg(WIDTH, height, title, "; ".join(described) + ".", body)


def dyad_histogram(edges: Sequence[float], counts: Sequence[int | None], poles: Sequence[str],
                   *, title: str = "Where stories fall between two poles") -> str:
    """Bars of how many stories fall in each band between the two poles (None = withheld)."""
    left, right, base = 40, WIDTH - 40, 150
    known = [c for c in counts if c is not None]
    top = max(known) if known else 1
    width = (right - left) / max(len(counts), 1)
    body = [f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" stroke="{INK}"/>']
    described = []
    for i, count in enumerate(counts):
        x = left + i * width
        band = f"{edges[i]:.1f}–{edges[i + 1]:.1f}" if i + 1 < len(edges) else str(i)
        if count is None:
            body.append(f'<text x="{x + width / 2:.1f}" y="{base - 4}" text-anchor="middle" '
                        f'fill="{MUTED}">–</text>')
            described.append(f"{band}: withheld")
            continue
        h = 120 * count / (top or 1)
        body.append(f'<rect x="{x + 2:.1f}" y="{base - h:.1f}" width="{width - 4:.1f}" '
                    f'height="{h:.1f}" fill="{ACCENT}" stroke="{INK}" stroke-width="0.5"/>')
        described.append(f"{band}: {count}")
    left_pole, right_pole = [*poles, "", ""][:2]
    body.append(f'<text x="{left}" y="{base + 18}">{escape(left_pole)}</text>')
    body.append(f'<text x="{right}" y="{base + 18}" text-anchor="end">{escape(right_pole)}</text>')
    return _svg(WIDTH, base + 28, title, "; ".join(described) + ".", body)


def information_curves(
    t_scores: Sequence[float], curves: Sequence[dict[str, Any]], *, title: str,
    reference: tuple[float, str] | None = None,
) -> str:
    """Lines of information (y) over the T-score (x), e.g. one per item or the whole test.

    ``curves``: ``{label, values}`` (aligned with ``t_scores``); one curve is drawn bold in
    the accent colour, several as thin ink lines each labelled at its peak, so the chart
    reads in greyscale. ``reference`` is ``(information, text)`` for a dashed horizontal line
    (say, the information an SE of 0.3 needs). The description names each curve's peak.
    """
    left, right, top, bottom = 56, WIDTH - 20, 16, 210
    height = bottom + 46
    peak = max((max(c["values"]) for c in curves if len(c["values"])), default=1.0)
    high = max(peak, reference[0] if reference else 0.0) * 1.1 or 1.0
    low_t, high_t = float(t_scores[0]), float(t_scores[-1])

    def x(t: float) -> float:
        return left + (t - low_t) / ((high_t - low_t) or 1) * (right - left)

    def y(value: float) -> float:
        return bottom - value / high * (bottom - top)

    body = [f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{MUTED}"/>',
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{MUTED}"/>']
    for tick in range(int(math.ceil(low_t / 10) * 10), int(high_t) + 1, 10):
        body.append(f'<text x="{x(tick):.1f}" y="{bottom + 16}" text-anchor="middle" '
                    f'fill="{MUTED}">{tick}</text>')
    body.append(f'<text x="{(left + right) / 2:.1f}" y="{bottom + 36}" text-anchor="middle" '
                f'fill="{INK}">T-score (50 = average, 10 = one standard deviation)</text>')
    for fraction in (0.0, 0.5, 1.0):
        value = high / 1.1 * fraction
        body.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
                    f'fill="{MUTED}">{value:.1f}</text>')
    body.append(f'<text x="12" y="{(top + bottom) / 2:.1f}" text-anchor="middle" fill="{INK}" '
                f'transform="rotate(-90 12 {(top + bottom) / 2:.1f})">Information</text>')
    single = len(curves) == 1
    described = []
    for curve in curves:
        values = list(curve["values"])
        if not values:
            continue
        points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(t_scores, values, strict=True))
        colour, width = (ACCENT, 3) if single else (INK, 1.2)
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    f'stroke-width="{width}"/>')
        top_index = max(range(len(values)), key=values.__getitem__)
        peak_t, peak_value = float(t_scores[top_index]), values[top_index]
        if not single:
            body.append(f'<text x="{x(peak_t):.1f}" y="{y(peak_value) - 4:.1f}" '
                        f'text-anchor="middle" font-size="10" fill="{INK}">'
                        f'{escape(str(curve["label"])[:12])}</text>')
        described.append(f"{curve['label']}: highest ({peak_value:.2f}) at T {peak_t:.0f}")
    if reference is not None:
        level, text = reference
        body.append(f'<line x1="{left}" y1="{y(level):.1f}" x2="{right}" y2="{y(level):.1f}" '
                    f'stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="6 4"/>')
        body.append(f'<text x="{right - 4}" y="{y(level) - 5:.1f}" text-anchor="end" '
                    f'fill="{MUTED}">{escape(text)}</text>')
        described.append(f"dashed line: {text}")
    return _svg(WIDTH, height, title, "; ".join(described) + ".", body)
