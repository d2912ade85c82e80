"""Non-adherence signals from plain tables: adherence windows, fills, dose confirmations, BARS.

Every signal is a frozen dataclass with a ``rule`` code and its evidence. The clock comes
in as ``as_of``; nothing reads today's date. Rules and defaults (sources in
docs/analytics/risk.md):

* ``adherence_below_threshold`` - the latest window (CMA from
  :func:`concord.analytics.adherence.cma_sliding_window`, or PDC) ending in
  ``[as_of - recent_days, as_of]`` has ``value < threshold`` (0.80);
* ``adherence_drop`` - that window's value is at least ``min_drop`` (0.20) below the
  window ``lag`` windows earlier; values are capped at 1 first, so that ending an
  oversupply is not a drop;
* ``supply_exhausted`` - the supply of the last fill on or before ``as_of`` (fills of the
  same medication shifted forward while supply is on hand, as in PQA PDC) ran out, and
  ``as_of`` is more than ``grace_days`` (7) days past the first uncovered day;
* ``missed_dose_confirmations`` - in the ``confirmation_window_days`` (14) days ending on
  ``as_of``, at least ``min_missed`` (3) due doses were not confirmed and they are at
  least ``min_missed_share`` (0.20) of the due doses;
* ``bars_below_threshold`` - the latest BARS estimate on or before ``as_of`` is below 70 %
  (Byerly et al. 2008).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from concord.analytics.risk._tables import (
    as_date,
    bool_column,
    date_column,
    no_nulls,
    number_column,
    require,
)
from concord.analytics.risk.errors import RiskInputError

PatientId = str | int
DateLike = dt.date | dt.datetime | str

__all__ = [
    "AdherenceBelowThreshold",
    "AdherenceDrop",
    "AdherenceSignal",
    "AdherenceSignalSettings",
    "BarsBelowThreshold",
    "MissedDoseConfirmations",
    "SupplyExhausted",
    "adherence_below_threshold",
    "adherence_drops",
    "adherence_signals",
    "bars_below_threshold",
    "missed_dose_confirmations",
    "supply_exhausted",
]


@dataclass(frozen=True)
class AdherenceSignalSettings:
    """Thresholds of the non-adherence rules (defaults documented in docs/analytics/risk.md)."""

    threshold: float = 0.80
    recent_days: int = 31
    min_drop: float = 0.20
    lag: int = 1
    grace_days: int = 7
    confirmation_window_days: int = 14
    min_missed: int = 3
    min_missed_share: float = 0.20
    bars_threshold: float = 70.0

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise RiskInputError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 0.0 < self.min_drop <= 1.0:
            raise RiskInputError(f"min_drop must be in (0, 1], got {self.min_drop}")
        for name in ("recent_days", "grace_days", "confirmation_window_days"):
            if getattr(self, name) < 0:
                raise RiskInputError(f"{name} must not be negative")
        if self.lag < 1 or self.min_missed < 1:
            raise RiskInputError("lag and min_missed must be at least 1")


@dataclass(frozen=True)
class AdherenceBelowThreshold:
    """Rule ``adherence_below_threshold``: ``value < threshold`` in the latest recent window."""

    patient: PatientId
    measure: str
    window_start: dt.date
    window_end: dt.date
    value: float
    threshold: float
    rule: str = field(default="adherence_below_threshold", init=False)


@dataclass(frozen=True)
class AdherenceDrop:
    """Rule ``adherence_drop``: ``min(earlier, 1) - min(value, 1) >= min_drop``."""

    patient: PatientId
    measure: str
    earlier_window_start: dt.date
    earlier_window_end: dt.date
    earlier_value: float
    window_start: dt.date
    window_end: dt.date
    value: float
    drop: float
    min_drop: float
    lag: int
    rule: str = field(default="adherence_drop", init=False)


@dataclass(frozen=True)
class SupplyExhausted:
    """Rule ``supply_exhausted``: no supply on hand for more than ``grace_days`` days.

    ``supply_end`` is the first day not covered; ``days_without_supply`` counts the days
    from ``supply_end`` to ``as_of`` inclusive.
    """

    patient: PatientId
    medication: str | None
    last_fill_date: dt.date
    supply_end: dt.date
    as_of: dt.date
    days_without_supply: int
    grace_days: int
    rule: str = field(default="supply_exhausted", init=False)


@dataclass(frozen=True)
class MissedDoseConfirmations:
    """Rule ``missed_dose_confirmations`` over ``[window_start, window_end]`` (both inclusive)."""

    patient: PatientId
    window_start: dt.date
    window_end: dt.date
    due: int
    confirmed: int
    missed: int
    missed_share: float
    min_missed: int
    min_missed_share: float
    rule: str = field(default="missed_dose_confirmations", init=False)


@dataclass(frozen=True)
class BarsBelowThreshold:
    """Rule ``bars_below_threshold``: BARS estimate (0-100 %) ``< threshold`` (70)."""

    patient: PatientId
    date: dt.date
    score: float
    threshold: float
    rule: str = field(default="bars_below_threshold", init=False)


AdherenceSignal = (
    AdherenceBelowThreshold
    | AdherenceDrop
    | SupplyExhausted
    | MissedDoseConfirmations
    | BarsBelowThreshold
)


def _optional_numbers(frame: pl.DataFrame, column: str) -> pl.Series:
    """Numbers where null / NaN / ``NA`` mean "undefined" (AdhereR's NA CMA)."""
    series = frame.get_column(column)
    if series.dtype.is_numeric():
        return series.cast(pl.Float64)
    if series.dtype not in (pl.String, pl.Null):
        raise RiskInputError(f"expected numbers, found type {series.dtype}", column=column)
    text = series.cast(pl.String).str.strip_chars().replace({"NA": None, "": None})
    numbers = text.cast(pl.Float64, strict=False)
    bad = numbers.is_null() & text.is_not_null()
    if bad.any():
        row = int(bad.arg_true()[0]) + 1
        raise RiskInputError(f"{text[row - 1]!r} is not a number", row=row, column=column)
    return numbers


def _windows(
    windows: pl.DataFrame,
    as_of: dt.date,
    patient: str,
    start: str,
    end: str,
    value: str,
) -> pl.DataFrame:
    require(windows, patient, start, end, value)
    no_nulls(windows, patient, "patient")
    starts, ends = date_column(windows, start), date_column(windows, end)
    inverted = ends < starts
    if inverted.any():
        raise RiskInputError(
            "window ends before it starts", row=int(inverted.arg_true()[0]) + 1, column=end
        )
    numbers = _optional_numbers(windows, value)
    return (
        pl.DataFrame(
            [
                windows.get_column(patient).alias("patient"),
                starts.alias("start"),
                ends.alias("end"),
                numbers.alias("value"),
            ]
        )
        .filter(pl.col("end") <= as_of)
        .filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
        .sort(["patient", "end", "start"], maintain_order=True)
    )


def _latest_recent(table: pl.DataFrame, as_of: dt.date, recent_days: int) -> pl.DataFrame:
    recent = as_of - dt.timedelta(days=recent_days)
    return table.group_by("patient", maintain_order=True).last().filter(pl.col("end") >= recent)


def adherence_below_threshold(
    windows: pl.DataFrame,
    as_of: DateLike,
    settings: AdherenceSignalSettings | None = None,
    *,
    measure: str = "CMA",
    patient: str = "patient",
    window_start: str = "window_start",
    window_end: str = "window_end",
    value: str = "value",
) -> tuple[AdherenceBelowThreshold, ...]:
    """Patients whose latest recent adherence window is below the threshold.

    ``windows`` is e.g. ``cma_sliding_window(...).cma`` renamed, or one PDC row per
    patient and period. Windows ending after ``as_of`` and undefined values are ignored.
    """
    settings = settings or AdherenceSignalSettings()
    day = as_date(as_of, "as_of")
    table = _windows(windows, day, patient, window_start, window_end, value)
    latest = _latest_recent(table, day, settings.recent_days)
    low = latest.filter(pl.col("value") < settings.threshold)
    return tuple(
        AdherenceBelowThreshold(
            patient=row["patient"],
            measure=measure,
            window_start=row["start"],
            window_end=row["end"],
            value=row["value"],
            threshold=settings.threshold,
        )
        for row in low.iter_rows(named=True)
    )


def adherence_drops(
    windows: pl.DataFrame,
    as_of: DateLike,
    settings: AdherenceSignalSettings | None = None,
    *,
    measure: str = "CMA",
    patient: str = "patient",
    window_start: str = "window_start",
    window_end: str = "window_end",
    value: str = "value",
) -> tuple[AdherenceDrop, ...]:
    """Patients whose latest recent window fell by ``min_drop`` against ``lag`` windows before."""
    settings = settings or AdherenceSignalSettings()
    day = as_date(as_of, "as_of")
    table = _windows(windows, day, patient, window_start, window_end, value)
    lag = settings.lag
    shifted = table.with_columns(
        pl.col("start").shift(lag).over("patient").alias("earlier_start"),
        pl.col("end").shift(lag).over("patient").alias("earlier_end"),
        pl.col("value").shift(lag).over("patient").alias("earlier_value"),
    )
    latest = _latest_recent(shifted, day, settings.recent_days).filter(
        pl.col("earlier_value").is_not_null()
    )
    latest = latest.with_columns(
        (
            pl.col("earlier_value").clip(upper_bound=1.0) - pl.col("value").clip(upper_bound=1.0)
        ).alias("drop")
    ).filter(pl.col("drop") >= settings.min_drop - 1e-12)
    return tuple(
        AdherenceDrop(
            patient=row["patient"],
            measure=measure,
            earlier_window_start=row["earlier_start"],
            earlier_window_end=row["earlier_end"],
            earlier_value=row["earlier_value"],
            window_start=row["start"],
            window_end=row["end"],
            value=row["value"],
            drop=row["drop"],
            min_drop=settings.min_drop,
            lag=lag,
        )
        for row in latest.iter_rows(named=True)
    )


def supply_exhausted(
    fills: pl.DataFrame,
    as_of: DateLike,
    settings: AdherenceSignalSettings | None = None,
    *,
    patient: str = "patient",
    date: str = "date",
    days_supply: str = "days_supply",
    medication: str | None = None,
) -> tuple[SupplyExhausted, ...]:
    """Patients (and medications) whose supply ran out more than ``grace_days`` ago.

    With fill days ``d_i`` and supplies ``s_i`` in date order (one medication), the supply
    end is ``E_i = C_i + max_{j <= i}(d_j - C_{j-1})`` with ``C_i`` the cumulative supply
    (supply shifted forward while some is on hand; closed form of
    ``E_i = max(d_i, E_{i-1}) + s_i``). ``days_without_supply = as_of - E_last + 1``.
    """
    settings = settings or AdherenceSignalSettings()
    day = as_date(as_of, "as_of")
    require(fills, patient, date, days_supply, *([medication] if medication else []))
    no_nulls(fills, patient, "patient")
    keys = ["patient", "medication"]
    table = pl.DataFrame(
        [
            fills.get_column(patient).alias("patient"),
            (
                fills.get_column(medication).cast(pl.String).alias("medication")
                if medication
                else pl.Series("medication", [None] * fills.height, dtype=pl.String)
            ),
            date_column(fills, date).alias("date"),
            number_column(fills, days_supply, positive=True).alias("supply"),
        ]
    )
    epoch = dt.date(1970, 1, 1)
    table = (
        table.filter(pl.col("date") <= day)
        .with_columns((pl.col("date") - pl.lit(epoch)).dt.total_days().alias("d"))
        .sort([*keys, "d"], maintain_order=True, nulls_last=True)
        .with_columns(pl.col("supply").cum_sum().over(keys).alias("c"))
        .with_columns(
            (
                pl.col("c") + (pl.col("d") - (pl.col("c") - pl.col("supply"))).cum_max().over(keys)
            ).alias("end")
        )
    )
    last = table.group_by(keys, maintain_order=True).last()
    as_of_day = (day - epoch).days
    late = last.with_columns(
        (as_of_day - pl.col("end") + 1).floor().cast(pl.Int64).alias("without")
    ).filter(pl.col("without") > settings.grace_days)
    return tuple(
        SupplyExhausted(
            patient=row["patient"],
            medication=row["medication"],
            last_fill_date=row["date"],
            supply_end=epoch + dt.timedelta(days=float(row["end"])),
            as_of=day,
            days_without_supply=row["without"],
            grace_days=settings.grace_days,
        )
        for row in late.iter_rows(named=True)
    )


def missed_dose_confirmations(
    confirmations: pl.DataFrame,
    as_of: DateLike,
    settings: AdherenceSignalSettings | None = None,
    *,
    patient: str = "patient",
    scheduled: str = "scheduled",
    confirmed: str = "confirmed",
) -> tuple[MissedDoseConfirmations, ...]:
    """Patients with too many unconfirmed due doses in the recent window.

    ``confirmations``: one row per dose that has fallen due (date or date-time of the
    scheduled dose) and whether the patient confirmed it. Doses not yet due belong out.
    """
    settings = settings or AdherenceSignalSettings()
    day = as_date(as_of, "as_of")
    require(confirmations, patient, scheduled, confirmed)
    no_nulls(confirmations, patient, "patient")
    first = day - dt.timedelta(days=settings.confirmation_window_days - 1)
    table = pl.DataFrame(
        [
            confirmations.get_column(patient).alias("patient"),
            date_column(confirmations, scheduled).alias("day"),
            bool_column(confirmations, confirmed).alias("confirmed"),
        ]
    )
    counts = (
        table.filter((pl.col("day") >= first) & (pl.col("day") <= day))
        .group_by("patient", maintain_order=True)
        .agg(pl.len().alias("due"), pl.col("confirmed").sum().alias("ok"))
        .with_columns((pl.col("due") - pl.col("ok")).alias("missed"))
        .with_columns((pl.col("missed") / pl.col("due")).alias("share"))
        .filter(
            (pl.col("missed") >= settings.min_missed)
            & (pl.col("share") >= settings.min_missed_share)
        )
    )
    return tuple(
        MissedDoseConfirmations(
            patient=row["patient"],
            window_start=first,
            window_end=day,
            due=row["due"],
            confirmed=row["ok"],
            missed=row["missed"],
            missed_share=row["share"],
            min_missed=settings.min_missed,
            min_missed_share=settings.min_missed_share,
        )
        for row in counts.iter_rows(named=True)
    )


def bars_below_threshold(
    bars: pl.DataFrame,
    as_of: DateLike,
    settings: AdherenceSignalSettings | None = None,
    *,
    patient: str = "patient",
    date: str = "date",
    score: str = "score",
) -> tuple[BarsBelowThreshold, ...]:
    """Patients whose latest BARS estimate (0-100 %) on or before ``as_of`` is below 70."""
    settings = settings or AdherenceSignalSettings()
    day = as_date(as_of, "as_of")
    require(bars, patient, date, score)
    no_nulls(bars, patient, "patient")
    values = number_column(bars, score, minimum=0.0)
    above = values > 100.0
    if above.any():
        row = int(above.arg_true()[0]) + 1
        raise RiskInputError(f"BARS is 0-100 %, got {values[row - 1]}", row=row, column=score)
    table = (
        pl.DataFrame(
            [
                bars.get_column(patient).alias("patient"),
                date_column(bars, date).alias("date"),
                values.alias("score"),
            ]
        )
        .filter(pl.col("date") <= day)
        .sort(["patient", "date"], maintain_order=True)
    )
    low = (
        table.group_by("patient", maintain_order=True)
        .last()
        .filter(pl.col("score") < settings.bars_threshold)
    )
    return tuple(
        BarsBelowThreshold(
            patient=row["patient"],
            date=row["date"],
            score=row["score"],
            threshold=settings.bars_threshold,
        )
        for row in low.iter_rows(named=True)
    )


def adherence_signals(
    as_of: DateLike,
    settings: AdherenceSignalSettings | None = None,
    *,
    windows: pl.DataFrame | None = None,
    measure: str = "CMA",
    fills: pl.DataFrame | None = None,
    confirmations: pl.DataFrame | None = None,
    bars: pl.DataFrame | None = None,
) -> tuple[AdherenceSignal, ...]:
    """All non-adherence signals from whichever tables are given (default column names).

    ``windows``: ``patient, window_start, window_end, value``; ``fills``: ``patient, date,
    days_supply`` (and ``medication`` when present); ``confirmations``: ``patient,
    scheduled, confirmed``; ``bars``: ``patient, date, score``.
    """
    settings = settings or AdherenceSignalSettings()
    events: list[AdherenceSignal] = []
    if windows is not None:
        events.extend(adherence_below_threshold(windows, as_of, settings, measure=measure))
        events.extend(adherence_drops(windows, as_of, settings, measure=measure))
    if fills is not None:
        med = "medication" if "medication" in fills.columns else None
        events.extend(supply_exhausted(fills, as_of, settings, medication=med))
    if confirmations is not None:
        events.extend(missed_dose_confirmations(confirmations, as_of, settings))
    if bars is not None:
        events.extend(bars_below_threshold(bars, as_of, settings))
    return tuple(events)
