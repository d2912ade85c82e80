"""CMA in sliding windows (AdhereR's ``CMA_sliding_window``, spec section 9)."""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are mapped to internal names first).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from concord.analytics.adherence.cma import measure_number
from concord.analytics.adherence.cma_sql import add_cma
from concord.analytics.adherence.core import MED_GROUP_COLUMN, make_call
from concord.analytics.adherence.dates import FIXED_UNIT_DAYS
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.inputs import EventSource
from concord.analytics.adherence.plan import CarryOver, Query, add_gaps, add_to_day
from concord.analytics.adherence.results import SlidingWindowResult

__all__ = ["cma_sliding_window"]


def _fixed_days(value: float, unit: str, argument: str) -> float:
    if unit not in FIXED_UNIT_DAYS:
        raise AdherenceInputError(
            f"{argument}.unit must be one of {', '.join(FIXED_UNIT_DAYS)}, not {unit!r}",
            column=argument,
        )
    return float(value) * FIXED_UNIT_DAYS[unit]


def cma_sliding_window(
    data: EventSource,
    *,
    cma_to_apply: str,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None = None,
    medication_class_colname: str | None = None,
    carry_only_for_same_medication: bool = False,
    consider_dosage_change: bool = False,
    followup_window_start: Any = 0,
    followup_window_start_unit: str = "days",
    followup_window_duration: Any = 730,
    followup_window_duration_unit: str = "days",
    observation_window_start: Any = 0,
    observation_window_start_unit: str = "days",
    observation_window_duration: Any = 730,
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
    engine: Any = None,
) -> SlidingWindowResult:
    """A simple CMA in windows sliding over the observation window (``CMA_sliding_window``).

    Per patient: ``start = add(os, sliding_window_start)``, ``wd`` the window duration in
    days (fixed factors week = 7, month = 30, year = 365), ``span = (oe - start) - wd``; no
    window when ``span < 0``. With a step ``s`` there are ``floor(span / s + 1)`` windows
    (the tail of the observation window may stay uncovered, as in AdhereR); with
    ``sliding_window_no_steps = n > 1``, ``s = clamp(span / (n - 1), 1, wd)`` and
    ``floor(min(span / s + 1, span))`` windows. Window ``i`` is
    ``[start + round((i - 1) s), that + round(wd)]``; the CMA runs on all the patient's
    events with the original follow-up window and the window as observation window. Windows
    where the CMA is undefined are kept with a missing value (spec section 9).

    Parameters
    ----------
    cma_to_apply : {"CMA1", ..., "CMA9"}
        The CMA computed in each window.
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    id_colname, event_date_colname, event_duration_colname : str
        As in :func:`~concord.analytics.adherence.compute_cma`, like the other shared
        options: ``event_daily_dose_colname``, ``medication_class_colname``,
        ``date_format``, the follow-up window (``followup_window_*``) and ``engine``.
    observation_window_start, observation_window_duration : default 0, 730
        With their units, as in :func:`~concord.analytics.adherence.compute_cma`.
    carry_only_for_same_medication, consider_dosage_change : bool, default False
        CMA5-CMA9; ignored by CMA1-CMA4.
    sliding_window_start : float, default 0
        Offset of the first window from the OW start, in ``sliding_window_start_unit``
        (calendar units as for the windows).
    sliding_window_duration, sliding_window_step_duration : float, default 90, 30
        Window length and step, in their units (``sliding_window_duration_unit``,
        ``sliding_window_step_unit``: days, weeks = 7, months = 30, years = 365 days).
    sliding_window_no_steps : int, optional
        The number of windows instead of a step.
    medication_groups : mapping or str, optional
        As in :func:`~concord.analytics.adherence.compute_cma` (windows per patient).

    Returns
    -------
    SlidingWindowResult
        ``cma``: ``ID, window.ID, window.start, window.end, CMA`` (and ``.MED_GROUP_ID``).

    Notes
    -----
    AdhereR equivalent (``cma9_sliding_90_30.csv`` of the reference data)::

        getCMA(CMA_sliding_window(CMA.to.apply = "CMA9", data, ID.colname, ...,
            observation.window.start, ..., sliding.window.start, sliding.window.start.unit,
            sliding.window.duration, sliding.window.duration.unit,
            sliding.window.step.duration, sliding.window.step.unit,
            sliding.window.no.steps, date.format))

    References
    ----------
    Dima & Dediu 2017, *PLoS ONE* 12(4):e0174426 (full reference in
    :mod:`concord.analytics.adherence.cma`).
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
    call.dosage_change = consider_dosage_change
    call.same_medication = carry_only_for_same_medication
    call.next_class = False
    call.patient_windows()
    q = Query(call.engine.dialect)
    final = sliding_window_sql(
        q,
        number,
        width=width,
        step=step,
        no_steps=sliding_window_no_steps,
        start=sliding_window_start,
        start_unit=sliding_window_start_unit,
        same_medication=carry_only_for_same_medication,
        dosage_change=consider_dosage_change,
    )
    table = call.run(q.sql(final))
    out = call.finish(table, date_columns=("os", "oe"))
    columns = [
        call.patient_id_column(),
        pl.col("uid").cast(pl.Int64).alias("window.ID"),
        pl.col("os").alias("window.start"),
        pl.col("oe").alias("window.end"),
        pl.col("cma").alias("CMA"),
    ]
    if call.groups is not None:
        columns.append(pl.col(MED_GROUP_COLUMN))
    return SlidingWindowResult(measure=f"CMA{number}", cma=out.select(columns))


def sliding_window_days(
    sliding_window_duration: float,
    sliding_window_duration_unit: str,
    sliding_window_step_duration: float,
    sliding_window_step_unit: str,
    sliding_window_no_steps: int | None,
    sliding_window_start_unit: str,
) -> tuple[float, float]:
    """Check the sliding-window arguments; return the window width and step in days."""
    width = _fixed_days(
        sliding_window_duration, sliding_window_duration_unit, "sliding.window.duration"
    )
    step = _fixed_days(
        sliding_window_step_duration, sliding_window_step_unit, "sliding.window.step"
    )
    if width <= 0 or (sliding_window_no_steps is None and step <= 0):
        raise AdherenceInputError(
            "sliding.window.duration and sliding.window.step.duration must be positive",
            column="sliding.window.duration",
        )
    if sliding_window_no_steps is not None and sliding_window_no_steps < 1:
        raise AdherenceInputError(
            "sliding.window.no.steps must be at least 1", column="sliding.window.no.steps"
        )
    if sliding_window_start_unit not in FIXED_UNIT_DAYS:
        raise AdherenceInputError(
            f"sliding.window.start.unit {sliding_window_start_unit!r} is not a time unit",
            column="sliding.window.start.unit",
        )
    return width, step


def sliding_window_sql(
    q: Query,
    number: int,
    *,
    width: float,
    step: float,
    no_steps: int | None,
    start: float,
    start_unit: str,
    same_medication: bool,
    dosage_change: bool,
) -> str:
    """Add the sliding-window CTEs (over ``pw`` and ``ev``) to ``q``; return the final select.

    The select gives ``key, uid, os, oe, cma`` (day numbers) for every window; ``width`` and
    ``step`` are in days.
    """
    d = q.dialect
    shift = (
        repr(float(round(start * (7 if start_unit == "weeks" else 1))))
        if start_unit in ("days", "weeks")
        else str(round(start))
    )
    start_sql = add_to_day(d, "os", shift, start_unit, constant=True)
    wd = f"CAST({width!r} AS DOUBLE)"
    q.add("sw_0", f"SELECT key, p, fs, fe, os, oe, {start_sql} AS sstart FROM pw")
    q.add("sw_1", f"SELECT *, (oe - sstart) - {wd} AS span FROM sw_0")
    n = no_steps
    if n is None:
        step_sql, count_sql = f"CAST({step!r} AS DOUBLE)", f"span / CAST({step!r} AS DOUBLE) + 1"
    elif n == 1:
        step_sql, count_sql = "CAST(0 AS DOUBLE)", "CAST(1 AS DOUBLE)"
    else:
        step_sql = f"LEAST(GREATEST(span / {n - 1}, 1), {wd})"
        count_sql = "LEAST(span / step + 1, span)"
    q.add("sw_2", f"SELECT *, {step_sql} AS step FROM sw_1 WHERE span >= 0")
    q.add("sw_3", f"SELECT *, floor({count_sql}) AS kk, {wd} AS wd FROM sw_2")
    q.add(
        "sw_4",
        f"SELECT key, p, fs, fe, sstart, step, {d.explode_range('kk')} AS uid "
        "FROM sw_3 WHERE kk >= 1",
    )
    q.add(
        "sw_5",
        f"SELECT key, p, uid, fs, fe, sstart + {d.round_half_even('(uid - 1) * step')} AS os "
        "FROM sw_4",
    )
    units = q.add(
        "sw_units",
        f"SELECT key, p, uid, fs, fe, os, os + {d.round_half_even(wd)} AS oe FROM sw_5",
    )
    if number == 9:
        result = _add_cma9_shared_gaps(q, units, same_medication, dosage_change)
    else:
        result = add_cma(
            q,
            number,
            units,
            same_medication=same_medication,
            dosage_change=dosage_change,
        )
    return (
        f"SELECT u.key, u.uid, u.os, u.oe, r.cma FROM {units} u "
        f"LEFT JOIN {result} r ON r.key = u.key AND r.uid = u.uid"
    )


def _add_cma9_shared_gaps(q: Query, units: str, same_medication: bool, dose_change: bool) -> str:
    """CMA9 in every window from one gap computation per patient.

    CMA9's gaps use OW := FUW, and every window keeps the patient's FUW, so the per-event
    supply ratios are the same for all windows; only the overlap with the window changes.
    Each event is paired only with the windows its span can overlap (a range of window
    numbers computed from the regular window starts, widened by one for the rounding), and
    a window is ``NA`` when the patient's first follow-up event is after its end.
    """
    d = q.dialect
    patients = q.add("sw9_units", "SELECT key, p, 1 AS uid, fs, fe, os, oe FROM pw")
    g = add_gaps(
        q, "sw9", patients, CarryOver(True, True, same_medication, dose_change), ow_is_fuw=True
    )
    q.add(
        "sw9_span",
        "SELECT g.key, g.d, g.iv, 1 - g.gap / g.iv AS ratio, "
        "CASE WHEN w.step = 0 THEN 1 ELSE GREATEST(1, "
        "floor((g.d - w.sstart - w.wd - 1) / w.step)) END AS lo, "
        "CASE WHEN w.step = 0 THEN 1 ELSE LEAST(w.kk, "
        "ceil((g.d + g.iv - w.sstart) / w.step) + 2) END AS hi "
        f"FROM {g} g JOIN sw_3 w ON w.key = g.key WHERE g.iv > 0",
    )
    q.add(
        "sw9_pairs",
        f"SELECT key, d, iv, ratio, {d.explode_between('lo', 'hi')} AS uid "
        "FROM sw9_span WHERE hi >= lo",
    )
    q.add(
        "sw9_num",
        "SELECT u.key, u.uid, "
        "SUM(p.ratio * GREATEST(0, LEAST(p.d + p.iv, u.oe) - GREATEST(p.d, u.os))) AS num "
        f"FROM sw9_pairs p JOIN {units} u ON u.key = p.key AND u.uid = p.uid "
        "GROUP BY u.key, u.uid",
    )
    q.add("sw9_first", f"SELECT key, MIN(d) AS dmin FROM {g} GROUP BY key")
    return q.add(
        "sw9_cma",
        "SELECT u.key, u.uid, CASE WHEN f.dmin <= u.oe THEN "
        f"{d.ieee_div('COALESCE(n.num, 0)', 'u.oe - u.os')} END AS cma "
        f"FROM {units} u JOIN sw9_first f ON f.key = u.key "
        "LEFT JOIN sw9_num n ON n.key = u.key AND n.uid = u.uid",
    )
