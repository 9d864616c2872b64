"""How long the PDF report takes: the demo report, and a 100,000-response evaluation.

    .venv/bin/python benchmarks/report.py [--responses 100000] [--database-url URL] [--rounds 2]

1. The demo evaluation (``flask demo``'s size): the whole report, target under 10 s.
2. The analysis benchmark's evaluation (``benchmarks/analysis.py``'s generator: 100,000
   responses x 40 questions x 3 waves; this module's own set-based generator is used only if
   that file is missing): the whole report (loading, statistics, charts, HTML, PDF) beside
   WeasyPrint alone laying out the same final HTML, printed side by side with their ratio
   (target at most 1.5x).

The results structure is computed once per version of the evaluation's data and kept
(``revaluation.services.results_cache``), and each wave's answers are kept as arrays by the
analysis store (``revaluation.services.analysis_store``), which follows the answers as they
change. So the large report is timed three ways: "cold", with neither (every answer read, every
statistic computed: a brand-new store); "first", when its statistics must be computed (no report
or results page since the data last changed) from a current store; and "again", when they are
reused. Times are wall-clock seconds with the process's CPU seconds beside them (on a shared
machine the wall clock also measures the neighbours); with ``--rounds N`` the first and the
reused report and WeasyPrint alone run N times, alternately, and the best of each is reported.

Runs on a throw-away SQLite file unless ``--database-url`` names another database.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = 40
WAVES = 3
GROUPS = ("member", "staff", "volunteer")


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def cpu_timed(function, *args, **kwargs):
    """(result, wall seconds, CPU seconds of this process)."""
    cpu = time.process_time()
    result, wall = timed(function, *args, **kwargs)
    return result, wall, time.process_time() - cpu


def forget_results() -> None:
    """Empty the results cache, so the next report computes its statistics."""
    from revaluation.extensions import db
    from revaluation.models import ResultsCache

    db.session.execute(db.delete(ResultsCache))
    db.session.commit()


def make_app(database_url: str, instance: Path):
    from revaluation import create_app
    from revaluation.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "benchmark-secret-key-0123456789abcdef0123456789",
            "PANEL_CODE_KEY": "benchmark-panel-key",
            "ENVIRON": {"REVALUATION_ENV": "testing"},
        }
    )
    app.instance_path = str(instance)
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def large_definition() -> dict:
    """An instrument of 40 five-point questions in four pages."""
    agree = [
        {"value": str(v), "label": {"en": label}}
        for v, label in enumerate(
            ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"], start=1
        )
    ]
    sections = []
    for page in range(4):
        questions = [
            {
                "key": f"q{page * 10 + i + 1:02d}",
                "type": "likert",
                "choices": "agree5",
                "label": {"en": f"Statement {page * 10 + i + 1} about life in the movement"},
            }
            for i in range(10)
        ]
        sections.append(
            {"key": f"page{page + 1}", "title": {"en": f"Part {page + 1}"}, "questions": questions}
        )
    return {
        "key": "large-benchmark",
        "title": {"en": "Large benchmark survey"},
        "languages": ["en"],
        "choice_lists": {"agree5": agree},
        "sections": sections,
    }


def own_large_evaluation(responses: int, seed: int = 7):
    """Create the large evaluation with set-based inserts; returns it."""
    import json

    import numpy as np
    import sqlalchemy as sa

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
    from revaluation.services.evaluations import create_evaluation
    from revaluation.services.users import create_user
    from surveys.formats import load_instrument

    owner = create_user("bench@example.org", "Bench Evaluator", "benchmark password 123")
    evaluation = create_evaluation(
        slug="large",
        title="Large benchmark evaluation",
        movement="A very large movement",
        owner=owner,
    )
    definition = load_instrument(json.dumps(large_definition()), filename="large.json")
    version = instruments.create_instrument(evaluation, definition)
    instruments.publish_version(version, owner.id)
    waves = [
        fieldwork.create_wave(evaluation, version, name=f"Wave {i + 1}", groups=list(GROUPS))
        for i in range(WAVES)
    ]
    for position, key in enumerate(("q01", "q02", "q03", "q04")):
        db.session.add(
            Outcome(
                evaluation_id=evaluation.id,
                key=f"outcome-{key}",
                title=f"Outcome on {key}",
                indicator_kind=IndicatorKind.QUESTION,
                indicator_key=key,
                statistic=Statistic.PROPORTION if position % 2 else Statistic.MEAN,
                threshold=4.0 if position % 2 else None,
                target=0.5 if position % 2 else 3.4,
                direction=Direction.INCREASE,
                origin=Origin.PLANNED,
                baseline_wave_id=waves[0].id,
                due_wave_id=waves[-1].id,
                position=position,
            )
        )
    for wave in waves:
        fieldwork.open_wave(wave)
    evaluation.framework_locked_at = utcnow()
    db.session.flush()
    rng = np.random.default_rng(seed)
    now = utcnow()
    per_wave = responses // WAVES
    for index, wave in enumerate(waves):
        groups = rng.choice(GROUPS, size=per_wave, p=[0.7, 0.2, 0.1])
        rows = [
            {
                "wave_id": wave.id,
                "group": str(g),
                "language": "en",
                "consent_given": True,
                "status": ResponseStatus.COMPLETE,
                "started_at": now,
                "completed_at": now,
                "updated_at": now,
                "panel_hash": f"panel-{i}" if i % 3 == 0 else None,
            }
            for i, g in enumerate(groups)
        ]
        ids = db.session.execute(sa.insert(Response).returning(Response.id), rows).scalars().all()
        base = rng.integers(1, 6, size=(len(ids), QUESTIONS)) + (index > 0)
        values = np.clip(base, 1, 5)
        for start in range(0, len(ids), 5000):
            chunk = [
                {
                    "response_id": rid,
                    "question_key": f"q{q + 1:02d}",
                    "number": float(values[start + r, q]),
                    "text": str(values[start + r, q]),
                    "updated_at": now,
                }
                for r, rid in enumerate(ids[start : start + 5000])
                for q in range(QUESTIONS)
            ]
            db.session.execute(sa.insert(Answer), chunk)
    db.session.commit()
    return evaluation


def large_evaluation(responses: int):
    """The analysis benchmark's evaluation when it offers a generator, else this module's."""
    path = ROOT / "benchmarks" / "analysis.py"
    if path.exists():
        spec = importlib.util.spec_from_file_location("analysis_benchmark", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        seed = getattr(module, "_seed", None)
        if seed is not None:
            import sqlalchemy as sa

            from revaluation.extensions import db
            from revaluation.models import Evaluation

            seed(responses)
            found = db.session.execute(sa.select(Evaluation).filter_by(slug="bench")).scalar_one()
            return found, f"benchmarks/analysis.py ({responses:,} responses in each wave)"
    return own_large_evaluation(responses), "benchmarks/report.py (set-based inserts)"


def bring_store_up_to_date(evaluation) -> dict[str, int]:
    """What the analysis store does as answers arrive: each wave's snapshot made current."""
    from revaluation.services.analysis_store import Refresh, current_wave

    done = {"reread": 0, "kept": 0}
    for wave in evaluation.waves:
        report = Refresh()
        current_wave(wave, report=report)
        done["reread"] += report.reread
        done["kept"] += int(report.kept)
    return done


def forget_store() -> None:
    """Drop every wave snapshot, so the next analysis reads every answer again."""
    from revaluation.extensions import db
    from revaluation.models import WaveSnapshot

    db.session.execute(db.delete(WaveSnapshot))
    db.session.commit()


def whole_report(evaluation, phases: dict[str, float] | None = None):
    """Loading, statistics, charts, HTML, PDF: exactly what an edition does (timed by phase)."""
    from revaluation.models.base import utcnow
    from revaluation.reports.render import html_to_pdf, render_html
    from revaluation.reports.sources import ReportOptions, build_report, load_results

    phases = {} if phases is None else phases
    options = ReportOptions()
    results, phases["statistics (evaluation_results)"] = timed(load_results, evaluation, options)
    report, phases["participation, fieldwork, report data"] = timed(
        build_report,
        evaluation,
        options,
        edition_label="Benchmark",
        generated_at=utcnow(),
        results=results,
    )
    html, phases["charts and HTML"] = timed(render_html, report)
    pdf, phases["PDF (WeasyPrint)"] = timed(html_to_pdf, html)
    return html, pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of the first and the reused report and of WeasyPrint alone, "
                        "alternately (the best of each kept)")
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    from revaluation.extensions import db
    from revaluation.reports.render import html_to_pdf
    from revaluation.services.demo import seed_demo

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        app = make_app(url, Path(folder))
        with app.app_context():
            seed_demo()
            db.session.commit()
            from revaluation.models import Evaluation

            demo = db.session.execute(db.select(Evaluation).filter_by(slug="demo")).scalar_one()
            whole_report(demo)  # warm-up: fonts, templates, imports
            forget_results()
            (_html, pdf), first, first_cpu = cpu_timed(whole_report, demo)
            (_html, pdf), again, again_cpu = cpu_timed(whole_report, demo)
            verdict = "OK" if max(first, again) < 10 else "SLOWER THAN TARGET"
            print(f"Demo report: {pdf.page_count} pages in {first:.2f} s first (cpu "
                  f"{first_cpu:.2f} s), {again:.2f} s again (cpu {again_cpu:.2f} s) "
                  f"(target < 10 s: {verdict})")

            random.seed(1)
            (evaluation, source), built = timed(large_evaluation, args.responses)
            print(
                f"Large evaluation: {QUESTIONS} questions x {WAVES} waves, generated by "
                f"{source} in {built:.1f} s"
            )
            forget_results()
            forget_store()
            cold: dict[str, float] = {}
            (html, pdf), cold_wall, cold_cpu = cpu_timed(whole_report, evaluation, cold)
            from revaluation.models import WaveSnapshot

            snapshots = db.session.execute(
                db.select(db.func.count(WaveSnapshot.id), db.func.sum(WaveSnapshot.responses),
                          db.func.sum(db.func.length(WaveSnapshot.payload)))).one()
            store, stored = timed(bring_store_up_to_date, evaluation)
            print(f"  analysis store after the cold report: {snapshots[0]} snapshots of "
                  f"{snapshots[1]:,} responses in {snapshots[2] / 2**20:.1f} MiB; checking it is "
                  f"up to date re-read {store['reread']:,} responses in {stored:.2f} s")
            first_runs, warm_runs, weasy_runs = [], [], []
            first: dict[str, float] = {}
            warm: dict[str, float] = {}
            for _ in range(max(args.rounds, 1)):
                # First: the statistics computed (no kept results), the store current.
                forget_results()
                db.session.expire_all()
                phases: dict[str, float] = {}
                (html, pdf), wall, cpu = cpu_timed(whole_report, evaluation, phases)
                if not first_runs or wall < min(w for w, _ in first_runs):
                    first = phases
                first_runs.append((wall, cpu))
                # Again: the statistics kept by the run just before.
                db.session.expire_all()
                phases = {}
                _both, wall, cpu = cpu_timed(whole_report, evaluation, phases)
                if not warm_runs or wall < min(w for w, _ in warm_runs):
                    warm = phases
                warm_runs.append((wall, cpu))
                _pdf, wall, cpu = cpu_timed(html_to_pdf, html)
                weasy_runs.append((wall, cpu))
            whole, whole_cpu = min(w for w, _ in first_runs), min(c for _, c in first_runs)
            again, again_cpu = min(w for w, _ in warm_runs), min(c for _, c in warm_runs)
            weasy, weasy_cpu = min(w for w, _ in weasy_runs), min(c for _, c in weasy_runs)
            best = f" (best of {len(weasy_runs)})" if len(weasy_runs) > 1 else ""

            def verdict_of(ratio: float) -> str:
                return "OK" if ratio <= 1.5 else "SLOWER THAN TARGET"

            print(f"  whole report, cold (no snapshot, every answer read):    {cold_wall:8.2f} s "
                  f"(cpu {cold_cpu:8.2f} s)")
            print(f"  whole report, first (statistics computed, store current){best}: "
                  f"{whole:8.2f} s (cpu {whole_cpu:8.2f} s) ({pdf.page_count} pages)")
            print(f"  whole report, again (statistics reused){best}: {again:8.2f} s "
                  f"(cpu {again_cpu:8.2f} s)")
            print(f"  WeasyPrint alone on the same final HTML{best}: {weasy:8.2f} s "
                  f"(cpu {weasy_cpu:8.2f} s)")
            for label, spent, spent_cpu in (("cold", cold_wall, cold_cpu),
                                            ("first", whole, whole_cpu),
                                            ("again", again, again_cpu)):
                ratio = spent / weasy
                print(f"  ratio, {label}: {ratio:.2f}x ({spent_cpu / weasy_cpu:.2f}x in cpu) "
                      f"(target <= 1.5x: {verdict_of(ratio)})")
            print("  where the whole report's time went (cold / first / again):")
            for phase, spent in first.items():
                print(f"    {phase:40} {cold.get(phase, 0.0):8.2f} s {spent:8.2f} s "
                      f"{warm.get(phase, 0.0):8.2f} s")


if __name__ == "__main__":
    main()
