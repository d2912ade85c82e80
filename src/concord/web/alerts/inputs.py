"""One care episode's data as plain values, and the core's tables built from many episodes.

Nothing here computes a signal: :class:`EpisodeInputs` holds what
:mod:`concord.analytics.risk` and :mod:`concord.analytics.trajectories` take as input, and
the ``*_table`` functions stack the episodes' rows into one table per core call (the
*patient* column of every table is the episode's key, so that a patient with two episodes
gets two independent series). The rows are read by :mod:`concord.web.alerts.loading`.

Session numbers are the position of a session among the episode's sessions in time
(1-based, every status counted), so a session without a rating leaves a gap as the
trajectory rules expect.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

from concord.web.alerts.refill_windows import ClassWindows
from concord.web.clinic.models import CareEpisode, SessionStatus

ALLIANCE_CODES = ("srs", "waisr")  # patient-rated alliance, preferred first
CLINICIAN_ALLIANCE_CODE = "waisrt"
OUTCOME_CODE = "phq9"
BARS_CODE = "bars"
BARS_SCALE = "adherence_estimate"


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A care session as the rules need it (read without building model instances)."""

    pk: int
    scheduled_at: datetime
    status: str
    day: date  # local date of ``scheduled_at``


@dataclass(frozen=True, slots=True)
class FillRow:
    """A dispensing event as the adherence functions need it."""

    pk: int
    dispensed_on: date
    days_supply: float
    medication_class: str


@dataclass(frozen=True)
class RatedSession:
    number: int
    session_id: int
    day: str  # ISO date
    score: float


@dataclass
class EpisodeInputs:
    """Everything the rules need about one episode, as plain values."""

    episode: CareEpisode
    sessions: list[SessionRow]
    numbers: dict[int, int]  # session pk -> session number
    alliance_code: str | None = None
    alliance: list[RatedSession] = field(default_factory=list)
    outcome: list[RatedSession] = field(default_factory=list)
    # session pk -> perspective ("patient"/"clinician") -> scale -> value
    perspectives: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)
    measures_due: list[tuple[date, bool]] = field(default_factory=list)
    fills: list[tuple[date, float, str]] = field(default_factory=list)
    doses: list[tuple[date, bool]] = field(default_factory=list)  # local day, confirmed
    bars: list[tuple[date, float]] = field(default_factory=list)
    # refill adherence (CMA7) in sliding windows, per medication class still prescribed
    refill_windows: list[ClassWindows] = field(default_factory=list)

    @property
    def key(self) -> int:
        return self.episode.pk

    def session_of(self, number: int) -> SessionRow | None:
        for session in self.sessions:
            if self.numbers[session.pk] == number:
                return session
        return None


def number_at(times: list[datetime], moment: datetime) -> int:
    """Number of the latest session (times in order) at or before ``moment``; 0 if none."""
    return bisect.bisect_right(times, moment)


def attended(inputs: EpisodeInputs) -> list[SessionRow]:
    return [s for s in inputs.sessions if s.status == SessionStatus.ATTENDED]


# ------------------------------------------------------------------ the core's tables


def _stacked(
    episodes: Iterable[EpisodeInputs],
    rows: Callable[[EpisodeInputs], list[tuple[Any, ...]]],
    schema: dict[str, Any],
) -> pl.DataFrame:
    """One table of every episode's rows; the first column is the episode key."""
    names = list(schema)
    columns: list[list[Any]] = [[] for _ in names]
    for inputs in episodes:
        own = rows(inputs)
        if not own:
            continue
        columns[0].extend([inputs.key] * len(own))
        for column, values in zip(columns[1:], zip(*own, strict=True), strict=True):
            column.extend(values)
    return pl.DataFrame(dict(zip(names, columns, strict=True)), schema=schema)


def ratings_table(
    episodes: Iterable[EpisodeInputs], series: Callable[[EpisodeInputs], list[RatedSession]]
) -> pl.DataFrame:
    """``patient, session, score, date`` of the chosen series of every episode."""
    return _stacked(
        episodes,
        lambda e: [(r.number, r.score, r.day) for r in series(e)],
        {"patient": pl.Int64, "session": pl.Int64, "score": pl.Float64, "date": pl.String},
    )


def sessions_table(episodes: Iterable[EpisodeInputs]) -> pl.DataFrame:
    return _stacked(
        episodes,
        lambda e: [(s.day, s.status) for s in e.sessions],
        {"patient": pl.Int64, "date": pl.Date, "status": pl.String},
    )


def measures_table(episodes: Iterable[EpisodeInputs]) -> pl.DataFrame:
    return _stacked(
        episodes,
        lambda e: e.measures_due,
        {"patient": pl.Int64, "due": pl.Date, "returned": pl.Boolean},
    )


def fills_table(episodes: Iterable[EpisodeInputs]) -> pl.DataFrame:
    return _stacked(
        episodes,
        lambda e: e.fills,
        {"patient": pl.Int64, "date": pl.Date, "days_supply": pl.Float64, "medication": pl.String},
    )


def confirmations_table(episodes: Iterable[EpisodeInputs]) -> pl.DataFrame:
    return _stacked(
        episodes,
        lambda e: e.doses,
        {"patient": pl.Int64, "scheduled": pl.Date, "confirmed": pl.Boolean},
    )


def bars_table(episodes: Iterable[EpisodeInputs]) -> pl.DataFrame:
    return _stacked(
        episodes, lambda e: e.bars, {"patient": pl.Int64, "date": pl.Date, "score": pl.Float64}
    )
