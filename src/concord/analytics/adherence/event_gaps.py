"""Per-event intervals and gap days: AdhereR's ``compute.event.int.gaps`` (spec section 3)."""

from __future__ import annotations

from typing import Any

import polars as pl

from concord.analytics.adherence.core import make_call
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.event_sql import event_rows
from concord.analytics.adherence.inputs import EventSource
from concord.analytics.adherence.plan import CarryOver
from concord.analytics.adherence.results import EventGapsResult

__all__ = ["event_intervals_and_gaps"]


def _as_date(column: str) -> pl.Expr:
    return pl.col(column).floor().cast(pl.Int32).cast(pl.Date)


def event_intervals_and_gaps(
    data: EventSource,
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
    followup_window_start: Any = 0,
    followup_window_start_unit: str = "days",
    followup_window_duration: Any = 730,
    followup_window_duration_unit: str = "days",
    observation_window_start: Any = 0,
    observation_window_start_unit: str = "days",
    observation_window_duration: Any = 730,
    observation_window_duration_unit: str = "days",
    date_format: str = "%m/%d/%Y",
    engine: Any = None,
) -> EventGapsResult:
    """Event intervals, gap days and carry-over for every event (``compute.event.int.gaps``).

    For a patient's selected events ``S`` (follow-up events not after the observation
    window, and not before it unless carry-over *into* the window), in date order:
    ``interval_i = d_(i+1) - d_i`` (the last one runs to the OW end ``oe``) and, with
    carry-over within the window,
    ``gap_i = max(0, interval_i - dur_i - c_i)``, ``c_(i+1) = max(0, c_i + dur_i - interval_i)``
    (``c`` reset at a medication change with ``carry_only_for_same_medication``, rescaled by
    ``dose_i / dose_(i+1)`` with ``consider_dosage_change``); without it
    ``gap_i = max(0, interval_i - dur_i)``. Events outside ``S`` get missing values; the
    interval of events outside the OW is missing unless
    ``keep_event_interval_for_all_events`` (spec section 3).

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    id_colname, event_date_colname, event_duration_colname : str
        As in :func:`~concord.analytics.adherence.compute_cma`, like the other shared
        options: ``event_daily_dose_colname``, ``medication_class_colname``,
        ``date_format``, the follow-up window (``followup_window_*``) and ``engine``.
    observation_window_start, observation_window_duration : default 0, 730
        With their units, as in :func:`~concord.analytics.adherence.compute_cma`.
    carryover_within_obs_window, carryover_into_obs_window : bool, default False
        Carry surplus supply forward between the window's events / from events before the
        window into it.
    carry_only_for_same_medication, consider_dosage_change : bool, default False
        Reset the carry-over at a change of class (needs carry-over within or into) /
        rescale it by the ratio of the daily doses.
    keep_window_start_end_dates : bool, default False
        Add ``.DATE.as.Date``, the window dates and flags, ``.TDIFF1``, ``.TDIFF2`` and
        ``.CARRY.OVER.FROM.BEFORE``.
    remove_events_outside_followup_window : bool, default True
        Drop the events outside the follow-up window.
    keep_event_interval_for_all_events : bool, default False
        Keep ``event.interval`` for the events outside the observation window.

    Returns
    -------
    EventGapsResult
        ``events``: the input columns with ``event.interval`` and ``gap.days`` (then the
        columns above), rows sorted by ID and date (ties in input order).

    Notes
    -----
    AdhereR equivalent (``event_int_gaps_default.csv`` of the reference data)::

        compute.event.int.gaps(data, ID.colname, event.date.colname, event.duration.colname,
            event.daily.dose.colname, medication.class.colname,
            carryover.within.obs.window, carryover.into.obs.window,
            carry.only.for.same.medication, consider.dosage.change,
            followup.window.start, followup.window.start.unit, followup.window.duration,
            followup.window.duration.unit, observation.window.start, ...,
            date.format, keep.window.start.end.dates,
            remove.events.outside.followup.window, keep.event.interval.for.all.events)

    References
    ----------
    Dima & Dediu 2017, *PLoS ONE* 12(4):e0174426 (full reference in
    :mod:`concord.analytics.adherence.cma`).
    """
    if carry_only_for_same_medication and not (
        carryover_within_obs_window or carryover_into_obs_window
    ):
        raise AdherenceInputError(
            "carry.only.for.same.medication needs carry-over within or into the observation window",
            column="carry.only.for.same.medication",
        )
    call = make_call(
        data,
        id_colname=id_colname,
        event_date_colname=event_date_colname,
        event_duration_colname=event_duration_colname,
        event_daily_dose_colname=event_daily_dose_colname,
        medication_class_colname=medication_class_colname,
        date_format=date_format,
        followup_window_start=followup_window_start,
        followup_window_start_unit=followup_window_start_unit,
        followup_window_duration=followup_window_duration,
        followup_window_duration_unit=followup_window_duration_unit,
        observation_window_start=observation_window_start,
        observation_window_start_unit=observation_window_start_unit,
        observation_window_duration=observation_window_duration,
        observation_window_duration_unit=observation_window_duration_unit,
        engine=engine,
        classes=carry_only_for_same_medication,
        doses=consider_dosage_change,
    )
    call.dosage_change = consider_dosage_change
    call.same_medication = carry_only_for_same_medication
    call.next_class = False
    call.patient_windows()
    flags = CarryOver(
        carryover_within_obs_window,
        carryover_into_obs_window,
        carry_only_for_same_medication,
        consider_dosage_change,
    )
    rows = event_rows(
        call,
        flags,
        keep_all_intervals=keep_event_interval_for_all_events,
        keep_outside_followup=not remove_events_outside_followup_window,
    )
    prepared = call.prepared
    original = prepared.input_columns
    frame = prepared.sorted_columns(original).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("__seq")
    )
    joined = rows.join(frame, left_on="seq", right_on="__seq", how="left").sort("seq")
    columns: list[pl.Expr] = [
        *[pl.col(c) for c in original],
        pl.col("iv").alias("event.interval"),
        pl.col("gap").alias("gap.days"),
    ]
    if keep_window_start_end_dates:
        columns += [
            _as_date("d").alias(".DATE.as.Date"),
            _as_date("fs").alias(".FU.START.DATE"),
            _as_date("fe").alias(".FU.END.DATE"),
            _as_date("os").alias(".OBS.START.DATE"),
            _as_date("oe").alias(".OBS.END.DATE"),
            ((pl.col("fs") <= pl.col("os")) & (pl.col("oe") <= pl.col("fe"))).alias(
                ".OBS.WITHIN.FU"
            ),
            pl.col("bef").alias(".EVENT.STARTS.BEFORE.OBS.WINDOW"),
            pl.col("aft").alias(".EVENT.STARTS.AFTER.OBS.WINDOW"),
            pl.col("infu").alias(".EVENT.WITHIN.FU.WINDOW"),
            pl.col("tdiff1").alias(".TDIFF1"),
            pl.col("tdiff2").alias(".TDIFF2"),
            pl.col("cin").alias(".CARRY.OVER.FROM.BEFORE"),
        ]
    return EventGapsResult(events=joined.select(columns))
