"""Checking the plain input tables of the risk rules (errors name row and column)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from concord.analytics.risk.errors import RiskInputError


def require(frame: pl.DataFrame, *columns: str) -> None:
    """Raise if a column is missing; raise on a missing patient id."""
    for name in columns:
        if name not in frame.columns:
            raise RiskInputError("column not found in the data", column=name)


def first_bad(mask: pl.Series) -> int:
    """1-based row of the first ``True`` in ``mask``."""
    return int(mask.arg_true()[0]) + 1


def no_nulls(frame: pl.DataFrame, column: str, what: str) -> None:
    """Raise naming the first row where ``column`` is null."""
    nulls = frame.get_column(column).is_null()
    if nulls.any():
        raise RiskInputError(f"missing {what}", row=first_bad(nulls), column=column)


def date_column(frame: pl.DataFrame, column: str) -> pl.Series:
    """Column as ``pl.Date``: dates, date-times (calendar date kept) or ISO text."""
    series = frame.get_column(column)
    if series.dtype == pl.Date:
        values = series
    elif isinstance(series.dtype, pl.Datetime):
        values = series.dt.date()
    elif series.dtype in (pl.String, pl.Null):
        text = series.cast(pl.String).str.strip_chars().str.slice(0, 10)
        values = text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        bad = values.is_null() & text.is_not_null()
        if bad.any():
            row = first_bad(bad)
            raise RiskInputError(
                f"{series[row - 1]!r} is not a date (YYYY-MM-DD)", row=row, column=column
            )
    else:
        raise RiskInputError(f"expected dates, found type {series.dtype}", column=column)
    nulls = values.is_null()
    if nulls.any():
        raise RiskInputError("missing date", row=first_bad(nulls), column=column)
    return values.alias(column)


def number_column(
    frame: pl.DataFrame, column: str, *, minimum: float | None = None, positive: bool = False
) -> pl.Series:
    """Column as Float64; text that is not a number, nulls and out-of-range values raise."""
    series = frame.get_column(column)
    if series.dtype.is_numeric():
        values = series.cast(pl.Float64)
    elif series.dtype in (pl.String, pl.Null):
        text = series.cast(pl.String).str.strip_chars()
        values = text.cast(pl.Float64, strict=False)
        bad = values.is_null() & text.is_not_null()
        if bad.any():
            row = first_bad(bad)
            raise RiskInputError(f"{text[row - 1]!r} is not a number", row=row, column=column)
    else:
        raise RiskInputError(f"expected numbers, found type {series.dtype}", column=column)
    missing = values.is_null() | values.is_nan()
    if missing.any():
        raise RiskInputError("missing number", row=first_bad(missing), column=column)
    if positive and (values <= 0).any():
        row = first_bad(values <= 0)
        raise RiskInputError(f"must be positive, got {values[row - 1]}", row=row, column=column)
    if minimum is not None and (values < minimum).any():
        row = first_bad(values < minimum)
        raise RiskInputError(
            f"must be at least {minimum}, got {values[row - 1]}", row=row, column=column
        )
    return values.alias(column)


def bool_column(frame: pl.DataFrame, column: str) -> pl.Series:
    """Column as Boolean: booleans, 0/1, or text true/false/yes/no/1/0."""
    series = frame.get_column(column)
    if series.dtype == pl.Boolean:
        values = series
    elif series.dtype.is_integer():
        bad = ~series.is_in([0, 1]) & series.is_not_null()
        if bad.any():
            row = first_bad(bad)
            raise RiskInputError(f"{series[row - 1]!r} is not 0 or 1", row=row, column=column)
        values = series == 1
    elif series.dtype in (pl.String, pl.Null):
        text = series.cast(pl.String).str.strip_chars().str.to_lowercase()
        mapping = {"true": True, "t": True, "yes": True, "1": True}
        mapping |= {"false": False, "f": False, "no": False, "0": False}
        values = text.replace_strict(mapping, default=None, return_dtype=pl.Boolean)
        bad = values.is_null() & text.is_not_null()
        if bad.any():
            row = first_bad(bad)
            raise RiskInputError(
                f"{series[row - 1]!r} is not true or false", row=row, column=column
            )
    else:
        raise RiskInputError(f"expected true/false, found type {series.dtype}", column=column)
    if values.is_null().any():
        raise RiskInputError("missing true/false", row=first_bad(values.is_null()), column=column)
    return values.alias(column)


def as_date(value: dt.date | dt.datetime | str, argument: str) -> dt.date:
    """The ``as_of`` day (the clock comes in as an argument)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise RiskInputError(f"{argument} {value!r} is not a date (YYYY-MM-DD)") from None
