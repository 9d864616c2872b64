"""The syntax tree, limits and error type of the survey expression language.

Kept apart from the parser and the evaluator so that both can share the node types
without importing each other. Nodes are frozen dataclasses; each records its ``depth``
(the longest path to a leaf) so the parser can refuse deep trees while it builds them,
bottom-up, without recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Longest expression text accepted, in characters.
MAX_TEXT_LENGTH = 2_000
#: Deepest syntax tree accepted (a chain like ``a + b + c`` counts as one level).
MAX_DEPTH = 50
#: Largest magnitude a number may have; beyond it a result becomes "no value" (None).
MAX_NUMBER = 1e15
#: Longest text a computed string may have; longer results are cut to this length.
MAX_STRING_LENGTH = 10_000


class ExpressionError(ValueError):
    """A problem with an expression that the form designer can fix.

    ``message`` says what is wrong, ``column`` is the 1-based position of a syntax error
    (None for other problems) and ``text`` is the expression itself.
    """

    def __init__(self, message: str, *, text: str = "", column: int | None = None) -> None:
        self.message = message
        self.column = column
        self.text = text
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.column is not None:
            return f"syntax error at column {self.column}: {self.message}"
        return self.message


@dataclass(frozen=True, slots=True)
class Literal:
    """A number or a quoted text written in the expression."""

    value: int | float | str
    depth: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Reference:
    """``${key}``: the answer to another question."""

    key: str
    depth: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Current:
    """``.``: the answer being checked (constraints) or the choice being filtered."""

    depth: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Field:
    """A bare name such as ``filter``: a column of the current choice (XLSForm choice filters)."""

    name: str
    depth: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus."""

    operand: Node
    depth: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Operation:
    """A left-to-right chain of operators of one precedence: ``a + b - c`` or ``a < b``."""

    first: Node
    rest: tuple[tuple[str, Node], ...]
    depth: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Logical:
    """``a and b and c`` or ``a or b``, evaluated left to right with short-circuiting."""

    operator: str
    operands: tuple[Node, ...]
    depth: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A function call such as ``selected(${q}, 'yes')``."""

    name: str
    arguments: tuple[Node, ...]
    depth: int = field(default=1, compare=False, repr=False)


Node = Literal | Reference | Current | Field | Negate | Operation | Logical | Call


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, in reading order."""
    if isinstance(node, Negate):
        return (node.operand,)
    if isinstance(node, Operation):
        return (node.first, *(operand for _, operand in node.rest))
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, Call):
        return node.arguments
    return ()


def walk(node: Node) -> list[Node]:
    """Every node of the tree in reading order (pre-order), without recursion."""
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(children(current)))
    return found
