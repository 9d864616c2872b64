"""Live fieldwork figures against a small fixture whose answers were worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from revaluation.extensions import db
from revaluation.models import Response, ResponseStatus
from revaluation.services import fieldwork
from revaluation.services.fieldwork_stats import BEFORE_FIRST_PAGE, wave_figures
from tests.web.fieldwork_fixtures import fw_fixture, make_wave  # noqa: F401


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


# (group, started, completed or None, current page of a partial response)
RESPONSES = [
    ("member", at(2, 10), at(2, 10, 4), None),  # 240 s
    ("member", at(2, 12), at(2, 12, 10), None),  # 600 s
    ("member", at(3, 8), None, "wellbeing"),
    ("member", at(3, 9), None, "wellbeing"),
    ("staff", at(3, 9), at(3, 9, 6), None),  # 360 s
    ("staff", at(3, 11), None, "about"),
    ("staff", at(4, 7), None, None),  # still at the consent screen
]


def add(wave, group, started, completed, page):
    db.session.add(
        Response(
            wave_id=wave.id,
            group=group,
            status=ResponseStatus.COMPLETE if completed else ResponseStatus.PARTIAL,
            started_at=started,
            completed_at=completed,
            current_page=page,
        )
    )


@pytest.fixture
def live_wave(fw):
    wave = make_wave(fw)
    fieldwork.open_wave(wave)
    other = make_wave(fw, name="Other wave")
    for row in RESPONSES:
        add(wave, *row)
    # Another wave's responses must not leak into this wave's figures.
    add(other, "member", at(2, 9), at(2, 9, 1), None)
    add(other, "member", at(2, 9), None, "story")
    db.session.commit()
    return wave


def test_counts_and_completion_rate_per_group(live_wave):
    figures = wave_figures(live_wave)
    rows = {g.group: (g.started, g.completed) for g in figures.groups}
    assert rows == {"member": (4, 2), "staff": (3, 1)}
    assert (figures.total.started, figures.total.completed) == (7, 3)
    assert figures.total.completion_rate == pytest.approx(3 / 7)
    assert figures.groups[1].completion_rate == pytest.approx(1 / 3)


def test_median_time_to_complete(live_wave):
    figures = wave_figures(live_wave)
    assert figures.median_seconds == pytest.approx(360.0)  # median of 240, 360, 600
    assert figures.median_text == "6 min 0 s"


def test_drop_off_follows_the_instrument_order(live_wave):
    pages = [(p.key, p.title, p.partial) for p in wave_figures(live_wave).drop_off]
    assert pages == [
        (None, BEFORE_FIRST_PAGE, 1),
        ("about", "About you", 1),
        ("wellbeing", "Wellbeing", 2),
        ("story", "Your story", 0),
    ]


def test_responses_per_day(live_wave):
    days = [(d.day, d.started, d.completed) for d in wave_figures(live_wave).days]
    assert days == [
        (date(2026, 3, 2), 2, 2),
        (date(2026, 3, 3), 4, 1),
        (date(2026, 3, 4), 1, 0),
    ]


def test_empty_wave_has_zeros_and_no_median(fw):
    wave = make_wave(fw)
    figures = wave_figures(wave)
    assert [(g.group, g.started) for g in figures.groups] == [("member", 0), ("staff", 0)]
    assert figures.total.completion_rate is None and figures.median_text == "—"
    assert [p.partial for p in figures.drop_off] == [0, 0, 0] and figures.days == []


def test_live_page_shows_the_figures_without_listing_responses(client, auth, live_wave):
    auth.login("evaluator@example.org")
    page = client.get(f"/e/walks/fieldwork/{live_wave.id}/live")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<dd id="fig-started">7</dd>' in text
    assert '<dd id="fig-completed">3</dd>' in text
    assert '<dd id="fig-rate">43%</dd>' in text
    assert '<dd id="fig-median">6 min 0 s</dd>' in text
    assert 'Wellbeing</th><td class="num">2</td>' in text
    assert "Refresh</a>" in text and "<script" not in text
    assert 'http-equiv="refresh"' not in text


@pytest.mark.parametrize(
    ("seconds", "text"), [(45, "45 s"), (61.4, "1 min 1 s"), (3725, "1 h 2 min")]
)
def test_median_reads_naturally(seconds, text):
    from revaluation.services.fieldwork_stats import GroupFigures, WaveFigures

    total = GroupFigures("All groups", 1, 1)
    assert WaveFigures([], total, seconds, []).median_text == text
