"""``regex()`` on Google's RE2, whose matching time is linear in the input.

Constraints such as ``regex(., '^[0-9]{10}$')`` run on answers anyone can type, with patterns
any form designer can write. Python's backtracking ``re`` takes exponential time on patterns
like ``(a+)+$``; RE2 guarantees linear time by design and refuses the features that cannot
have that bound (backreferences, lookarounds), which we report in plain words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import re2

from surveys._expr_ast import ExpressionError

MAX_PATTERN_LENGTH = 300
#: Longer texts are not tested (the result is "unknown", None); answers are capped anyway.
MAX_TEXT_LENGTH = 20_000
#: Memory RE2 may use for one compiled pattern; huge counted repeats exceed it and are refused.
MAX_PROGRAM_BYTES = 1 << 20

_UNSUPPORTED = [
    (re.compile(r"\\[1-9]"), "backreferences such as \\1 are not supported"),
    (re.compile(r"\(\?[=!<]"), "lookaround groups such as (?=...) are not supported"),
    (re.compile(r"\(\?[a-zA-Z]"), "inline flags such as (?i) are not supported"),
]


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled, linear-time pattern."""

    compiled: re2._Regexp

    def search(self, text: str) -> bool | None:
        """Whether the pattern matches somewhere in ``text``; None if the text is too long."""
        if len(text) > MAX_TEXT_LENGTH:
            return None
        return self.compiled.search(text) is not None


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Pattern:
    """Compile ``pattern`` or raise :class:`ExpressionError` saying what is not allowed."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ExpressionError(
            f"regex() pattern is too long ({len(pattern)} characters; "
            f"the limit is {MAX_PATTERN_LENGTH})"
        )
    for finder, reason in _UNSUPPORTED:
        if finder.search(pattern):
            raise ExpressionError(f"regex() pattern {pattern!r}: {reason}")
    options = re2.Options()
    options.max_mem = MAX_PROGRAM_BYTES
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as exc:
        raise ExpressionError(f"regex() pattern {pattern!r} is not valid: {exc}") from None
    return Pattern(compiled)
