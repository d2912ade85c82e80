"""Medication group definitions: a safe reader of AdhereR's R expressions.

A group is an R logical expression over the event columns, e.g.
``(CATEGORY_L2 == 'VITAMINS')`` or ``({Vitamins} & DURATION <= 30)``, where ``{Name}`` is
another group's selection. The text is tokenised and parsed here (recursive descent, R's
operator precedence) into a small tree of :class:`Node` objects -- it is never passed to
``eval``. Two back ends turn a tree into something that runs: :func:`to_polars` (a Polars
expression, used by the DuckDB path) and
:func:`concord.analytics.adherence.distributed_groups.to_spark` (a Spark column), so both
engines select the same rows.

Accepted: numbers, strings, ``TRUE``/``FALSE``/``T``/``F``/``NA``, column names (plain or in
backticks), ``{Group}``, ``( )``, arithmetic ``+ - * / ^ %% %/%``, comparison ``== != < <=
> >=``, logic ``! & && | ||``, ``%in% c(...)`` and the functions ``abs sqrt exp log log2
log10 floor ceiling trunc round is.na``. Anything else is rejected with
:class:`AdherenceInputError`.

R semantics kept: ``/`` is floating-point division (``x / 0`` is ``Inf``, ``-Inf`` or
``NaN``), ``%%`` and ``%/%`` round towards minus infinity, ``round`` is half to even, and
``%in%`` is never missing (``NA %in% c(...)`` is ``FALSE``, as R's ``match`` gives).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from concord.analytics.adherence.errors import AdherenceInputError

__all__ = ["FUNCTIONS", "Node", "parse_group_definitions", "parse_group_expression", "to_polars"]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<group>\{[^{}]+\})
    | (?P<tick>`[^`]+`)
    | (?P<op>%/%|%%|%in%|==|!=|<=|>=|&&|\|\||[-+*/^<>!&|(),\[])
    | (?P<name>[A-Za-z.][A-Za-z0-9._]*)
    )""",
    re.VERBOSE,
)

#: The R functions a group expression may call.
FUNCTIONS = (
    "abs",
    "sqrt",
    "exp",
    "log",
    "log2",
    "log10",
    "floor",
    "ceiling",
    "trunc",
    "round",
    "is.na",
)

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class Node:
    """One node of a parsed group expression.

    ``kind`` is one of ``const`` (``value`` a float, str, bool or ``None`` for ``NA``),
    ``column`` (``value`` the column name), ``not``, ``neg``, ``and``, ``or``, ``compare``
    and ``arith`` (``value`` the R operator), ``in`` (``value`` a tuple of constants) and
    ``call`` (``value`` the function name); ``args`` are the operands.
    """

    kind: str
    value: object = None
    args: tuple[Node, ...] = ()


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise AdherenceInputError(
                f"cannot read medication group expression near {text[pos:]!r}"
            )
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over R's precedence: | & ! comparison + - * / %% ^ unary."""

    def __init__(self, text: str, columns: set[str], group: Callable[[str], Node]) -> None:
        self.text = text
        self.tokens = _tokenise(text)
        self.pos = 0
        self.columns = columns
        self.group = group

    def fail(self, why: str) -> AdherenceInputError:
        return AdherenceInputError(f"medication group expression {self.text!r}: {why}")

    def peek(self) -> str | None:
        return self.tokens[self.pos].text if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        if self.pos >= len(self.tokens):
            raise self.fail("unexpected end")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        if self.take().text != text:
            raise self.fail(f"expected {text!r}")

    def parse(self) -> Node:
        node = self.or_()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {self.peek()!r}")
        return node

    def or_(self) -> Node:
        left = self.and_()
        while self.peek() in ("|", "||"):
            self.take()
            left = Node("or", args=(left, self.and_()))
        return left

    def and_(self) -> Node:
        left = self.not_()
        while self.peek() in ("&", "&&"):
            self.take()
            left = Node("and", args=(left, self.not_()))
        return left

    def not_(self) -> Node:
        if self.peek() == "!":
            self.take()
            return Node("not", args=(self.not_(),))
        return self.comparison()

    def comparison(self) -> Node:
        left = self.additive()
        op = self.peek()
        if op in _COMPARISONS:
            self.take()
            return Node("compare", op, (left, self.additive()))
        return left

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.peek() in ("+", "-"):
            op = self.take().text
            left = Node("arith", op, (left, self.multiplicative()))
        return left

    def multiplicative(self) -> Node:
        left = self.special()
        while self.peek() in ("*", "/"):
            op = self.take().text
            left = Node("arith", op, (left, self.special()))
        return left

    def special(self) -> Node:
        left = self.unary()
        while self.peek() in ("%%", "%/%", "%in%"):
            op = self.take().text
            if op == "%in%":
                left = Node("in", self.values(), (left,))
            else:
                left = Node("arith", op, (left, self.unary()))
        return left

    def values(self) -> tuple[object, ...]:
        token = self.take()
        if token.text != "c":
            raise self.fail("%in% needs c(...) of constants")
        self.expect("(")
        items: list[object] = []
        while self.peek() != ")":
            items.append(self.constant(self.take()))
            if self.peek() == ",":
                self.take()
        self.expect(")")
        return tuple(items)

    def constant(self, token: _Token) -> object:
        if token.kind == "num":
            return float(token.text)
        if token.kind == "str":
            return token.text[1:-1]
        if token.text in ("TRUE", "T"):
            return True
        if token.text in ("FALSE", "F"):
            return False
        raise self.fail(f"{token.text!r} is not a constant")

    def unary(self) -> Node:
        if self.peek() in ("-", "+"):
            op = self.take().text
            value = self.unary()
            return Node("neg", args=(value,)) if op == "-" else value
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            return Node("arith", "^", (base, self.unary()))
        return base

    def atom(self) -> Node:
        token = self.take()
        if token.text == "(":
            inner = self.or_()
            self.expect(")")
            return inner
        if token.kind in ("num", "str"):
            return Node("const", self.constant(token))
        if token.kind == "group":
            return self.group(token.text[1:-1].strip())
        if token.kind == "tick":
            return self.column(token.text[1:-1])
        if token.kind == "name":
            # TRUE / FALSE are reserved words; T and F are variables a column may shadow
            if token.text in ("TRUE", "FALSE") or (
                token.text in ("T", "F") and token.text not in self.columns
            ):
                return Node("const", self.constant(token))
            if token.text == "NA":
                return Node("const", None)
            if self.peek() == "(":
                return self.call(token.text)
            return self.column(token.text)
        raise self.fail(f"unexpected {token.text!r}")

    def call(self, name: str) -> Node:
        if name not in FUNCTIONS:
            raise self.fail(f"function {name!r} is not allowed")
        self.expect("(")
        argument = self.or_()
        self.expect(")")
        return Node("call", name, (argument,))

    def column(self, name: str) -> Node:
        if name not in self.columns:
            raise AdherenceInputError(
                f"medication group expression {self.text!r} names unknown column {name!r}",
                column=name,
            )
        return Node("column", name)


def parse_group_expression(
    text: str, columns: set[str], groups: Mapping[str, Node] | None = None
) -> Node:
    """Parse one R group expression (``groups``: the trees ``{Name}`` may refer to)."""
    known = dict(groups or {})

    def group(name: str) -> Node:
        if name not in known:
            raise AdherenceInputError(f"medication group {name!r} is not defined")
        return known[name]

    return _Parser(text, columns, group).parse()


def parse_group_definitions(groups: Mapping[str, str], columns: set[str]) -> dict[str, Node]:
    """Parse every definition, resolving ``{Name}`` references (in definition order).

    Raises
    ------
    AdherenceInputError
        For an unreadable expression, an unknown column or group, or a group that refers to
        itself.
    """
    definitions: dict[str, Node] = {}
    resolving: set[str] = set()

    def resolve(name: str) -> Node:
        if name in definitions:
            return definitions[name]
        if name not in groups:
            raise AdherenceInputError(f"medication group {{{name}}} is not defined")
        if name in resolving:
            raise AdherenceInputError(f"medication group {name!r} refers to itself")
        resolving.add(name)
        node = _Parser(groups[name], columns, resolve).parse()
        resolving.discard(name)
        definitions[name] = node
        return node

    for name in groups:
        resolve(name)
    return {name: definitions[name] for name in groups}


# ---------------------------------------------------------------- the Polars back end

_POLARS_FUNCTIONS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "abs": lambda x: x.abs(),
    "sqrt": lambda x: x.sqrt(),
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "log2": lambda x: x.log(2),
    "log10": lambda x: x.log10(),
    "floor": lambda x: x.floor(),
    "ceiling": lambda x: x.ceil(),
    "trunc": lambda x: x.cast(pl.Int64).cast(pl.Float64),
    "round": lambda x: x.round(0),  # half to even, as R
    "is.na": lambda x: x.is_null(),
}

_POLARS_OPERATORS: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,  # true division: x / 0 is Inf, -Inf or NaN
    "^": lambda a, b: a.pow(b),
    "%%": lambda a, b: a % b,  # Polars' % rounds towards minus infinity, as R's %%
    "%/%": lambda a, b: a // b,
}


def to_polars(node: Node) -> pl.Expr:
    """The Polars expression of a parsed group expression."""
    args = [to_polars(a) for a in node.args]
    if node.kind == "const":
        return pl.lit(node.value)
    if node.kind == "column":
        return pl.col(str(node.value))
    if node.kind == "not":
        return ~args[0]
    if node.kind == "neg":
        return -args[0]
    if node.kind == "and":
        return args[0] & args[1]
    if node.kind == "or":
        return args[0] | args[1]
    if node.kind in ("compare", "arith"):
        return _POLARS_OPERATORS[str(node.value)](args[0], args[1])
    if node.kind == "in":
        values = node.value if isinstance(node.value, tuple) else ()
        return args[0].is_in(list(values)).fill_null(False)
    return _POLARS_FUNCTIONS[str(node.value)](args[0])
