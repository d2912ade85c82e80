"""``alliance_falling``: the alliance signals that say the relationship is getting worse now.

A patient's alliance is *falling* when, among the alliance events of
:func:`concord.analytics.trajectories.detect_alliance_signals`, there is

* an ``alliance_drop`` or a ``sudden_alliance_loss`` in the patient's last
  ``recent_sessions`` rated sessions (default 3), or
* an unrepaired ``rupture_repair`` episode of the ``strict`` criterion (2 SD; the
  ``rupture_criterion`` argument): the rating has not yet returned to the patient's
  reference level, so the episode runs to the last rating. Lenient (1 SD) episodes are
  not used by default: on a noisy series the last rating is 1 SD below the mean about
  one time in six, which made 27 % of stable simulated patients "falling"
  (docs/analytics/risk.md).

Repaired ruptures do not count: repair goes with better outcome (Eubanks, Muran & Safran
2018, r = .29), unrepaired ruptures with worse outcome (McLaughlin et al. 2014) and
unresolved ruptures with drop-out (Muran et al. 2009). A level below the concern threshold
alone is low, not falling; it is reported by its own rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from concord.analytics.trajectories import (
    AllianceDrop,
    AllianceEvent,
    AllianceSignals,
    AllianceSignalSettings,
    RuptureRepairEpisode,
    SuddenAllianceChange,
    detect_alliance_signals,
)
from concord.analytics.trajectories.alliance_events import PatientId, RuptureCriterion

__all__ = ["AllianceFalling", "falling_alliance", "falling_alliance_from_ratings"]


@dataclass(frozen=True)
class AllianceFalling:
    """Rule ``alliance_falling`` with the alliance events behind it."""

    patient: PatientId
    last_session: int
    recent_from_session: int
    evidence: tuple[AllianceEvent, ...]
    rule: str = field(default="alliance_falling", init=False)


def falling_alliance(
    signals: AllianceSignals,
    recent_from: Mapping[PatientId, int],
    last_session: Mapping[PatientId, int],
    *,
    rupture_criterion: RuptureCriterion = "strict",
) -> tuple[AllianceFalling, ...]:
    """Patients whose alliance is falling (module docstring).

    ``recent_from[p]`` is the first session of patient ``p``'s recent period and
    ``last_session[p]`` the last rated session (both from the ratings table).
    """
    found: dict[PatientId, list[AllianceEvent]] = {}
    for event in signals.events:
        start = recent_from.get(event.patient)
        if start is None:
            continue
        drop = isinstance(event, AllianceDrop) and event.session >= start
        loss = (
            isinstance(event, SuddenAllianceChange)
            and event.kind == "loss"
            and event.post_session >= start
        )
        ongoing = (
            isinstance(event, RuptureRepairEpisode)
            and not event.repaired
            and event.criterion == rupture_criterion
        )
        recent = drop or loss or ongoing
        if recent:
            found.setdefault(event.patient, []).append(event)
    return tuple(
        AllianceFalling(
            patient=patient,
            last_session=last_session[patient],
            recent_from_session=recent_from[patient],
            evidence=tuple(events),
        )
        for patient, events in found.items()
    )


def falling_alliance_from_ratings(
    ratings: pl.DataFrame,
    settings: AllianceSignalSettings,
    *,
    recent_sessions: int = 3,
    rupture_criterion: RuptureCriterion = "strict",
    patient: str = "patient",
    session: str = "session",
    score: str = "score",
) -> tuple[AllianceFalling, ...]:
    """Detect alliance signals in a long table and keep the falling ones."""
    signals = detect_alliance_signals(
        ratings, settings, patient=patient, session=session, score=score
    )
    rated = (
        ratings.select(
            pl.col(patient).alias("patient"),
            pl.col(session).cast(pl.Int64).alias("session"),
            pl.col(score).alias("score"),
        )
        .filter(pl.col("score").is_not_null())
        .sort(["patient", "session"])
        .group_by("patient", maintain_order=True)
        .agg(
            pl.col("session").last().alias("last"),
            pl.col("session").tail(recent_sessions).first().alias("recent_from"),
        )
    )
    recent_from = dict(zip(rated["patient"].to_list(), rated["recent_from"].to_list(), strict=True))
    last = dict(zip(rated["patient"].to_list(), rated["last"].to_list(), strict=True))
    return falling_alliance(signals, recent_from, last, rupture_criterion=rupture_criterion)
