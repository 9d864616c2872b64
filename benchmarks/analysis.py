"""How long the full analysis takes beside just reading the answers, on SQLite and PostgreSQL.

Builds an evaluation of RESPONSES responses x 40 questions x 3 waves with set-based inserts,
then, on each database, prints side by side:

- read: the loader's own queries (``analysis_data.read_wave`` for every wave), rows fetched,
  nothing computed; and, for comparison, a plain ORM select of every answer;
- full analysis: ``compute_results`` (loading + every outcome, wave, group, question and
  scale), never served from the results cache, with the analysis store emptied first so every
  answer is read, and its ratio to the read (target: within 2x);
- the full analysis again with the analysis store's snapshots current (what an analysis costs
  once the store has followed the answers as they arrived);
- the same results read back from the results cache (what every later page or report pays);
- peak memory: the growth of the process's peak RSS during the timed run, and the peak traced
  by tracemalloc in a second, untimed run (tracemalloc slows Python down).

Each time is given as wall-clock seconds and as CPU seconds (this process, plus the PostgreSQL
backend serving it when the server runs on this machine), because on a shared machine the
wall clock mostly measures the neighbours. With ``--rounds N`` the read and the analysis run N
times, alternately, and the best of each is reported.

    .venv/bin/python benchmarks/analysis.py [--responses 100000] [--sqlite-only] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
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


def _forget_store() -> None:
    from revaluation.extensions import db
    from revaluation.models import WaveSnapshot

    db.session.execute(sa.delete(WaveSnapshot))
    db.session.commit()


def _read_only(evaluation) -> int:
    """Run the loader's queries for every wave and fetch their rows, computing nothing."""
    from revaluation.services.analysis_data import read_wave

    rows = 0
    for wave in evaluation.waves:
        found = read_wave(wave)
        rows += len(found.responses) + len(found.answers) + len(found.multiple)
    return rows


def _plain_select(evaluation) -> int:
    """A plain ORM select of every answer with its response (the simplest way to read them)."""
    from revaluation.extensions import db
    from revaluation.models import Answer, Response

    rows = 0
    for wave in evaluation.waves:
        rows += len(db.session.execute(
            sa.select(Answer.question_key, Answer.response_id, Answer.number, Answer.text)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.wave_id == wave.id)).all())
    return rows


class Clock:
    """Wall-clock and CPU seconds of a call. CPU is this process's, plus that of the
    PostgreSQL backend serving the session when it runs on this machine (read from /proc)."""

    def __init__(self) -> None:
        from revaluation.extensions import db

        self.backend = None
        if db.session.get_bind().dialect.name == "postgresql":
            pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            if Path(f"/proc/{pid}/stat").exists():
                self.backend = pid

    def _backend_cpu(self) -> float:
        if self.backend is None:
            return 0.0
        fields = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run(self, function, *args):
        from revaluation.extensions import db

        before_cpu = time.process_time() + self._backend_cpu()
        started = time.perf_counter()
        result = function(*args)
        wall = time.perf_counter() - started
        cpu = time.process_time() + self._backend_cpu() - before_cpu
        if self.backend is not None:
            same = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            if same != self.backend:
                cpu = float("nan")  # the session changed connection: the server's share is lost
        return result, wall, cpu


def run(url: str, responses: int, rounds: int = 1) -> None:
    from revaluation import create_app
    from revaluation.extensions import db
    from revaluation.models import Evaluation
    from revaluation.services.results import compute_results, evaluation_results
    from revaluation.services.results_cache import reuse_or_compute

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40,
                      "PANEL_CODE_KEY": "bench", "ENVIRON": {"REVALUATION_ENV": "testing"}})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        _seed(responses)
        seeded = time.perf_counter() - started
        if db.session.get_bind().dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))  # as autovacuum would soon after a bulk load
        evaluation = db.session.execute(sa.select(Evaluation).filter_by(slug="bench")).scalar_one()
        clock = Clock()
        plain_rows, plain, plain_cpu = clock.run(_plain_select, evaluation)
        reads, fulls = [], []
        grown = 0
        for _ in range(rounds):
            db.session.expire_all()
            rows, wall, cpu = clock.run(_read_only, evaluation)
            reads.append((wall, cpu))
            _forget_store()  # every answer read again: the analysis store starts empty
            db.session.expire_all()
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            results, wall, cpu = clock.run(compute_results, evaluation)
            grown = max(grown, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
            fulls.append((wall, cpu))
        read, read_cpu = min(w for w, _ in reads), min(c for _, c in reads)
        full, full_cpu = min(w for w, _ in fulls), min(c for _, c in fulls)
        db.session.expire_all()
        stored, stored_wall, stored_cpu = clock.run(compute_results, evaluation)
        assert stored["outcomes"] == results["outcomes"], "the store's results differ"
        reuse_or_compute(evaluation, None, None, lambda: results)  # keep what was computed
        db.session.expire_all()
        kept, kept_wall, kept_cpu = clock.run(evaluation_results, evaluation)
        assert kept["outcomes"] == results["outcomes"], "the kept results differ"
        _forget_store()
        db.session.expire_all()
        tracemalloc.start()
        compute_results(evaluation)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        name = url.split(":", 1)[0]
        best = f" (best of {rounds})" if rounds > 1 else ""
        print(f"{name}: seeded {responses:,} x {QUESTIONS} x {WAVES} in {seeded:.1f} s; "
              f"{len(results['questions'])} questions, {len(results['outcomes'])} outcomes",
              flush=True)
        print(f"  read, the loader's queries{best}: {rows:,} rows in {read:7.1f} s "
              f"(cpu {read_cpu:7.1f} s)")
        print(f"  read, plain select of every answer: {plain_rows:,} rows in {plain:7.1f} s "
              f"(cpu {plain_cpu:7.1f} s)")
        print(f"  full analysis{best}: {full:7.1f} s (cpu {full_cpu:7.1f} s) = "
              f"{full / read:.2f}x the loader's read ({full_cpu / read_cpu:.2f}x in cpu), "
              f"{full / plain:.2f}x the plain select ({full_cpu / plain_cpu:.2f}x in cpu); "
              f"target within 2x")
        print(f"  full analysis again, answers from the analysis store (snapshots current): "
              f"{stored_wall:.2f} s (cpu {stored_cpu:.2f} s)")
        print(f"  the same results read back from the results cache: {kept_wall:.2f} s "
              f"(cpu {kept_cpu:.2f} s)")
        print(f"  memory: peak traced {peak / 2**20:,.0f} MiB, peak RSS growth "
              f"{grown / 1024:,.0f} MiB", flush=True)
        db.session.remove()
        db.drop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/reval_bench")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the read and the analysis this many times; report the best")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.sqlite3", args.responses, args.rounds)
    if not args.sqlite_only:
        base, name = args.postgres.rsplit("/", 1)
        engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        run(args.postgres, args.responses, args.rounds)


if __name__ == "__main__":
    main()
