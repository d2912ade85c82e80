"""Proportion of days covered (PDC) per the Pharmacy Quality Alliance (PQA) rules.

Two implementations of the same rules:

* :func:`proportion_of_days_covered` -- vectorised (Polars: one stable sort, then cumulative
  sums and maxima over whole columns; no per-patient loop), one row per patient or per
  patient and medication class; it scales to millions of patients;
* :func:`pdc_for_patient` -- a plain-Python reference for one patient's fills, written as the
  step-by-step recurrence of the specification; the tests check that both agree.

The rules (PQA PDC measure specification):

1. Only fills dated inside the measurement period ``[period_start, period_end]`` count.
2. The **index date** is the first such fill; the patient's period runs from the index date to
   ``period_end`` inclusive, so ``days_in_period = period_end - index_date + 1``.
3. Eligibility: at least two fills on **distinct dates** and an index date at least 91 days
   before the period end (``period_end - index_date >= 91``). Otherwise the row carries a
   status code and no PDC.
4. When a fill of the same drug arrives while supply is still on hand, its supply is
   **shifted forward** to start the day after the previous supply runs out, so no day is
   counted twice and PDC <= 1. Fills of *different* drugs of the same class (``drug_col``) are
   not shifted; a day is covered if any of them is on hand. Without ``drug_col`` every fill of
   a patient (or of a patient and class) counts as the same drug.
5. Supply running past the period end is truncated at the period end.
6. A patient is adherent when ``PDC >= threshold``: 0.80, or 0.90 for antiretroviral classes.

Formula, with ``[t_i, t_i + s_i)`` the shifted supply of fill ``i``::

    t_1 = d_1,   t_i = max(d_i, t_{i-1} + s_{i-1})          (same drug, in date order)
    PDC = |union_i [t_i, t_i + s_i) intersect [index, period_end + 1)| / days_in_period

The vectorised form uses the closed solution of the recurrence,
``t_i + s_i = C_i + max_{j <= i} (d_j - C_{j-1})`` with ``C_i`` the cumulative supply.

References
----------
Pharmacy Quality Alliance. *Proportion of Days Covered (PDC) measure specifications*
(PDC-DR, PDC-RASA, PDC-STA, PDC-ARV). Alexandria, VA: PQA.

Nau DP. *Proportion of days covered (PDC) as a preferred method of measuring medication
adherence.* Pharmacy Quality Alliance; 2012.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeAlias

import polars as pl
import pyarrow as pa

from concord.analytics.adherence.errors import AdherenceInputError

__all__ = [
    "ANTIRETROVIRAL_ATC_PREFIXES",
    "ISO8601",
    "STATUS_ELIGIBLE",
    "STATUS_FEWER_THAN_TWO_FILLS",
    "STATUS_INDEX_TOO_LATE",
    "STATUS_NO_FILLS_IN_PERIOD",
    "EventSource",
    "Fill",
    "PatientPDC",
    "antiretroviral_classes",
    "is_antiretroviral_atc",
    "load_events",
    "pdc_for_patient",
    "proportion_of_days_covered",
]

EventSource: TypeAlias = pl.DataFrame | pl.LazyFrame | pa.Table | str | os.PathLike[str]

STATUS_ELIGIBLE = "eligible"
STATUS_NO_FILLS_IN_PERIOD = "no_fills_in_period"
STATUS_FEWER_THAN_TWO_FILLS = "fewer_than_two_fills"
STATUS_INDEX_TOO_LATE = "index_too_late"

#: ATC level-4 groups of antiretrovirals (protease inhibitors, NRTIs, NNRTIs, combinations
#: for HIV, other antivirals for HIV) that PQA's PDC-ARV measure holds to 0.90.
ANTIRETROVIRAL_ATC_PREFIXES = ("J05AE", "J05AF", "J05AG", "J05AR", "J05AX")

DEFAULT_THRESHOLD = 0.80
DEFAULT_ANTIRETROVIRAL_THRESHOLD = 0.90
MIN_DAYS_INDEX_BEFORE_END = 91
#: ``date_format`` value that reads the calendar date as written at the start of an ISO 8601
#: date or date-time (``2015-06-26T07:13:00+05:00`` -> 2015-06-26, no zone conversion), as
#: in FHIR ``MedicationDispense.whenHandedOver``.
ISO8601 = "ISO8601"

_EPOCH = date(1970, 1, 1)
# Internal column names (prefixed so they never clash with the caller's columns).
_ROW, _DAY, _DUR = "__row", "__day", "__duration"


def is_antiretroviral_atc(code: str) -> bool:
    """Whether an ATC code belongs to one of :data:`ANTIRETROVIRAL_ATC_PREFIXES`."""
    return code.strip().upper().startswith(ANTIRETROVIRAL_ATC_PREFIXES)


def antiretroviral_classes(classes: Iterable[str]) -> frozenset[str]:
    """The subset of ``classes`` (ATC codes) that are antiretrovirals, for ``threshold`` use.

    Examples
    --------
    >>> sorted(antiretroviral_classes(["J05AR03", "C10AA05", "J05AB01"]))
    ['J05AR03']
    """
    return frozenset(c for c in classes if is_antiretroviral_atc(c))


# --------------------------------------------------------------------------- input


def load_events(
    events: EventSource,
    *,
    id_col: str,
    date_col: str,
    duration_col: str,
    class_col: str | None = None,
    drug_col: str | None = None,
    date_format: str = "%Y-%m-%d",
) -> pl.DataFrame:
    """Read and validate medication events (dispensings) for PDC and MPR.

    Parameters
    ----------
    events : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path to a CSV / Parquet file
        One row per fill. In a CSV file every column is read as text; an id column whose
        values are all integers becomes an integer column.
    id_col, date_col, duration_col : str
        Patient id, fill date (a date, a datetime, or text in ``date_format``) and days'
        supply (a number > 0; may be fractional).
    class_col, drug_col : str, optional
        Medication class and drug (ingredient); read as text, must not be missing.
    date_format : str
        ``strftime`` format for dates given as text, or :data:`ISO8601` to take the date as
        written at the start of an ISO 8601 date or date-time.

    Returns
    -------
    polars.DataFrame
        The caller's id / class / drug columns plus ``__row`` (1-based input row),
        ``__day`` (days since 1970-01-01) and ``__duration`` (Float64).

    Raises
    ------
    AdherenceInputError
        Unknown column, missing id / class / drug, unparseable or missing date, missing,
        non-numeric or non-positive duration; names the column and the 1-based rows.
    """
    frame = _as_frame(events)
    wanted = [c for c in (id_col, date_col, duration_col, class_col, drug_col) if c is not None]
    for name in wanted:
        if name not in frame.columns:
            raise AdherenceInputError(
                f"unknown column {name!r}; the input has columns {', '.join(frame.columns)}",
                column=name,
            )
    if len(set(wanted)) != len(wanted):
        raise AdherenceInputError("the same column is named for two roles", column=wanted[0])
    frame = frame.select(wanted).with_row_index(_ROW, offset=1)
    if frame.schema[id_col] == pl.String and isinstance(events, str | os.PathLike):
        frame = _integer_ids(frame, id_col)

    _reject(frame, _missing_text(id_col, frame.schema[id_col]), id_col, "missing patient id")
    for label in (class_col, drug_col):
        if label is not None:
            frame = frame.with_columns(pl.col(label).cast(pl.String))
            _reject(frame, _missing_text(label, pl.String), label, "missing value")

    frame = frame.with_columns(_parse_date(frame.schema[date_col], date_col, date_format))
    _reject(frame, pl.col(_DAY).is_null(), date_col, "missing or unparseable date")

    frame = frame.with_columns(_parse_duration(frame.schema[duration_col], duration_col))
    bad = pl.col(_DUR).is_null() | pl.col(_DUR).is_nan() | pl.col(_DUR).is_infinite()
    _reject(frame, bad, duration_col, "missing or non-numeric duration")
    _reject(frame, pl.col(_DUR) <= 0, duration_col, "non-positive duration")

    keep = [c for c in (id_col, class_col, drug_col) if c is not None]
    return frame.select([*keep, _ROW, pl.col(_DAY).cast(pl.Int32), _DUR])


def _as_frame(events: EventSource) -> pl.DataFrame:
    if isinstance(events, pl.DataFrame):
        return events
    if isinstance(events, pl.LazyFrame):
        return events.collect()
    if isinstance(events, pa.Table):
        frame = pl.from_arrow(events)
        if not isinstance(frame, pl.DataFrame):  # pragma: no cover - from_arrow of a Table
            raise AdherenceInputError("the Arrow input is not a table")
        return frame
    if isinstance(events, str | os.PathLike):
        path = Path(events)
        try:
            if path.suffix.lower() == ".parquet":
                return pl.read_parquet(path)
            frame = pl.read_csv(path, infer_schema=False)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise AdherenceInputError(f"cannot read CSV file {os.fspath(events)!r}: {exc}") from exc
        return frame
    raise AdherenceInputError(f"unsupported event input of type {type(events).__name__}")


def _integer_ids(frame: pl.DataFrame, id_col: str) -> pl.DataFrame:
    """Read a CSV id column as integers when every value is an integer (ids sort numerically)."""
    text = pl.col(id_col).str.strip_chars()
    as_int = text.cast(pl.Int64, strict=False)
    unparsed = frame.select((as_int.is_null() & text.is_not_null() & (text != "")).any()).item()
    return frame if unparsed else frame.with_columns(as_int.alias(id_col))


def _missing_text(column: str, dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    expr = pl.col(column).is_null()
    if dtype == pl.String:
        expr = expr | (pl.col(column).str.strip_chars() == "")
    return expr


def _reject(frame: pl.DataFrame, bad: pl.Expr, column: str, problem: str) -> None:
    rows = frame.filter(bad.fill_null(True)).get_column(_ROW)
    if len(rows):
        raise AdherenceInputError(f"column {column!r}: {problem}", column=column, rows=rows)


def _parse_date(dtype: pl.DataType, column: str, date_format: str) -> pl.Expr:
    col = pl.col(column)
    if dtype == pl.Date:
        expr = col
    elif isinstance(dtype, pl.Datetime):
        expr = col.dt.date()
    elif dtype == pl.String and date_format == ISO8601:
        text = col.str.strip_chars()
        written = text.str.contains(r"^\d{4}-\d{2}-\d{2}([T ].*)?$")
        expr = pl.when(written).then(
            text.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        )
    elif dtype == pl.String:
        expr = col.str.strip_chars().str.strptime(pl.Date, date_format, strict=False)
    else:
        raise AdherenceInputError(
            f"column {column!r} has type {dtype}, expected dates or text", column=column
        )
    return expr.alias(_DAY)


def _parse_duration(dtype: pl.DataType, column: str) -> pl.Expr:
    col = pl.col(column)
    if dtype.is_numeric():
        expr = col.cast(pl.Float64)
    elif dtype == pl.String:
        expr = col.str.strip_chars().cast(pl.Float64, strict=False)
    else:
        raise AdherenceInputError(
            f"column {column!r} has type {dtype}, expected numbers", column=column
        )
    return expr.alias(_DUR)


def as_day_number(value: date | str, name: str) -> int:
    """Days since 1970-01-01 of a date, a datetime (its date) or an ISO ``YYYY-MM-DD`` text."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise AdherenceInputError(f"{name}: not an ISO date: {value!r}", column=name) from exc
    if not isinstance(value, date):
        raise AdherenceInputError(f"{name}: expected a date, got {value!r}", column=name)
    return (value - _EPOCH).days


def measurement_period(period_start: date | str, period_end: date | str) -> tuple[int, int]:
    """Validated ``(start, end)`` day numbers of a measurement period (end inclusive)."""
    start = as_day_number(period_start, "period_start")
    end = as_day_number(period_end, "period_end")
    if end < start:
        raise AdherenceInputError("period_end is before period_start", column="period_end")
    return start, end


# --------------------------------------------------------------------------- vectorised


def proportion_of_days_covered(
    events: EventSource,
    *,
    id_col: str,
    date_col: str,
    duration_col: str,
    class_col: str | None = None,
    drug_col: str | None = None,
    period_start: date | str,
    period_end: date | str,
    threshold: float = DEFAULT_THRESHOLD,
    antiretroviral: Collection[str] = (),
    antiretroviral_threshold: float = DEFAULT_ANTIRETROVIRAL_THRESHOLD,
    min_days_before_end: int = MIN_DAYS_INDEX_BEFORE_END,
    date_format: str = "%Y-%m-%d",
) -> pl.DataFrame:
    """PQA proportion of days covered, one row per patient (or per patient and class).

    ``PDC = days covered / (period_end - index_date + 1)``, with overlapping supply of the
    same drug shifted forward and supply truncated at ``period_end`` (see the module
    docstring for the full rules).

    Parameters
    ----------
    events : polars.DataFrame, polars.LazyFrame, pyarrow.Table or CSV path
        One row per fill; see :func:`load_events`.
    id_col, date_col, duration_col : str
        Patient id, fill date and days' supply columns.
    class_col : str, optional
        Medication class; with it the PDC is computed per patient and class.
    drug_col : str, optional
        Drug (ingredient) within a class. Overlaps are shifted only between fills of the
        same drug; without it, all fills of a patient (and class) count as one drug.
    period_start, period_end : date or ISO text
        The measurement period (both inclusive). ``period_end`` ends every patient's period.
    threshold : float
        PDC at or above which a patient is adherent (PQA: 0.80).
    antiretroviral : collection of str
        Values of ``class_col`` that are antiretrovirals and use ``antiretroviral_threshold``
        instead (see :func:`antiretroviral_classes` to pick them by ATC code).
    antiretroviral_threshold : float
        PQA PDC-ARV threshold, 0.90.
    min_days_before_end : int
        Minimum ``period_end - index_date`` (PQA: 91 days).
    date_format : str
        Format of dates given as text.

    Returns
    -------
    polars.DataFrame
        Columns ``id_col``, [``class_col``], ``index_date`` (Date), ``period_end`` (Date),
        ``days_in_period`` (Int64), ``days_covered`` (Float64), ``pdc`` (Float64),
        ``threshold`` (Float64), ``adherent`` (Boolean) and ``status``: ``"eligible"``,
        ``"no_fills_in_period"``, ``"fewer_than_two_fills"`` or ``"index_too_late"``
        (checked in that order). ``days_covered``, ``pdc`` and ``adherent`` are null unless
        the status is ``"eligible"``. Rows are sorted by id (then class).

    Raises
    ------
    AdherenceInputError
        Bad input; names the column and 1-based rows.

    Notes
    -----
    Equivalent in AdhereR, on the fills dated inside the period and per patient, with
    ``index`` the index date and ``n`` the days in the period (supply shifted forward,
    truncated at the window end)::

        CMA7(data, ID.colname=..., event.date.colname=..., event.duration.colname=...,
             followup.window.start=index, followup.window.duration=n,
             observation.window.start=0, observation.window.duration=n)

    Examples
    --------
    >>> import polars as pl
    >>> fills = pl.DataFrame({"id": [1, 1], "date": ["2024-01-01", "2024-01-26"],
    ...                       "days": [30, 30]})
    >>> out = proportion_of_days_covered(fills, id_col="id", date_col="date",
    ...     duration_col="days", period_start="2024-01-01", period_end="2024-12-31")
    >>> out["days_covered"][0], out["days_in_period"][0]
    (60.0, 366)
    """
    if antiretroviral and class_col is None:
        raise AdherenceInputError(
            "antiretroviral classes need class_col to identify them", column="antiretroviral"
        )
    start, end = measurement_period(period_start, period_end)
    frame = load_events(
        events,
        id_col=id_col,
        date_col=date_col,
        duration_col=duration_col,
        class_col=class_col,
        drug_col=drug_col,
        date_format=date_format,
    )
    keys = [id_col] if class_col is None else [id_col, class_col]
    out = _covered_days(frame, keys, drug_col, start, end).lazy()

    index = pl.col("__index")
    status = (
        pl.when(index.is_null())
        .then(pl.lit(STATUS_NO_FILLS_IN_PERIOD))
        .when(pl.col("__last") == index)
        .then(pl.lit(STATUS_FEWER_THAN_TWO_FILLS))
        .when(end - index < min_days_before_end)
        .then(pl.lit(STATUS_INDEX_TOO_LATE))
        .otherwise(pl.lit(STATUS_ELIGIBLE))
    )
    if antiretroviral:
        arv = sorted(set(antiretroviral))
        limit = (
            pl.when(pl.col(keys[1]).is_in(arv))
            .then(pl.lit(float(antiretroviral_threshold)))
            .otherwise(pl.lit(float(threshold)))
        )
    else:
        limit = pl.lit(float(threshold))
    days_in_period = (end - index + 1).cast(pl.Int64)
    eligible = pl.col("status") == STATUS_ELIGIBLE
    out = (
        out.with_columns(status=status, threshold=limit, days_in_period=days_in_period)
        .with_columns(
            days_covered=pl.when(eligible).then(pl.col("__covered")),
            pdc=pl.when(eligible).then(pl.col("__covered") / pl.col("days_in_period")),
        )
        .with_columns(adherent=pl.when(eligible).then(pl.col("pdc") >= pl.col("threshold")))
        .select(
            *keys,
            index_date=index.cast(pl.Date),
            period_end=pl.lit(end).cast(pl.Int32).cast(pl.Date),
            days_in_period=pl.col("days_in_period"),
            days_covered=pl.col("days_covered").cast(pl.Float64),
            pdc=pl.col("pdc").cast(pl.Float64),
            threshold=pl.col("threshold"),
            adherent=pl.col("adherent").cast(pl.Boolean),
            status=pl.col("status"),
        )
        .sort(keys, nulls_last=True)
    )
    return out.collect()


def _covered_days(
    frame: pl.DataFrame, keys: list[str], drug_col: str | None, start: int, end: int
) -> pl.DataFrame:
    """First and last fill day in the period and covered days per group (PQA shift-forward).

    Every group of the input is returned (``__index`` is null when it has no fill in the
    period). Fills outside the period keep their place in the order with a supply of 0, which
    covers nothing and never moves a later shifted supply (their day is earlier than any fill
    in the period, or later than all of them).

    Groups are contiguous runs after a stable sort, so cumulative sums and maxima per group are
    computed on the whole column: a sum minus its value at the group start, and a maximum over
    values lifted by ``group number * span`` (exact in Int64 when supplies are whole days;
    otherwise Polars' per-group window is used).
    """
    lanes = keys if drug_col is None else [*keys, drug_col]
    day = pl.col(_DAY)
    inside = day.is_between(start, end)
    integral = frame.height == 0 or bool(
        frame.select(((pl.col(_DUR) % 1 == 0) & (pl.col(_DUR) < 1e9)).all()).item()
    )
    supply_type = pl.Int64 if integral else pl.Float64
    fills = frame.select(
        *lanes,
        day,
        __in=inside,
        __d=pl.when(inside).then(pl.col(_DUR)).otherwise(0).cast(supply_type),
    )
    order = [*(_sort_code(fills, c) for c in lanes), pl.col(_DAY)]
    fills = _segments(fills.sort(order, maintain_order=True), lanes)
    fills = fills.with_columns(__cum=_group_cum_sum("__d", integral))
    fills = fills.with_columns(__v=day.cast(supply_type) - (pl.col("__cum") - pl.col("__d")))
    # End of the shifted supply of fill i: C_i + max_{j<=i}(d_j - C_{j-1}).
    fills = fills.with_columns(__end=pl.col("__cum") + _group_cum_max(fills, "__v", integral))
    # Keep only what the rest needs (the drug path sorts again; less to move, less memory).
    fills = fills.select(
        *keys, "__g", "__new", "__in", _DAY, "__d", "__end", __start=pl.col("__end") - pl.col("__d")
    )
    lower = pl.col("__start")
    if drug_col is not None:
        # Different drugs are not shifted: count the union of their shifted supplies.
        order = [*(_sort_code(fills, c) for c in keys), pl.col("__start"), pl.col("__end")]
        fills = _segments(fills.sort(order, maintain_order=True), keys)
        fills = fills.with_columns(__reach=_group_cum_max(fills, "__end", integral))
        previous = pl.when(pl.col("__new")).then(None).otherwise(pl.col("__reach").shift(1))
        lower = pl.max_horizontal(lower, previous)
    upper = pl.min_horizontal(pl.col("__end"), pl.lit(end + 1, supply_type))
    fills = fills.select(
        *keys,
        "__g",
        __day_in=pl.when(pl.col("__in")).then(day),
        __part=(upper - lower).clip(lower_bound=0),
    )
    # Two fills on distinct dates <=> the first and last in-period dates differ.
    return fills.group_by("__g").agg(
        *(pl.col(k).first() for k in keys),
        __index=pl.col("__day_in").min(),
        __last=pl.col("__day_in").max(),
        __covered=pl.col("__part").sum().cast(pl.Float64),
    )


def _sort_code(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A cheap sort key that keeps equal values together (text becomes category codes)."""
    if frame.schema[column] == pl.String:
        return pl.col(column).cast(pl.Categorical).to_physical()
    return pl.col(column)


def _segments(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Mark group starts (``__new``) and number the groups (``__g``) of a sorted frame."""
    changed = pl.lit(False)
    for column in columns:
        changed = changed | (pl.col(column) != pl.col(column).shift(1))
    return frame.with_columns(__new=changed.fill_null(True)).with_columns(
        # A running count is non-decreasing: telling Polars lets it group without hashing.
        __g=pl.col("__new").cum_sum().cast(pl.Int64).set_sorted()
    )


def _group_cum_sum(column: str, integral: bool) -> pl.Expr:
    if not integral:
        return pl.col(column).cum_sum().over("__g")
    total = pl.col(column).cum_sum()
    return total - pl.when(pl.col("__new")).then(total - pl.col(column)).forward_fill()


def _group_cum_max(frame: pl.DataFrame, column: str, integral: bool) -> pl.Expr:
    if integral and frame.height:
        low, high = frame[column].min(), frame[column].max()
        groups = frame["__g"].max()
        span = int(high) - int(low) + 1  # type: ignore[arg-type]
        if span * (int(groups) + 1) < 2**62:  # type: ignore[arg-type]
            lift = pl.col("__g") * span
            return (pl.col(column) - low + lift).cum_max() - lift + low
    return pl.col(column).cum_max().over("__g")


# --------------------------------------------------------------------------- reference


@dataclass(frozen=True)
class Fill:
    """One dispensing: fill date, days' supply and, optionally, the drug (ingredient)."""

    date: date
    days_supply: float
    drug: str | None = None


@dataclass(frozen=True)
class PatientPDC:
    """PDC of one patient (or one patient and class); see :func:`pdc_for_patient`."""

    status: str
    index_date: date | None
    period_end: date
    days_in_period: int | None
    days_covered: float | None
    pdc: float | None
    threshold: float
    adherent: bool | None


def pdc_for_patient(
    fills: Sequence[Fill],
    *,
    period_start: date | str,
    period_end: date | str,
    threshold: float = DEFAULT_THRESHOLD,
    min_days_before_end: int = MIN_DAYS_INDEX_BEFORE_END,
) -> PatientPDC:
    """PQA PDC of one patient's fills, computed step by step (reference implementation).

    Same rules and result as one row of :func:`proportion_of_days_covered`; see the module
    docstring. Fills are taken in date order (ties in the given order).

    Parameters
    ----------
    fills : sequence of Fill
    period_start, period_end : date or ISO text
    threshold : float
    min_days_before_end : int

    Returns
    -------
    PatientPDC
    """
    start, end = measurement_period(period_start, period_end)
    for position, fill in enumerate(fills, start=1):
        if not fill.days_supply > 0:
            raise AdherenceInputError(
                "non-positive duration", column="days_supply", rows=[position]
            )
    inside = sorted(
        (f for f in fills if start <= as_day_number(f.date, "date") <= end),
        key=lambda f: f.date,
    )
    end_date = date.fromordinal(_EPOCH.toordinal() + end)
    if not inside:
        return PatientPDC(
            STATUS_NO_FILLS_IN_PERIOD, None, end_date, None, None, None, threshold, None
        )
    index = as_day_number(inside[0].date, "date")
    days_in_period = end - index + 1
    if len({f.date for f in inside}) < 2:
        status = STATUS_FEWER_THAN_TWO_FILLS
    elif end - index < min_days_before_end:
        status = STATUS_INDEX_TOO_LATE
    else:
        status = STATUS_ELIGIBLE
    if status != STATUS_ELIGIBLE:
        return PatientPDC(
            status, inside[0].date, end_date, days_in_period, None, None, threshold, None
        )
    # Shift forward per drug: each supply starts when the previous one of that drug runs out.
    supplied_until: dict[str | None, float] = {}
    intervals: list[tuple[float, float]] = []
    for fill in inside:
        day = float(as_day_number(fill.date, "date"))
        begin = max(day, supplied_until.get(fill.drug, day))
        supplied_until[fill.drug] = begin + fill.days_supply
        intervals.append((begin, begin + fill.days_supply))
    # Count the union of the intervals inside [index, end + 1).
    covered, reached = 0.0, float(index)
    for begin, finish in sorted(intervals):
        lo, hi = max(begin, reached), min(finish, float(end + 1))
        if hi > lo:
            covered += hi - lo
        reached = max(reached, finish)
    pdc = covered / days_in_period
    return PatientPDC(
        status, inside[0].date, end_date, days_in_period, covered, pdc, threshold, pdc >= threshold
    )
