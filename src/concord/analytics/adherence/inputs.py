"""Validation and normalisation of medication events (AdhereR's input rules).

Every adherence function goes through :func:`prepare_events`, which checks the whole input
before anything is computed and raises :class:`AdherenceInputError` naming the 1-based input
row(s) and the column on the first problem:

* the named columns must exist;
* patient IDs must not be missing;
* event dates must parse with ``date_format`` (R ``as.Date`` codes) unless already dates;
* durations must be numeric and strictly positive; so must daily doses when given.

It then sorts the events stably by (patient ID, date) -- ties keep their input order, as in
AdhereR -- and adds the internal columns the relational plan works on (all prefixed ``__``):
``__row`` (input row, 1-based), ``__seq`` (row index after sorting, 1-based), ``__p``
(patient number in ID order), ``__k`` (event number within the patient), ``__d`` (event date
as a day number), ``__dur``, ``__dose`` (1 when no dose column; left out when the call
does not use doses) and ``__cls`` (left out when the call does not compare classes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import polars as pl
import pyarrow as pa

from concord.analytics.adherence.dates import r_to_strptime
from concord.analytics.adherence.errors import AdherenceInputError

__all__ = ["EventSource", "PreparedEvents", "prepare_events", "read_table"]

EventSource: TypeAlias = pl.DataFrame | pl.LazyFrame | pa.Table | str | os.PathLike[str]

_INTERNAL = ("__row", "__seq", "__p", "__k", "__d", "__dur", "__dose", "__cls")


@dataclass(frozen=True)
class PreparedEvents:
    """Validated events sorted by (patient, date), with the engine's internal columns."""

    frame: pl.DataFrame  # sorted; internal columns, the ID and the ``keep_columns``
    raw: pl.DataFrame  # the input as given, with ``__row``
    patients: pl.DataFrame  # columns: __p, <id column>, __first_row
    id_colname: str
    date_colname: str
    duration_colname: str
    dose_colname: str | None
    class_colname: str | None

    @property
    def n_patients(self) -> int:
        return self.patients.height

    @property
    def input_columns(self) -> list[str]:
        """The input's own columns, in input order."""
        return [c for c in self.raw.columns if c != "__row"]

    def sorted_columns(self, names: list[str]) -> pl.DataFrame:
        """Input columns in the sorted order (row ``i`` is the event with ``__seq = i+1``)."""
        order = self.frame.get_column("__row") - 1
        return self.raw.select(pl.col(names).gather(order))


def read_table(source: EventSource) -> pl.DataFrame:
    """Read events from a Polars frame, an Arrow table or a CSV / Parquet file."""
    if isinstance(source, pl.DataFrame):
        return source
    if isinstance(source, pl.LazyFrame):
        return source.collect()
    if isinstance(source, pa.Table):
        frame = pl.from_arrow(source)
        if not isinstance(frame, pl.DataFrame):  # pragma: no cover - tables give frames
            raise AdherenceInputError("the Arrow input is not a table")
        return frame
    path = Path(source)
    if not path.exists():
        raise AdherenceInputError(f"input file {str(path)!r} does not exist")
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".parquet":
        return pl.read_parquet(path)
    if ".csv" in suffixes:
        return pl.read_csv(path, infer_schema_length=None, null_values=["NA", ""])
    raise AdherenceInputError(f"input file {str(path)!r} must end in .csv, .csv.gz or .parquet")


def _require_columns(frame: pl.DataFrame, names: dict[str, str | None]) -> None:
    for argument, name in names.items():
        if name is not None and name not in frame.columns:
            raise AdherenceInputError(
                f"unknown column {name!r} given as {argument}; the data has columns "
                + ", ".join(repr(c) for c in frame.columns),
                column=name,
            )


def _reject(frame: pl.DataFrame, bad: pl.Series, column: str, problem: str) -> None:
    if bad.any():
        rows = frame.get_column("__row").filter(bad).to_list()
        raise AdherenceInputError(f"{problem} in column {column!r}", column=column, rows=rows)


def _day_numbers(frame: pl.DataFrame, column: str, date_format: str) -> pl.Series:
    """Parse a date column to day numbers (Int32), rejecting missing or unparseable values."""
    series = frame.get_column(column)
    dtype = series.dtype
    if dtype == pl.Date:
        parsed = series
    elif isinstance(dtype, pl.Datetime):
        parsed = series.dt.date()
    elif dtype == pl.String:
        try:
            fmt = r_to_strptime(date_format)
        except ValueError as exc:
            raise AdherenceInputError(str(exc), column=column) from exc
        # cache=False: parsing every string is faster than hashing them (same result)
        parsed = series.str.strptime(pl.Date, fmt, strict=False, exact=True, cache=False)
        if parsed.null_count() > series.null_count():  # R ignores surrounding blanks
            parsed = series.str.strip_chars().str.strptime(
                pl.Date, fmt, strict=False, exact=True, cache=False
            )
    else:
        raise AdherenceInputError(
            f"column {column!r} must hold dates or date strings, not {dtype}", column=column
        )
    _reject(frame, parsed.is_null(), column, f"missing date or date not in format {date_format!r}")
    return parsed.cast(pl.Int32)


def _positive_numbers(frame: pl.DataFrame, column: str, what: str) -> pl.Series:
    series = frame.get_column(column)
    if series.dtype == pl.String:
        values = series.str.strip_chars().cast(pl.Float64, strict=False)
    elif series.dtype.is_numeric():
        values = series.cast(pl.Float64)
    else:
        raise AdherenceInputError(
            f"column {column!r} must be numeric ({what}), not {series.dtype}", column=column
        )
    bad = values.is_null() | values.is_nan() | values.is_infinite() | (values <= 0)
    _reject(frame, bad.fill_null(True), column, f"missing, non-numeric or non-positive {what}")
    return values


def _already_sorted(frame: pl.DataFrame, id_colname: str) -> bool:
    """Whether the rows are already in (ID, date) order (ties in input order, trivially)."""
    ids, days = pl.col(id_colname), pl.col("__d")
    previous_id = ids.shift(1)
    in_order = (ids > previous_id) | ((ids == previous_id) & (days >= days.shift(1)))
    return bool(frame.select(in_order.fill_null(True).all()).item())


def prepare_events(
    data: EventSource,
    *,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None = None,
    medication_class_colname: str | None = None,
    date_format: str = "%m/%d/%Y",
    extra_columns: dict[str, str] | None = None,
    keep_columns: tuple[str, ...] = (),
    classes: bool = True,
    doses: bool = True,
) -> PreparedEvents:
    """Validate ``data`` and add the engine's internal columns (see the module docstring).

    ``extra_columns`` maps an argument name (e.g. ``"followup.window.start"``) to a column
    the call reads, so that an unknown name is reported against that argument;
    ``keep_columns`` are input columns to carry into the sorted frame. Without ``classes``
    (the call never compares medication classes) there is no ``__cls``, and without
    ``doses`` (no dosage change) no ``__dose``: the columns are still checked, but not
    kept (two columns less in memory).
    """
    frame = read_table(data)
    names: dict[str, str | None] = {
        "ID.colname": id_colname,
        "event.date.colname": event_date_colname,
        "event.duration.colname": event_duration_colname,
        "event.daily.dose.colname": event_daily_dose_colname,
        "medication.class.colname": medication_class_colname,
    }
    names.update(extra_columns or {})
    _require_columns(frame, names)
    clash = [c for c in frame.columns if c in _INTERNAL]
    if clash:
        raise AdherenceInputError(f"column name {clash[0]!r} is reserved", column=clash[0])
    if frame.height == 0:
        raise AdherenceInputError("the event data has no rows")
    frame = frame.with_row_index("__row", offset=1).with_columns(pl.col("__row").cast(pl.Int32))
    _reject(frame, frame.get_column(id_colname).is_null(), id_colname, "missing patient ID")
    days = _day_numbers(frame, event_date_colname, date_format)
    duration = _positive_numbers(frame, event_duration_colname, "duration")
    internal: list[pl.Series | pl.Expr] = [days.alias("__d"), duration.alias("__dur")]
    if event_daily_dose_colname is not None:
        dose = _positive_numbers(frame, event_daily_dose_colname, "daily dose")
        if doses:
            internal.append(dose.alias("__dose"))
        del dose
    elif doses:
        internal.append(pl.lit(1.0, dtype=pl.Float64).alias("__dose"))
    if medication_class_colname is not None and classes:
        # classes are only compared for equality: a categorical keeps them compact
        internal.append(
            frame.get_column(medication_class_colname)
            .cast(pl.String)
            .cast(pl.Categorical)
            .alias("__cls")
        )
    elif classes:
        internal.append(pl.lit(None, dtype=pl.Categorical).alias("__cls"))
    raw = frame
    kept = [c for c in dict.fromkeys((id_colname, *keep_columns)) if c in raw.columns]
    frame = raw.select("__row", *kept, *internal)
    del days, duration, internal  # the unsorted columns are not needed any more
    if not _already_sorted(frame, id_colname):
        frame = frame.sort([id_colname, "__d", "__row"], maintain_order=True)
    frame = frame.with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("__seq"),
        pl.col(id_colname).rle_id().cast(pl.Int32).add(1).alias("__p"),
    )
    first_seq = pl.when(pl.col("__p").ne_missing(pl.col("__p").shift(1))).then(pl.col("__seq"))
    frame = frame.with_columns((pl.col("__seq") - first_seq.forward_fill() + 1).alias("__k"))
    patients = frame.filter(pl.col("__k") == 1).select(
        "__p", id_colname, pl.col("__row").alias("__first_row")
    )
    return PreparedEvents(
        frame=frame,
        raw=raw,
        patients=patients,
        id_colname=id_colname,
        date_colname=event_date_colname,
        duration_colname=event_duration_colname,
        dose_colname=event_daily_dose_colname,
        class_colname=medication_class_colname,
    )
