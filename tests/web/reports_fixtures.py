"""Report data for template tests: the plain dict shape revaluation.reports.data produces.

Realistic placeholder values (a fictional movement), used only to test the templates and the
PDF pipeline without a database.
"""

from __future__ import annotations

import copy

from revaluation.reports.data import SECTIONS, STATUS_KEY, empty_texts

SAMPLE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 120" role="img">'
    "<title>Mean life satisfaction 6.8 (6.5 to 7.1) against a target of 7.0</title>"
    '<rect x="40" y="50" width="300" height="20" fill="#777"/>'
    '<line x1="320" y1="30" x2="320" y2="90" stroke="#000" stroke-dasharray="4 2"/>'
    '<text x="40" y="110" font-size="10">0</text></svg>'
)


def sample_report() -> dict:
    """A two-wave report with one outcome of each status."""
    statuses = [
        ("achieved", "Achieved"),
        ("not_achieved", "Not achieved"),
        ("too_early", "Too early to tell"),
        ("not_measurable", "Not measurable"),
    ]
    lines, rows, outcomes = [], [], []
    for i, (status, label) in enumerate(statuses):
        title = f"Outcome number {i + 1}"
        lines.append(
            {
                "status": status,
                "status_label": label,
                "sentence": f"{title}: the mean was 6.8{i}, against a target of 7.00.",
            }
        )
        rows.append(
            {
                "title": title,
                "indicator": "Mean of life_satisfaction",
                "origin_label": "Planned",
                "original": "Target 7.00 (increase)",
                "revised": "Unchanged",
                "baseline": "6.10",
                "actual": f"6.8{i}",
                "ci": "6.50 to 7.10",
                "n": "184",
                "change": "+0.70",
                "status": status,
                "status_label": label,
                "original_status_label": None,
            }
        )
        outcomes.append(
            {
                "anchor": f"outcome-{i}",
                "title": title,
                "status": status,
                "status_label": label,
                "indicator": "Mean of life_satisfaction (0-10)",
                "sentence": "The follow-up mean was higher than at baseline.",
                "chart_svg": SAMPLE_SVG,
                "caption": "Figure 1.",
                "alt": "A bar from 6.50 to 7.10 with the target line at 7.00.",
                "statistic_label": "Mean",
                "waves": [{"label": "Baseline", "n": "210", "value": "6.10", "ci": "5.80 to 6.40"}],
                "groups": [{"label": "member", "n": "150", "value": "6.90", "ci": "6.50 to 7.20"}],
                "comparisons": [
                    {
                        "label": "Follow-up vs baseline (paired)",
                        "test": "Paired t-test",
                        "difference": "+0.70",
                        "effect": "d_z = 0.41",
                        "p": "0.003 (Holm)",
                    }
                ],
                "notes": [],
                "no_waves": "",
                "no_groups": "",
                "groups_heading": "Groups",
            }
        )
    texts = empty_texts(5)
    return copy.deepcopy(
        {
            "lang": "en",
            "title": "Walk & Talk: does peer support change lives?",
            "movement": "Walk & Talk Peer Support Network",
            "description": "A peer-led network.",
            "brand_colour": "#1d5c63",
            "period": "April 2026 to November 2026",
            "generated_on": "23 November 2026",
            "generated_iso": "2026-11-23",
            "edition": "Edition 1",
            "threshold": 5,
            "waves": [{"name": "Baseline (spring)", "dates": "April 2026"}],
            "filters": [],
            "authors": {
                "evaluators": "Dee Evaluator",
                "commissioners": "Cam Commissioner",
                "participants": "Members co-designed the outcomes.",
            },
            "sections": list(SECTIONS),
            "toc": [{"anchor": a, "title": t} for a, t in SECTIONS.items()],
            "notices": [],
            "summary": {
                "opening": "Of 4 intended outcomes, 1 was achieved.",
                "lines": lines,
                "key_numbers": [{"label": "Responses", "value": "1,234"}],
                "status_key": STATUS_KEY,
                "empty": texts["summary"],
            },
            "framework": {
                "intro": "Locked on 4 May 2026.",
                "rows": rows,
                "empty": "",
                "changes": [
                    {
                        "when": "12 June 2026",
                        "title": "Voice",
                        "what": "Target 4.00 → 3.50",
                        "reason": "Members said the target was unrealistic.",
                    }
                ],
                "no_changes": "",
            },
            "going_on": {
                "intro": "Stories and value.",
                "emergent": [],
                "no_emergent": "None recorded.",
                "msc": [],
                "no_msc": "No MSC round closed.",
                "value_grid": {"rows": [], "empty": "No value items."},
                "settled": None,
                "triads": [],
                "dyads": [],
                "no_patterns": "No signifiers.",
                "themes": {"rows": [], "columns": [], "empty": "No coding."},
                "sense_making": [],
                "no_sense_making": "No sense-making round.",
            },
            "outcome_intro": "One page per outcome.",
            "outcomes": outcomes,
            "no_outcomes": "",
            "participation": {
                "intro": "Responses per wave.",
                "empty": "",
                "notes": [],
                "activities": [],
                "waves": [
                    {
                        "name": "Baseline",
                        "dates": "April 2026",
                        "rows": [
                            {
                                "group": "member",
                                "started": "220",
                                "complete": "207",
                                "completion": "94.1%",
                                "invited": "–",
                                "rate": "–",
                                "total": False,
                            }
                        ],
                    }
                ],
            },
            "methods": {
                "instruments": [],
                "no_instruments": "None.",
                "tests": [],
                "no_tests": "None.",
                "multiplicity": "Holm.",
                "suppression": "Fewer than 5.",
                "missing": "Excluded.",
                "limitations": ["Self-selected sample."],
            },
            "appendix": {
                "intro": "Every question.",
                "empty": "No questions.",
                "questions": [
                    {
                        "key": "life_satisfaction",
                        "label": "How satisfied are you with your life?",
                        "columns": ["Wave", "n", "Mean"],
                        "rows": [["Baseline", "210", "6.10"]],
                        "notes": [],
                    }
                ],
            },
        }
    )


PDF_BYTES = b"%PDF-1.7\n% a stand-in for a rendered report\n%%EOF\n"


def people_and_edition(make_user, make_evaluation):
    """An evaluation with an owner-evaluator, a commissioner and a stored (unsent) edition."""
    import hashlib

    from revaluation.extensions import db
    from revaluation.models import ReportEdition

    evaluator = make_user("eva@example.org", name="Eva Evaluator")
    commissioner = make_user("cora@example.org", name="Cora Commissioner")
    outsider = make_user("otto@example.org", name="Otto Outsider")
    evaluation = make_evaluation(evaluator, slug="walk", members={commissioner: "commissioner"})
    edition = ReportEdition(
        evaluation_id=evaluation.id,
        number=1,
        options={},
        pdf=PDF_BYTES,
        sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        page_count=12,
        created_by_id=evaluator.id,
    )
    db.session.add(edition)
    db.session.commit()
    return evaluation, edition, evaluator, commissioner, outsider


def small_evaluation(owner, *, waves: int, responses: dict[str, int], seed: int = 3):
    """An evaluation on the demo instrument with two outcomes (one on a question nobody is asked,
    so it cannot be measured) and ``responses`` complete answers per group in every wave."""
    import random

    from revaluation.extensions import db
    from revaluation.models import (
        Answer,
        Direction,
        IndicatorKind,
        Origin,
        Outcome,
        Response,
        ResponseStatus,
        Statistic,
    )
    from revaluation.models.base import utcnow
    from revaluation.services import fieldwork, instruments
    from revaluation.services.demo import INSTRUMENT_PATH
    from revaluation.services.evaluations import create_evaluation
    from surveys.formats import load_instrument

    rng = random.Random(seed)
    evaluation = create_evaluation(
        slug=f"small-{seed}", title="A small evaluation", movement="A small movement", owner=owner
    )
    definition = load_instrument(INSTRUMENT_PATH.read_text(), filename=INSTRUMENT_PATH.name)
    version = instruments.create_instrument(evaluation, definition)
    instruments.publish_version(version, owner.id)
    made = [
        fieldwork.create_wave(evaluation, version, name=f"Wave {i + 1}", groups=list(responses))
        for i in range(waves)
    ]
    for key, title, indicator in (
        ("satisfied", "Members are satisfied", "life_satisfaction"),
        ("unasked", "An outcome nobody was asked about", "not_asked"),
    ):
        db.session.add(
            Outcome(
                evaluation_id=evaluation.id,
                key=key,
                title=title,
                indicator_kind=IndicatorKind.QUESTION,
                indicator_key=indicator,
                statistic=Statistic.MEAN,
                target=6.0,
                direction=Direction.INCREASE,
                origin=Origin.PLANNED,
                baseline_wave_id=made[0].id if made else None,
            )
        )
    db.session.flush()
    now = utcnow()
    for wave in made:
        fieldwork.open_wave(wave)
        for group, count in responses.items():
            for _ in range(count):
                response = Response(
                    wave_id=wave.id,
                    group=group,
                    consent_given=True,
                    status=ResponseStatus.COMPLETE,
                    started_at=now,
                    completed_at=now,
                )
                db.session.add(response)
                db.session.flush()
                db.session.add(
                    Answer(
                        response_id=response.id,
                        question_key="life_satisfaction",
                        number=float(rng.randint(3, 9)),
                    )
                )
    db.session.commit()
    return evaluation
