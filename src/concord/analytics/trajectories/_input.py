"""Turning wide Polars tables into checked score matrices."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from numpy.typing import NDArray

from concord.analytics.trajectories.errors import TrajectoryInputError

_NUMERIC_OR_TEXT = (pl.String, pl.Null)


def check_columns(data: pl.DataFrame, id_var_name: str, columns: Sequence[str]) -> None:
    """Raise if the id column or one of ``columns`` is missing or repeated."""
    if id_var_name not in data.columns:
        raise TrajectoryInputError("id column not found in the data", column=id_var_name)
    seen: set[str] = set()
    for name in columns:
        if name not in data.columns:
            raise TrajectoryInputError("column not found in the data", column=name)
        if name in seen:
            raise TrajectoryInputError("column listed twice", column=name)
        seen.add(name)
    ids = data.get_column(id_var_name)
    if ids.null_count():
        row = int(ids.is_null().arg_true()[0]) + 1
        raise TrajectoryInputError("missing id", row=row, column=id_var_name)
    duplicated = ids.is_duplicated()
    if duplicated.any():
        row = int(duplicated.arg_true()[1]) + 1
        raise TrajectoryInputError(
            f"id {ids[row - 1]!r} appears more than once", row=row, column=id_var_name
        )


def numeric_column(data: pl.DataFrame, name: str) -> pl.Series:
    """Return column ``name`` as Float64, raising on text that is not a number.

    Nulls, ``NA``, empty text and NaN are missing values.
    """
    series = data.get_column(name)
    if series.dtype.is_numeric():
        values = series.cast(pl.Float64)
    elif series.dtype in _NUMERIC_OR_TEXT:
        text = series.cast(pl.String).str.strip_chars()
        text = pl.Series(name, text).replace({"NA": None, "": None})
        values = text.cast(pl.Float64, strict=False)
        bad = values.is_null() & text.is_not_null()
        if bad.any():
            row = int(bad.arg_true()[0]) + 1
            raise TrajectoryInputError(f"{text[row - 1]!r} is not a number", row=row, column=name)
    else:
        raise TrajectoryInputError(f"expected numbers, found type {series.dtype}", column=name)
    # NaN counts as missing (as NA and NaN both do in R); infinities are errors
    infinite = values.is_infinite().fill_null(False)
    if infinite.any():
        row = int(infinite.arg_true()[0]) + 1
        raise TrajectoryInputError("value is not finite", row=row, column=name)
    return values


def score_matrix(data: pl.DataFrame, columns: Sequence[str]) -> NDArray[np.float64]:
    """Persons x occasions matrix of ``columns`` (float64, NaN = missing)."""
    matrix = np.empty((data.height, len(columns)), dtype=np.float64)
    for position, name in enumerate(columns):
        matrix[:, position] = numeric_column(data, name).to_numpy(allow_copy=True)
    return matrix


def id_order(data: pl.DataFrame, id_var_name: str) -> NDArray[np.int64]:
    """Row positions ordering the data by id (ids are unique; suddengains sorts by id)."""
    return data.get_column(id_var_name).arg_sort().to_numpy().astype(np.int64)


def format_id(ids: pl.Series) -> pl.Series:
    """Ids as text the way R's ``paste0`` writes them (``1`` not ``1.0``)."""
    if ids.dtype.is_float():
        integral = (ids == ids.round(0)).all()
        if integral:
            return ids.cast(pl.Int64).cast(pl.String)
    return ids.cast(pl.String)
