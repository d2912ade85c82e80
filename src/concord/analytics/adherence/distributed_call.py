"""A validated adherence call on Spark: checks, row numbers, groups, windows and ``ev``.

:func:`prepare_call` is the distributed twin of :func:`concord.analytics.adherence.core.
make_call`: it checks the columns and window arguments on the driver (schema only), then in
Spark types the events, checks every row in one counting pass (errors name 1-based rows and
the column, in the Polars path's order of checks), numbers each key's events, adds the gap
engine's running sums and computes each key's windows. The result holds a
:class:`~concord.analytics.adherence.plan.Query` whose common table expressions ``ev`` and
``pw`` are those the measure SQL (``cma_sql``, ``episodes``, ``sliding``, ``event_sql``)
reads, exactly as on DuckDB.

Keys. A key is the patient ID, or with medication groups the struct ``(g, id)`` of the
group's index and the patient ID: Spark joins, partitions and orders structs field by
field, so the same SQL text serves both.

What stays on the driver: the schema, one row of counts per input partition, the first
rows of a failing check (at most ``MAX_ERROR_ROWS``), and the distinct values of a
medication-groups column.
"""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are renamed to internal names first, and
# group names travel in a DataFrame, not in SQL).
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from concord.analytics.adherence.core import MED_GROUP_COLUMN, WindowValue, _quantity
from concord.analytics.adherence.dialect import SPARK
from concord.analytics.adherence.distributed_groups import group_definitions
from concord.analytics.adherence.distributed_input import (
    MAX_ERROR_ROWS,
    PARTITION_SHIFT,
    RowNumbers,
    date_days,
    partition_offsets,
    quote,
    read_spark_events,
    spark_functions,
)
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.medgroups import ALL_OTHERS
from concord.analytics.adherence.plan import Quantity, Query, WindowSpec, add_patient_windows

__all__ = ["SparkCall", "prepare_call"]

_NUMERIC = ("byte", "short", "integer", "long", "float", "double", "decimal")
_WINDOW_ARGUMENTS = (
    ("followup.window.start", True),
    ("followup.window.duration", False),
    ("observation.window.start", True),
    ("observation.window.duration", False),
)


@dataclass
class SparkCall:
    """A validated distributed call: ``query`` holds the ``ev`` and ``pw`` CTEs."""

    session: Any
    query: Query
    id_colname: str
    row_numbers: RowNumbers
    views: str  # prefix of this call's temporary views
    n_events: int
    kept: tuple[str, ...] = ()  # input columns carried in ``ev`` as o0, o1, ...
    groups: tuple[str, ...] | None = None  # names of the non-empty groups, in output order

    def fork(self) -> SparkCall:
        """The same call with its own copy of the query (for a second output table)."""
        query = Query(self.query.dialect)
        query.ctes = list(self.query.ctes)
        return replace(self, query=query)

    def patient(self, key: str) -> str:
        """SQL for the patient ID of a key expression."""
        return f"{key}.id" if self.groups is not None else key

    def row_sql(self, identifier: str) -> tuple[str, str]:
        """SQL for the 1-based input row of a row identifier and the join it needs."""
        return self.row_numbers.sql(identifier, f"{self.views}_rows")

    def run(
        self,
        final: str,
        columns: Sequence[tuple[str, str]],
        order: str,
        *,
        identifier: bool = True,
        joins: str = "",
    ) -> Any:
        """``SELECT [ID,] <columns> [, .MED_GROUP_ID] FROM (final) t ORDER BY order``."""
        select = [f"{self.patient('t.key')} AS {quote(self.id_colname)}"] if identifier else []
        select += [f"{expression} AS {quote(alias)}" for expression, alias in columns]
        if self.groups is not None:
            select.append(f"grp.name AS {quote(MED_GROUP_COLUMN)}")
            joins += f" JOIN {self.views}_grp grp ON grp.g = t.key.g"
        sql = f"SELECT {', '.join(select)} FROM ({final}) t{joins} ORDER BY {order}"
        return self.session.sql(self.query.sql(sql))

    def count_patients(self) -> int:
        """The number of distinct patient IDs (one Spark job)."""
        sql = f"SELECT COUNT(DISTINCT {self.patient('key')}) AS n FROM {self.views}_ev"
        return int(self.session.sql(sql).first()["n"])


def _spark_kind(data_type: Any) -> pl.DataType:
    """The Polars dtype standing for a Spark column type in :func:`_quantity`'s checks."""
    name = data_type.typeName()
    if name == "date":
        return pl.Date()
    if name in _NUMERIC:
        return pl.Float64()
    return pl.String()


def _number(functions: Any, column: str, data_type: Any, what: str) -> Any:
    name = data_type.typeName()
    if name == "string":
        return functions.expr(f"try_cast(trim({quote(column)}) AS DOUBLE)")
    if name in _NUMERIC:
        return functions.col(quote(column)).cast("double")
    raise AdherenceInputError(
        f"column {column!r} must be numeric ({what}), not {data_type.simpleString()}",
        column=column,
    )


def _bad_number(functions: Any, value: Any) -> Any:
    return (
        value.isNull()
        | functions.isnan(value)
        | (functions.abs(value) == float("inf"))
        | (value <= 0)
    )


def _check_names(schema: Mapping[str, Any], names: Mapping[str, str | None]) -> None:
    for argument, name in names.items():
        if name is not None and name not in schema:
            raise AdherenceInputError(
                f"unknown column {name!r} given as {argument}; the data has columns "
                + ", ".join(repr(c) for c in schema),
                column=name,
            )


def _window_spec(
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


def prepare_call(
    data: Any,
    *,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None,
    medication_class_colname: str | None,
    windows: Mapping[str, tuple[WindowValue, str]],
    date_format: str,
    row_number_colname: str | None,
    session: Any,
    medication_groups: str | Mapping[str, str] | None = None,
    per_group: bool = False,
    keep_columns: Sequence[str] | bool = (),
) -> SparkCall:
    """Validate the events in Spark and set up ``ev`` and ``pw`` (errors name rows).

    ``windows`` maps AdhereR's four window arguments (``"followup.window.start"``, ...) to
    (value, unit). ``keep_columns``: input columns to carry into ``ev`` (``True``: all of
    them, in input order) for per-event tables.
    """
    functions = spark_functions()
    if isinstance(data, str | os.PathLike):
        if session is None:
            raise AdherenceInputError("a Spark session is needed to read a path")
        data = read_spark_events(data, session)
    session = data.sparkSession
    schema = {field.name: field.dataType for field in data.schema.fields}
    names: dict[str, str | None] = {
        "ID.colname": id_colname,
        "event.date.colname": event_date_colname,
        "event.duration.colname": event_duration_colname,
        "event.daily.dose.colname": event_daily_dose_colname,
        "medication.class.colname": medication_class_colname,
        "row.number.colname": row_number_colname,
    }
    names.update({k: v for k, (v, _) in windows.items() if isinstance(v, str) and v in schema})
    _check_names(schema, names)
    spec, window_columns = _window_spec(windows, schema, date_format)
    selections = (
        group_definitions(data, medication_groups, schema)
        if medication_groups is not None
        else None
    )
    kept = tuple(schema) if keep_columns is True else tuple(keep_columns or ())

    col = functions.col
    generated = row_number_colname is None
    identifier = (
        functions.monotonically_increasing_id()
        if row_number_colname is None
        else col(quote(row_number_colname)).cast("long")
    )
    dose = (
        _number(functions, event_daily_dose_colname, schema[event_daily_dose_colname], "daily dose")
        if event_daily_dose_colname is not None
        else functions.lit(1.0)
    )
    columns = [
        identifier.alias("row"),
        col(quote(id_colname)).alias("key"),
        date_days(functions, event_date_colname, schema[event_date_colname], date_format).alias(
            "d"
        ),
        _number(
            functions, event_duration_colname, schema[event_duration_colname], "duration"
        ).alias("dur"),
        dose.alias("dose"),
        (
            col(quote(medication_class_colname)).cast("string")
            if medication_class_colname is not None
            else functions.lit(None).cast("string")
        ).alias("cls"),
        *[
            (
                functions.datediff(col(quote(user)), functions.lit(dt.date(1970, 1, 1)))
                if schema[user].typeName() == "date"
                else col(quote(user))
            )
            .cast("double")
            .alias(f"c{engine}")
            for user, engine in window_columns.items()
        ],
        *[col(quote(name)).alias(f"o{i}") for i, name in enumerate(kept)],
    ]
    extra = [f"c{c}" for c in sorted(window_columns.values())]
    extra += [f"o{i}" for i in range(len(kept))]
    events = data.select(*columns)
    if selections is not None:
        events = _group_events(functions, data, columns, [s for _, s in selections])
        extra.append("orig")
    # One materialisation, on the executors: the numbered events with their running sums.
    # Every later pass reads it (the query plans stay small), and the row identifiers of
    # monotonically_increasing_id -- non-deterministic to Spark's optimiser -- are fixed.
    ev = _sequence_columns(events, extra).localCheckpoint(eager=True)

    checks: list[tuple[str, str, Any]] = [
        (id_colname, "missing patient ID", _patient(col("key"), selections).isNull()),
        (
            event_date_colname,
            f"missing date or date not in format {date_format!r}",
            col("d").isNull(),
        ),
        (
            event_duration_colname,
            "missing, non-numeric or non-positive duration",
            _bad_number(functions, col("dur")),
        ),
    ]
    if event_daily_dose_colname is not None:
        checks.append(
            (
                event_daily_dose_colname,
                "missing, non-numeric or non-positive daily dose",
                _bad_number(functions, col("dose")),
            )
        )
    n_groups = len(selections) + 1 if selections is not None else 0
    original = col("orig") if selections is not None else functions.lit(True)
    counts = _count(functions, ev, generated, original, [bad for _, _, bad in checks], n_groups)
    row_numbers = RowNumbers(
        partition_offsets([(int(r["part"]), int(r["n"])) for r in counts]) if generated else None
    )
    n_events = sum(int(r["n"]) for r in counts)
    if n_events == 0:
        raise AdherenceInputError("the event data has no rows")
    for i, (column, problem, bad) in enumerate(checks):
        if sum(int(r[f"bad{i}"] or 0) for r in counts):
            identifiers = [
                int(r["row"])
                for r in ev.where(original & bad)
                .select("row")
                .orderBy("row")
                .limit(MAX_ERROR_ROWS)
                .collect()
            ]
            raise AdherenceInputError(
                f"{problem} in column {column!r}",
                column=column,
                rows=row_numbers.rows(identifiers),
            )

    views = f"adh_{uuid.uuid4().hex[:12]}"
    row_numbers.register(session, f"{views}_rows")
    ev.createOrReplaceTempView(f"{views}_ev")
    group_names: tuple[str, ...] | None = None
    if selections is not None:
        all_names = [name for name, _ in selections] + [ALL_OTHERS]
        present = [g for g in range(n_groups) if sum(int(r[f"grp{g}"] or 0) for r in counts)]
        group_names = tuple(all_names[g] for g in present)
        session.createDataFrame([(g, all_names[g]) for g in present], "g int, name string").hint(
            "broadcast"
        ).createOrReplaceTempView(f"{views}_grp")

    q = Query(SPARK)
    q.add("ev", f"SELECT * FROM {views}_ev")
    window_names = sorted(window_columns.values())
    if selections is not None:
        fields = "".join(f", 'c{c}', c{c}" for c in window_names)
        first = "".join(f", f.c{c} AS {c}" for c in window_names)
        q.add(
            "patient_first",
            f"SELECT pk AS key, f.row AS p, 1 AS k, f.d AS d{first} FROM (SELECT key.id AS pk, "
            f"MIN(named_struct('d', d, 'row', row{fields})) AS f FROM ev GROUP BY key.id) t",
        )
    if selections is not None and not per_group:
        add_patient_windows(q, spec, "patient_first", name="pwp")
        q.add(
            "pw",
            "SELECT named_struct('g', grp.g, 'id', w.key) AS key, w.p, w.fs, w.fe, w.os, w.oe "
            f"FROM pwp w CROSS JOIN {views}_grp grp",
        )
    else:
        wcols = "".join(f", c{c} AS {c}" for c in window_names)
        q.add("first_rows", f"SELECT key, row AS p, k, d{wcols} FROM ev WHERE k = 1")
        add_patient_windows(q, spec, "first_rows")
    call = SparkCall(
        session=session,
        query=q,
        id_colname=id_colname,
        row_numbers=row_numbers,
        views=views,
        n_events=n_events,
        kept=kept,
        groups=group_names,
    )
    if constant_windows_fit(spec) is not True:
        _check_windows_fit(call, grouped=selections is not None, per_group=per_group)
    return call


def _patient(key: Any, selections: list[tuple[str, Any]] | None) -> Any:
    return key.getField("id") if selections is not None else key


def _count(
    functions: Any, ev: Any, generated: bool, original: Any, bad: list[Any], n_groups: int
) -> list[Any]:
    """One pass: input rows, failing rows per check and events per group, by partition.

    With medication groups an input row appears once per group that selects it; only its
    first appearance (``original``) counts as the input row.
    """
    part = (
        functions.shiftright(functions.col("row"), PARTITION_SHIFT)
        if generated
        else functions.lit(0)
    )
    aggregates = [functions.sum(functions.when(original, 1).otherwise(0)).alias("n")]
    aggregates += [
        functions.sum(functions.when(original & check, 1).otherwise(0)).alias(f"bad{i}")
        for i, check in enumerate(bad)
    ]
    group = functions.col("key").getField("g") if n_groups else None
    aggregates += [
        functions.sum(functions.when(group == g, 1).otherwise(0)).alias(f"grp{g}")
        for g in range(n_groups)
    ]
    rows: list[Any] = ev.groupBy(part.alias("part")).agg(*aggregates).collect()
    return rows


def _group_events(functions: Any, data: Any, columns: list[Any], selections: list[Any]) -> Any:
    """Every event once per group that selects it (``__ALL_OTHERS__``: none does), keyed
    by ``(g, id)``; ``orig`` marks each input row's first appearance."""
    col = functions.col
    anything = functions.lit(False)
    for selection in selections:
        anything = anything | selection
    labels = [functions.when(s, functions.lit(g)) for g, s in enumerate(selections)]
    labels.append(functions.when(~anything, functions.lit(len(selections))))
    chosen = functions.filter(functions.array(*labels), lambda x: x.isNotNull())
    typed = data.select(*columns, chosen.alias("labels"))
    base = [c for c in typed.columns if c not in ("key", "labels")]
    exploded = typed.select(
        *base,
        col("key"),
        functions.explode(col("labels")).alias("g"),
        functions.element_at(col("labels"), 1).alias("first_g"),
    )
    return exploded.select(
        *base,
        functions.struct(col("g"), col("key").alias("id")).alias("key"),
        (col("g") == col("first_g")).alias("orig"),
    )


def _check_windows_fit(call: SparkCall, *, grouped: bool, per_group: bool) -> None:
    """Reject a call whose OW does not fit in the FUW (naming each patient's first row)."""
    q = call.query
    if not grouped:
        sql = "SELECT key, p FROM pw WHERE fs > os OR fe < oe ORDER BY key"
    elif not per_group:
        sql = "SELECT key, p FROM pwp WHERE fs > os OR fe < oe ORDER BY key"
    else:
        sql = (
            "SELECT key, p FROM patient_first WHERE key IN "
            "(SELECT key.id FROM pw WHERE fs > os OR fe < oe) ORDER BY key"
        )
    failing = call.session.sql(q.sql(sql)).limit(MAX_ERROR_ROWS).collect()
    if failing:
        raise AdherenceInputError(
            "the observation window does not fit inside the follow-up window for patient(s) "
            + ", ".join(str(r["key"]) for r in failing[:10]),
            column=call.id_colname,
            rows=call.row_numbers.rows([int(r["p"]) for r in failing]),
        )


def _sequence_columns(events: Any, extra: list[str]) -> Any:
    """Number each key's events and add the gap engine's sequence columns in Spark.

    The same columns as :func:`concord.analytics.adherence.plan.add_sequence_columns`:
    ``k`` / ``seq`` (event number within the key, by date then input row), ``dnext``,
    ``ncls`` (the next event's class), ``run`` (runs of the same class) and the exclusive
    running sums ``y0`` / ``y1`` of ``x = dur - (dnext - d)`` (without / with the dose),
    added in event order as the Polars path adds them, so the sums are the same
    floating-point numbers. ``extra`` columns are carried along.
    """
    view = f"adh_{uuid.uuid4().hex[:12]}_keyed"
    events.createOrReplaceTempView(view)
    carried = "".join(f", {c}" for c in extra)
    sql = f"""
WITH numbered AS (
  SELECT key, row, d, dur, dose, cls{carried},
         ROW_NUMBER() OVER (PARTITION BY key ORDER BY d, row) AS k
  FROM {view}
), nxt AS (
  SELECT *, LEAD(d) OVER (PARTITION BY key ORDER BY k) AS dnext,
         CASE WHEN k = 1 OR NOT (cls <=> LAG(cls) OVER (PARTITION BY key ORDER BY k))
              THEN 1 ELSE 0 END AS cls_change
  FROM numbered
), steps AS (
  SELECT *, COALESCE(dur - (dnext - d), CAST(0 AS DOUBLE)) AS x FROM nxt
)
SELECT key, row, k, k AS seq, CAST(d AS DOUBLE) AS d, dur, dose, cls{carried},
       CAST(dnext AS DOUBLE) AS dnext,
       LEAD(cls) OVER (PARTITION BY key ORDER BY k) AS ncls,
       SUM(cls_change) OVER (PARTITION BY key ORDER BY k
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run,
       COALESCE(SUM(x) OVER (PARTITION BY key ORDER BY k
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0.0) AS y0,
       COALESCE(SUM(x * dose) OVER (PARTITION BY key ORDER BY k
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0.0) AS y1
FROM steps
"""
    return events.sparkSession.sql(sql)
