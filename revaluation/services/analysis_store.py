"""The analysis store: each wave's answers kept as arrays, brought up to date from what changed.

Reading a large wave's answers row by row is most of what an analysis costs (11.7 million rows
for 100,000 responses x 40 questions x 3 waves take longer than all the statistics and the
PDF together). So the arrays :mod:`revaluation.services.analysis_data` builds are kept, one
**snapshot** per wave (table ``wave_snapshot``), with each response's change stamp (its
``updated_at``). An analysis then:

1. reads every response's id and stamp for the wave (one narrow query, no answers);
2. loads the kept arrays and drops the responses that were deleted or whose stamp changed;
3. reads the answers of just the new and changed responses, with the loader's own queries;
4. merges them in, and keeps the new snapshot for the next analysis.

Every answer is written through :mod:`revaluation.services.responses`, which touches its
response's ``updated_at`` (the results cache relies on the same rule); imports and erasure add
or delete whole responses. So a snapshot brought up to date this way holds exactly what the
loader would read now, which the tests check after submissions, edits, erasure, imports and
instrument changes. A snapshot whose format, loader code or instrument version differs is
rebuilt from scratch, as is one where more than a fifth of the wave, or more than 5,000
responses, changed (one full read is then cheaper than a long list of ids).

Snapshots are written on their own short connection and committed at once, never when the
request's session holds uncommitted writes (what it sees might never be committed), the same
rules as :mod:`revaluation.services.results_cache`. Nothing is pickled: the payload is numpy's
``.npz`` format read with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from revaluation.extensions import db
from revaluation.models import Response, Wave, WaveSnapshot
from revaluation.models.base import upsert, utcnow
from revaluation.services import analysis_data
from revaluation.services.analysis_data import WaveData, question_families
from revaluation.services.results_cache import WROTE, connection_aside, source_digest

logger = logging.getLogger(__name__)

#: Raised whenever the payload's layout changes, so older snapshots are rebuilt.
FORMAT = 1
#: Changed responses read by id at most (each id is one bound parameter of the query).
MAX_BY_ID = 5000
#: Above this share of a wave changed (and more than a handful), one full read is cheaper.
REBUILD_SHARE = 0.2
REBUILD_AT_LEAST = 100

_CODE = ("revaluation/services/analysis_data.py", "revaluation/services/analysis_store.py")


def fingerprint(wave: Wave) -> str:
    """What a snapshot of ``wave`` depends on besides its responses."""
    version = wave.instrument_version
    definition = json.dumps(version.definition, sort_keys=True, default=str)
    text = f"{FORMAT}|{source_digest(_CODE)}|{version.id}|{definition}"
    return hashlib.sha256(text.encode()).hexdigest()


# --- rows of a WaveData -------------------------------------------------------------------


def take(data: WaveData, index: np.ndarray) -> WaveData:
    """The rows ``index`` (integer positions) of ``data`` as a new :class:`WaveData`."""
    out = WaveData(data.wave_id, data.name, data.instrument, data.response_ids[index],
                   data.groups[index], data.panel[index], data.complete[index])
    out.numbers = {key: values[index] for key, values in data.numbers.items()}
    out.categories = {key: values[index] for key, values in data.categories.items()}
    out.nonsubstantive = {key: flags[index] for key, flags in data.nonsubstantive.items()}
    out.codes = {key: (codes[index], words) for key, (codes, words) in data.codes.items()}
    if len(index):
        out.multiple = {key: [values[i] for i in index.tolist()]
                        for key, values in data.multiple.items()}
    else:  # as the loader leaves an empty wave: no multiple-choice columns at all
        for key in data.multiple:
            out.nonsubstantive.pop(key, None)
    return out


def _multiple_keys(data: WaveData) -> list[str]:
    return [q.key for q in question_families(data.instrument)["multiple"]]


def combine(first: WaveData, second: WaveData) -> WaveData:
    """The rows of both (read with the same keys), ordered by response id."""
    order = np.argsort(np.concatenate([first.response_ids, second.response_ids]), kind="stable")
    out = WaveData(
        first.wave_id, first.name, first.instrument,
        np.concatenate([first.response_ids, second.response_ids])[order],
        np.concatenate([first.groups, second.groups])[order],
        np.concatenate([first.panel, second.panel])[order],
        np.concatenate([first.complete, second.complete])[order],
    )
    for key in first.numbers.keys() | second.numbers.keys():
        out.numbers[key] = np.concatenate([_column(first.numbers, key, first.size, np.nan),
                                           _column(second.numbers, key, second.size, np.nan)]
                                          )[order]
    for key in first.categories.keys() | second.categories.keys():
        out.categories[key] = np.concatenate([_column(first.categories, key, first.size, ""),
                                              _column(second.categories, key, second.size, "")]
                                             ).astype(str)[order]
    for key in first.nonsubstantive.keys() | second.nonsubstantive.keys():
        out.nonsubstantive[key] = np.concatenate([
            _column(first.nonsubstantive, key, first.size, False),
            _column(second.nonsubstantive, key, second.size, False)])[order]
    if out.size:
        for key in _multiple_keys(first):
            joined = (first.multiple.get(key) or [None] * first.size) \
                + (second.multiple.get(key) or [None] * second.size)
            out.multiple[key] = [joined[i] for i in order.tolist()]
            out.nonsubstantive.setdefault(key, np.zeros(out.size, dtype=bool))
    return out


def _column(columns: dict[str, np.ndarray], key: str, size: int, fill: Any) -> np.ndarray:
    found = columns.get(key)
    if found is not None:
        return found
    if isinstance(fill, str):
        return np.full(size, fill, dtype=object)
    return np.full(size, fill, dtype=bool if isinstance(fill, bool) else float)


# --- the payload --------------------------------------------------------------------------


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vocabulary as text, int32 codes) of an object array of text or None (code -1)."""
    present = np.not_equal(values, None)
    codes = np.full(len(values), -1, dtype=np.int32)
    if not present.any():
        return np.array([], dtype=str), codes
    vocabulary, inverse = np.unique(values[present].astype(str), return_inverse=True)
    codes[present] = inverse
    return vocabulary, codes


def _decode(vocabulary: np.ndarray, codes: np.ndarray) -> np.ndarray:
    out = np.full(len(codes), None, dtype=object)
    present = codes >= 0
    if present.any():
        out[present] = np.array(vocabulary.tolist(), dtype=object)[codes[present]]
    return out


def _compact(numbers: np.ndarray) -> np.ndarray:
    """Numbers in the narrowest type that loses nothing: small integers (most answers are) as
    int8 or int16 with the type's lowest value standing for a missing answer, else float32
    when that is exact, else float64."""
    present = ~np.isnan(numbers)
    found = numbers[present]
    if not len(found) or np.array_equal(found, np.round(found)):
        for kind in (np.int8, np.int16):
            low, high = np.iinfo(kind).min, np.iinfo(kind).max
            if not len(found) or (found.min() > low and found.max() <= high):
                out = np.full(len(numbers), low, dtype=kind)
                out[present] = found
                return out
    narrow = numbers.astype(np.float32)
    if np.array_equal(narrow.astype(np.float64), numbers, equal_nan=True):
        return narrow
    return numbers


def _widen(stored: np.ndarray) -> np.ndarray:
    """The float64 numbers :func:`_compact` narrowed."""
    out = stored.astype(np.float64)
    if stored.dtype.kind == "i":
        out[stored == np.iinfo(stored.dtype).min] = np.nan
    return out


def _small_codes(codes: np.ndarray, size: int) -> np.ndarray:
    """Codes (-1 for none) in the narrowest integer type that holds ``size`` values."""
    for kind in (np.int8, np.int16, np.int32):
        if size < np.iinfo(kind).max:
            return codes.astype(kind)
    return codes.astype(np.int64)


def _flags(flags: np.ndarray) -> np.ndarray:
    return np.packbits(flags.astype(bool))


def _unflag(packed: np.ndarray, size: int) -> np.ndarray:
    return np.unpackbits(packed, count=size).astype(bool)


def encode(data: WaveData, stamps: np.ndarray, summary: list[Any]) -> bytes:
    """``data``, the responses' stamps and the wave's stamp summary as ``.npz`` bytes."""
    families = question_families(data.instrument)
    numeric = [q.key for q in families["numeric"] if q.key in data.numbers]
    category = [q.key for q in families["category"] if q.key in data.categories]
    multiple = [key for key in _multiple_keys(data) if key in data.multiple]
    arrays: dict[str, np.ndarray] = {
        "meta": np.array(json.dumps({"numeric": numeric, "category": category,
                                     "multiple": multiple, "summary": summary})),
        "ids": data.response_ids.astype(np.int64),
        "stamps": stamps.astype("S"),
        "complete": data.complete.astype(bool),
    }
    for name, values in (("groups", data.groups), ("panel", data.panel)):
        vocabulary, codes = _codes(values)
        arrays[f"{name}_vocabulary"] = vocabulary
        arrays[name] = _small_codes(codes, len(vocabulary))
    for index, key in enumerate(numeric):
        arrays[f"n{index}"] = _compact(data.numbers[key])
        arrays[f"ns_n{index}"] = _flags(data.nonsubstantive[key])
    for index, key in enumerate(category):
        vocabulary, codes = np.unique(data.categories[key], return_inverse=True)
        arrays[f"c{index}_vocabulary"] = vocabulary
        arrays[f"c{index}"] = _small_codes(codes.reshape(-1), len(vocabulary))
        arrays[f"ns_c{index}"] = _flags(data.nonsubstantive[key])
    for index, key in enumerate(multiple):
        answers = data.multiple[key]
        lengths = np.array([-1 if a is None else len(a) for a in answers], dtype=np.int32)
        chosen = np.array([v for a in answers if a for v in a], dtype=object)
        arrays[f"m{index}_vocabulary"], arrays[f"m{index}"] = _codes(chosen)
        arrays[f"m{index}_lengths"] = lengths
        arrays[f"ns_m{index}"] = _flags(data.nonsubstantive[key])
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def stored_stamps(payload: bytes) -> np.ndarray:
    """A snapshot's per-response stamps (read only when its summary is out of date)."""
    with np.load(io.BytesIO(payload), allow_pickle=False) as stored:
        return stored["stamps"]


def decode(payload: bytes, wave: Wave, instrument) -> tuple[WaveData, list[Any]]:
    """A snapshot's :class:`WaveData` and stamp summary (see :func:`encode`)."""
    with np.load(io.BytesIO(payload), allow_pickle=False) as stored:
        meta = json.loads(str(stored["meta"]))
        data = WaveData(wave.id, wave.name, instrument, stored["ids"],
                        _decode(stored["groups_vocabulary"], stored["groups"]),
                        _decode(stored["panel_vocabulary"], stored["panel"]),
                        stored["complete"])
        size = data.size
        questions = {q.key: q for q in instrument.questions()}
        for index, key in enumerate(meta["numeric"]):
            data.numbers[key] = _widen(stored[f"n{index}"])
            data.nonsubstantive[key] = _unflag(stored[f"ns_n{index}"], size)
        for index, key in enumerate(meta["category"]):
            vocabulary, codes = stored[f"c{index}_vocabulary"], stored[f"c{index}"]
            data.categories[key] = vocabulary[codes]
            data.codes[key] = (codes, vocabulary)
            # Each choice's number worked out once, as the loader does, then spread by code.
            numbers = analysis_data._choice_numbers(questions[key], instrument, vocabulary)
            data.numbers[key] = numbers[codes] if len(codes) else np.full(0, np.nan)
            data.nonsubstantive[key] = _unflag(stored[f"ns_c{index}"], size)
        for index, key in enumerate(meta["multiple"]):
            lengths = stored[f"m{index}_lengths"].tolist()
            chosen = _decode(stored[f"m{index}_vocabulary"], stored[f"m{index}"]).tolist()
            answers: list[list[str] | None] = []
            position = 0
            for length in lengths:
                if length < 0:
                    answers.append(None)
                else:
                    answers.append(chosen[position:position + length])
                    position += length
            data.multiple[key] = answers
            data.nonsubstantive[key] = _unflag(stored[f"ns_m{index}"], size)
    return data, meta["summary"]


# --- bringing a snapshot up to date -------------------------------------------------------


@dataclass
class Refresh:
    """What :func:`current_wave` did: for the benchmarks and the tests."""

    rebuilt: bool = False
    reread: int = 0
    dropped: int = 0
    kept: bool = False


def _summary(wave_id: int) -> list[Any]:
    """(responses, sum of their ids, latest change) of a wave: one aggregate query.

    When it equals the snapshot's, nothing was added, deleted or changed since (the rule the
    results cache's data version rests on too), and the per-response stamps are not read.
    """
    count, total, latest = db.session.execute(
        sa.select(sa.func.count(Response.id), sa.func.coalesce(sa.func.sum(Response.id), 0),
                  sa.func.max(Response.updated_at)).where(Response.wave_id == wave_id)
    ).one()
    return [int(count), int(total), str(latest)]


def _stamps(wave_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Every response's (id, change stamp) for the wave, by id: one narrow query."""
    query = sa.select(Response.id, sa.cast(Response.updated_at, sa.String)) \
        .where(Response.wave_id == wave_id).order_by(Response.id)
    result = db.session.connection().execute(query)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    stamps = np.array([(r[1] or "").encode() for r in rows], dtype="S") if rows \
        else np.array([], dtype="S1")
    return ids, stamps


def _stored(wave: Wave, expected: str) -> bytes | None:
    return db.session.execute(
        sa.select(WaveSnapshot.payload).where(WaveSnapshot.wave_id == wave.id,
                                              WaveSnapshot.fingerprint == expected)
    ).scalar_one_or_none()


def _aligned(data: WaveData, ids: np.ndarray, stamps: np.ndarray) -> np.ndarray:
    """Each row's stamp from (ids, stamps); empty (so re-read next time) for a row that
    arrived after the stamps were read."""
    out = np.full(data.size, b"", dtype=stamps.dtype if len(stamps) else "S1")
    if not len(ids):
        return out
    where = np.clip(np.searchsorted(ids, data.response_ids), 0, len(ids) - 1)
    found = ids[where] == data.response_ids
    out[found] = stamps[where[found]]
    return out


def current_wave(wave: Wave, *, report: Refresh | None = None) -> WaveData:
    """Every analysable answer of ``wave`` as the loader reads it now (see the module
    docstring); keeps the brought-up-to-date snapshot for next time."""
    report = report if report is not None else Refresh()
    expected = fingerprint(wave)
    with analysis_data.collector_paused():
        # First the summary, then the stamps, then the answers: a change that lands between
        # two of them is caught by the next analysis, never lost.
        summary = _summary(wave.id)
        payload = _stored(wave, expected)
        data = None
        if payload is not None:
            kept, kept_summary = decode(
                payload, wave, analysis_data.definition_of(wave.instrument_version))
            if kept_summary == summary:
                return kept
            ids, stamps = _stamps(wave.id)
            data = _brought_up_to_date(wave, kept, stored_stamps(payload), ids, stamps, report)
        else:
            ids, stamps = _stamps(wave.id)
        if data is None:
            report.rebuilt = True
            data = analysis_data._arrays(wave, analysis_data._read_wave(
                wave, complete_only=False, keys=None))
            report.reread = data.size
        report.kept = _keep(wave.id, expected,
                            encode(data, _aligned(data, ids, stamps), summary), data.size)
    return data


def _brought_up_to_date(wave: Wave, kept: WaveData, kept_stamps: np.ndarray, ids: np.ndarray,
                        stamps: np.ndarray, report: Refresh) -> WaveData | None:
    """``kept`` with deleted and changed responses dropped and new and changed ones read;
    None when so much changed that a full read is cheaper."""
    where = np.clip(np.searchsorted(ids, kept.response_ids), 0, max(len(ids) - 1, 0))
    same = np.zeros(kept.size, dtype=bool)
    if len(ids):
        same = (ids[where] == kept.response_ids) & (stamps[where] == kept_stamps)
    unchanged = kept.response_ids[same]
    wanted = np.setdiff1d(ids, unchanged, assume_unique=True)
    report.dropped = int(kept.size - len(unchanged))
    if len(wanted) > MAX_BY_ID or len(wanted) > max(REBUILD_AT_LEAST,
                                                    REBUILD_SHARE * len(ids)):
        return None
    report.reread = len(wanted)
    rows = take(kept, np.flatnonzero(same)) if report.dropped else kept
    if not len(wanted):
        return rows
    fresh = analysis_data._arrays(wave, analysis_data._read_wave(
        wave, complete_only=False, keys=None, ids=wanted.tolist()))
    return combine(rows, fresh)


def _keep(wave_id: int, expected: str, payload: bytes, responses: int) -> bool:
    """Store (or replace) a wave's snapshot on a short connection of its own."""
    if db.session.info.get(WROTE):
        return False
    try:
        with connection_aside() as connection:
            updated = ["fingerprint", "responses", "payload", "taken_at"]
            connection.execute(
                upsert(connection.dialect.name, WaveSnapshot.__table__, ["wave_id"], updated),
                {"wave_id": wave_id, "fingerprint": expected, "responses": responses,
                 "payload": payload, "taken_at": utcnow()})
    except SQLAlchemyError as error:
        logger.warning("snapshot of wave %s not kept (%s)", wave_id, type(error).__name__)
        return False
    return True


def load_wave(wave: Wave, *, complete_only: bool = False,
              keys: Iterable[str] | None = None) -> WaveData:
    """:func:`revaluation.services.analysis_data.load_wave`, served by the store."""
    data = current_wave(wave)
    if complete_only:
        data = take(data, np.flatnonzero(data.complete))
    if keys is not None:
        wanted = set(keys)
        data.numbers = {k: v for k, v in data.numbers.items() if k in wanted}
        data.categories = {k: v for k, v in data.categories.items() if k in wanted}
        data.multiple = {k: v for k, v in data.multiple.items() if k in wanted}
        data.nonsubstantive = {k: v for k, v in data.nonsubstantive.items() if k in wanted}
        data.codes = {k: v for k, v in data.codes.items() if k in wanted}
    return data
