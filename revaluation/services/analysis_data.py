"""Load one wave's answers into numpy arrays for :mod:`revaluation.analysis`.

Set-based: one query for the wave's responses and one query per question family (numbers,
categories, multiple choices), never one per respondent, so the cost is a handful of round trips
whatever the wave's size. Everything for one wave sits in one :class:`WaveData`; callers process
waves one (or two, for comparisons) at a time, so memory stays proportional to one wave.

Arrays are aligned with ``WaveData.response_ids`` (sorted). A missing answer is ``NaN`` (numbers)
or ``""`` (categories); a non-substantive answer ("prefer not to say") is counted in
``nonsubstantive[key]`` and is missing in the value arrays, so no statistic can include it.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np
import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import Answer, Response, ResponseStatus, Wave
from revaluation.services.instruments import definition_of
from surveys.model import Instrument, Question
from surveys.scoring import score_matrix
from surveys.types import get_type

#: Question types analysed from the numeric column (the number the engine's ``numbers()`` gives).
NUMERIC_TYPES = frozenset({"number", "rating", "dyad"})
#: Single-choice types: the choice value (text) plus, for likert, its numeric score.
CATEGORY_TYPES = frozenset({"single_choice", "likert"})
#: Multiple choice: the list of chosen values.
MULTIPLE_TYPES = frozenset({"multiple_choice"})


@dataclass
class WaveData:
    """One wave's responses and answers as aligned arrays (see the module docstring)."""

    wave_id: int
    name: str
    instrument: Instrument
    response_ids: np.ndarray
    groups: np.ndarray
    panel: np.ndarray
    complete: np.ndarray
    numbers: dict[str, np.ndarray] = field(default_factory=dict)
    categories: dict[str, np.ndarray] = field(default_factory=dict)
    multiple: dict[str, list[list[str] | None]] = field(default_factory=dict)
    nonsubstantive: dict[str, np.ndarray] = field(default_factory=dict)
    #: Scale scores already computed for this wave (scale key -> scores).
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    #: Where known (the analysis store keeps them): each choice question's answers as codes
    #: into its distinct words, ``categories[key] == words[codes]``, for counting quickly.
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.response_ids)

    def mask(self, groups: Sequence[str] | None) -> np.ndarray:
        """Rows of the chosen groups (all rows when ``groups`` is empty or None)."""
        if not groups:
            return np.ones(self.size, dtype=bool)
        return np.isin(self.groups, list(groups))

    def ns_count(self, key: str, rows: np.ndarray | None = None) -> int:
        flags = self.nonsubstantive.get(key)
        if flags is None:
            return 0
        return int(flags.sum() if rows is None else flags[rows].sum())


def question_families(instrument: Instrument) -> dict[str, list[Question]]:
    """The instrument's questions by how their answers are read: numeric, category, multiple."""
    families: dict[str, list[Question]] = {"numeric": [], "category": [], "multiple": []}
    for question in instrument.questions():
        if question.type in NUMERIC_TYPES:
            families["numeric"].append(question)
        elif question.type in CATEGORY_TYPES:
            families["category"].append(question)
        elif question.type in MULTIPLE_TYPES:
            families["multiple"].append(question)
    return families


def _positions(response_ids: np.ndarray, ids: Iterable[int]) -> np.ndarray:
    return np.searchsorted(response_ids, np.fromiter(ids, dtype=np.int64))


def _answers(wave_id: int, keys: list[str], columns: Sequence[Any], statuses, *,
             plain: bool = False, ids: Sequence[int] | None = None) -> list[Any]:
    """Rows of ``columns`` for the wave's answers to ``keys``: one set-based query.

    With ``plain``, the rows are the driver's own tuples, taken from the DBAPI cursor: for
    millions of answers, building SQLAlchemy rows costs more than fetching them. Only for
    columns that need no result processing (integers, floats, text).
    """
    query = (
        sa.select(*columns)
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.wave_id == wave_id, Answer.question_key.in_(keys))
    )
    if statuses is not None:
        query = query.where(Response.status.in_(statuses))
    if ids is not None:
        query = query.where(Response.id.in_(ids))
    return _fetch(query, plain=plain)


def _fetch(query: Any, *, plain: bool) -> list[Any]:
    result = db.session.connection().execute(query)
    if not plain:
        return result.all()
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while millions of rows become arrays.

    Every fetched row is a new tuple, and allocating them triggers collection after
    collection that each walk the rows already fetched (a third of the loading time on a large
    wave) although tuples of plain values can form no cycle. Nested or concurrent pauses are
    safe: only the outermost one that found the collector running turns it back on.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def _column(rows: list[Any], index: int, dtype: Any) -> np.ndarray:
    """One column of fetched rows as an array, without building per-row Python lists."""
    return np.fromiter(map(itemgetter(index), rows), dtype=dtype, count=len(rows))


def _is_nonsubstantive(data: Any) -> bool:
    return isinstance(data, dict) and "nonsubstantive" in data


@dataclass
class WaveRows:
    """What :func:`read_wave` fetched: the loader's query results, nothing computed yet."""

    instrument: Instrument
    families: dict[str, list[Question]]
    #: (id, group, panel hash, status) per response, by id.
    responses: list[Any]
    #: (key position in ``keys``, response id, number, text, JSON text) per answer.
    answers: list[Any]
    keys: list[str]
    #: (key, response id, data) per multiple-choice answer.
    multiple: list[Any]


def read_wave(
    wave: Wave,
    *,
    complete_only: bool = False,
    keys: Iterable[str] | None = None,
) -> WaveRows:
    """Run the loader's queries for a wave and fetch their rows (see :func:`load_wave`)."""
    with collector_paused():
        return _read_wave(wave, complete_only=complete_only, keys=keys)


def _read_wave(wave: Wave, *, complete_only: bool, keys: Iterable[str] | None,
               ids: Sequence[int] | None = None) -> WaveRows:
    """The loader's queries; ``ids`` limits them to those responses (the analysis store reads
    only the responses that changed since its snapshot)."""
    instrument = definition_of(wave.instrument_version)
    statuses = [ResponseStatus.COMPLETE] if complete_only else None
    query = sa.select(Response.id, Response.group, Response.panel_hash, Response.status).where(
        Response.wave_id == wave.id
    )
    if statuses:
        query = query.where(Response.status.in_(statuses))
    if ids is not None:
        ids = [int(i) for i in ids]
        query = query.where(Response.id.in_(ids))
    # Plain tuples: the status arrives as its stored text, which equals the enum member.
    responses = _fetch(query.order_by(Response.id), plain=True)
    wanted = set(keys) if keys is not None else None
    families = {
        name: [q for q in questions if wanted is None or q.key in wanted]
        for name, questions in question_families(instrument).items()
    }
    category = [q.key for q in families["category"]]
    single = [q.key for q in families["numeric"]] + category
    multiple = [q.key for q in families["multiple"]]
    rows = WaveRows(instrument, families, responses, [], single, [])
    if responses and single:
        # One query for numeric and likert/choice questions. The question comes back as its
        # position in ``single`` (a small integer, not a string per row), the text only for
        # choice questions, and the stored JSON, as text, only where there is no number (a
        # non-substantive answer is stored as data={"nonsubstantive": ...}).
        position = sa.case({key: index for index, key in enumerate(single)},
                           value=Answer.question_key)
        text_column = sa.case(
            (Answer.question_key.in_(category), Answer.text), else_=sa.null()
        ) if category else sa.null()
        no_number_data = sa.case(
            (Answer.number.is_(None), sa.cast(Answer.data, sa.Text)), else_=sa.null()
        )
        rows.answers = _answers(wave.id, single, (position, Answer.response_id, Answer.number,
                                                  text_column, no_number_data), statuses,
                                plain=True, ids=ids)
    if responses and multiple:
        rows.multiple = _answers(wave.id, multiple,
                                 (Answer.question_key, Answer.response_id, Answer.data), statuses,
                                 ids=ids)
    return rows


def load_wave(
    wave: Wave,
    *,
    complete_only: bool = False,
    keys: Iterable[str] | None = None,
) -> WaveData:
    """Read a wave's responses and the answers of its numeric, category and multiple questions.

    ``keys`` limits the questions read (all analysable questions by default); partial responses
    count for the questions they reached unless ``complete_only``.
    """
    with collector_paused():
        return _arrays(wave, _read_wave(wave, complete_only=complete_only, keys=keys))


def _arrays(wave: Wave, rows: WaveRows) -> WaveData:
    """The fetched rows as :class:`WaveData` arrays."""
    instrument, families, responses = rows.instrument, rows.families, rows.responses
    ids = _column(responses, 0, np.int64)
    data = WaveData(
        wave.id,
        wave.name,
        instrument,
        ids,
        _column(responses, 1, object),
        _column(responses, 2, object),
        _column(responses, 3, object) == ResponseStatus.COMPLETE,
    )
    size = len(ids)
    for key in rows.keys:
        data.numbers[key] = np.full(size, np.nan)
        data.nonsubstantive[key] = np.zeros(size, dtype=bool)
    for question in families["category"]:
        data.categories[question.key] = np.full(size, "", dtype=object)
    _fill(data, rows.keys, rows.answers)
    for question in families["category"]:
        data.categories[question.key] = data.categories[question.key].astype(str)
        data.numbers[question.key] = _choice_numbers(question, instrument,
                                                     data.categories[question.key])
    if size:
        for question in families["multiple"]:
            data.multiple[question.key] = [None] * size
            data.nonsubstantive[question.key] = np.zeros(size, dtype=bool)
    positions = _positions(ids, (r[1] for r in rows.multiple))
    for (key, _rid, value), index in zip(rows.multiple, positions, strict=True):
        if _is_nonsubstantive(value):
            data.nonsubstantive[key][index] = True
        elif isinstance(value, dict):
            data.multiple[key][index] = list(value.get("value") or [])
        elif isinstance(value, list):
            data.multiple[key][index] = [str(v) for v in value]
    return data


def _choice_numbers(question: Question, instrument: Instrument, values: np.ndarray) -> np.ndarray:
    """Each choice answer's number from the engine's ``numbers()`` (a likert point's score, a
    scored yes/no as 1/0), mapped once per distinct value rather than read from storage."""
    qtype = get_type(question.type)
    out = np.full(len(values), np.nan)
    for value in np.unique(values):
        if value == "":
            continue
        try:
            number = qtype.numbers(question, str(value), instrument=instrument).get(question.key)
        except (TypeError, ValueError):
            number = None
        if number is not None:
            out[values == value] = number
    return out


def _fill(data: WaveData, keys: list[str], found: list[Any]) -> None:
    """Scatter (key position, response id, number, text, JSON text) rows into the per-key
    arrays, one array operation per question."""
    if not found:
        return
    codes = _column(found, 0, np.int32)
    positions = np.searchsorted(data.response_ids, _column(found, 1, np.int64))
    numbers = _column(found, 2, object).astype(float)
    texts = _column(found, 3, object)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1))
    for index, key in enumerate(keys):
        rows = order[bounds[index]:bounds[index + 1]]
        where = positions[rows]
        data.numbers[key][where] = numbers[rows]
        if key in data.categories:
            values = texts[rows]
            data.categories[key][where] = np.where(values == None, "", values)  # noqa: E711
    extras = _column(found, 4, object)
    # Only rows without a number carry their JSON here; most of those are a JSON null.
    for index in np.flatnonzero((extras != None) & (extras != "null")):  # noqa: E711
        if _is_nonsubstantive(json.loads(extras[index])):
            key = keys[codes[index]]
            data.nonsubstantive[key][positions[index]] = True
            if key in data.categories:
                data.categories[key][positions[index]] = ""


def scale_scores(data: WaveData, scale) -> np.ndarray:
    """Each respondent's score on ``scale`` (NaN: none), by :func:`surveys.scoring.score_matrix`
    over the whole wave at once (the same rules as the engine's per-respondent ``score_scale``).

    Items are read from the numeric column (the engine's ``numbers()`` value, e.g. a likert
    choice's score); non-substantive answers are already missing there.
    """
    if scale.key in data.scores:
        return data.scores[scale.key]
    columns = [data.numbers.get(key) for key in scale.items]
    if any(column is None for column in columns) or not data.size:
        out = np.full(data.size, np.nan)
    else:
        out = score_matrix(scale, np.column_stack(columns))
    data.scores[scale.key] = out
    return out


def scale_items(data: WaveData, scale) -> np.ndarray:
    """The respondents × items matrix of a scale, reverse items reversed (for reliability)."""
    columns = []
    for key in scale.items:
        column = data.numbers.get(key, np.full(data.size, np.nan)).copy()
        if key in scale.reverse and scale.item_min is not None and scale.item_max is not None:
            column = scale.item_min + scale.item_max - column
        columns.append(column)
    return np.column_stack(columns) if columns else np.empty((data.size, 0))


def linked_pairs(first: WaveData, second: WaveData) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of respondents present in both waves by panel hash (one pair per hash:
    each wave's first row with it), in the order of the first wave's rows."""
    a_hashes, a_rows = _first_rows(first.panel)
    b_hashes, b_rows = _first_rows(second.panel)
    _, in_a, in_b = np.intersect1d(a_hashes, b_hashes, assume_unique=True,
                                   return_indices=True)
    a, b = a_rows[in_a], b_rows[in_b]
    order = np.argsort(a, kind="stable")
    return a[order].astype(np.int64), b[order].astype(np.int64)


def _first_rows(panel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct panel hashes (None left out) and the row where each first appears."""
    present = np.flatnonzero(np.not_equal(panel, None))
    if not len(present):
        return np.array([], dtype=str), np.array([], dtype=np.int64)
    hashes, first = np.unique(panel[present].astype(str), return_index=True)
    return hashes, present[first]
