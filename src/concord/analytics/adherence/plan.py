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

from concord.analytics.adherence.dialect import Dialect

__all__ = ["CarryOver", "Quantity", "Query", "WindowSpec", "add_gaps", "add_to_day"]

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


def add_gaps(
    q: Query,
    prefix: str,
    units: str,
    flags: CarryOver,
    *,
    events: str = "ev",
    ow_is_fuw: bool = False,
    previous_gap: bool = False,
) -> str:
    """Event intervals, gaps and carry-over of every unit (spec section 3).

    Returns the name of a relation with one row per *selected* event of each unit and the
    columns ``key, uid, fs, fe, os, oe, wos, woe, seq, row, d, dur, dose, cls, bef, iv,
    gap, cin`` (and ``pgap``, the previous selected event's gap, when ``previous_gap``).
    ``[wos, woe]`` is the window the intervals run in: the unit's OW, or its FUW when
    ``ow_is_fuw`` (CMA9, treatment episodes). ``bef`` is "dated before ``wos``".
    """
    wos, woe = ("u.fs", "u.fe") if ow_is_fuw else ("u.os", "u.oe")
    selection = "e.d <= " + woe + ("" if flags.into else f" AND e.d >= {wos}")
    q.add(
        f"{prefix}_ue",
        "SELECT u.key, u.uid, u.fs, u.fe, u.os, u.oe, "
        f"{wos} AS wos, {woe} AS woe, e.seq, e.row, e.d, e.dur, e.dose, e.cls, "
        f"e.d < {wos} AS bef "
        f"FROM {units} u JOIN {events} e ON e.key = u.key "
        f"WHERE e.d >= u.fs AND e.d <= u.fe AND {selection}",
    )
    win = "PARTITION BY key, uid ORDER BY seq"
    change = "0"
    if flags.same_medication and flags.within:
        change = (
            f"CASE WHEN LAG(seq) OVER ({win}) IS NULL THEN 0 "
            f"WHEN LAG(cls) OVER ({win}) IS DISTINCT FROM cls THEN 1 ELSE 0 END"
        )
    q.add(
        f"{prefix}_s1",
        f"SELECT *, COALESCE(LEAD(d) OVER ({win}), woe) - d AS iv, {change} AS chg "
        f"FROM {prefix}_ue",
    )
    last = f"{prefix}_s1"
    if not flags.within:
        q.add(
            f"{prefix}_g0",
            f"SELECT *, CAST(0 AS DOUBLE) AS cin, GREATEST(0, iv - dur) AS gap FROM {last}",
        )
    else:
        dose = "dose" if flags.dosage_change else "1"
        seg_win = "PARTITION BY key, uid, seg ORDER BY seq"
        seg = "0"
        if flags.same_medication:
            seg = f"SUM(chg) OVER ({win} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
        q.add(f"{prefix}_s2", f"SELECT *, {seg} AS seg, (dur - iv) * {dose} AS x FROM {last}")
        q.add(
            f"{prefix}_s3",
            f"SELECT *, COALESCE(SUM(x) OVER ({seg_win} ROWS BETWEEN UNBOUNDED PRECEDING "
            f"AND 1 PRECEDING), 0) AS ps FROM {prefix}_s2",
        )
        q.add(
            f"{prefix}_s4",
            f"SELECT *, (ps - LEAST(0, MIN(ps) OVER ({seg_win} ROWS BETWEEN UNBOUNDED "
            f"PRECEDING AND CURRENT ROW))) / {dose} AS cin FROM {prefix}_s3",
        )
        q.add(
            f"{prefix}_g0",
            f"SELECT *, GREATEST(0, iv - dur - cin) AS gap FROM {prefix}_s4",
        )
    if previous_gap:
        return q.add(
            f"{prefix}_g",
            f"SELECT *, LAG(gap) OVER ({win}) AS pgap FROM {prefix}_g0",
        )
    return q.add(f"{prefix}_g", f"SELECT * FROM {prefix}_g0")
