"""Engagement and drop-out risk: missed and cancelled sessions, falling alliance, unreturned
measures, combined into a points score with documented weights.

Per patient, as of a day (the clock is an argument):

* the last ``recent_due`` (4) sessions that fell due on or before ``as_of`` -- attended,
  no-show or cancelled by the patient, as in
  :func:`concord.analytics.engagement.attendance_rate` (clinic cancellations and sessions
  still scheduled are not the patient's choice or not yet due);
* ``no_show_points`` (2) per no-show among them, at most ``max_no_shows`` (2) counted;
* ``cancel_points`` (1) per patient cancellation among them, at most ``max_cancellations``
  (2) counted;
* ``alliance_points`` (2) when the alliance is falling
  (:mod:`concord.analytics.risk.alliance_trend`);
* ``unreturned_points`` (1) per measure due in the ``measure_window_days`` (28) days
  ending on ``as_of`` and not returned, at most ``max_unreturned`` (2) counted.

``score`` is the sum (0-10); ``level`` is ``high`` at ``score >= high_from`` (5),
``moderate`` at ``score >= moderate_from`` (3), otherwise ``low``. Rationale of each weight
and the evaluation on simulated data: docs/analytics/risk.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from concord.analytics.engagement import attendance_rate
from concord.analytics.risk._tables import as_date, bool_column, date_column, no_nulls, require
from concord.analytics.risk.errors import RiskInputError

PatientId = str | int
EngagementLevel = Literal["high", "moderate", "low"]
SESSION_STATUSES = (
    "attended",
    "no_show",
    "cancelled_by_patient",
    "cancelled_by_clinic",
    "scheduled",
)
_DUE = ("attended", "no_show", "cancelled_by_patient")

__all__ = [
    "SESSION_STATUSES",
    "EngagementRisk",
    "EngagementRiskSettings",
    "engagement_risk",
    "engagement_risk_table",
]


@dataclass(frozen=True)
class EngagementRiskSettings:
    """Weights, caps and cut-offs of the engagement score (module docstring)."""

    recent_due: int = 4
    no_show_points: int = 2
    max_no_shows: int = 2
    cancel_points: int = 1
    max_cancellations: int = 2
    alliance_points: int = 2
    unreturned_points: int = 1
    max_unreturned: int = 2
    measure_window_days: int = 28
    moderate_from: int = 3
    high_from: int = 5

    def __post_init__(self) -> None:
        if self.recent_due < 1 or self.measure_window_days < 1:
            raise RiskInputError("recent_due and measure_window_days must be at least 1")
        if not 0 < self.moderate_from <= self.high_from:
            raise RiskInputError("need 0 < moderate_from <= high_from")


@dataclass(frozen=True)
class EngagementRisk:
    """Rule ``engagement_risk``: the score, its level and every part of it."""

    patient: PatientId
    as_of: dt.date
    due_sessions: int
    attended: int
    no_shows: int
    patient_cancellations: int
    attendance_rate: float | None
    alliance_falling: bool
    measures_due: int
    unreturned_measures: int
    score: int
    level: EngagementLevel
    rule: str = field(default="engagement_risk", init=False)


def _sessions(
    sessions: pl.DataFrame, as_of: dt.date, patient: str, date: str, status: str
) -> pl.DataFrame:
    require(sessions, patient, date, status)
    no_nulls(sessions, patient, "patient")
    states = sessions.get_column(status).cast(pl.String)
    bad = ~states.is_in(SESSION_STATUSES) | states.is_null()
    if bad.any():
        row = int(bad.arg_true()[0]) + 1
        raise RiskInputError(
            f"{states[row - 1]!r} is not one of {', '.join(SESSION_STATUSES)}",
            row=row,
            column=status,
        )
    return pl.DataFrame(
        [
            sessions.get_column(patient).alias("patient"),
            date_column(sessions, date).alias("date"),
            states.alias("status"),
        ]
    )


def engagement_risk_table(
    sessions: pl.DataFrame,
    as_of: dt.date | dt.datetime | str,
    settings: EngagementRiskSettings | None = None,
    *,
    measures: pl.DataFrame | None = None,
    alliance_falling: Collection[PatientId] = (),
    patient: str = "patient",
    date: str = "date",
    status: str = "status",
    measure_due: str = "due",
    measure_returned: str = "returned",
) -> pl.DataFrame:
    """The score of every patient in ``sessions`` as a table (vectorised).

    Parameters
    ----------
    sessions
        One row per session: patient, date, status (one of :data:`SESSION_STATUSES`).
    as_of
        The day the risk is computed for.
    measures
        Optional: one row per measure administration that fell due (patient, due date,
        returned true/false), same patient column name.
    alliance_falling
        Ids of patients whose alliance is falling.

    Columns: ``patient, due_sessions, attended, no_shows, patient_cancellations,
    attendance_rate, alliance_falling, measures_due, unreturned_measures, score, level``.
    """
    settings = settings or EngagementRiskSettings()
    day = as_date(as_of, "as_of")
    table = _sessions(sessions, day, patient, date, status)
    everyone = table.select("patient").unique(maintain_order=True)
    recent = (
        table.filter(pl.col("status").is_in(_DUE) & (pl.col("date") <= day))
        .sort(["patient", "date"], maintain_order=True)
        .group_by("patient", maintain_order=True)
        .tail(settings.recent_due)
        .group_by("patient", maintain_order=True)
        .agg(
            pl.len().alias("due_sessions"),
            (pl.col("status") == "attended").sum().alias("attended"),
            (pl.col("status") == "no_show").sum().alias("no_shows"),
            (pl.col("status") == "cancelled_by_patient").sum().alias("patient_cancellations"),
        )
    )
    result = everyone.join(recent, on="patient", how="left", maintain_order="left")
    if measures is not None:
        require(measures, patient, measure_due, measure_returned)
        no_nulls(measures, patient, "patient")
        first = day - dt.timedelta(days=settings.measure_window_days - 1)
        due = pl.DataFrame(
            [
                measures.get_column(patient).alias("patient"),
                date_column(measures, measure_due).alias("due"),
                bool_column(measures, measure_returned).alias("returned"),
            ]
        ).filter((pl.col("due") >= first) & (pl.col("due") <= day))
        counted = due.group_by("patient").agg(
            pl.len().alias("measures_due"), (~pl.col("returned")).sum().alias("unreturned_measures")
        )
        result = result.join(counted, on="patient", how="left", maintain_order="left")
    else:
        result = result.with_columns(
            pl.lit(None, pl.UInt32).alias("measures_due"),
            pl.lit(None, pl.UInt32).alias("unreturned_measures"),
        )
    falling = pl.Series(list(alliance_falling), dtype=result.schema["patient"])
    counts = ["due_sessions", "attended", "no_shows", "patient_cancellations"]
    counts += ["measures_due", "unreturned_measures"]
    s = settings
    result = result.with_columns(
        *[pl.col(c).fill_null(0).cast(pl.Int64) for c in counts],
        pl.col("patient").is_in(falling.implode()).alias("alliance_falling"),
    ).with_columns(
        pl.when(pl.col("due_sessions") > 0)
        .then(pl.col("attended") / pl.col("due_sessions"))
        .otherwise(None)
        .alias("attendance_rate"),
        (
            s.no_show_points * pl.col("no_shows").clip(upper_bound=s.max_no_shows)
            + s.cancel_points
            * pl.col("patient_cancellations").clip(upper_bound=s.max_cancellations)
            + s.alliance_points * pl.col("alliance_falling").cast(pl.Int64)
            + s.unreturned_points * pl.col("unreturned_measures").clip(upper_bound=s.max_unreturned)
        ).alias("score"),
    )
    return result.with_columns(
        pl.when(pl.col("score") >= s.high_from)
        .then(pl.lit("high"))
        .when(pl.col("score") >= s.moderate_from)
        .then(pl.lit("moderate"))
        .otherwise(pl.lit("low"))
        .alias("level")
    ).select(
        "patient",
        "due_sessions",
        "attended",
        "no_shows",
        "patient_cancellations",
        "attendance_rate",
        "alliance_falling",
        "measures_due",
        "unreturned_measures",
        "score",
        "level",
    )


def engagement_risk(
    sessions: pl.DataFrame,
    as_of: dt.date | dt.datetime | str,
    settings: EngagementRiskSettings | None = None,
    *,
    measures: pl.DataFrame | None = None,
    alliance_falling: Collection[PatientId] = (),
    minimum_level: EngagementLevel = "moderate",
    patient: str = "patient",
    date: str = "date",
    status: str = "status",
    measure_due: str = "due",
    measure_returned: str = "returned",
) -> tuple[EngagementRisk, ...]:
    """:class:`EngagementRisk` events of patients at ``minimum_level`` or above."""
    day = as_date(as_of, "as_of")
    table = engagement_risk_table(
        sessions,
        day,
        settings,
        measures=measures,
        alliance_falling=alliance_falling,
        patient=patient,
        date=date,
        status=status,
        measure_due=measure_due,
        measure_returned=measure_returned,
    )
    keep = {"high": ("high",), "moderate": ("high", "moderate"), "low": ("high", "moderate", "low")}
    if minimum_level not in keep:
        raise RiskInputError(f"minimum_level must be high, moderate or low, not {minimum_level!r}")
    events = []
    for row in table.filter(pl.col("level").is_in(keep[minimum_level])).iter_rows(named=True):
        cancelled = row["patient_cancellations"]
        events.append(
            EngagementRisk(
                patient=row["patient"],
                as_of=day,
                due_sessions=row["due_sessions"],
                attended=row["attended"],
                no_shows=row["no_shows"],
                patient_cancellations=cancelled,
                attendance_rate=attendance_rate(row["attended"], row["no_shows"], cancelled),
                alliance_falling=row["alliance_falling"],
                measures_due=row["measures_due"],
                unreturned_measures=row["unreturned_measures"],
                score=row["score"],
                level=row["level"],
            )
        )
    return tuple(events)
