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

from concord.analytics.adherence.core import MED_GROUP_COLUMN, WindowValue, window_fit_message
from concord.analytics.adherence.dialect import SPARK
from concord.analytics.adherence.distributed_checks import (
    bad_number,
    check_names,
    constant_windows_fit,
    number_column,
    window_spec,
)
from concord.analytics.adherence.distributed_groups import group_definitions
from concord.analytics.adherence.distributed_input import (
    MAX_ERROR_ROWS,
    RowNumbers,
    date_days,
    partition_offsets,
    quote,
    read_spark_events,
    spark_functions,
)
from concord.analytics.adherence.distributed_sequence import (
    count_rows,
    group_events,
    sequence_columns,
)
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.medgroups import ALL_OTHERS
from concord.analytics.adherence.plan import Query, WindowSpec, add_patient_windows

__all__ = ["SparkCall", "prepare_call"]


@dataclass
class SparkCall:
    """A validated distributed call: ``query`` holds the ``ev`` and ``pw`` CTEs."""

    session: Any
    query: Query
    id_colname: str
    row_numbers: RowNumbers
    views: str  # prefix of this call's temporary views
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
    check_names(schema, names)
    spec, window_columns = window_spec(windows, schema, date_format)
    selections = (
        group_definitions(data, medication_groups, schema)
        if medication_groups is not None
        else None
    )
    kept = tuple(schema) if keep_columns is True else tuple(keep_columns or ())

    col = functions.col
    identifier = (
        functions.monotonically_increasing_id()
        if row_number_colname is None
        else col(quote(row_number_colname)).cast("long")
    )
    dose = (
        number_column(
            functions, event_daily_dose_colname, schema[event_daily_dose_colname], "daily dose"
        )
        if event_daily_dose_colname is not None
        else functions.lit(1.0)
    )
    day = date_days(functions, event_date_colname, schema[event_date_colname], date_format)
    duration = number_column(
        functions, event_duration_colname, schema[event_duration_colname], "duration"
    )
    columns = [
        identifier.alias("row"),
        col(quote(id_colname)).alias("key"),
        day.alias("d"),
        duration.alias("dur"),
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
        events = group_events(functions, data, columns, [s for _, s in selections])
        extra.append("orig")
    # One materialisation, on the executors: the numbered events with their running sums.
    # Every later pass reads it (the query plans stay small), and the row identifiers of
    # monotonically_increasing_id -- non-deterministic to Spark's optimiser -- are fixed.
    ev = sequence_columns(events, extra).localCheckpoint(eager=True)

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
            bad_number(functions, col("dur")),
        ),
    ]
    if event_daily_dose_colname is not None:
        checks.append(
            (
                event_daily_dose_colname,
                "missing, non-numeric or non-positive daily dose",
                bad_number(functions, col("dose")),
            )
        )
    n_groups = len(selections) + 1 if selections is not None else 0
    counts, row_numbers = _validate(functions, ev, checks, n_groups, row_number_colname is None)

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
    call = SparkCall(
        session=session,
        query=_windows_query(spec, sorted(window_columns.values()), views, group_names, per_group),
        id_colname=id_colname,
        row_numbers=row_numbers,
        views=views,
        kept=kept,
        groups=group_names,
    )
    if constant_windows_fit(spec) is not True:
        _check_windows_fit(call, grouped=selections is not None, per_group=per_group)
    return call


def _validate(
    functions: Any, ev: Any, checks: list[tuple[str, str, Any]], n_groups: int, generated: bool
) -> tuple[list[Any], RowNumbers]:
    """Count every check's failing rows in one pass; raise on the first failing check."""
    original = functions.col("orig") if n_groups else functions.lit(True)
    counts = count_rows(functions, ev, generated, original, [bad for _, _, bad in checks], n_groups)
    row_numbers = RowNumbers(
        partition_offsets([(int(r["part"]), int(r["n"])) for r in counts]) if generated else None
    )
    if sum(int(r["n"]) for r in counts) == 0:
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
    return counts, row_numbers


def _windows_query(
    spec: WindowSpec,
    window_names: list[str],
    views: str,
    groups: tuple[str, ...] | None,
    per_group: bool,
) -> Query:
    """A query with ``ev`` and each key's windows ``pw`` (the patient's own, per group)."""
    q = Query(SPARK)
    q.add("ev", f"SELECT * FROM {views}_ev")
    if groups is not None:
        fields = "".join(f", 'c{c}', c{c}" for c in window_names)
        first = "".join(f", f.c{c} AS {c}" for c in window_names)
        q.add(
            "patient_first",
            f"SELECT pk AS key, f.row AS p, 1 AS k, f.d AS d{first} FROM (SELECT key.id AS pk, "
            f"MIN(named_struct('d', d, 'row', row{fields})) AS f FROM ev GROUP BY key.id) t",
        )
    if groups is not None and not per_group:
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
    return q


def _patient(key: Any, selections: list[tuple[str, Any]] | None) -> Any:
    return key.getField("id") if selections is not None else key


def _check_windows_fit(call: SparkCall, *, grouped: bool, per_group: bool) -> None:
    """Reject a call whose OW does not fit in the FUW (naming each patient's first row)."""
    q = call.query
    # which edge fails (spec section 2), over all failing windows, on every row returned
    edges = "max(CAST(fs > os AS INT)) OVER () AS early, max(CAST(fe < oe AS INT)) OVER () AS late"
    if not grouped:
        sql = f"SELECT key, p, {edges} FROM pw WHERE fs > os OR fe < oe ORDER BY key"
    elif not per_group:
        sql = f"SELECT key, p, {edges} FROM pwp WHERE fs > os OR fe < oe ORDER BY key"
    else:
        sql = (
            "SELECT f.key, f.p, max(b.e) OVER () AS early, max(b.l) OVER () AS late "
            "FROM patient_first f JOIN (SELECT key.id AS id, max(CAST(fs > os AS INT)) AS e, "
            "max(CAST(fe < oe AS INT)) AS l FROM pw WHERE fs > os OR fe < oe GROUP BY key.id) b "
            "ON f.key = b.id ORDER BY f.key"
        )
    failing = call.session.sql(q.sql(sql)).limit(MAX_ERROR_ROWS).collect()
    if failing:
        first = failing[0]
        raise AdherenceInputError(
            window_fit_message(bool(first["early"]), bool(first["late"]))
            + ", ".join(str(r["key"]) for r in failing[:10]),
            column=call.id_colname,
            rows=call.row_numbers.rows([int(r["p"]) for r in failing]),
        )
