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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa

from revaluation.extensions import db
from revaluation.models import Answer, Response, ResponseStatus, Wave
from revaluation.services.instruments import definition_of
from surveys.model import Instrument, Question
from surveys.scoring import score_scale
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


def _answers(wave_id: int, keys: list[str], columns: Sequence[Any], statuses) -> list[tuple]:
    query = (
        sa.select(Answer.question_key, Answer.response_id, *columns)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.wave_id == wave_id, Answer.question_key.in_(keys))
    )
    if statuses is not None:
        query = query.where(Response.status.in_(statuses))
    return db.session.execute(query).all()


def _is_nonsubstantive(data: Any) -> bool:
    return isinstance(data, dict) and "nonsubstantive" in data


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
    instrument = definition_of(wave.instrument_version)
    statuses = [ResponseStatus.COMPLETE] if complete_only else None
    query = sa.select(Response.id, Response.group, Response.panel_hash, Response.status).where(
        Response.wave_id == wave.id
    )
    if statuses:
        query = query.where(Response.status.in_(statuses))
    rows = db.session.execute(query.order_by(Response.id)).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    data = WaveData(
        wave.id,
        wave.name,
        instrument,
        ids,
        np.array([r[1] for r in rows], dtype=object),
        np.array([r[2] for r in rows], dtype=object),
        np.array([r[3] == ResponseStatus.COMPLETE for r in rows], dtype=bool),
    )
    wanted = set(keys) if keys is not None else None
    families = {
        name: [q for q in questions if wanted is None or q.key in wanted]
        for name, questions in question_families(instrument).items()
    }
    size = len(ids)
    numeric = [q.key for q in families["numeric"]]
    category = [q.key for q in families["category"]]
    multiple = [q.key for q in families["multiple"]]
    for key in numeric + category:
        data.numbers[key] = np.full(size, np.nan)
        data.nonsubstantive[key] = np.zeros(size, dtype=bool)
    for key in category:
        data.categories[key] = np.full(size, "", dtype=object)
    if size and numeric + category:
        # Numbers for numeric and likert/choice questions; the JSON only where there is no number
        # (a non-substantive answer is stored as data={"nonsubstantive": ...}).
        text_column = sa.case(
            (Answer.question_key.in_(category), Answer.text), else_=sa.null()
        ) if category else sa.null()
        no_number_data = sa.case((Answer.number.is_(None), Answer.data), else_=sa.null())
        found = _answers(wave.id, numeric + category,
                         (Answer.number, text_column, no_number_data), statuses)
        _fill(data, found)
    for question in families["category"]:
        data.categories[question.key] = data.categories[question.key].astype(str)
        data.numbers[question.key] = _choice_numbers(question, instrument,
                                                     data.categories[question.key])
    if size and multiple:
        for key in multiple:
            data.multiple[key] = [None] * size
            data.nonsubstantive[key] = np.zeros(size, dtype=bool)
        found = _answers(wave.id, multiple, (Answer.data,), statuses)
        positions = _positions(ids, (r[1] for r in found))
        for (key, _rid, value), index in zip(found, positions, strict=True):
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


def _fill(data: WaveData, found: list[tuple]) -> None:
    """Scatter (key, response id, number, text, data) rows into the per-key arrays."""
    if not found:
        return
    keys, rids, numbers, texts, extras = zip(*found, strict=True)
    positions = _positions(data.response_ids, rids)
    names = list(dict.fromkeys(keys))
    number_of = {key: i for i, key in enumerate(names)}
    codes = np.fromiter((number_of[key] for key in keys), dtype=np.int32, count=len(keys))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    number_array = np.array(numbers, dtype=float)
    text_array = np.array(texts, dtype=object)
    for index, key in enumerate(names):
        rows = order[bounds[index]:bounds[index + 1]]
        if key not in data.numbers:
            continue
        where = positions[rows]
        data.numbers[key][where] = number_array[rows]
        if key in data.categories:
            values = text_array[rows]
            data.categories[key][where] = np.where(values == None, "", values)  # noqa: E711
    extra_array = np.array(extras, dtype=object)
    for index in np.flatnonzero(extra_array != None):  # noqa: E711  (elementwise on arrays)
        if _is_nonsubstantive(extras[index]):
            key = keys[index]
            data.nonsubstantive[key][positions[index]] = True
            if key in data.categories:
                data.categories[key][positions[index]] = ""


def scale_scores(data: WaveData, scale) -> np.ndarray:
    """Each respondent's score on ``scale`` via :func:`surveys.scoring.score_scale` (NaN: none).

    Items are read from the numeric column (the engine's ``numbers()`` value, e.g. a likert
    choice's score); non-substantive answers are already missing there.
    """
    if scale.key in data.scores:
        return data.scores[scale.key]
    columns = [data.numbers.get(key) for key in scale.items]
    out = data.scores[scale.key] = np.full(data.size, np.nan)
    if any(column is None for column in columns) or not data.size:
        return out
    matrix = np.column_stack(columns)
    for row in range(data.size):
        answers = {
            key: float(matrix[row, i])
            for i, key in enumerate(scale.items)
            if not np.isnan(matrix[row, i])
        }
        if not answers:
            continue
        score = score_scale(scale, answers)
        if score.value is not None:
            out[row] = score.value
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
    """Row positions of respondents present in both waves by panel hash (one pair per hash)."""
    def index(panel: np.ndarray) -> dict[str, int]:
        seen: dict[str, int] = {}
        for position, value in enumerate(panel):
            if value is not None and value not in seen:
                seen[value] = position
        return seen

    a, b = index(first.panel), index(second.panel)
    common = [h for h in a if h in b]
    return (np.array([a[h] for h in common], dtype=np.int64),
            np.array([b[h] for h in common], dtype=np.int64))
