"""Medication possession ratio (MPR).

``MPR = total days' supply of the fills in the period / days in the period``

Unlike the PDC (:mod:`concord.analytics.adherence.pdc`), overlapping supply is counted twice
and supply running past the period end is counted in full, so the MPR can exceed 1; the
capped variant ``min(1, MPR)`` is available with ``cap=True``.

References
----------
Andrade SE, Kahler KH, Frech F, Chan KA. Methods for evaluation of medication adherence and
persistence using automated databases. *Pharmacoepidemiol Drug Saf.* 2006;15(8):565-574.

Hess LM, Raebel MA, Conner DA, Malone DC. Measurement of adherence in pharmacy administrative
databases: a proposal for standard definitions and preferred measures. *Ann Pharmacother.*
2006;40(7-8):1280-1288.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl

from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.pdc import (
    STATUS_ELIGIBLE,
    STATUS_NO_FILLS_IN_PERIOD,
    EventSource,
    load_events,
    measurement_period,
)

__all__ = ["medication_possession_ratio"]

_DAY, _DUR = "__day", "__duration"


def medication_possession_ratio(
    events: EventSource,
    *,
    id_col: str,
    date_col: str,
    duration_col: str,
    class_col: str | None = None,
    period_start: date | str,
    period_end: date | str,
    denominator: Literal["index_date", "period_start"] = "index_date",
    cap: bool = False,
    date_format: str = "%Y-%m-%d",
) -> pl.DataFrame:
    """Medication possession ratio, one row per patient (or per patient and class).

    ``MPR = sum(days' supply of fills dated in [period_start, period_end]) / days_in_period``

    with ``days_in_period = period_end - first + 1`` where ``first`` is the index date (the
    first fill in the period; the default, as for the PQA PDC) or ``period_start``
    (``denominator="period_start"``). ``cap=True`` returns ``min(1, MPR)``.

    Parameters
    ----------
    events : polars.DataFrame, polars.LazyFrame, pyarrow.Table or CSV path
        One row per fill; see :func:`concord.analytics.adherence.pdc.load_events`.
    id_col, date_col, duration_col : str
        Patient id, fill date and days' supply columns.
    class_col : str, optional
        Medication class; with it the MPR is computed per patient and class.
    period_start, period_end : date or ISO text
        The measurement period, both inclusive.
    denominator : {"index_date", "period_start"}
        Where the patient's period starts.
    cap : bool
        Cap the ratio at 1.
    date_format : str
        Format of dates given as text.

    Returns
    -------
    polars.DataFrame
        Columns ``id_col``, [``class_col``], ``index_date``, ``period_end``,
        ``days_in_period``, ``total_days_supply``, ``mpr`` and ``status`` (``"eligible"`` or
        ``"no_fills_in_period"``; ``mpr`` is null for the latter). Sorted by id (then class).

    Raises
    ------
    AdherenceInputError
        Bad input; names the column and 1-based rows.

    Notes
    -----
    Equivalent in AdhereR (per patient, on the fills dated inside the period, ``index`` the
    first day of the patient's period and ``n`` its number of days)::

        CMA2(data, ..., followup.window.start=index, followup.window.duration=n,
             observation.window.start=0, observation.window.duration=n)   # cap=False
        CMA4(...)                                                          # cap=True

    CMA2 divides by ``oe - d_first``; this equals ``n`` when ``denominator="index_date"``.
    """
    if denominator not in ("index_date", "period_start"):
        raise AdherenceInputError(
            f"denominator must be 'index_date' or 'period_start', not {denominator!r}",
            column="denominator",
        )
    start, end = measurement_period(period_start, period_end)
    frame = load_events(
        events,
        id_col=id_col,
        date_col=date_col,
        duration_col=duration_col,
        class_col=class_col,
        date_format=date_format,
    )
    keys = [id_col] if class_col is None else [id_col, class_col]
    day = pl.col(_DAY)
    totals = (
        frame.lazy()
        .filter(day.is_between(start, end))
        .group_by(keys)
        .agg(__index=day.min(), __supply=pl.col(_DUR).sum())
    )
    index = pl.col("__index")
    first = index if denominator == "index_date" else pl.lit(start)
    days = pl.when(index.is_not_null()).then(end - first + 1).cast(pl.Int64)
    ratio = pl.col("__supply") / days
    if cap:
        ratio = pl.min_horizontal(ratio, pl.lit(1.0))
    out = (
        frame.lazy()
        .select(keys)
        .unique()
        .join(totals, on=keys, how="left")
        .select(
            *keys,
            index_date=index.cast(pl.Date),
            period_end=pl.lit(end).cast(pl.Int32).cast(pl.Date),
            days_in_period=days,
            total_days_supply=pl.col("__supply").cast(pl.Float64),
            mpr=pl.when(index.is_not_null()).then(ratio).cast(pl.Float64),
            status=pl.when(index.is_null())
            .then(pl.lit(STATUS_NO_FILLS_IN_PERIOD))
            .otherwise(pl.lit(STATUS_ELIGIBLE)),
        )
        .sort(keys)
    )
    return out.collect()
