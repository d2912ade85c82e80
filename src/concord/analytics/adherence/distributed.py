"""CMAs on Apache Spark end to end, for event data larger than one machine.

:func:`compute_cma` with ``engine="spark"`` validates and sorts the events in Polars on the
driver and only hands the relational plan to Spark. :func:`compute_cma_distributed`
(CMA1-CMA9), :func:`cma_per_episode_distributed` and :func:`cma_sliding_window_distributed`
keep everything in Spark: they take a Spark DataFrame (or a CSV / Parquet path read by
Spark), validate it, parse the dates, number each patient's events, compute the carry-over
running sums and the per-patient windows with Spark DataFrame operations and Spark SQL, and
run the same query text (``cma_sql``, ``episodes``, ``sliding``) as the DuckDB path. They
return a lazy Spark DataFrame; :meth:`DistributedCMAResult.to_polars` collects a small one.

Row numbers. Errors name 1-based input rows. With ``row_number_colname`` they are that
column's values. Otherwise row ``i`` is the ``i``-th row in Spark's partition order: rows
are numbered by ``monotonically_increasing_id()`` (partition index, then position within
the partition) after counting each partition's rows. For a single CSV / Parquet file, and
for a DataFrame built from rows in order, this is the input order; for many files Spark's
read order is its own (largest splits first), so supply a row-number column if the numbers
must refer to the files.

What stays on the driver: the schema checks, one row of counts per validation pass, the
per-partition row counts, and the first rows of a failing check (at most
``MAX_ERROR_ROWS``). Everything else is distributed.
"""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are renamed to internal names first).
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from concord.analytics.adherence.cma import measure_number
from concord.analytics.adherence.cma_sql import add_cma
from concord.analytics.adherence.core import WindowValue, _quantity
from concord.analytics.adherence.dialect import SPARK
from concord.analytics.adherence.episodes import per_episode_sql
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.plan import Query, WindowSpec, add_patient_windows
from concord.analytics.adherence.sliding import sliding_window_days, sliding_window_sql

__all__ = [
    "MAX_ERROR_ROWS",
    "DistributedCMAResult",
    "cma_per_episode_distributed",
    "cma_sliding_window_distributed",
    "compute_cma_distributed",
    "read_spark_events",
    "spark_date_pattern",
    "with_row_numbers",
]

#: At most this many failing rows are collected to the driver for an error message.
MAX_ERROR_ROWS = 10_000

_RESERVED = ("__row", "__mid", "__part")

# R's as.Date codes -> Java DateTimeFormatter letters (Spark's parser); %y is left out on
# purpose: R and Spark read two-digit years into different centuries.
_JAVA = {"Y": "yyyy", "m": "M", "d": "d", "b": "MMM", "h": "MMM", "B": "MMMM", "j": "D"}
_PADDED = {"m": "MM", "d": "dd", "j": "DDD"}


def spark_date_pattern(date_format: str) -> str:
    """Translate an R ``as.Date`` format (``"%m/%d/%Y"``) to Spark's pattern (``"M/d/yyyy"``).

    Single letters accept one or two digits, as R does; a number directly next to another
    code must be zero-padded (``%Y%m%d`` becomes ``yyyyMMdd``). Literal text is quoted.

    Raises
    ------
    AdherenceInputError
        For a code the Spark path does not read the way R does.
    """
    out: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            text = "".join(literal).replace("'", "''")
            out.append(f"'{text}'")
            literal.clear()

    i = 0
    while i < len(date_format):
        char = date_format[i]
        if char != "%":
            literal.append(char)
            i += 1
            continue
        code = date_format[i + 1] if i + 1 < len(date_format) else ""
        if code == "%":
            literal.append("%")
            i += 2
            continue
        if code not in _JAVA:
            raise AdherenceInputError(
                f"date format code %{code} is not supported on the distributed Spark path",
                column="date.format",
            )
        after_code = not literal and i > 0
        flush()
        adjacent = after_code or date_format[i + 2 : i + 3] == "%"
        out.append(_PADDED[code] if adjacent and code in _PADDED else _JAVA[code])
        i += 2
    flush()
    return "".join(out)


@dataclass(frozen=True)
class DistributedCMAResult:
    """A CMA computed on Spark: ``cma`` is a lazy Spark DataFrame.

    Its columns are those of the matching Polars result (``<ID>, CMA`` for CMA1-CMA9; see
    :class:`~concord.analytics.adherence.PerEpisodeResult` and
    :class:`~concord.analytics.adherence.SlidingWindowResult`), in AdhereR's row order;
    nothing is computed until an action (``write``, ``collect``, :meth:`to_polars`) runs.
    """

    measure: str
    cma: Any  # pyspark.sql.DataFrame

    def to_polars(self) -> pl.DataFrame:
        """Collect the result to the driver as a Polars frame (for small results)."""
        frame = pl.from_arrow(self.cma.toArrow())
        if not isinstance(frame, pl.DataFrame):  # pragma: no cover - tables give frames
            raise TypeError("Spark returned no table")
        return frame


def _functions() -> Any:
    try:
        from pyspark.sql import functions
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise AdherenceInputError(
            "the distributed Spark path needs PySpark: install concord-care[spark]"
        ) from exc
    return functions


def read_spark_events(source: str | os.PathLike[str], session: Any) -> Any:
    """Read a CSV (header line; ``NA`` and empty cells missing) or Parquet file with Spark."""
    path = str(source)
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".parquet":
        return session.read.parquet(path)
    if ".csv" in suffixes:
        return (
            session.read.option("header", "true")
            .option("inferSchema", "true")
            # dates stay text, read with the call's date_format (as on the Polars path)
            .option("preferDate", "false")
            .option("nullValue", "NA")
            .option("emptyValue", "")
            .csv(path)
        )
    raise AdherenceInputError(f"input file {path!r} must end in .csv, .csv.gz or .parquet")


def with_row_numbers(frame: Any, row_number_colname: str | None = None) -> Any:
    """Add ``__row``, the 1-based input row (see the module docstring)."""
    functions = _functions()
    if row_number_colname is not None:
        return frame.withColumn("__row", functions.col(row_number_colname).cast("long"))
    marked = frame.withColumn("__mid", functions.monotonically_increasing_id()).withColumn(
        "__part", functions.shiftright(functions.col("__mid"), 33)
    )
    counts = sorted(
        (int(r["__part"]), int(r["n"]))
        for r in marked.groupBy("__part").agg(functions.count("*").alias("n")).collect()
    )
    offsets: list[tuple[int, int]] = []
    total = 0
    for part, n in counts:
        offsets.append((part, total))
        total += n
    session = frame.sparkSession
    offset_frame = session.createDataFrame(offsets, "__part long, __offset long")
    local = functions.col("__mid") - functions.shiftleft(functions.col("__part"), 33)
    return (
        marked.join(functions.broadcast(offset_frame), on="__part", how="left")
        .withColumn("__row", local + functions.col("__offset") + 1)
        .drop("__mid", "__part", "__offset")
    )


def _spark_kind(data_type: Any) -> pl.DataType:
    """The Polars dtype standing for a Spark column type in :func:`_quantity`'s checks."""
    name = data_type.typeName()
    if name == "date":
        return pl.Date()
    if name in ("byte", "short", "integer", "long", "float", "double", "decimal"):
        return pl.Float64()
    return pl.String()


def _number_expr(functions: Any, column: str, data_type: Any, what: str) -> Any:
    name = data_type.typeName()
    col = functions.col(column)
    if name == "string":
        return functions.expr(f"try_cast(trim({_quote(column)}) AS DOUBLE)")
    if name in ("byte", "short", "integer", "long", "float", "double", "decimal"):
        return col.cast("double")
    raise AdherenceInputError(
        f"column {column!r} must be numeric ({what}), not {data_type.simpleString()}",
        column=column,
    )


def _date_expr(functions: Any, column: str, data_type: Any, date_format: str) -> Any:
    name = data_type.typeName()
    col = functions.col(column)
    if name == "date":
        parsed = col
    elif name in ("timestamp", "timestamp_ntz"):
        parsed = functions.to_date(col)
    elif name == "string":
        pattern = spark_date_pattern(date_format).replace("\\", "\\\\").replace('"', '\\"')
        parsed = functions.to_date(
            functions.expr(f'try_to_timestamp(trim({_quote(column)}), "{pattern}")')
        )
    else:
        raise AdherenceInputError(
            f"column {column!r} must hold dates or date strings, not {data_type.simpleString()}",
            column=column,
        )
    return functions.datediff(parsed, functions.lit(dt.date(1970, 1, 1)))


def _bad_number(functions: Any, value: Any) -> Any:
    return (
        value.isNull()
        | functions.isnan(value)
        | (functions.abs(value) == float("inf"))
        | (value <= 0)
    )


def _check_rows(functions: Any, frame: Any, checks: list[tuple[str, str, Any]]) -> None:
    """One pass counting every check's failing rows; collect the first failing check's rows."""
    counts = frame.agg(
        functions.count("*").alias("n"),
        *[
            functions.sum(functions.when(bad, 1).otherwise(0)).alias(f"bad{i}")
            for i, (_, _, bad) in enumerate(checks)
        ],
    ).first()
    if int(counts["n"]) == 0:
        raise AdherenceInputError("the event data has no rows")
    for i, (column, problem, bad) in enumerate(checks):
        if int(counts[f"bad{i}"] or 0):
            rows = [
                int(r["__row"])
                for r in frame.where(bad)
                .select("__row")
                .orderBy("__row")
                .limit(MAX_ERROR_ROWS)
                .collect()
            ]
            raise AdherenceInputError(f"{problem} in column {column!r}", column=column, rows=rows)


@dataclass
class _SparkCall:
    """A validated distributed call: the events view and a query holding the ``pw`` CTE."""

    session: Any
    events_view: str
    query: Query
    id_colname: str

    def run(self, final: str, columns: list[tuple[str, str]], order: str) -> Any:
        """Run ``final`` (over the query's CTEs) as ``ID, <alias> ...`` ordered by ``order``."""
        select = ", ".join(
            [f"t.key AS {_quote(self.id_colname)}"]
            + [f"{expr} AS {_quote(alias)}" for expr, alias in columns]
        )
        sql = self.query.sql(f"SELECT {select} FROM ({final}) t ORDER BY {order}")
        return self.session.sql(re.sub(r"\bev\b", self.events_view, sql))


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _spark_call(
    data: Any,
    *,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None,
    medication_class_colname: str | None,
    followup_window_start: WindowValue,
    followup_window_start_unit: str,
    followup_window_duration: WindowValue,
    followup_window_duration_unit: str,
    observation_window_start: WindowValue,
    observation_window_start_unit: str,
    observation_window_duration: WindowValue,
    observation_window_duration_unit: str,
    date_format: str,
    row_number_colname: str | None,
    session: Any,
) -> _SparkCall:
    """Validate in Spark, number the events, compute the windows (errors name rows)."""
    functions = _functions()
    if isinstance(data, str | os.PathLike):
        if session is None:
            raise AdherenceInputError("a Spark session is needed to read a path")
        data = read_spark_events(data, session)
    session = data.sparkSession
    schema = {field.name: field.dataType for field in data.schema.fields}
    window_args: dict[str, WindowValue] = {
        "followup.window.start": followup_window_start,
        "followup.window.duration": followup_window_duration,
        "observation.window.start": observation_window_start,
        "observation.window.duration": observation_window_duration,
    }
    names: dict[str, str | None] = {
        "ID.colname": id_colname,
        "event.date.colname": event_date_colname,
        "event.duration.colname": event_duration_colname,
        "event.daily.dose.colname": event_daily_dose_colname,
        "medication.class.colname": medication_class_colname,
        "row.number.colname": row_number_colname,
    }
    names.update({k: v for k, v in window_args.items() if isinstance(v, str) and v in schema})
    for argument, name in names.items():
        if name is not None and name not in schema:
            raise AdherenceInputError(
                f"unknown column {name!r} given as {argument}; the data has columns "
                + ", ".join(repr(c) for c in schema),
                column=name,
            )
    clash = [c for c in schema if c in _RESERVED]
    if clash:
        raise AdherenceInputError(f"column name {clash[0]!r} is reserved", column=clash[0])

    # windows: the same checks as the Polars path, on a frame standing for the schema
    stand_in = pl.DataFrame(schema={c: _spark_kind(t) for c, t in schema.items()})
    columns: dict[str, str] = {}
    quantities = []
    for (argument, value), unit, allow_date in zip(
        window_args.items(),
        (
            followup_window_start_unit,
            followup_window_duration_unit,
            observation_window_start_unit,
            observation_window_duration_unit,
        ),
        (True, False, True, False),
        strict=True,
    ):
        quantities.append(
            _quantity(value, unit, argument, stand_in, date_format, columns, allow_date=allow_date)
        )
    windows = WindowSpec(*quantities)

    # validation: one counting pass, in the Polars path's order of checks
    frame = with_row_numbers(data, row_number_colname)
    col = functions.col
    day = _date_expr(functions, event_date_colname, schema[event_date_colname], date_format)
    duration = _number_expr(
        functions, event_duration_colname, schema[event_duration_colname], "duration"
    )
    dose = (
        _number_expr(
            functions, event_daily_dose_colname, schema[event_daily_dose_colname], "daily dose"
        )
        if event_daily_dose_colname is not None
        else functions.lit(1.0)
    )
    typed = frame.select(
        col("__row"),
        col(id_colname).alias("key"),
        day.alias("d"),
        duration.alias("dur"),
        dose.alias("dose"),
        (
            col(medication_class_colname).cast("string")
            if medication_class_colname is not None
            else functions.lit(None).cast("string")
        ).alias("cls"),
        *[
            (
                functions.datediff(col(user), functions.lit(dt.date(1970, 1, 1))).cast("double")
                if schema[user].typeName() == "date"
                else col(user).cast("double")
            ).alias(f"c{engine}")
            for user, engine in columns.items()
        ],
    )
    checks: list[tuple[str, str, Any]] = [
        (id_colname, "missing patient ID", col("key").isNull()),
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
    if row_number_colname is None:
        # Row numbers from monotonically_increasing_id are non-deterministic to Spark's
        # optimiser (it refuses to inline CTEs over them); materialise them once, on the
        # executors, so that every later pass sees the same numbers.
        typed = typed.localCheckpoint(eager=True)
    _check_rows(functions, typed, checks)

    events = _sequence_columns(typed, sorted(columns.values()))
    name = f"adh_{id(events):x}"
    events.createOrReplaceTempView(f"{name}_ev")

    q = Query(SPARK)
    wcols = "".join(f", c{c} AS {c}" for c in sorted(columns.values()))
    q.add("first_rows", f"SELECT key, row AS p, k, d{wcols} FROM {name}_ev WHERE k = 1")
    pw = add_patient_windows(q, windows, "first_rows")
    bad = session.sql(q.sql(f"SELECT key, p FROM {pw} WHERE fs > os OR fe < oe ORDER BY key"))
    failing = bad.limit(MAX_ERROR_ROWS).collect()
    if failing:
        raise AdherenceInputError(
            "the observation window does not fit inside the follow-up window for patient(s) "
            + ", ".join(str(r["key"]) for r in failing[:10]),
            column=id_colname,
            rows=sorted(int(r["p"]) for r in failing),
        )
    return _SparkCall(session, f"{name}_ev", q, id_colname)


def compute_cma_distributed(
    measure: str,
    data: Any,
    *,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None = None,
    medication_class_colname: str | None = None,
    carry_only_for_same_medication: bool = False,
    consider_dosage_change: bool = False,
    followup_window_start: WindowValue = 0,
    followup_window_start_unit: str = "days",
    followup_window_duration: WindowValue = 730,
    followup_window_duration_unit: str = "days",
    observation_window_start: WindowValue = 0,
    observation_window_start_unit: str = "days",
    observation_window_duration: WindowValue = 730,
    observation_window_duration_unit: str = "days",
    date_format: str = "%m/%d/%Y",
    row_number_colname: str | None = None,
    session: Any = None,
) -> DistributedCMAResult:
    """CMA1-CMA9 for every patient, computed by Spark end to end.

    The arguments and results are those of
    :func:`concord.analytics.adherence.compute_cma` (AdhereR's ``CMA1`` ... ``CMA9``),
    without medication groups or the event table, plus:

    Parameters
    ----------
    data : pyspark.sql.DataFrame or path
        The events, or a CSV (header line, ``NA`` or empty = missing) / Parquet path that
        ``session`` reads.
    row_number_colname : str, optional
        A column of 1-based input row numbers to name in errors; by default rows are
        numbered in Spark's partition order (see the module docstring).
    session : pyspark.sql.SparkSession, optional
        Needed with a path; by default the DataFrame's own session.

    Returns
    -------
    DistributedCMAResult
        ``cma``: a lazy Spark DataFrame with the ID column and ``CMA``, ordered by ID.

    Raises
    ------
    AdherenceInputError
        Bad input, naming the 1-based input row(s) and the column (checked in Spark before
        the result is returned).
    """
    number = measure_number(measure)
    if number <= 4:
        carry_only_for_same_medication = consider_dosage_change = False
    call = _spark_call(
        data,
        id_colname=id_colname,
        event_date_colname=event_date_colname,
        event_duration_colname=event_duration_colname,
        event_daily_dose_colname=event_daily_dose_colname,
        medication_class_colname=medication_class_colname,
        followup_window_start=followup_window_start,
        followup_window_start_unit=followup_window_start_unit,
        followup_window_duration=followup_window_duration,
        followup_window_duration_unit=followup_window_duration_unit,
        observation_window_start=observation_window_start,
        observation_window_start_unit=observation_window_start_unit,
        observation_window_duration=observation_window_duration,
        observation_window_duration_unit=observation_window_duration_unit,
        date_format=date_format,
        row_number_colname=row_number_colname,
        session=session,
    )
    q = call.query
    units = q.add("units", "SELECT key, p, 1 AS uid, fs, fe, os, oe FROM pw")
    result = add_cma(
        q,
        number,
        units,
        same_medication=carry_only_for_same_medication,
        dosage_change=consider_dosage_change,
    )
    final = (
        f"SELECT u.key, r.cma AS CMA FROM {units} u "
        f"LEFT JOIN {result} r ON r.key = u.key AND r.uid = u.uid"
    )
    return DistributedCMAResult(
        measure=f"CMA{number}", cma=call.run(final, [("t.CMA", "CMA")], "t.key")
    )


def cma_per_episode_distributed(
    data: Any,
    *,
    cma_to_apply: str,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None = None,
    medication_class_colname: str | None = None,
    carry_only_for_same_medication: bool = False,
    consider_dosage_change: bool = False,
    medication_change_means_new_treatment_episode: bool = True,
    dosage_change_means_new_treatment_episode: bool = False,
    maximum_permissible_gap: float = 180,
    maximum_permissible_gap_unit: str = "days",
    maximum_permissible_gap_append_to_episode: bool = False,
    followup_window_start: WindowValue = 0,
    followup_window_start_unit: str = "days",
    followup_window_duration: WindowValue = 730,
    followup_window_duration_unit: str = "days",
    observation_window_start: WindowValue = 0,
    observation_window_start_unit: str = "days",
    observation_window_duration: WindowValue = 730,
    observation_window_duration_unit: str = "days",
    date_format: str = "%m/%d/%Y",
    row_number_colname: str | None = None,
    session: Any = None,
) -> DistributedCMAResult:
    """:func:`~concord.analytics.adherence.cma_per_episode` computed by Spark end to end.

    Same arguments (no medication groups) plus ``row_number_colname`` and ``session`` as in
    :func:`compute_cma_distributed`. ``cma``: ``ID, episode.ID, episode.start,
    end.episode.gap.days, episode.duration, episode.end, CMA``, ordered by ID and episode.
    AdhereR: ``CMA_per_episode(...)``.
    """
    del dosage_change_means_new_treatment_episode  # no effect in AdhereR 0.8.1 (spec 7.3)
    number = measure_number(cma_to_apply)
    if number <= 4:
        carry_only_for_same_medication = consider_dosage_change = False
    call = _spark_call(
        data,
        id_colname=id_colname,
        event_date_colname=event_date_colname,
        event_duration_colname=event_duration_colname,
        event_daily_dose_colname=event_daily_dose_colname,
        medication_class_colname=medication_class_colname,
        followup_window_start=followup_window_start,
        followup_window_start_unit=followup_window_start_unit,
        followup_window_duration=followup_window_duration,
        followup_window_duration_unit=followup_window_duration_unit,
        observation_window_start=observation_window_start,
        observation_window_start_unit=observation_window_start_unit,
        observation_window_duration=observation_window_duration,
        observation_window_duration_unit=observation_window_duration_unit,
        date_format=date_format,
        row_number_colname=row_number_colname,
        session=session,
    )
    final = per_episode_sql(
        call.query,
        number,
        same_medication=carry_only_for_same_medication,
        dosage_change=consider_dosage_change,
        medication_change_means_new_episode=medication_change_means_new_treatment_episode,
        maximum_permissible_gap=maximum_permissible_gap,
        maximum_permissible_gap_unit=maximum_permissible_gap_unit,
        append_gap=maximum_permissible_gap_append_to_episode,
        followup_window_duration_unit=followup_window_duration_unit,
    )
    columns = [
        ("CAST(t.uid AS BIGINT)", "episode.ID"),
        (SPARK.to_date("t.istart"), "episode.start"),
        ("CAST(t.endgap AS DOUBLE)", "end.episode.gap.days"),
        ("t.duration", "episode.duration"),
        (SPARK.to_date("t.iend"), "episode.end"),
        ("t.cma", "CMA"),
    ]
    return DistributedCMAResult(
        measure=f"CMA{number}", cma=call.run(final, columns, "t.key, t.uid")
    )


def cma_sliding_window_distributed(
    data: Any,
    *,
    cma_to_apply: str,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None = None,
    medication_class_colname: str | None = None,
    carry_only_for_same_medication: bool = False,
    consider_dosage_change: bool = False,
    followup_window_start: WindowValue = 0,
    followup_window_start_unit: str = "days",
    followup_window_duration: WindowValue = 730,
    followup_window_duration_unit: str = "days",
    observation_window_start: WindowValue = 0,
    observation_window_start_unit: str = "days",
    observation_window_duration: WindowValue = 730,
    observation_window_duration_unit: str = "days",
    sliding_window_start: float = 0,
    sliding_window_start_unit: str = "days",
    sliding_window_duration: float = 90,
    sliding_window_duration_unit: str = "days",
    sliding_window_step_duration: float = 30,
    sliding_window_step_unit: str = "days",
    sliding_window_no_steps: int | None = None,
    date_format: str = "%m/%d/%Y",
    row_number_colname: str | None = None,
    session: Any = None,
) -> DistributedCMAResult:
    """:func:`~concord.analytics.adherence.cma_sliding_window` computed by Spark end to end.

    Same arguments (no medication groups) plus ``row_number_colname`` and ``session`` as in
    :func:`compute_cma_distributed`. ``cma``: ``ID, window.ID, window.start, window.end,
    CMA``, ordered by ID and window. AdhereR: ``CMA_sliding_window(...)``.
    """
    number = measure_number(cma_to_apply)
    if number <= 4:
        carry_only_for_same_medication = consider_dosage_change = False
    width, step = sliding_window_days(
        sliding_window_duration,
        sliding_window_duration_unit,
        sliding_window_step_duration,
        sliding_window_step_unit,
        sliding_window_no_steps,
        sliding_window_start_unit,
    )
    call = _spark_call(
        data,
        id_colname=id_colname,
        event_date_colname=event_date_colname,
        event_duration_colname=event_duration_colname,
        event_daily_dose_colname=event_daily_dose_colname,
        medication_class_colname=medication_class_colname,
        followup_window_start=followup_window_start,
        followup_window_start_unit=followup_window_start_unit,
        followup_window_duration=followup_window_duration,
        followup_window_duration_unit=followup_window_duration_unit,
        observation_window_start=observation_window_start,
        observation_window_start_unit=observation_window_start_unit,
        observation_window_duration=observation_window_duration,
        observation_window_duration_unit=observation_window_duration_unit,
        date_format=date_format,
        row_number_colname=row_number_colname,
        session=session,
    )
    final = sliding_window_sql(
        call.query,
        number,
        width=width,
        step=step,
        no_steps=sliding_window_no_steps,
        start=sliding_window_start,
        start_unit=sliding_window_start_unit,
        same_medication=carry_only_for_same_medication,
        dosage_change=consider_dosage_change,
    )
    columns = [
        ("CAST(t.uid AS BIGINT)", "window.ID"),
        (SPARK.to_date("t.os"), "window.start"),
        (SPARK.to_date("t.oe"), "window.end"),
        ("t.cma", "CMA"),
    ]
    return DistributedCMAResult(
        measure=f"CMA{number}", cma=call.run(final, columns, "t.key, t.uid")
    )


def _sequence_columns(typed: Any, window_columns: list[str]) -> Any:
    """Number each patient's events and add the gap engine's sequence columns in Spark.

    The same columns as :func:`concord.analytics.adherence.plan.add_sequence_columns`:
    ``k`` / ``seq`` (event number within the patient, by date then input row), ``dnext``,
    ``ncls`` (the next event's class),
    ``run`` (runs of the same class) and the exclusive running sums ``y0`` / ``y1`` of
    ``x = dur - (dnext - d)`` (without / with the dose), added in event order as the
    Polars path adds them, so the sums are the same floating-point numbers.
    """
    view = f"adh_{id(typed):x}_typed"
    typed.createOrReplaceTempView(view)
    extra = "".join(f", c{c}" for c in window_columns)
    sql = f"""
WITH numbered AS (
  SELECT key, __row AS row, d, dur, dose, cls{extra},
         ROW_NUMBER() OVER (PARTITION BY key ORDER BY d, __row) AS k
  FROM {view}
), nxt AS (
  SELECT *, LEAD(d) OVER (PARTITION BY key ORDER BY k) AS dnext,
         CASE WHEN k = 1 OR NOT (cls <=> LAG(cls) OVER (PARTITION BY key ORDER BY k))
              THEN 1 ELSE 0 END AS cls_change
  FROM numbered
), steps AS (
  SELECT *, COALESCE(dur - (dnext - d), CAST(0 AS DOUBLE)) AS x FROM nxt
)
SELECT key, row, k, k AS seq, CAST(d AS DOUBLE) AS d, dur, dose, cls{extra},
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
    return typed.sparkSession.sql(sql)
