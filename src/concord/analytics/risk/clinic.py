"""All risk signals of a clinic in one call (what the worker runs nightly and on new data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from concord.analytics.risk.adherence_signals import (
    AdherenceSignal,
    AdherenceSignalSettings,
    adherence_signals,
)
from concord.analytics.risk.alliance_trend import AllianceFalling, falling_alliance_from_ratings
from concord.analytics.risk.combined import RiskPriority, combined_risk
from concord.analytics.risk.engagement import (
    EngagementRisk,
    EngagementRiskSettings,
    engagement_risk,
)
from concord.analytics.trajectories import AllianceSignalSettings
from concord.analytics.trajectories.not_on_track import (
    NotOnTrackResult,
    NotOnTrackSettings,
    RecoveryCurveModel,
    flag_not_on_track,
)

__all__ = ["ClinicRisk", "ClinicRiskSettings", "clinic_risk"]


@dataclass(frozen=True)
class ClinicRiskSettings:
    """Settings of every rule; the not-on-track model is fitted on at most 1 000 patients."""

    alliance: AllianceSignalSettings = field(
        default_factory=lambda: AllianceSignalSettings(concern_threshold=36.0, min_drop=3.0)
    )
    recent_alliance_sessions: int = 3
    adherence: AdherenceSignalSettings = field(default_factory=AdherenceSignalSettings)
    engagement: EngagementRiskSettings = field(default_factory=EngagementRiskSettings)
    not_on_track: NotOnTrackSettings = field(
        default_factory=lambda: NotOnTrackSettings(max_fit_patients=1000)
    )


@dataclass(frozen=True, eq=False)
class ClinicRisk:
    """Every signal and the triage list."""

    priorities: tuple[RiskPriority, ...]
    alliance_falling: tuple[AllianceFalling, ...]
    adherence: tuple[AdherenceSignal, ...]
    not_on_track: NotOnTrackResult | None
    engagement: tuple[EngagementRisk, ...]


def clinic_risk(
    as_of: dt.date,
    settings: ClinicRiskSettings | None = None,
    *,
    sessions: pl.DataFrame | None = None,
    alliance: pl.DataFrame | None = None,
    outcome: pl.DataFrame | None = None,
    outcome_model: RecoveryCurveModel | None = None,
    measures: pl.DataFrame | None = None,
    windows: pl.DataFrame | None = None,
    measure: str = "CMA",
    fills: pl.DataFrame | None = None,
    confirmations: pl.DataFrame | None = None,
    bars: pl.DataFrame | None = None,
) -> ClinicRisk:
    """Compute every signal from the tables given (default column names) and combine them.

    ``alliance`` and ``outcome``: ``patient, session, score``; ``sessions``: ``patient,
    date, status``; ``measures``: ``patient, due, returned``; ``windows``, ``fills``,
    ``confirmations``, ``bars``: see :func:`~concord.analytics.risk.adherence_signals.
    adherence_signals`. Missing tables switch their rules off.
    """
    settings = settings or ClinicRiskSettings()
    falling: tuple[AllianceFalling, ...] = ()
    if alliance is not None:
        falling = falling_alliance_from_ratings(
            alliance, settings.alliance, recent_sessions=settings.recent_alliance_sessions
        )
    adherence = adherence_signals(
        as_of,
        settings.adherence,
        windows=windows,
        measure=measure,
        fills=fills,
        confirmations=confirmations,
        bars=bars,
    )
    off_track = None
    if outcome is not None:
        off_track = flag_not_on_track(outcome, settings.not_on_track, model=outcome_model)
    engagement: tuple[EngagementRisk, ...] = ()
    if sessions is not None:
        engagement = engagement_risk(
            sessions,
            as_of,
            settings.engagement,
            measures=measures,
            alliance_falling=[f.patient for f in falling],
        )
    priorities = combined_risk(
        falling, adherence, off_track.events if off_track else (), engagement
    )
    return ClinicRisk(
        priorities=priorities,
        alliance_falling=falling,
        adherence=adherence,
        not_on_track=off_track,
        engagement=engagement,
    )
