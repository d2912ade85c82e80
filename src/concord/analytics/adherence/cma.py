"""The simple continuous multiple-interval measures of medication availability, CMA1-CMA9.

Definitions from Vollmer et al. (2012) as implemented, with their exact edge rules, by the R
package AdhereR (Dima & Dediu 2017); see ``docs/analytics/adherence.md`` and the
specification ``adherence-cma.md``. Notation: ``S`` = the patient's events inside the
observation window ``[os, oe]`` (dates as day numbers), ``f`` / ``l`` its first / last
event (by date, ties in input order), ``dur`` supply durations, ``gap`` the gap days of the
event-interval engine (``compute.event.int.gaps``).

References
----------
Vollmer WM, Xu M, Feldstein A, Smith D, Waterbury A, Rand C. Comparison of pharmacy-based
measures of medication adherence. *BMC Health Services Research* 2012;12:155.

Dima AL, Dediu D. Computation of adherence to medication and visualization of medication
histories in R with AdhereR: Towards transparent and reproducible use of electronic
healthcare data. *PLoS ONE* 2017;12(4):e0174426.
"""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are mapped to internal names first).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from concord.analytics.adherence.cma_sql import CMA_CARRY_OVER, add_cma
from concord.analytics.adherence.core import MED_GROUP_COLUMN, Call, WindowValue, make_call
from concord.analytics.adherence.engines import Engine
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.event_sql import event_rows
from concord.analytics.adherence.inputs import EventSource
from concord.analytics.adherence.plan import CarryOver, Query
from concord.analytics.adherence.results import CMAResult

__all__ = [
    "cma1",
    "cma2",
    "cma3",
    "cma4",
    "cma5",
    "cma6",
    "cma7",
    "cma8",
    "cma9",
    "compute_cma",
    "event_info_table",
]

MEASURES = tuple(f"CMA{i}" for i in range(1, 10))


def measure_number(measure: str) -> int:
    """``"CMA7"`` -> 7, with a named error for anything else."""
    name = measure.upper()
    if name not in MEASURES:
        raise AdherenceInputError(
            f"unknown measure {measure!r}: use one of {', '.join(MEASURES)}", column="CMA"
        )
    return int(name[3:])


def event_info_table(call: Call, measure: str, flags: CarryOver) -> pl.DataFrame:
    """AdhereR's ``getEventInfo()`` table for a simple CMA (spec sections 3.4 and 6)."""
    rows = event_rows(call, flags, keep_all_intervals=measure == "CMA9", used_by=measure)
    prepared = call.prepared
    original = [
        c
        for c in (
            prepared.id_colname,
            prepared.date_colname,
            prepared.duration_colname,
            prepared.dose_colname,
            prepared.class_colname,
        )
        if c is not None
    ]
    data = prepared.sorted_columns(original).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("__seq"),
        prepared.frame.get_column("__row"),
    )
    joined = rows.join(data, left_on="seq", right_on="__seq", how="left").sort("seq")
    day = pl.col
    return joined.select(
        *original,
        _as_date(day("d")).alias(".DATE.as.Date"),
        pl.col("__row").alias("..ORIGINAL.ROW.ORDER.."),
        pl.col("iv").alias("event.interval"),
        pl.col("gap").alias("gap.days"),
        _as_date(day("fs")).alias(".FU.START.DATE"),
        _as_date(day("fe")).alias(".FU.END.DATE"),
        _as_date(day("os")).alias(".OBS.START.DATE"),
        _as_date(day("oe")).alias(".OBS.END.DATE"),
        ((pl.col("fs") <= pl.col("os")) & (pl.col("oe") <= pl.col("fe"))).alias(".OBS.WITHIN.FU"),
        pl.col("bef").alias(".EVENT.STARTS.BEFORE.OBS.WINDOW"),
        pl.col("aft").alias(".EVENT.STARTS.AFTER.OBS.WINDOW"),
        pl.col("infu").alias(".EVENT.WITHIN.FU.WINDOW"),
        pl.col("tdiff1").alias(".TDIFF1"),
        pl.col("tdiff2").alias(".TDIFF2"),
        pl.col("cin").alias(".CARRY.OVER.FROM.BEFORE"),
        pl.col("used").alias(".EVENT.USED.IN.CMA"),
    )


def _as_date(expr: pl.Expr) -> pl.Expr:
    return expr.floor().cast(pl.Int32).cast(pl.Date)


def compute_cma(
    measure: str,
    data: EventSource,
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
    engine: str | Engine | None = None,
) -> CMAResult:
    """Compute one of CMA1-CMA9 for every patient (see :func:`cma1` ... :func:`cma9`).

    The options shared by every adherence function are described here; the other functions
    refer to this list.

    Parameters
    ----------
    measure : {"CMA1", ..., "CMA9"}
        The measure (any case).
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    id_colname, event_date_colname, event_duration_colname : str
        Patient ID, event date and supply duration (days, > 0) columns.
    event_daily_dose_colname, medication_class_colname : str, optional
        Daily dose (> 0) and medication class columns (needed for the two options below).
    carry_only_for_same_medication, consider_dosage_change : bool, default False
        CMA5-CMA9: carry-over only between events of the same class; carry-over rescaled by
        the ratio of the daily doses. Ignored by CMA1-CMA4, as AdhereR does after a warning.
    followup_window_start, observation_window_start : number, date, str, default 0
        A number of ``*_unit`` after the patient's first event (FUW) or after the FUW start
        (OW); a ``datetime.date``; a date string in ``date_format``; or a column name (a
        ``Date`` column, or a numeric column of offsets), read on each patient's first event.
    followup_window_duration, observation_window_duration : number or str, default 730
        A number of ``*_unit``, or a numeric column name. The OW must lie inside the FUW for
        every patient, or the whole call fails (as in AdhereR).
    followup_window_start_unit, followup_window_duration_unit : str, default "days"
        ``"days"``, ``"weeks"``, ``"months"`` or ``"years"`` (calendar arithmetic for months
        and years, counts rounded half to even: spec section 1.1).
    observation_window_start_unit, observation_window_duration_unit : str, default "days"
        The same for the observation window.
    date_format : str, default "%m/%d/%Y"
        R ``as.Date`` format of the string dates (AdhereR's default).
    medication_groups : mapping of name to R expression, or a column name, optional
        Compute the CMA per medication group (spec section 5); the result is AdhereR's
        flattened form (``flatten.medication.groups = TRUE``): one table with the column
        ``.MED_GROUP_ID``.
    followup_window_start_per_medication_group : bool, default False
        Compute the windows from each group's own first event.
    event_info : bool, default False
        Also return AdhereR's ``getEventInfo()`` table (not with medication groups).
    engine : {"duckdb", "spark"} or engine object, optional
        Where the relational plan runs (identical results). Either way the input is
        validated and sorted in Polars; for data larger than one machine use
        :func:`~concord.analytics.adherence.compute_cma_distributed` (Spark end to end).

    Returns
    -------
    CMAResult
        ``measure``; ``cma``: the ID column and ``CMA`` (``NA`` where undefined, ``NaN`` and
        ``Inf`` kept), one row per patient in ascending ID order (by group first, with
        ``.MED_GROUP_ID``); ``event_info`` with ``event_info=True``.

    Raises
    ------
    AdherenceInputError
        Bad input, naming the 1-based input row(s) and the column.

    Notes
    -----
    ``compute_cma("CMA7", events, ..., event_info=True)`` is AdhereR's::

        x <- CMA7(data, ID.colname, event.date.colname, event.duration.colname,
                  event.daily.dose.colname, medication.class.colname,
                  carry.only.for.same.medication, consider.dosage.change,
                  followup.window.start, followup.window.start.unit,
                  followup.window.duration, followup.window.duration.unit,
                  observation.window.start, observation.window.start.unit,
                  observation.window.duration, observation.window.duration.unit,
                  medication.groups, flatten.medication.groups = TRUE,
                  followup.window.start.per.medication.group, date.format)
        getCMA(x); getEventInfo(x)

    References
    ----------
    Vollmer WM, Xu M, Feldstein A, Smith D, Waterbury A, Rand C. Comparison of pharmacy-based
    measures of medication adherence. *BMC Health Services Research* 2012;12:155.

    Dima AL, Dediu D. Computation of adherence to medication and visualization of medication
    histories in R with AdhereR: towards transparent and reproducible use of electronic
    healthcare data. *PLoS ONE* 2017;12(4):e0174426.
    """
    number = measure_number(measure)
    if number <= 4:
        carry_only_for_same_medication = consider_dosage_change = False
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
        medication_groups=medication_groups,
        engine=engine,
        classes=carry_only_for_same_medication,
        doses=consider_dosage_change,
    )
    if event_info and call.groups is not None:
        raise AdherenceInputError("event_info is not available with medication groups")
    per_group = followup_window_start_per_medication_group and call.groups is not None
    call.dosage_change = consider_dosage_change
    call.same_medication = carry_only_for_same_medication
    call.next_class = False
    call.gaps = number >= 5 or event_info
    from_first_event = number >= 7 and call.starts_at_first_event()
    call.key_stats = from_first_event
    call.patient_windows(per_group=per_group)
    q = Query(call.engine.dialect)
    units = q.add("units", "SELECT key, p, 1 AS uid, fs, fe, os, oe FROM pw")
    result = add_cma(
        q,
        number,
        units,
        same_medication=carry_only_for_same_medication,
        dosage_change=consider_dosage_change,
        from_first_event=from_first_event,
    )
    frame = call.run(
        q.sql(
            f"SELECT u.key, r.cma AS CMA FROM {units} u "
            f"LEFT JOIN {result} r ON r.key = u.key AND r.uid = u.uid"
        )
    )
    if per_group and call.groups is not None:
        keys = pl.DataFrame(
            {
                "key": [
                    g * call.key_base + p
                    for g in range(len(call.groups.names))
                    for p in range(1, call.key_base)
                ]
            },
            schema={"key": pl.Int64},
        )
        frame = keys.join(frame.with_columns(pl.col("key").cast(pl.Int64)), on="key", how="left")
    out = call.finish(frame)
    columns: list[str | pl.Expr] = [call.patient_id_column(), "CMA"]
    if call.groups is not None:
        columns.append(MED_GROUP_COLUMN)
    info = None
    if event_info:
        within, into = CMA_CARRY_OVER[number]
        flags = CarryOver(within, into, carry_only_for_same_medication, consider_dosage_change)
        info = event_info_table(call, f"CMA{number}", flags)
    return CMAResult(measure=f"CMA{number}", cma=out.select(columns), event_info=info)


def cma1(data: EventSource, **kwargs: Any) -> CMAResult:
    """CMA1: total supply of the observation window's events except the last, over their span.

    ``CMA1 = sum(dur_i for i in S except l) / (d_l - d_f)``; ``NA`` if ``|S| < 2`` or
    ``d_l == d_f``. Not capped (can exceed 1); supply is never truncated at the window
    edges. With ties on the last date only the last row in input order is "last".

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    **kwargs
        The options of :func:`compute_cma` (columns, windows, date format, medication
        groups, ``event_info``, ``engine``).
        ``carry_only_for_same_medication`` and ``consider_dosage_change`` are ignored
        (CMA1-CMA4 use no carry-over; AdhereR warns and ignores them too).

    Returns
    -------
    CMAResult
        As :func:`compute_cma`: ``cma`` (ID, ``CMA``), ``event_info`` if asked for.

    Notes
    -----
    The AdhereR call this reproduces (``cma1_default.csv`` of the reference data)::

        getCMA(CMA1(med.events, ID.colname = "PATIENT_ID", event.date.colname = "DATE",
                 event.duration.colname = "DURATION",
                 followup.window.start = 0, followup.window.duration = 730,
                 observation.window.start = 182, observation.window.duration = 365,
                 date.format = "%Y-%m-%d"))

    References
    ----------
    Vollmer et al. 2012, *BMC Health Services Research* 12:155; Dima & Dediu 2017,
    *PLoS ONE* 12(4):e0174426 (AdhereR). Full references in the module docstring.
    """
    return compute_cma("CMA1", data, **kwargs)


def cma2(data: EventSource, **kwargs: Any) -> CMAResult:
    """CMA2: total supply of all observation-window events over the time to the window end.

    ``CMA2 = sum(dur_i for i in S) / (oe - d_f)``; ``NA`` if ``S`` is empty, ``+Inf`` if
    the first event is dated ``oe``. Not capped.

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    **kwargs
        The options of :func:`compute_cma` (columns, windows, date format, medication
        groups, ``event_info``, ``engine``).
        ``carry_only_for_same_medication`` and ``consider_dosage_change`` are ignored
        (CMA1-CMA4 use no carry-over; AdhereR warns and ignores them too).

    Returns
    -------
    CMAResult
        As :func:`compute_cma`: ``cma`` (ID, ``CMA``), ``event_info`` if asked for.

    Notes
    -----
    The AdhereR call this reproduces (``cma2_default.csv`` of the reference data)::

        getCMA(CMA2(med.events, ID.colname = "PATIENT_ID", event.date.colname = "DATE",
                 event.duration.colname = "DURATION",
                 followup.window.start = 0, followup.window.duration = 730,
                 observation.window.start = 182, observation.window.duration = 365,
                 date.format = "%Y-%m-%d"))

    References
    ----------
    Vollmer et al. 2012, *BMC Health Services Research* 12:155; Dima & Dediu 2017,
    *PLoS ONE* 12(4):e0174426 (AdhereR). Full references in the module docstring.
    """
    return compute_cma("CMA2", data, **kwargs)


def cma3(data: EventSource, **kwargs: Any) -> CMAResult:
    """CMA3: CMA1 capped at 1.

    ``CMA3 = min(1, CMA1)``; ``NA`` where CMA1 is.

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    **kwargs
        The options of :func:`compute_cma` (columns, windows, date format, medication
        groups, ``event_info``, ``engine``).
        ``carry_only_for_same_medication`` and ``consider_dosage_change`` are ignored
        (CMA1-CMA4 use no carry-over; AdhereR warns and ignores them too).

    Returns
    -------
    CMAResult
        As :func:`compute_cma`: ``cma`` (ID, ``CMA``), ``event_info`` if asked for.

    Notes
    -----
    The AdhereR call this reproduces (``cma3_default.csv`` of the reference data)::

        getCMA(CMA3(med.events, ID.colname = "PATIENT_ID", event.date.colname = "DATE",
                 event.duration.colname = "DURATION",
                 followup.window.start = 0, followup.window.duration = 730,
                 observation.window.start = 182, observation.window.duration = 365,
                 date.format = "%Y-%m-%d"))

    References
    ----------
    Vollmer et al. 2012, *BMC Health Services Research* 12:155; Dima & Dediu 2017,
    *PLoS ONE* 12(4):e0174426 (AdhereR). Full references in the module docstring.
    """
    return compute_cma("CMA3", data, **kwargs)


def cma4(data: EventSource, **kwargs: Any) -> CMAResult:
    """CMA4: CMA2 capped at 1.

    ``CMA4 = min(1, CMA2)`` (``Inf`` becomes 1); ``NA`` where CMA2 is.

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    **kwargs
        The options of :func:`compute_cma` (columns, windows, date format, medication
        groups, ``event_info``, ``engine``).
        ``carry_only_for_same_medication`` and ``consider_dosage_change`` are ignored
        (CMA1-CMA4 use no carry-over; AdhereR warns and ignores them too).

    Returns
    -------
    CMAResult
        As :func:`compute_cma`: ``cma`` (ID, ``CMA``), ``event_info`` if asked for.

    Notes
    -----
    The AdhereR call this reproduces (``cma4_default.csv`` of the reference data)::

        getCMA(CMA4(med.events, ID.colname = "PATIENT_ID", event.date.colname = "DATE",
                 event.duration.colname = "DURATION",
                 followup.window.start = 0, followup.window.duration = 730,
                 observation.window.start = 182, observation.window.duration = 365,
                 date.format = "%Y-%m-%d"))

    References
    ----------
    Vollmer et al. 2012, *BMC Health Services Research* 12:155; Dima & Dediu 2017,
    *PLoS ONE* 12(4):e0174426 (AdhereR). Full references in the module docstring.
    """
    return compute_cma("CMA4", data, **kwargs)


def cma5(data: EventSource, **kwargs: Any) -> CMAResult:
    """CMA5: one minus the gap days between the window's first and last event, over their span.

    Gaps with carry-over within the observation window (not into it):
    ``CMA5 = 1 - sum(gap_i for i in S except l) / (d_l - d_f)``; ``NA`` if ``|S| < 2`` or
    ``d_l == d_f``.

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    **kwargs
        The options of :func:`compute_cma` (columns, windows, date format, medication
        groups, ``event_info``, ``engine``).
        ``carry_only_for_same_medication`` and ``consider_dosage_change`` (default
        False) adjust the carry-over (spec section 3).

    Returns
    -------
    CMAResult
        As :func:`compute_cma`: ``cma`` (ID, ``CMA``), ``event_info`` if asked for.

    Notes
    -----
    The AdhereR call this reproduces (``cma5_default.csv`` of the reference data)::

        getCMA(CMA5(med.events, ID.colname = "PATIENT_ID", event.date.colname = "DATE",
                 event.duration.colname = "DURATION",
                 event.daily.dose.colname = "PERDAY", medication.class.colname = "CATEGORY",
                 carry.only.for.same.medication = FALSE, consider.dosage.change = FALSE,
                 followup.window.start = 0, followup.window.duration = 730,
                 observation.window.start = 182, observation.window.duration = 365,
                 date.format = "%Y-%m-%d"))

    References
    ----------
    Vollmer et al. 2012, *BMC Health Services Research* 12:155; Dima & Dediu 2017,
    *PLoS ONE* 12(4):e0174426 (AdhereR). Full references in the module docstring.
    """
    return compute_cma("CMA5", data, **kwargs)


def cma6(data: EventSource, **kwargs: Any) -> CMAResult:
    """CMA6: one minus all gap days from the first event to the window end, over that time.

    Gaps with carry-over within the observation window (the last gap runs to ``oe``):
    ``CMA6 = 1 - sum(gap_i for i in S) / (oe - d_f)``; ``NA`` if ``S`` is empty, ``NaN``
    if the first event is dated ``oe``.

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    **kwargs
        The options of :func:`compute_cma` (columns, windows, date format, medication
        groups, ``event_info``, ``engine``).
        ``carry_only_for_same_medication`` and ``consider_dosage_change`` (default
        False) adjust the carry-over (spec section 3).

    Returns
    -------
    CMAResult
        As :func:`compute_cma`: ``cma`` (ID, ``CMA``), ``event_info`` if asked for.

    Notes
    -----
    The AdhereR call this reproduces (``cma6_default.csv`` of the reference data)::

        getCMA(CMA6(med.events, ID.colname = "PATIENT_ID", event.date.colname = "DATE",
                 event.duration.colname = "DURATION",
                 event.daily.dose.colname = "PERDAY", medication.class.colname = "CATEGORY",
                 carry.only.for.same.medication = FALSE, consider.dosage.change = FALSE,
                 followup.window.start = 0, followup.window.duration = 730,
                 observation.window.start = 182, observation.window.duration = 365,
                 date.format = "%Y-%m-%d"))

    References
    ----------
    Vollmer et al. 2012, *BMC Health Services Research* 12:155; Dima & Dediu 2017,
    *PLoS ONE* 12(4):e0174426 (AdhereR). Full references in the module docstring.
    """
    return compute_cma("CMA6", data, **kwargs)


def cma7(data: EventSource, **kwargs: Any) -> CMAResult:
    """CMA7: share of the whole observation window covered, carry-over into it included.

    ``CMA7 = 1 - (G0 + sum(gap_i for i in S)) / (oe - os)`` with carry-over within and into
    the window, ``G0`` the gap before the first window event (the previous event's gap
    truncated at ``os``, or ``d_f - os``). With no window event: ``1 - G_b / (oe - os)``
    for the last event ``b`` before the window (0 if ``G_b > oe - os``), ``NA`` if none.

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    **kwargs
        The options of :func:`compute_cma` (columns, windows, date format, medication
        groups, ``event_info``, ``engine``).
        ``carry_only_for_same_medication`` and ``consider_dosage_change`` (default
        False) adjust the carry-over (spec section 3).

    Returns
    -------
    CMAResult
        As :func:`compute_cma`: ``cma`` (ID, ``CMA``), ``event_info`` if asked for.

    Notes
    -----
    The AdhereR call this reproduces (``cma7_default.csv`` of the reference data)::

        getCMA(CMA7(med.events, ID.colname = "PATIENT_ID", event.date.colname = "DATE",
                 event.duration.colname = "DURATION",
                 event.daily.dose.colname = "PERDAY", medication.class.colname = "CATEGORY",
                 carry.only.for.same.medication = FALSE, consider.dosage.change = FALSE,
                 followup.window.start = 0, followup.window.duration = 730,
                 observation.window.start = 182, observation.window.duration = 365,
                 date.format = "%Y-%m-%d"))

    References
    ----------
    Dima & Dediu 2017, *PLoS ONE* 12(4):e0174426 (AdhereR).
    Full reference in the module docstring.
    """
    return compute_cma("CMA7", data, **kwargs)


def cma8(data: EventSource, **kwargs: Any) -> CMAResult:
    """CMA8: CMA7 on an observation window whose start is lagged past supply from before it.

    ``os' = max(d_i + dur_i + carry_i)`` over events before ``os`` whose supply runs past
    ``os`` (else ``os``); CMA7 on ``[os', os' + round(oe - os')]``. AdhereR's quirk is
    kept: when the earlier supply runs past ``oe`` the result is 0.

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    **kwargs
        The options of :func:`compute_cma` (columns, windows, date format, medication
        groups, ``event_info``, ``engine``).
        ``carry_only_for_same_medication`` and ``consider_dosage_change`` (default
        False) adjust the carry-over (spec section 3).

    Returns
    -------
    CMAResult
        As :func:`compute_cma`: ``cma`` (ID, ``CMA``), ``event_info`` if asked for.

    Notes
    -----
    The AdhereR call this reproduces (``cma8_default.csv`` of the reference data)::

        getCMA(CMA8(med.events, ID.colname = "PATIENT_ID", event.date.colname = "DATE",
                 event.duration.colname = "DURATION",
                 event.daily.dose.colname = "PERDAY", medication.class.colname = "CATEGORY",
                 carry.only.for.same.medication = FALSE, consider.dosage.change = FALSE,
                 followup.window.start = 0, followup.window.duration = 730,
                 observation.window.start = 182, observation.window.duration = 365,
                 date.format = "%Y-%m-%d"))

    References
    ----------
    Dima & Dediu 2017, *PLoS ONE* 12(4):e0174426 (AdhereR).
    Full reference in the module docstring.
    """
    return compute_cma("CMA8", data, **kwargs)


def cma9(data: EventSource, **kwargs: Any) -> CMAResult:
    """CMA9: supply ratios spread over each event's interval, averaged over the window.

    With the observation window set to the follow-up window for the gaps (carry-over
    within and into), ``r_i = 1 - gap_i / interval_i`` (``interval_i`` to the next event
    or to ``fe``) and
    ``CMA9 = sum(r_i * |[d_i, d_i + interval_i] ∩ [os, oe]|) / (oe - os)``; zero-length
    intervals are skipped; ``NA`` if no follow-up event is dated ``<= oe``.

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    **kwargs
        The options of :func:`compute_cma` (columns, windows, date format, medication
        groups, ``event_info``, ``engine``).
        ``carry_only_for_same_medication`` and ``consider_dosage_change`` (default
        False) adjust the carry-over (spec section 3).

    Returns
    -------
    CMAResult
        As :func:`compute_cma`: ``cma`` (ID, ``CMA``), ``event_info`` if asked for.

    Notes
    -----
    The AdhereR call this reproduces (``cma9_default.csv`` of the reference data)::

        getCMA(CMA9(med.events, ID.colname = "PATIENT_ID", event.date.colname = "DATE",
                 event.duration.colname = "DURATION",
                 event.daily.dose.colname = "PERDAY", medication.class.colname = "CATEGORY",
                 carry.only.for.same.medication = FALSE, consider.dosage.change = FALSE,
                 followup.window.start = 0, followup.window.duration = 730,
                 observation.window.start = 182, observation.window.duration = 365,
                 date.format = "%Y-%m-%d"))

    References
    ----------
    Dima & Dediu 2017, *PLoS ONE* 12(4):e0174426 (AdhereR).
    Full reference in the module docstring.
    """
    return compute_cma("CMA9", data, **kwargs)
