"""Medication groups on Spark: AdhereR's R group expressions as Spark columns.

The expressions are parsed once by :mod:`concord.analytics.adherence.group_expressions`
(the same reader the DuckDB path uses, never ``eval``) and translated here into Spark
column expressions built with ``pyspark.sql.functions`` -- values such as strings travel as
literals, never as SQL text. The translation keeps R's (and the Polars back end's) answers
where Spark's own operators differ: ``/`` by zero gives ``Inf`` / ``-Inf`` / ``NaN``
instead of ``NULL`` (or an error under ANSI mode), ``%%`` and ``%/%`` round towards minus
infinity, ``round`` is half to even, the logarithm of 0 is ``-Inf`` and of a negative
number ``NaN``, and ``%in%`` is never missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from concord.analytics.adherence.distributed_input import quote, spark_functions
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.group_expressions import Node, parse_group_definitions

__all__ = ["group_definitions", "to_spark"]

_INF = float("inf")
_NAN = float("nan")


def _ieee_divide(functions: Any, a: Any, b: Any) -> Any:
    a, b = a.cast("double"), b.cast("double")
    by_zero = (
        functions.when(a > 0, functions.lit(_INF))
        .when(a < 0, functions.lit(-_INF))
        .when(a.isNotNull(), functions.lit(_NAN))
    )
    return functions.when(b == 0, by_zero).otherwise(a / b)


def _logarithm(functions: Any, log: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(x: Any) -> Any:
        x = x.cast("double")
        return (
            functions.when(x > 0, log(x))
            .when(x == 0, functions.lit(-_INF))
            .when(x.isNotNull(), functions.lit(_NAN))
        )

    return apply


def _spark_functions(functions: Any) -> dict[str, Callable[[Any], Any]]:
    return {
        "abs": functions.abs,
        "sqrt": lambda x: functions.sqrt(x.cast("double")),
        "exp": lambda x: functions.exp(x.cast("double")),
        "log": _logarithm(functions, functions.log),
        "log2": _logarithm(functions, functions.log2),
        "log10": _logarithm(functions, functions.log10),
        "floor": lambda x: functions.floor(x.cast("double")).cast("double"),
        "ceiling": lambda x: functions.ceil(x.cast("double")).cast("double"),
        "trunc": lambda x: x.cast("long").cast("double"),
        "round": lambda x: functions.bround(x.cast("double"), 0),
        "is.na": lambda x: x.isNull(),
    }


def _spark_operators(functions: Any) -> dict[str, Callable[[Any, Any], Any]]:
    def floor_modulo(a: Any, b: Any) -> Any:
        return functions.when(b != 0, ((a % b) + b) % b)

    def floor_divide(a: Any, b: Any) -> Any:
        return functions.when(b != 0, functions.floor(a / b))

    return {
        "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: _ieee_divide(functions, a, b),
        "^": lambda a, b: functions.pow(a, b),
        "%%": floor_modulo,
        "%/%": floor_divide,
    }


def to_spark(node: Node, functions: Any) -> Any:
    """The Spark column of a parsed group expression."""
    args = [to_spark(a, functions) for a in node.args]
    if node.kind == "const":
        return functions.lit(node.value)
    if node.kind == "column":
        return functions.col(quote(str(node.value)))
    if node.kind == "not":
        return ~args[0]
    if node.kind == "neg":
        return -args[0]
    if node.kind == "and":
        return args[0] & args[1]
    if node.kind == "or":
        return args[0] | args[1]
    if node.kind in ("compare", "arith"):
        return _spark_operators(functions)[str(node.value)](args[0], args[1])
    if node.kind == "in":
        values = list(node.value) if isinstance(node.value, tuple) else []
        return functions.coalesce(args[0].isin(values), functions.lit(False))
    return _spark_functions(functions)[str(node.value)](args[0])


def group_definitions(
    data: Any, groups: str | Mapping[str, str], schema: Mapping[str, Any]
) -> list[tuple[str, Any]]:
    """Every group's name and selection (a boolean Spark column, missing = not selected).

    ``groups`` names a column (one group per distinct non-missing value, in sorted order:
    the distinct values are collected to the driver) or maps names to R expressions. The
    group ``__ALL_OTHERS__`` (rows no group selects) is not included: the caller adds it.
    """
    functions = spark_functions()
    if isinstance(groups, str):
        if groups not in schema:
            raise AdherenceInputError(
                f"medication.groups {groups!r} is not a column of the data", column=groups
            )
        column = functions.col(quote(groups))
        values = [
            row[0]
            for row in data.where(column.isNotNull())
            .select(column)
            .distinct()
            .orderBy(column)
            .collect()
        ]
        selections = [(str(v), column == functions.lit(v)) for v in values]
    else:
        parsed = parse_group_definitions(groups, set(schema))
        selections = [(name, to_spark(node, functions)) for name, node in parsed.items()]
    return [
        (name, functions.coalesce(selection.cast("boolean"), functions.lit(False)))
        for name, selection in selections
    ]
