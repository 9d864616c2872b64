"""Parse expression text into the syntax tree of :mod:`surveys._expr_ast`.

A lark LALR(1) grammar does the work: the parser keeps its own stack (no Python
recursion however deep the parentheses go) and builds nodes bottom-up through inline
callbacks, which also enforce the depth limit as the tree grows. Lark's exceptions are
turned into :class:`ExpressionError` with a 1-based column and a message a form designer
can act on.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from surveys._expr_ast import (
    MAX_DEPTH,
    MAX_NUMBER,
    MAX_TEXT_LENGTH,
    Call,
    Current,
    ExpressionError,
    Field,
    Literal,
    Logical,
    Negate,
    Node,
    Operation,
    Reference,
)

# Operators bind as in XPath 1.0: or < and < comparisons < + - < * div mod < unary minus.
# FUNC only matches a name followed by "(" so that function names may contain hyphens
# (count-selected) without swallowing a following minus sign elsewhere.
GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: comparison (_AND comparison)*
?comparison: additive (COMPARE additive)*
?additive: multiplicative ((PLUS | MINUS) multiplicative)*
?multiplicative: unary (MULTIPLY unary)*
?unary: MINUS unary -> negate
      | atom
?atom: NUMBER -> number
     | STRING -> string
     | REF -> reference
     | DOT -> current
     | NAME -> field
     | FUNC "(" [or_expr ("," or_expr)*] ")" -> call
     | "(" or_expr ")"

COMPARE: "<=" | ">=" | "!=" | "=" | "<" | ">"
PLUS: "+"
MINUS: "-"
MULTIPLY: "*" | /div(?![\w.-])/ | /mod(?![\w.-])/
_OR: /or(?![\w.-])/
_AND: /and(?![\w.-])/
FUNC.2: /[A-Za-z_][\w-]*(:[A-Za-z_][\w-]*)?(?=\s*\()/
NAME: /[A-Za-z_][\w.-]*/
REF: /\$\{[A-Za-z_][\w.-]*\}/
NUMBER: /\d+(\.\d*)?|\.\d+/
STRING: /'[^']*'|"[^"]*"/
DOT: "."
%ignore /\s+/
"""

_HINTS = {
    "$": " (a question reference looks like ${key})",
    "'": " (a text value needs a closing quote)",
    '"': " (a text value needs a closing quote)",
    "{": " (a question reference looks like ${key})",
}


def _depth(*nodes: Node) -> int:
    depth = 1 + max((node.depth for node in nodes), default=0)
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression is nested too deeply (the limit is {MAX_DEPTH} levels)")
    return depth


class _Builder(Transformer):
    """Inline callbacks of the LALR parser: each reduction becomes one node."""

    def number(self, children: list[Token]) -> Literal:
        token = children[0]
        value: int | float = float(token) if "." in token else int(token)
        if value > MAX_NUMBER:
            raise ExpressionError(
                f"the number {token} is too large (the limit is {MAX_NUMBER:,.0f})"
            )
        return Literal(value)

    def string(self, children: list[Token]) -> Literal:
        return Literal(str(children[0])[1:-1])

    def reference(self, children: list[Token]) -> Reference:
        return Reference(str(children[0])[2:-1])

    def current(self, children: list[Token]) -> Current:
        return Current()

    def field(self, children: list[Token]) -> Field:
        return Field(str(children[0]))

    def negate(self, children: list[Any]) -> Negate:
        return Negate(children[1], depth=_depth(children[1]))

    def call(self, children: list[Any]) -> Call:
        arguments = tuple(child for child in children[1:] if child is not None)
        return Call(str(children[0]), arguments, depth=_depth(*arguments))

    def _chain(self, children: list[Any]) -> Operation:
        rest = tuple((str(children[i]), children[i + 1]) for i in range(1, len(children), 2))
        operands = children[::2]
        return Operation(children[0], rest, depth=_depth(*operands))

    comparison = additive = multiplicative = _chain

    def and_expr(self, children: list[Node]) -> Logical:
        return Logical("and", tuple(children), depth=_depth(*children))

    def or_expr(self, children: list[Node]) -> Logical:
        return Logical("or", tuple(children), depth=_depth(*children))


@cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", transformer=_Builder(), maybe_placeholders=True)


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "unexpected end of expression"
    return f"unexpected {str(token)!r}"


def _syntax_error(error: UnexpectedInput, text: str) -> ExpressionError:
    if isinstance(error, UnexpectedCharacters):
        character = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        message = f"unexpected {character!r}{_HINTS.get(character, '')}"
        return ExpressionError(message, text=text, column=error.column)
    if isinstance(error, UnexpectedToken):
        column = error.column if error.token.type != "$END" else len(text.rstrip()) + 1
        return ExpressionError(_describe(error.token), text=text, column=column)
    # The remaining case is lark's UnexpectedEOF.
    return ExpressionError("unexpected end of expression", text=text, column=len(text) + 1)


def parse_tree(text: str) -> Node:
    """Parse ``text`` into a syntax tree, or raise :class:`ExpressionError`."""
    if len(text) > MAX_TEXT_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(text):,} characters; the limit is {MAX_TEXT_LENGTH:,})",
            text=text,
        )
    if not text.strip():
        raise ExpressionError("expression is empty", text=text)
    try:
        return _parser().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    except ExpressionError as error:
        error.text = text
        raise
