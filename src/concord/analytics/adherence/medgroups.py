"""Medication groups (AdhereR's ``medication.groups``), with a safe R expression reader.

A group is an R logical expression over the event columns, e.g.
``(CATEGORY_L2 == 'VITAMINS')`` or ``({Vitamins} & DURATION <= 30)``, where ``{Name}`` is
another group's selection. The expression is tokenised and parsed here (recursive descent,
R's operator precedence) and translated to a Polars expression -- it is never passed to
``eval``. Accepted: numbers, strings, ``TRUE``/``FALSE``/``T``/``F``/``NA``, column names
(plain or in backticks), ``{Group}``, ``( )``, arithmetic ``+ - * / ^ %% %/%``, comparison
``== != < <= > >=``, logic ``! & && | ||``, ``%in% c(...)`` and the functions ``abs sqrt
exp log log2 log10 floor ceiling trunc round is.na``. Anything else is rejected with
:class:`AdherenceInputError`.

Semantics follow AdhereR (spec section 5): a missing result counts as "not selected"; the
group ``__ALL_OTHERS__`` holds the rows no group selects; groups that select no row are
omitted; a medication-groups *column* makes one group per distinct non-missing value (in
sorted order).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from concord.analytics.adherence.errors import AdherenceInputError

__all__ = ["ALL_OTHERS", "MedicationGroups", "evaluate_groups", "parse_group_expression"]

ALL_OTHERS = "__ALL_OTHERS__"

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

_FUNCTIONS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "abs": lambda x: x.abs(),
    "sqrt": lambda x: x.sqrt(),
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "log2": lambda x: x.log(2),
    "log10": lambda x: x.log10(),
    "floor": lambda x: x.floor(),
    "ceiling": lambda x: x.ceil(),
    "trunc": lambda x: x.cast(pl.Int64).cast(pl.Float64),
    "round": lambda x: x.round(0),
    "is.na": lambda x: x.is_null(),
}


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

    def __init__(self, text: str, columns: set[str], group: Callable[[str], pl.Expr]) -> None:
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

    def parse(self) -> pl.Expr:
        expr = self.or_()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {self.peek()!r}")
        return expr

    def or_(self) -> pl.Expr:
        left = self.and_()
        while self.peek() in ("|", "||"):
            self.take()
            left = left | self.and_()
        return left

    def and_(self) -> pl.Expr:
        left = self.not_()
        while self.peek() in ("&", "&&"):
            self.take()
            left = left & self.not_()
        return left

    def not_(self) -> pl.Expr:
        if self.peek() == "!":
            self.take()
            return ~self.not_()
        return self.comparison()

    def comparison(self) -> pl.Expr:
        left = self.additive()
        ops: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }
        op = self.peek()
        if op in ops:
            self.take()
            return ops[op](left, self.additive())
        return left

    def additive(self) -> pl.Expr:
        left = self.multiplicative()
        while self.peek() in ("+", "-"):
            op = self.take().text
            right = self.multiplicative()
            left = left + right if op == "+" else left - right
        return left

    def multiplicative(self) -> pl.Expr:
        left = self.special()
        while self.peek() in ("*", "/"):
            op = self.take().text
            right = self.special()
            left = left * right if op == "*" else left / right
        return left

    def special(self) -> pl.Expr:
        left = self.unary()
        while self.peek() in ("%%", "%/%", "%in%"):
            op = self.take().text
            if op == "%in%":
                left = left.is_in(self.values())
            else:
                right = self.unary()
                left = left % right if op == "%%" else left // right
        return left

    def values(self) -> list[object]:
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
        return items

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

    def unary(self) -> pl.Expr:
        if self.peek() in ("-", "+"):
            op = self.take().text
            value = self.unary()
            return -value if op == "-" else value
        return self.power()

    def power(self) -> pl.Expr:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            return base.pow(self.unary())
        return base

    def atom(self) -> pl.Expr:
        token = self.take()
        if token.text == "(":
            inner = self.or_()
            self.expect(")")
            return inner
        if token.kind in ("num", "str"):
            return pl.lit(self.constant(token))
        if token.kind == "group":
            return self.group(token.text[1:-1].strip())
        if token.kind == "tick":
            return self.column(token.text[1:-1])
        if token.kind == "name":
            if token.text in ("TRUE", "T", "FALSE", "F"):
                return pl.lit(self.constant(token))
            if token.text == "NA":
                return pl.lit(None)
            if self.peek() == "(":
                return self.call(token.text)
            return self.column(token.text)
        raise self.fail(f"unexpected {token.text!r}")

    def call(self, name: str) -> pl.Expr:
        function = _FUNCTIONS.get(name)
        if function is None:
            raise self.fail(f"function {name!r} is not allowed")
        self.expect("(")
        argument = self.or_()
        self.expect(")")
        return function(argument)

    def column(self, name: str) -> pl.Expr:
        if name not in self.columns:
            raise AdherenceInputError(
                f"medication group expression {self.text!r} names unknown column {name!r}",
                column=name,
            )
        return pl.col(name)


def parse_group_expression(
    text: str, columns: set[str], groups: Mapping[str, pl.Expr] | None = None
) -> pl.Expr:
    """Parse one R group expression into a Polars expression (no ``eval``)."""
    known = dict(groups or {})

    def group(name: str) -> pl.Expr:
        if name not in known:
            raise AdherenceInputError(f"medication group {name!r} is not defined")
        return known[name]

    return _Parser(text, columns, group).parse()


@dataclass(frozen=True)
class MedicationGroups:
    """Evaluated groups: names in definition order and their row masks (sorted events)."""

    names: tuple[str, ...]
    masks: tuple[pl.Series, ...]

    def long_events(
        self, base: pl.DataFrame, key_base: int, *, dose_sums: bool = True
    ) -> pl.DataFrame:
        """The events of every group stacked, with ``key = group * key_base + patient``."""
        parts = [
            base.filter(mask)
            .with_columns((pl.col("p").cast(pl.Int64) + index * key_base).alias("key"))
            .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("key").alias("k"))
            for index, mask in enumerate(self.masks)
        ]
        from concord.analytics.adherence.plan import add_sequence_columns

        return add_sequence_columns(pl.concat(parts), dose_sums=dose_sums)

    def expand_patient_windows(self, pw: pl.DataFrame, key_base: int) -> pl.DataFrame:
        """Every patient's windows copied to every group."""
        return pl.concat(
            [
                pw.with_columns((pl.col("p").cast(pl.Int64) + index * key_base).alias("key"))
                for index in range(len(self.names))
            ]
        )

    def in_order(self, order: pl.Series) -> MedicationGroups:
        """The masks re-ordered (``order[i]`` = input index of the i-th sorted event)."""
        return MedicationGroups(self.names, tuple(mask.gather(order) for mask in self.masks))

    def names_expr(self, column: str) -> pl.Expr:
        mapping = dict(enumerate(self.names))
        return pl.col(column).replace_strict(mapping, return_dtype=pl.String)


def evaluate_groups(frame: pl.DataFrame, groups: str | Mapping[str, str]) -> MedicationGroups:
    """Evaluate medication groups on the (sorted) events."""
    if isinstance(groups, str):
        if groups not in frame.columns:
            raise AdherenceInputError(
                f"medication.groups {groups!r} is not a column of the data", column=groups
            )
        values = frame.get_column(groups).drop_nulls().unique().sort().to_list()
        definitions = {str(v): pl.col(groups) == v for v in values}
    else:
        columns = set(frame.columns)
        definitions = {}
        pending = dict(groups)
        resolving: set[str] = set()

        def resolve(name: str) -> pl.Expr:
            if name in definitions:
                return definitions[name]
            if name not in pending:
                raise AdherenceInputError(f"medication group {{{name}}} is not defined")
            if name in resolving:
                raise AdherenceInputError(f"medication group {name!r} refers to itself")
            resolving.add(name)
            expr = _Parser(pending[name], columns, resolve).parse()
            resolving.discard(name)
            definitions[name] = expr
            return expr

        for name in pending:
            resolve(name)
        definitions = {name: definitions[name] for name in pending}
    selected = frame.select(
        [
            expr.fill_null(False).cast(pl.Boolean).alias(f"g{i}")
            for i, expr in enumerate(definitions.values())
        ]
    )
    masks = [selected.get_column(f"g{i}") for i in range(len(definitions))]
    names = list(definitions)
    if masks:
        others = ~pl.DataFrame(masks).select(pl.any_horizontal(pl.all())).to_series()
    else:
        others = pl.Series([True] * frame.height)
    names.append(ALL_OTHERS)
    masks.append(others)
    kept = [(n, m) for n, m in zip(names, masks, strict=True) if m.any()]
    return MedicationGroups(
        names=tuple(n for n, _ in kept), masks=tuple(m.alias("mask") for _, m in kept)
    )
