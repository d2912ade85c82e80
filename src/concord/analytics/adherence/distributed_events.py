"""Per-event intervals and gaps and treatment episodes on Spark end to end.

The distributed twins of :func:`concord.analytics.adherence.event_intervals_and_gaps`
(AdhereR's ``compute.event.int.gaps``) and
:func:`concord.analytics.adherence.treatment_episodes` (``compute.treatment.episodes``):
same arguments (without ``engine``) plus ``row_number_colname`` and ``session``, the same
SQL text as the DuckDB path (``event_sql``, ``episodes``), lazy Spark DataFrames out with
the Polars results' columns and row order.
"""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are renamed to internal names first).
# ruff: noqa: S608

from __future__ import annotations

from typing import Any

from concord.analytics.adherence.core import WindowValue
from concord.analytics.adherence.dialect import SPARK
from concord.analytics.adherence.distributed import window_arguments, window_columns
from concord.analytics.adherence.distributed_call import SparkCall, prepare_call
from concord.analytics.adherence.distributed_input import (
    PARTITION_SHIFT,
    RowNumbers,
    partition_offsets,
    spark_functions,
)
from concord.analytics.adherence.distributed_results import (
    DistributedEventGapsResult,
    DistributedTreatmentEpisodesResult,
)
from concord.analytics.adherence.episodes import add_episodes
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.event_sql import event_rows_sql
from concord.analytics.adherence.plan import CarryOver

__all__ = ["event_intervals_and_gaps_distributed", "treatment_episodes_distributed"]


def event_intervals_and_gaps_distributed(
    data: Any,
    *,
    carryover_within_obs_window: bool = False,
    carryover_into_obs_window: bool = False,
    carry_only_for_same_medication: bool = False,
    consider_dosage_change: bool = False,
    keep_window_start_end_dates: bool = False,
    remove_events_outside_followup_window: bool = True,
    keep_event_interval_for_all_events: bool = False,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None = None,
    medication_class_colname: str | None = None,
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
) -> DistributedEventGapsResult:
    """:func:`~concord.analytics.adherence.event_intervals_and_gaps` on Spark end to end.

    ``events``: the input's columns (input order) with ``event.interval`` and ``gap.days``
    and, with ``keep_window_start_end_dates``, the window dates and flags, ordered by ID and
    date. AdhereR: ``compute.event.int.gaps(...)``.
    """
    if carry_only_for_same_medication and not (
        carryover_within_obs_window or carryover_into_obs_window
    ):
        raise AdherenceInputError(
            "carry.only.for.same.medication needs carry-over within or into the observation window",
            column="carry.only.for.same.medication",
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
        keep_columns=True,
    )
    flags = CarryOver(
        carryover_within_obs_window,
        carryover_into_obs_window,
        carry_only_for_same_medication,
        consider_dosage_change,
    )
    sql = event_rows_sql(
        call.query,
        flags,
        keep_all_intervals=keep_event_interval_for_all_events,
        keep_outside_followup=not remove_events_outside_followup_window,
        extra=tuple(f"o{i}" for i in range(len(call.kept))),
    )
    columns = [(f"t.o{i}", name) for i, name in enumerate(call.kept)]
    columns += [("t.iv", "event.interval"), ("t.gap", "gap.days")]
    if keep_window_start_end_dates:
        columns.append((SPARK.to_date("t.d"), ".DATE.as.Date"))
        columns += window_columns("t")
    return DistributedEventGapsResult(
        events=call.run(sql, columns, "t.key, t.seq", identifier=False)
    )


def treatment_episodes_distributed(
    data: Any,
    *,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None = None,
    medication_class_colname: str | None = None,
    carryover_within_obs_window: bool = True,
    carry_only_for_same_medication: bool = True,
    consider_dosage_change: bool = True,
    medication_change_means_new_treatment_episode: bool = True,
    dosage_change_means_new_treatment_episode: bool = False,
    maximum_permissible_gap: float = 90,
    maximum_permissible_gap_unit: str = "days",
    maximum_permissible_gap_append_to_episode: bool = False,
    followup_window_start: WindowValue = 0,
    followup_window_start_unit: str = "days",
    followup_window_duration: WindowValue = 730,
    followup_window_duration_unit: str = "days",
    date_format: str = "%m/%d/%Y",
    return_mapping_events_episodes: bool = False,
    row_number_colname: str | None = None,
    session: Any = None,
) -> DistributedTreatmentEpisodesResult:
    """:func:`~concord.analytics.adherence.treatment_episodes` on Spark end to end.

    ``episodes``: ``ID, episode.ID, episode.start, end.episode.gap.days, episode.duration,
    episode.end`` ordered by ID and episode; ``mapping`` (with
    ``return_mapping_events_episodes``): ``ID, episode.ID, event.index.in.data``, the event
    index after sorting all events by ID and date (numbered in Spark: the events are sorted,
    materialised with ``localCheckpoint`` and numbered by partition, as the input rows are).
    AdhereR: ``compute.treatment.episodes(...)``.
    """
    del dosage_change_means_new_treatment_episode  # no effect in AdhereR 0.8.1 (spec 7.3)
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
            0,
            "days",
            followup_window_duration,
            followup_window_duration_unit,
        ),
        date_format=date_format,
        row_number_colname=row_number_colname,
        session=session,
    )
    q = call.query
    units = q.add("units", "SELECT key, p, 1 AS uid, fs, fe, os, oe FROM pw")
    flags = CarryOver(
        carryover_within_obs_window, False, carry_only_for_same_medication, consider_dosage_change
    )
    episodes, events = add_episodes(
        q,
        units,
        flags,
        medication_change_means_new_episode=medication_change_means_new_treatment_episode,
        maximum_permissible_gap=maximum_permissible_gap,
        maximum_permissible_gap_unit=maximum_permissible_gap_unit,
        append_gap=maximum_permissible_gap_append_to_episode,
        event_mapping=return_mapping_events_episodes,
    )
    mapping = None
    if return_mapping_events_episodes and events is not None:
        index = _sorted_event_index(call)
        mapping = call.run(
            f"SELECT m.key, m.ep, x.gseq FROM {events} m "
            f"JOIN {index} x ON x.key = m.key AND x.seq = m.seq",
            [
                ("CAST(t.ep AS BIGINT)", "episode.ID"),
                ("CAST(t.gseq AS INT)", "event.index.in.data"),
            ],
            "t.key, t.gseq",
        )
    final = f"SELECT key, ep AS uid, start, endgap, duration, ends FROM {episodes}"
    columns = [
        ("CAST(t.uid AS BIGINT)", "episode.ID"),
        (SPARK.to_date("t.start"), "episode.start"),
        ("CAST(floor(t.endgap) AS DOUBLE)", "end.episode.gap.days"),
        ("t.duration", "episode.duration"),
        (SPARK.to_date("t.ends"), "episode.end"),
    ]
    return DistributedTreatmentEpisodesResult(
        episodes=call.run(final, columns, "t.key, t.uid"), mapping=mapping
    )


def _sorted_event_index(call: SparkCall) -> str:
    """Add ``gidx`` (key, seq, gseq): each event's 1-based index after sorting by key, seq."""
    functions = spark_functions()
    session = call.session
    marked = (
        session.table(f"{call.views}_ev")
        .select("key", "seq")
        .orderBy("key", "seq")
        .withColumn("mid", functions.monotonically_increasing_id())
        .localCheckpoint(eager=True)
    )
    part = functions.shiftright(functions.col("mid"), PARTITION_SHIFT)
    counts = marked.groupBy(part.alias("part")).count().collect()
    numbers = RowNumbers(partition_offsets([(int(r["part"]), int(r["count"])) for r in counts]))
    view = f"{call.views}_gidx"
    numbers.register(session, f"{view}_rows")
    marked.createOrReplaceTempView(view)
    expression, join = numbers.sql("m.mid", f"{view}_rows")
    return call.query.add("gidx", f"SELECT m.key, m.seq, {expression} AS gseq FROM {view} m{join}")
