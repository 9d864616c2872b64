"""How long the full analysis takes beside just reading the answers, on SQLite and PostgreSQL.

Builds an evaluation of RESPONSES responses x 40 questions x 3 waves with set-based inserts,
then, on each database, prints side by side: the time to read every answer out of the database
(the loader's queries, rows fetched, nothing computed) and the time of the full
``evaluation_results`` (loading + every outcome, wave, group, question and scale), then its peak
memory: the growth of the process's peak RSS during the timed run, and the peak traced by
tracemalloc in a second, untimed run (tracemalloc slows Python down). Target: within 2x.

    .venv/bin/python benchmarks/analysis.py [--responses 100000] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = 40
WAVES = 3


def _definition() -> dict:
    likert = [{"value": str(i), "label": {"en": f"Point {i}"}} for i in range(1, 6)]
    questions = []
    for i in range(QUESTIONS):
        kind = ("likert", "rating", "number", "single_choice")[i % 4]
        q = {"key": f"q{i:02d}", "type": kind, "label": {"en": f"Question {i}"}}
        if kind == "likert":
            q["choices"] = "agree5"
            q["nonsubstantive"] = ["prefer_not_to_say"]
        elif kind == "rating":
            q.update(min=0, max=10)
        elif kind == "number":
            q.update(min=0, max=100, integer=True)
        else:
            q["choices"] = "yesno"
        questions.append(q)
    return {
        "key": "bench", "title": {"en": "Benchmark"}, "languages": ["en"],
        "choice_lists": {"agree5": likert, "yesno": [
            {"value": "yes", "label": {"en": "Yes"}, "score": 1},
            {"value": "no", "label": {"en": "No"}, "score": 0}]},
        "sections": [{"key": "s1", "title": {"en": "All"}, "questions": questions}],
        "scales": [{"key": "sc", "title": {"en": "Scale"}, "items": ["q00", "q04", "q08"],
                    "method": "mean", "item_min": 1, "item_max": 5, "min_answered": 2,
                    "missing": "prorate"}],
    }


def _seed(responses: int) -> None:
    from revaluation.extensions import db
    from revaluation.models import (
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
    from surveys.model import Instrument

    owner = create_user("bench@example.org", "Bench", "benchmark-password-1")
    evaluation = create_evaluation(slug="bench", title="Benchmark", movement="Bench", owner=owner)
    version = instruments.create_instrument(evaluation, Instrument.from_dict(_definition()))
    instruments.publish_version(version, owner.id)
    waves = [fieldwork.create_wave(evaluation, version, name=f"Wave {w + 1}",
                                   groups=["member", "staff"]) for w in range(WAVES)]
    for position, (key, stat, threshold, target) in enumerate(
            [("q00", Statistic.MEAN, None, 3.2), ("q01", Statistic.MEDIAN, None, 6.0),
             ("q03", Statistic.PROPORTION, 1.0, 0.4), ("sc", Statistic.MEAN, None, 3.0)]):
        db.session.add(Outcome(
            evaluation_id=evaluation.id, key=f"o{position}", title=f"Outcome {key}",
            indicator_kind=IndicatorKind.SCALE if key == "sc" else IndicatorKind.QUESTION,
            indicator_key=key, statistic=stat, threshold=threshold, target=target,
            direction=Direction.INCREASE, origin=Origin.PLANNED, position=position,
            baseline_wave_id=waves[0].id, due_wave_id=waves[-1].id))
    db.session.flush()
    rng = random.Random(7)
    now = utcnow()
    for index, wave in enumerate(waves):
        fieldwork.open_wave(wave)
        db.session.flush()
        first = db.session.execute(sa.select(sa.func.coalesce(sa.func.max(Response.id), 0))
                                   ).scalar_one() + 1
        db.session.execute(sa.insert(Response), [
            {"id": first + i, "wave_id": wave.id, "group": "staff" if i % 5 == 0 else "member",
             "status": ResponseStatus.COMPLETE, "consent_given": True, "started_at": now,
             "updated_at": now, "completed_at": now, "language": "en",
             "panel_hash": f"p{i:07d}" if i % 2 == 0 else None}
            for i in range(responses)])
        batch = []
        for i in range(responses):
            for q in range(QUESTIONS):
                kind = q % 4
                if rng.random() < 0.05:
                    continue
                if kind == 0:
                    value = min(5, max(1, round(rng.gauss(3 + 0.1 * index, 1))))
                    row = (float(value), str(value))
                elif kind == 1:
                    row = (float(min(10, max(0, round(rng.gauss(6, 2))))), None)
                elif kind == 2:
                    row = (float(rng.randint(0, 100)), None)
                else:
                    yes = rng.random() < 0.4
                    row = (1.0 if yes else 0.0, "yes" if yes else "no")
                batch.append((first + i, f"q{q:02d}", row[0], row[1], now))
            if len(batch) >= 200_000:
                _bulk(batch)
                batch = []
        if batch:
            _bulk(batch)
        db.session.commit()


def _bulk(rows: list[tuple]) -> None:
    """Insert answer rows the fastest way each database offers (COPY on PostgreSQL)."""
    from revaluation.extensions import db

    connection = db.session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(
                "COPY answer (response_id, question_key, number, text, updated_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        raw.executemany("INSERT INTO answer (response_id, question_key, number, text, "
                        "updated_at) VALUES (?, ?, ?, ?, ?)",
                        [(*r[:4], r[4].isoformat(sep=" ")) for r in rows])


def _read_only(evaluation) -> int:
    """Run the loader's queries and fetch every row, computing nothing."""
    from revaluation.extensions import db
    from revaluation.models import Answer, Response

    rows = 0
    for wave in evaluation.waves:
        rows += len(db.session.execute(sa.select(Response.id, Response.group, Response.panel_hash,
                                                 Response.status)
                                       .where(Response.wave_id == wave.id)).all())
        rows += len(db.session.execute(
            sa.select(Answer.question_key, Answer.response_id, Answer.number, Answer.text)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.wave_id == wave.id)).all())
    return rows


def run(url: str, responses: int) -> None:
    from revaluation import create_app
    from revaluation.extensions import db
    from revaluation.models import Evaluation
    from revaluation.services.results import evaluation_results

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40,
                      "PANEL_CODE_KEY": "bench", "ENVIRON": {"REVALUATION_ENV": "testing"}})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        _seed(responses)
        seeded = time.perf_counter() - started
        evaluation = db.session.execute(sa.select(Evaluation).filter_by(slug="bench")).scalar_one()
        started = time.perf_counter()
        rows = _read_only(evaluation)
        read = time.perf_counter() - started
        db.session.expire_all()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        results = evaluation_results(evaluation)
        full = time.perf_counter() - started
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        db.session.expire_all()
        tracemalloc.start()
        evaluation_results(evaluation)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        name = url.split(":", 1)[0]
        print(f"{name:10} seeded {responses:,} x {QUESTIONS} x {WAVES} in {seeded:6.1f} s | "
              f"read {rows:,} rows {read:6.1f} s | full analysis {full:6.1f} s "
              f"({full / read:.2f}x read) | peak traced memory {peak / 2**20:,.0f} MiB, "
              f"peak RSS growth {grown / 1024:,.0f} MiB | "
              f"{len(results['questions'])} questions, {len(results['outcomes'])} outcomes",
              flush=True)
        db.session.remove()
        db.drop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/reval_bench")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.sqlite3", args.responses)
    if not args.sqlite_only:
        base, name = args.postgres.rsplit("/", 1)
        engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        run(args.postgres, args.responses)


if __name__ == "__main__":
    main()
