"""Schema-level checks of a distributed call, and the row checks Spark counts.

The window arguments go through the Polars path's own checks
(:func:`concord.analytics.adherence.core._quantity`) on a stand-in frame with the Spark
schema's column kinds, so both paths accept and refuse the same arguments with the same
messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from concord.analytics.adherence.core import WindowValue, _quantity
from concord.analytics.adherence.distributed_input import quote
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.plan import Quantity, WindowSpec

__all__ = [
    "bad_number",
    "check_names",
    "constant_windows_fit",
    "number_column",
    "window_spec",
]

_NUMERIC = ("byte", "short", "integer", "long", "float", "double", "decimal")
_WINDOW_ARGUMENTS = (
    ("followup.window.start", True),
    ("followup.window.duration", False),
    ("observation.window.start", True),
    ("observation.window.duration", False),
)


def _spark_kind(data_type: Any) -> pl.DataType:
    """The Polars dtype standing for a Spark column type in :func:`_quantity`'s checks."""
    name = data_type.typeName()
    if name == "date":
        return pl.Date()
    if name in _NUMERIC:
        return pl.Float64()
    return pl.String()


def number_column(functions: Any, column: str, data_type: Any, what: str) -> Any:
    name = data_type.typeName()
    if name == "string":
        return functions.expr(f"try_cast(trim({quote(column)}) AS DOUBLE)")
    if name in _NUMERIC:
        return functions.col(quote(column)).cast("double")
    raise AdherenceInputError(
        f"column {column!r} must be numeric ({what}), not {data_type.simpleString()}",
        column=column,
    )


def bad_number(functions: Any, value: Any) -> Any:
    return (
        value.isNull()
        | functions.isnan(value)
        | (functions.abs(value) == float("inf"))
        | (value <= 0)
    )


def check_names(schema: Mapping[str, Any], names: Mapping[str, str | None]) -> None:
    for argument, name in names.items():
        if name is not None and name not in schema:
            raise AdherenceInputError(
                f"unknown column {name!r} given as {argument}; the data has columns "
                + ", ".join(repr(c) for c in schema),
                column=name,
            )


def window_spec(
    windows: Mapping[str, tuple[WindowValue, str]],
    schema: Mapping[str, Any],
    date_format: str,
) -> tuple[WindowSpec, dict[str, str]]:
    """The four window quantities (same checks as the Polars path, on the schema)."""
    stand_in = pl.DataFrame(schema={c: _spark_kind(t) for c, t in schema.items()})
    columns: dict[str, str] = {}
    quantities = [
        _quantity(*windows[argument], argument, stand_in, date_format, columns, allow_date=date)
        for argument, date in _WINDOW_ARGUMENTS
    ]
    return WindowSpec(*quantities), columns


def constant_windows_fit(spec: WindowSpec) -> bool | None:
    """Whether the OW fits in the FUW for every patient, when that is the same for all.

    With windows given as numbers of days or weeks, or dates, each window edge is the first
    event's date plus a constant, or a constant date; if both sides of a comparison have the
    same anchor the answer does not depend on the data. ``None`` otherwise (calendar units,
    columns, or mixed anchors: the data decides).
    """

    def edge(anchor: tuple[str, float], quantity: Quantity) -> tuple[str, float] | None:
        if quantity.kind == "date":
            return ("date", quantity.value)
        if quantity.kind == "number" and quantity.unit in ("days", "weeks"):
            factor = 1.0 if quantity.unit == "days" else 7.0
            return (anchor[0], anchor[1] + float(round(factor * quantity.value)))
        return None

    fs = edge(("first", 0.0), spec.fuw_start)
    if fs is None:
        return None
    fe, os_ = edge(fs, spec.fuw_duration), edge(fs, spec.ow_start)
    oe = edge(os_, spec.ow_duration) if os_ is not None else None
    if fe is None or os_ is None or oe is None:
        return None
    if fs[0] != os_[0] or fe[0] != oe[0]:
        return None
    return fs[1] <= os_[1] and oe[1] <= fe[1]
