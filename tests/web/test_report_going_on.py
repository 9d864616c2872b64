"""'What is going on' in plain values: repeated reasons said once with how many gave them, and
the settled account as one row per value item."""

from __future__ import annotations

from revaluation.reports.context_sections import _distinct, _settled


def test_repeated_reasons_are_said_once_with_a_count():
    planned = "It shows a change nobody planned for."
    reasons = [planned, "It is about someone taking charge.", planned, " ", planned]
    assert _distinct(reasons, "panellist") == [
        "It shows a change nobody planned for (3 panellists)",
        "It is about someone taking charge.",
    ]
    assert _distinct([], "panellist") == []


def test_settled_account_rows_and_dissent():
    settled = {"title": "What is it worth?", "account": {
        "items": [
            {"box": "calculate", "visibility": "visible", "note": "One A&E visit avoided",
             "verdict": "contested", "endorsements": 1, "challenges": 2,
             "dissent": ["Counting visits misses the point.", "Counting visits misses the point."]},
            {"box": "capacitate", "visibility": "invisible", "note": "",
             "verdict": "unreviewed", "endorsements": 0, "challenges": 0},
        ],
        "counts": {"endorsed": 0, "contested": 1, "unreviewed": 1},
    }}
    out = _settled(settled)
    assert out["rows"] == [
        {"text": "One A&E visit avoided", "kind": "Calculate, visible", "verdict": "Contested",
         "endorsed": "1", "challenged": "2"},
        {"text": "–", "kind": "Capacitate, invisible", "verdict": "Not reviewed",
         "endorsed": "0", "challenged": "0"},
    ]
    assert out["dissent"] == ["Counting visits misses the point (2 challenges)"]
    assert "0 endorsed, 1 contested, 1 not reviewed" in out["intro"]
    assert _settled(None) is None and _settled({"title": "x", "account": "broken"}) is None


def test_sense_making_comments_are_counted_once_each():
    from revaluation.reports.context_sections import _finding
    from revaluation.reports.participation_data import MAX_COMMENTS, _comment_counts

    said = ["Not for people who cannot walk far.", "Yes, the café is the best part of my week.",
            "", "Yes, the café is the best part of my week.", "  ",
            "Not for people who cannot walk far.", "Yes, the café is the best part of my week.",
            "It depends which group you go to."]
    counted = _comment_counts(said)
    assert counted == [["Yes, the café is the best part of my week.", 3],
                       ["Not for people who cannot walk far.", 2],
                       ["It depends which group you go to.", 1]]
    assert len(_comment_counts(f"comment {i}" for i in range(20))) == MAX_COMMENTS
    finding = {"title": "T", "summary": "S", "n": 8, "counts": {}, "comments": counted}
    # A count below the small-group threshold is not printed.
    assert _finding(finding, 5)["comments"] == [
        "“Yes, the café is the best part of my week.” (more than one person)",
        "“Not for people who cannot walk far.” (more than one person)",
        "“It depends which group you go to.”",
    ]
    assert _finding(finding, 3)["comments"][:2] == [
        "“Yes, the café is the best part of my week.” (3 people)",
        "“Not for people who cannot walk far.” (more than one person)",
    ]


def test_withheld_theme_counts_are_explained():
    from revaluation.reports.context_sections import _themes

    shown = _themes({"columns": ["Spring"], "rows": [{"name": "Confidence", "counts": [12]}]}, 5)
    assert shown["note"] is None and shown["rows"][0]["counts"] == ["12"]
    hidden = _themes({"columns": ["Spring", "Autumn"],
                      "rows": [{"name": "Confidence", "counts": [None, 9]}]}, 5)
    assert hidden["rows"][0]["counts"] == ["–", "9"]
    assert "below 5 stories" in hidden["note"]
