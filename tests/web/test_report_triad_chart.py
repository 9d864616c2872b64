"""The triad chart in reports: every story as an open circle behind the group centres, a legend
instead of labels printed over each other, and no story positions for a handful of stories."""

from __future__ import annotations

import re

from revaluation.reports import charts
from revaluation.reports.participation_data import CLOUD_LIMIT, _triad_cloud

CORNERS = ["Health", "Connection", "Having a say"]


def test_story_positions_are_closed_and_checked():
    points = [[1, 1, 2], [0, 0, 5], [2, "x", 1], [-1, 1, 1], [0, 0, 0], [1, 1, 1],
              [3, 0, 1], [0.2, 0.3, 0.5]]
    cloud = _triad_cloud(points, threshold=5)
    assert cloud == [[0.25, 0.25, 0.5], [0.0, 0.0, 1.0], [0.333, 0.333, 0.333],
                     [0.75, 0.0, 0.25], [0.2, 0.3, 0.5]]


def test_too_few_stories_draw_no_positions():
    assert _triad_cloud([[1, 1, 1]] * 4, threshold=5) == []
    assert len(_triad_cloud([[1, 1, 1]] * 5, threshold=5)) == 5


def test_many_stories_are_thinned_evenly():
    cloud = _triad_cloud([[i, 1, 1] for i in range(CLOUD_LIMIT * 3 + 1)], threshold=5)
    assert len(cloud) <= CLOUD_LIMIT
    assert cloud[0] == [0.0, 0.5, 0.5]


def test_chart_draws_each_story_and_names_centres_in_a_legend():
    centres = [{"label": "All stories", "shares": [0.31, 0.35, 0.34]},
               {"label": "member", "shares": [0.30, 0.36, 0.34]},
               {"label": "staff", "shares": None}]
    cloud = [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    svg = charts.ternary_plot(CORNERS, centres, cloud=cloud, title="What was it about?")
    assert len(re.findall(r'<circle [^>]*r="2.2"', svg)) == 3
    # The top corner is Health: a story wholly about health sits on it.
    assert '<circle cx="210.0" cy="30.0" r="2.2"' in svg
    assert ">All stories</text>" in svg and ">member</text>" in svg
    assert ">staff: withheld</text>" in svg
    desc = re.search(r"<desc[^>]*>(.*)</desc>", svg).group(1)
    assert desc == ("3 stories drawn; All stories: Health 31%, Connection 35%, Having a say 34%; "
                    "member: Health 30%, Connection 36%, Having a say 34%; staff: not shown.")


def test_chart_without_positions_still_shows_centres():
    svg = charts.ternary_plot(CORNERS, [{"label": "All stories", "shares": [0.5, 0.25, 0.25]}])
    assert 'r="2.2"' not in svg
    assert "stories drawn" not in svg
