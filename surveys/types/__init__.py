"""The question-type registry: one class per type, each in one of the modules below.

    from surveys.types import get_type, AnswerError
    value = get_type(question.type).normalise(question, raw, instrument=inst)

Adding a type means writing one class decorated with `@register` in one of these modules.
"""

from surveys.errors import AnswerError
from surveys.types import basic, choice, participatory
from surveys.types.base import (
    MAX_TEXT,
    NONSUBSTANTIVE,
    OTHER,
    QUESTION_TYPES,
    QuestionType,
    StoredValue,
    get_type,
    is_nonsubstantive,
)
from surveys.types.participatory import dots_status

__all__ = [
    "MAX_TEXT",
    "NONSUBSTANTIVE",
    "OTHER",
    "QUESTION_TYPES",
    "AnswerError",
    "QuestionType",
    "StoredValue",
    "basic",
    "choice",
    "dots_status",
    "get_type",
    "is_nonsubstantive",
    "participatory",
]
