"""The relational plan: windows and the per-event gap engine as SQL window functions.

Every measure is written as one SQL query over two relations:

``ev``
    the events: ``key`` (patient, or patient within a medication group), ``seq`` (index after
    sorting by patient and date), ``row`` (input row), ``d`` (date as a day number), ``dur``,
    ``dose`` and ``cls``;
``units``
    one row per *computation unit* -- a patient, a treatment episode of a patient or a
    sliding window of a patient -- with its follow-up window ``[fs, fe]`` and observation
    window ``[os, oe]`` as day numbers.

The carry-over recurrence of AdhereR's ``compute.event.int.gaps`` (spec section 3),

    c_1 = 0,   g_i = max(0, iv_i - dur_i - c_i),   c_{i+1} = max(0, c_i + dur_i - iv_i) * r_i

(``r_i`` = dose_i / dose_{i+1} with dosage change, else 1; reset to 0 at a medication change
when carry-over is only for the same medication) is a Lindley recursion. In units of drug
amount, ``a_i = c_i * dose_i`` and ``x_i = (dur_i - iv_i) * dose_i``, it has the closed form

    a_i = P_i - min(0, min_{m <= i} P_m),   P_i = sum_{m < i} x_m

so it is a running sum followed by a running minimum: two window functions, no loop. The
same text runs on DuckDB and on Spark SQL.
"""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are mapped to internal names first).
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from concord.analytics.adherence.dialect import Dialect

__all__ = [
    "CarryOver",
    "Quantity",
    "Query",
    "WindowSpec",
    "add_gaps",
    "add_sequence_columns",
    "add_to_day",
    "constant_patient_windows",
]

QuantityKind = Literal["number", "date", "column_number", "column_date"]


@dataclass(frozen=True)
class Quantity:
    """A window start or duration: a number, a date, or a column read on the first row."""

    kind: QuantityKind
    value: float = 0.0  # the number, or the date as a day number
    column: str | None = None  # engine column holding the per-patient value
    unit: str = "days"


@dataclass(frozen=True)
class WindowSpec:
    """Follow-up and observation windows (AdhereR's eight ``*.window.*`` arguments)."""

    fuw_start: Quantity
    fuw_duration: Quantity
    ow_start: Quantity
    ow_duration: Quantity

    def columns(self) -> tuple[str, ...]:
        quantities = (self.fuw_start, self.fuw_duration, self.ow_start, self.ow_duration)
        return tuple(dict.fromkeys(q.column for q in quantities if q.column is not None))


@dataclass(frozen=True)
class CarryOver:
    """The four flags of the gap engine (spec section 3)."""

    within: bool
    into: bool
    same_medication: bool = False
    dosage_change: bool = False
    #: every unit's follow-up window starts at or before its key's first event, and ``ev``
    #: has the key-level running columns of :func:`add_sequence_columns` (``key_stats``)
    from_first_event: bool = False


class Query:
    """A ``WITH`` query assembled from named common table expressions."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.ctes: list[tuple[str, str]] = []

    def add(self, name: str, sql: str) -> str:
        self.ctes.append((name, sql))
        return name

    def sql(self, final: str) -> str:
        body = ",\n".join(f"{name} AS (\n{sql}\n)" for name, sql in self.ctes)
        return f"WITH {body}\n{final}" if body else final


def _literal(value: float) -> str:
    text = repr(float(value))
    return f"CAST({text} AS DOUBLE)"


def add_to_day(dialect: Dialect, day: str, amount: str, unit: str, *, constant: bool) -> str:
    """SQL for AdhereR's ``add(date, n, unit)`` (spec 1.1).

    ``amount`` is a SQL expression; with ``constant`` it is a Python number already rounded
    by the caller (so no rounding is emitted).
    """
    if unit in ("days", "weeks"):
        factor = "" if unit == "days" else "7.0 * "
        shift = amount if constant else dialect.round_half_even(f"{factor}({amount})")
        return f"({day} + {shift})"
    months = amount if constant else dialect.round_half_even(amount)
    if unit == "years":
        months = f"({months}) * 12"
    return dialect.add_months(day, months)


def _constant_shift(value: float, unit: str) -> str:
    if unit == "days":
        return _literal(round(value))
    if unit == "weeks":
        return _literal(round(7.0 * value))
    return str(round(value))


def _add_quantity(dialect: Dialect, base: str, quantity: Quantity) -> str:
    """``base`` + a start offset or a duration; a date quantity replaces ``base``."""
    if quantity.kind == "date":
        return _literal(quantity.value)
    if quantity.kind == "column_date":
        return f"c_{quantity.column}"
    if quantity.kind == "number":
        shift = _constant_shift(quantity.value, quantity.unit)
        return add_to_day(dialect, base, shift, quantity.unit, constant=True)
    return add_to_day(dialect, base, f"c_{quantity.column}", quantity.unit, constant=False)


def add_patient_windows(q: Query, spec: WindowSpec, source: str, name: str = "pw") -> str:
    """Per-key windows ``fs, fe, os, oe`` computed on each key's first event (spec 2)."""
    d = q.dialect
    cols = "".join(f", {c} AS c_{c}" for c in spec.columns())
    q.add(f"{name}_0", f"SELECT key, p, d AS d0{cols} FROM {source} WHERE k = 1")
    q.add(
        f"{name}_1",
        f"SELECT *, {_add_quantity(d, 'd0', spec.fuw_start)} AS fs FROM {name}_0",
    )
    q.add(
        f"{name}_2",
        f"SELECT *, {_add_quantity(d, 'fs', spec.fuw_duration)} AS fe, "
        f"{_add_quantity(d, 'fs', spec.ow_start)} AS os FROM {name}_1",
    )
    return q.add(
        name,
        f"SELECT key, p, fs, fe, os, {_add_quantity(d, 'os', spec.ow_duration)} AS oe "
        f"FROM {name}_2",
    )


def _constant_window_edge(base: pl.Expr, quantity: Quantity) -> pl.Expr | None:
    """``base`` + a constant start or duration in days / weeks, or a date; else ``None``."""
    if quantity.kind == "date":
        return pl.lit(float(quantity.value), dtype=pl.Float64)
    if quantity.kind != "number" or quantity.unit not in ("days", "weeks"):
        return None
    factor = 1.0 if quantity.unit == "days" else 7.0
    return base + float(round(factor * quantity.value))


def constant_patient_windows(first: pl.DataFrame, spec: WindowSpec) -> pl.DataFrame | None:
    """:func:`add_patient_windows` in Polars when every window is a constant or a date.

    The same double additions as the SQL (``fs = d0 + s``, ``fe = fs + s``, ``os = fs + s``,
    ``oe = os + s`` with ``s`` rounded half to even), so the same numbers, without a query.
    ``None`` when a window needs calendar units or a column (the SQL handles those).
    """
    d0 = pl.col("d").cast(pl.Float64)
    fs = _constant_window_edge(d0, spec.fuw_start)
    fe = _constant_window_edge(pl.col("fs"), spec.fuw_duration)
    os_ = _constant_window_edge(pl.col("fs"), spec.ow_start)
    oe = _constant_window_edge(pl.col("os"), spec.ow_duration)
    if fs is None or fe is None or os_ is None or oe is None:
        return None
    return (
        first.select("key", "p", fs.alias("fs"))
        .with_columns(fe.alias("fe"), os_.alias("os"))
        .with_columns(oe.alias("oe"))
    )


def add_sequence_columns(
    frame: pl.DataFrame,
    *,
    dose_sums: bool = True,
    runs: bool = True,
    next_class: bool = True,
    key_stats: bool = False,
    previous_stats: bool = False,
) -> pl.DataFrame:
    """Per-key sequence columns the gap engine reads (events sorted by ``key, seq``).

    ``dnext`` / ``ncls``: date and class of the key's next event; ``run``: number of the run
    of consecutive same-class events (unique over the table); ``y0`` / ``y1``: exclusive
    running sums, within the key, of ``x = dur - (dnext - d)`` without / with the dose
    factor (``x * dose``; only with ``dose_sums``), 0 for the key's last event. ``run`` is
    left out without ``runs`` and ``ncls`` without ``next_class`` (queries that do not
    compare classes).

    With ``key_stats``, the key-level running columns the gap engine reads instead of
    window functions when a unit's events are a prefix of its key's
    (``CarryOver.from_first_event``): ``<y>min`` (running minimum of ``y``, inclusive) for
    each sum ``y``; with ``previous_stats`` also ``<y>pmin`` / ``<y>prev`` (running minimum
    up to / value of the previous event) and ``dprev``, ``durprev``, ``doseprev``,
    ``clsprev``.

    The frame is sorted by key, so "next within the key" is a shift masked at key changes.
    With whole-number durations and doses the running sums are exact 64-bit integer sums
    (rebased at each key start); otherwise they are float sums restarted in every key.
    """
    key = pl.col("key")
    same_next = key.shift(-1) == key
    new_key = key.shift(1).ne_missing(key)
    columns = [pl.when(same_next).then(pl.col("d").shift(-1)).alias("dnext")]
    if next_class:
        columns.append(pl.when(same_next).then(pl.col("cls").shift(-1)).alias("ncls"))
    if runs:
        columns.append(
            (new_key | pl.col("cls").ne_missing(pl.col("cls").shift(1)))
            .cast(pl.Int32)
            .cum_sum()
            .alias("run")
        )
    with_next = frame.with_columns(columns)
    step = (pl.col("dur") - (pl.col("dnext") - pl.col("d"))).fill_null(0.0)
    whole_numbers = pl.col("dur") == pl.col("dur").floor()
    if "dose" in frame.columns:
        whole_numbers = whole_numbers & (pl.col("dose") == pl.col("dose").floor())
    whole = with_next.select(whole_numbers.all()).item()
    wanted = [("y0", step)] + ([("y1", step * pl.col("dose"))] if dose_sums else [])
    if not whole:
        out = with_next.with_columns(
            expr.cum_sum().shift(1).fill_null(0.0).over(key).alias(name) for name, expr in wanted
        )
        if not key_stats:
            return out
        return _add_key_stats(out, [n for n, _ in wanted], new_key, previous_stats)
    # exact integer sums; the intermediate columns are materialised (twice as fast as one
    # nested expression) and each is released as soon as the next is computed
    steps = with_next.with_columns(expr.cast(pl.Int64).alias(f"__x_{n}") for n, expr in wanted)
    del with_next
    totals = steps.with_columns(
        (pl.col(f"__x_{n}").cum_sum() - pl.col(f"__x_{n}")).alias(f"__e_{n}") for n, _ in wanted
    ).drop(*(f"__x_{n}" for n, _ in wanted))
    del steps
    out = totals.with_columns(
        (pl.col(f"__e_{n}") - pl.when(new_key).then(pl.col(f"__e_{n}")).forward_fill())
        .cast(pl.Float64)
        .alias(n)
        for n, _ in wanted
    ).drop(*(f"__e_{n}" for n, _ in wanted))
    del totals
    if not key_stats:
        return out
    return _add_key_stats(out, [n for n, _ in wanted], new_key, previous_stats)


def _running_min_per_key(frame: pl.DataFrame, column: str, new_key: pl.Expr) -> pl.Expr:
    """Running minimum of ``column`` restarted at every key (the frame is sorted by key).

    Whole numbers: one global running minimum of ``value - key_number * B`` (B larger than
    the value range, so an earlier key never holds the minimum), exact in 64-bit integers
    and without grouping. Otherwise a per-key running minimum.
    """
    values = frame.get_column(column)
    low, high = values.min(), values.max()
    n_keys = frame.height  # an upper bound on the number of keys
    if isinstance(low, float) and isinstance(high, float):
        span = high - low + 1
        whole = bool((values == values.floor()).all())
        if whole and span * (n_keys + 1) + max(abs(low), abs(high)) < 2**62:
            width = int(span)
            shift = new_key.cast(pl.Int64).cum_sum() * width
            shifted = pl.col(column).cast(pl.Int64) - shift
            return (shifted.cum_min() + shift).cast(pl.Float64)
    return pl.col(column).cum_min().over("key")


def _add_key_stats(
    frame: pl.DataFrame, sums: list[str], new_key: pl.Expr, previous_stats: bool
) -> pl.DataFrame:
    """Key-level running minimum and previous-event columns (see add_sequence_columns)."""
    running = frame.with_columns(
        _running_min_per_key(frame, n, new_key).alias(f"{n}min") for n in sums
    )
    if not previous_stats:
        return running
    previous = [
        pl.when(new_key).then(None).otherwise(pl.col(c).shift(1)).alias(alias)
        for c, alias in (
            ("d", "dprev"),
            ("dur", "durprev"),
            *((name, f"{name}prev") for name in ("dose", "cls") if name in frame.columns),
            *((n, f"{n}prev") for n in sums),
            *((f"{n}min", f"{n}pmin") for n in sums),
        )
    ]
    return running.with_columns(previous)


def add_gaps(
    q: Query,
    prefix: str,
    units: str,
    flags: CarryOver,
    *,
    events: str = "ev",
    ow_is_fuw: bool = False,
    next_class: bool = False,
    previous: bool = False,
) -> str:
    """Event intervals, gaps and carry-over of every unit (spec section 3).

    Returns the name of a relation with one row per *selected* event of each unit and the
    columns ``key, uid, fs, fe, os, oe, wos, woe, seq, d, dur, bef, is_last, iv, gap,
    cin`` (plus ``dose`` with dosage change, ``run`` with carry-over for the same
    medication only, ``cls`` and ``ncls`` -- the next event's class -- with ``next_class``).
    ``[wos, woe]`` is the window the intervals run in: the unit's
    OW, or its FUW when ``ow_is_fuw`` (CMA9, treatment episodes). ``bef`` is "dated before
    ``wos``"; ``is_last`` marks the unit's last selected event.

    The selected events of a unit are a contiguous run of the key's events, so the interval
    to the next selected event is the key's ``dnext - d`` except for the last one (which
    runs to ``woe``), and the running sum ``P`` of the module docstring is the difference
    of the precomputed exclusive sums ``y`` (:func:`add_sequence_columns`). The carry-over
    ``a_i = P_i - min(0, min_{m <= i} P_m)`` becomes ``y_i - min_{m <= i} y_m``: a single
    running minimum per unit (per unit and class run when carry-over is only for the same
    medication).
    """
    wos, woe = ("u.fs", "u.fe") if ow_is_fuw else ("u.os", "u.oe")
    selection = "e.d <= " + woe + ("" if flags.into else f" AND e.d >= {wos}")
    y = "e.y1" if flags.dosage_change else "e.y0"
    # A unit whose selected events are a prefix of its key's (they start at the key's first
    # event: the FUW starts at or before it, and nothing is cut at the OW start) has the
    # key-level running minimum and previous values: no window function needed.
    key_level = (
        flags.from_first_event
        and (flags.into or ow_is_fuw)
        and not (flags.same_medication and flags.within)
    )
    optional = "".join(
        column
        for column, wanted in (
            ("e.dose, ", flags.dosage_change),
            ("e.run, ", flags.same_medication and flags.within),
            ("e.cls, e.ncls, ", next_class),
            (f"{y}min AS ymin, ", key_level and flags.within),
            ("e.dprev AS pd, e.durprev AS pdur, ", key_level and previous),
            ("e.clsprev AS pcls, ", key_level and previous and next_class),
            (f"{y}prev AS py, {y}pmin AS pmin, ", key_level and previous and flags.within),
            ("e.doseprev AS pdose, ", key_level and previous and flags.dosage_change),
        )
        if wanted
    )
    q.add(
        f"{prefix}_ue",
        "SELECT u.key, u.uid, u.fs, u.fe, u.os, u.oe, "
        f"{wos} AS wos, {woe} AS woe, e.seq, e.d, e.dur, {optional}"
        f"{y} AS y, e.d < {wos} AS bef, "
        f"(e.dnext IS NULL OR e.dnext > {woe}) AS is_last, "
        f"CASE WHEN e.dnext IS NULL OR e.dnext > {woe} THEN {woe} ELSE e.dnext END - e.d AS iv "
        f"FROM {units} u JOIN {events} e ON e.key = u.key "
        f"WHERE e.d >= u.fs AND e.d <= u.fe AND {selection}",
    )
    run = ", run" if flags.same_medication and flags.within else ""
    win = f"PARTITION BY key, uid{run} ORDER BY seq"
    lags = ""
    if key_level:
        dose = " / dose" if flags.dosage_change else ""
        cin = f"(y - ymin){dose}" if flags.within else "CAST(0 AS DOUBLE)"
        q.add(f"{prefix}_s1", f"SELECT *, {cin} AS cin FROM {prefix}_ue")
        pgap = ""
        if previous:
            carried = ""
            if flags.within:
                carried = " - (py - pmin)" + (" / pdose" if flags.dosage_change else "")
            pgap = f", GREATEST(0, (d - pd) - pdur{carried}) AS pgap"
        return q.add(
            f"{prefix}_g",
            f"SELECT *, GREATEST(0, iv - dur - cin) AS gap{pgap} FROM {prefix}_s1",
        )
    if previous:
        # the previous event of the same partition, in the same window pass
        lags = ", LAG(d) OVER (w) AS pd, LAG(dur) OVER (w) AS pdur"
        if next_class:
            lags += ", LAG(cls) OVER (w) AS pcls"
    if not flags.within:
        q.add(
            f"{prefix}_s1",
            f"SELECT *{lags} FROM {prefix}_ue".replace("(w)", f"({win})"),
        )
        pgap = ", GREATEST(0, (d - pd) - pdur) AS pgap" if previous else ""
        return q.add(
            f"{prefix}_g",
            f"SELECT *, CAST(0 AS DOUBLE) AS cin, GREATEST(0, iv - dur) AS gap{pgap} "
            f"FROM {prefix}_s1",
        )
    dose = " / dose" if flags.dosage_change else ""
    if previous:
        lags += (
            ", LAG(y) OVER (w) AS py, MIN(y) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND "
            "1 PRECEDING) AS pmin"
        )
        if flags.dosage_change:
            lags += ", LAG(dose) OVER (w) AS pdose"
    q.add(
        f"{prefix}_s1",
        f"SELECT *, (y - MIN(y) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))"
        f"{dose} AS cin{lags} FROM {prefix}_ue".replace("(w", f"({win}"),
    )
    pgap = ""
    if previous:
        pdose = " / pdose" if flags.dosage_change else ""
        pgap = f", GREATEST(0, (d - pd) - pdur - (py - pmin){pdose}) AS pgap"
    return q.add(
        f"{prefix}_g",
        f"SELECT *, GREATEST(0, iv - dur - cin) AS gap{pgap} FROM {prefix}_s1",
    )
