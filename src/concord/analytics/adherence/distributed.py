"""CMAs on Apache Spark end to end, for event data larger than one machine.

:func:`compute_cma` with ``engine="spark"`` validates and sorts the events in Polars on the
driver and only hands the relational plan to Spark. :func:`compute_cma_distributed`
(CMA1-CMA9, with ``event_info``), :func:`cma_per_episode_distributed` and
:func:`cma_sliding_window_distributed` -- and, in :mod:`.distributed_events`,
:func:`~.distributed_events.event_intervals_and_gaps_distributed` and
:func:`~.distributed_events.treatment_episodes_distributed` -- keep everything in Spark:
they take a Spark DataFrame (or a CSV / Parquet path read by Spark), validate it, parse the
dates, number each patient's events, evaluate medication groups, compute the carry-over
running sums and the per-patient windows with Spark DataFrame operations and Spark SQL
(:mod:`.distributed_call`), and run the same query text (``cma_sql``, ``episodes``,
``sliding``, ``event_sql``) as the DuckDB path. They return lazy Spark DataFrames;
``to_polars()`` collects a small one.

Row numbers in errors: see :mod:`.distributed_input`. What stays on the driver: the schema
checks, one row of counts per input partition, the first rows of a failing check (at most
``MAX_ERROR_ROWS``) and the distinct values of a medication-groups column. Everything else
is distributed.
"""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are renamed to internal names first).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from concord.analytics.adherence.cma import measure_number
from concord.analytics.adherence.cma_sql import CMA_CARRY_OVER, add_cma
from concord.analytics.adherence.core import WindowValue
from concord.analytics.adherence.dialect import SPARK
from concord.analytics.adherence.distributed_call import SparkCall, prepare_call
from concord.analytics.adherence.distributed_input import (
    MAX_ERROR_ROWS,
    read_spark_events,
    spark_date_pattern,
)
from concord.analytics.adherence.distributed_results import DistributedCMAResult
from concord.analytics.adherence.episodes import per_episode_sql
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.event_sql import event_rows_sql
from concord.analytics.adherence.plan import CarryOver
from concord.analytics.adherence.sliding import sliding_window_days, sliding_window_sql

__all__ = [
    "MAX_ERROR_ROWS",
    "DistributedCMAResult",
    "cma_per_episode_distributed",
    "cma_sliding_window_distributed",
    "compute_cma_distributed",
    "event_info_frame",
    "read_spark_events",
    "spark_date_pattern",
    "window_arguments",
]


def window_arguments(
    followup_window_start: WindowValue,
    followup_window_start_unit: str,
    followup_window_duration: WindowValue,
    followup_window_duration_unit: str,
    observation_window_start: WindowValue,
    observation_window_start_unit: str,
    observation_window_duration: WindowValue,
    observation_window_duration_unit: str,
) -> dict[str, tuple[WindowValue, str]]:
    """AdhereR's eight window arguments as :func:`.distributed_call.prepare_call` takes them."""
    return {
        "followup.window.start": (followup_window_start, followup_window_start_unit),
        "followup.window.duration": (followup_window_duration, followup_window_duration_unit),
        "observation.window.start": (observation_window_start, observation_window_start_unit),
        "observation.window.duration": (
            observation_window_duration,
            observation_window_duration_unit,
        ),
    }


def event_info_frame(call: SparkCall, number: int, flags: CarryOver) -> Any:
    """AdhereR's ``getEventInfo()`` table on Spark (``call`` keeps the original columns)."""
    call = call.fork()
    sql = event_rows_sql(
        call.query,
        flags,
        keep_all_intervals=number == 9,
        used_by=f"CMA{number}",
        extra=("row", *(f"o{i}" for i in range(len(call.kept)))),
    )
    row, join = call.row_sql("t.row")
    columns = [(f"t.o{i}", name) for i, name in enumerate(call.kept)]
    columns += [
        (SPARK.to_date("t.d"), ".DATE.as.Date"),
        (f"CAST({row} AS INT)", "..ORIGINAL.ROW.ORDER.."),
        ("t.iv", "event.interval"),
        ("t.gap", "gap.days"),
        *window_columns("t"),
        ("t.used", ".EVENT.USED.IN.CMA"),
    ]
    return call.run(sql, columns, "t.key, t.seq", identifier=False, joins=join)


def window_columns(t: str) -> list[tuple[str, str]]:
    """The window dates and flags AdhereR adds to per-event tables (spec 3.4)."""
    return [
        (SPARK.to_date(f"{t}.fs"), ".FU.START.DATE"),
        (SPARK.to_date(f"{t}.fe"), ".FU.END.DATE"),
        (SPARK.to_date(f"{t}.os"), ".OBS.START.DATE"),
        (SPARK.to_date(f"{t}.oe"), ".OBS.END.DATE"),
        (f"({t}.fs <= {t}.os AND {t}.oe <= {t}.fe)", ".OBS.WITHIN.FU"),
        (f"{t}.bef", ".EVENT.STARTS.BEFORE.OBS.WINDOW"),
        (f"{t}.aft", ".EVENT.STARTS.AFTER.OBS.WINDOW"),
        (f"{t}.infu", ".EVENT.WITHIN.FU.WINDOW"),
        (f"{t}.tdiff1", ".TDIFF1"),
        (f"CAST({t}.tdiff2 AS INT)", ".TDIFF2"),
        (f"{t}.cin", ".CARRY.OVER.FROM.BEFORE"),
    ]


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
    medication_groups: str | Mapping[str, str] | None = None,
    followup_window_start_per_medication_group: bool = False,
    event_info: bool = False,
    row_number_colname: str | None = None,
    session: Any = None,
) -> DistributedCMAResult:
    """CMA1-CMA9 for every patient (and medication group), computed by Spark end to end.

    The arguments and results are those of
    :func:`concord.analytics.adherence.compute_cma` (AdhereR's ``CMA1`` ... ``CMA9``,
    ``getEventInfo``), without ``engine``, plus:

    Parameters
    ----------
    data : pyspark.sql.DataFrame or path
        The events, or a CSV (header line, ``NA`` or empty = missing) / Parquet path that
        ``session`` reads.
    medication_groups : mapping of name to R expression, or a column name, optional
        As in :func:`~concord.analytics.adherence.compute_cma`; the expressions run as Spark
        column expressions (a group column's distinct values are collected to the driver).
    row_number_colname : str, optional
        A column of 1-based input row numbers to name in errors; by default rows are
        numbered in Spark's partition order (see :mod:`.distributed_input`).
    session : pyspark.sql.SparkSession, optional
        Needed with a path; by default the DataFrame's own session.

    Returns
    -------
    DistributedCMAResult
        ``cma``: a lazy Spark DataFrame with the ID column and ``CMA`` (and
        ``.MED_GROUP_ID``), ordered by (group,) ID; ``event_info`` with ``event_info=True``:
        the input's ID, date, duration, dose and class columns, then AdhereR's per-event
        columns, ordered by ID and date.

    Raises
    ------
    AdherenceInputError
        Bad input, naming the 1-based input row(s) and the column (checked in Spark before
        the result is returned).
    """
    number = measure_number(measure)
    if number <= 4:
        carry_only_for_same_medication = consider_dosage_change = False
    if event_info and medication_groups is not None:
        raise AdherenceInputError("event_info is not available with medication groups")
    per_group = followup_window_start_per_medication_group and medication_groups is not None
    kept = [
        c
        for c in (
            id_colname,
            event_date_colname,
            event_duration_colname,
            event_daily_dose_colname,
            medication_class_colname,
        )
        if c is not None
    ]
    call = prepare_call(
        data,
        id_colname=id_colname,
        event_date_colname=event_date_colname,
        event_duration_colname=event_duration_colname,
        event_daily_dose_colname=event_daily_dose_colname,
        medication_class_colname=medication_class_colname,
        windows=window_arguments(
            followup_window_start,
            followup_window_start_unit,
            followup_window_duration,
            followup_window_duration_unit,
            observation_window_start,
            observation_window_start_unit,
            observation_window_duration,
            observation_window_duration_unit,
        ),
        date_format=date_format,
        row_number_colname=row_number_colname,
        session=session,
        medication_groups=medication_groups,
        per_group=per_group,
        keep_columns=kept if event_info else (),
    )
    info = None
    if event_info:
        within, into = CMA_CARRY_OVER[number]
        flags = CarryOver(within, into, carry_only_for_same_medication, consider_dosage_change)
        info = event_info_frame(call, number, flags)
    q = call.query
    units = q.add("units", "SELECT key, p, 1 AS uid, fs, fe, os, oe FROM pw")
    result = add_cma(
        q,
        number,
        units,
        same_medication=carry_only_for_same_medication,
        dosage_change=consider_dosage_change,
    )
    if per_group:
        # every patient in every non-empty group, with NA where the group has no events
        units = q.add(
            "all_units",
            "SELECT named_struct('g', grp.g, 'id', p.key) AS key, 1 AS uid "
            f"FROM patient_first p CROSS JOIN {call.views}_grp grp",
        )
    final = (
        f"SELECT u.key, r.cma AS CMA FROM {units} u "
        f"LEFT JOIN {result} r ON r.key = u.key AND r.uid = u.uid"
    )
    return DistributedCMAResult(
        measure=f"CMA{number}",
        cma=call.run(final, [("t.CMA", "CMA")], "t.key"),
        event_info=info,
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
    medication_groups: str | Mapping[str, str] | None = None,
    row_number_colname: str | None = None,
    session: Any = None,
) -> DistributedCMAResult:
    """:func:`~concord.analytics.adherence.cma_per_episode` computed by Spark end to end.

    Same arguments plus ``row_number_colname`` and ``session`` as in
    :func:`compute_cma_distributed`. ``cma``: ``ID, episode.ID, episode.start,
    end.episode.gap.days, episode.duration, episode.end, CMA`` (and ``.MED_GROUP_ID``),
    ordered by (group,) ID and episode. AdhereR: ``CMA_per_episode(...)``.
    """
    del dosage_change_means_new_treatment_episode  # no effect in AdhereR 0.8.1 (spec 7.3)
    number = measure_number(cma_to_apply)
    if number <= 4:
        carry_only_for_same_medication = consider_dosage_change = False
    call = prepare_call(
        data,
        id_colname=id_colname,
        event_date_colname=event_date_colname,
        event_duration_colname=event_duration_colname,
        event_daily_dose_colname=event_daily_dose_colname,
        medication_class_colname=medication_class_colname,
        windows=window_arguments(
            followup_window_start,
            followup_window_start_unit,
            followup_window_duration,
            followup_window_duration_unit,
            observation_window_start,
            observation_window_start_unit,
            observation_window_duration,
            observation_window_duration_unit,
        ),
        date_format=date_format,
        row_number_colname=row_number_colname,
        session=session,
        medication_groups=medication_groups,
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
    medication_groups: str | Mapping[str, str] | None = None,
    row_number_colname: str | None = None,
    session: Any = None,
) -> DistributedCMAResult:
    """:func:`~concord.analytics.adherence.cma_sliding_window` computed by Spark end to end.

    Same arguments plus ``row_number_colname`` and ``session`` as in
    :func:`compute_cma_distributed`. ``cma``: ``ID, window.ID, window.start, window.end,
    CMA`` (and ``.MED_GROUP_ID``), ordered by (group,) ID and window. AdhereR:
    ``CMA_sliding_window(...)``.
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
    call = prepare_call(
        data,
        id_colname=id_colname,
        event_date_colname=event_date_colname,
        event_duration_colname=event_duration_colname,
        event_daily_dose_colname=event_daily_dose_colname,
        medication_class_colname=medication_class_colname,
        windows=window_arguments(
            followup_window_start,
            followup_window_start_unit,
            followup_window_duration,
            followup_window_duration_unit,
            observation_window_start,
            observation_window_start_unit,
            observation_window_duration,
            observation_window_duration_unit,
        ),
        date_format=date_format,
        row_number_colname=row_number_colname,
        session=session,
        medication_groups=medication_groups,
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
