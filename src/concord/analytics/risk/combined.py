"""Combined risk: one priority per patient from alliance, adherence, outcome and engagement.

Signals in (each a typed event with a ``patient``):

* ``alliance_falling`` (:class:`~concord.analytics.risk.alliance_trend.AllianceFalling`);
* non-adherence (any :data:`~concord.analytics.risk.adherence_signals.AdherenceSignal`:
  below threshold, drop, supply exhausted, missed confirmations, BARS < 70);
* ``outcome_not_on_track``
  (:class:`~concord.analytics.trajectories.not_on_track.OutcomeNotOnTrack`);
* ``engagement_risk`` (:class:`~concord.analytics.risk.engagement.EngagementRisk`, level
  ``high`` or ``moderate``).

Combination rules, first match per rule, the patient's priority is the best (lowest rank)
of the rules that fire; every rule that fires is listed (sources in docs/analytics/risk.md):

=============================================  ===========  ====
rule code                                      priority     rank
=============================================  ===========  ====
``alliance_falling_with_nonadherence``         ``highest``  1
``alliance_falling_with_not_on_track``         ``highest``  1
``nonadherence_with_not_on_track``             ``high``     2
``not_on_track``                               ``high``     2
``engagement_high``                            ``high``     2
``alliance_falling``                           ``moderate`` 3
``nonadherence``                               ``moderate`` 3
``engagement_moderate``                        ``low``      4
=============================================  ===========  ====

Priorities are codes; the web layer translates them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from concord.analytics.risk.adherence_signals import AdherenceSignal
from concord.analytics.risk.alliance_trend import AllianceFalling
from concord.analytics.risk.engagement import EngagementRisk
from concord.analytics.trajectories.not_on_track import OutcomeNotOnTrack

PatientId = str | int
Priority = Literal["highest", "high", "moderate", "low"]
Signal = AllianceFalling | AdherenceSignal | OutcomeNotOnTrack | EngagementRisk

#: rule code -> (priority, rank)
COMBINATION_RULES: dict[str, tuple[Priority, int]] = {
    "alliance_falling_with_nonadherence": ("highest", 1),
    "alliance_falling_with_not_on_track": ("highest", 1),
    "nonadherence_with_not_on_track": ("high", 2),
    "not_on_track": ("high", 2),
    "engagement_high": ("high", 2),
    "alliance_falling": ("moderate", 3),
    "nonadherence": ("moderate", 3),
    "engagement_moderate": ("low", 4),
}

__all__ = ["COMBINATION_RULES", "RiskPriority", "combined_risk", "priorities_table"]


@dataclass(frozen=True)
class RiskPriority:
    """Rule ``combined_risk``: a patient's priority, the combination rules and the signals."""

    patient: PatientId
    priority: Priority
    rank: int
    rules: tuple[str, ...]
    evidence: tuple[Signal, ...]
    rule: str = field(default="combined_risk", init=False)


def _fired(signals: list[Signal]) -> list[str]:
    falling = any(isinstance(s, AllianceFalling) for s in signals)
    off_track = any(isinstance(s, OutcomeNotOnTrack) for s in signals)
    engagement = {s.level for s in signals if isinstance(s, EngagementRisk)}
    nonadherent = any(
        not isinstance(s, AllianceFalling | OutcomeNotOnTrack | EngagementRisk) for s in signals
    )
    fired = []
    if falling and nonadherent:
        fired.append("alliance_falling_with_nonadherence")
    if falling and off_track:
        fired.append("alliance_falling_with_not_on_track")
    if nonadherent and off_track:
        fired.append("nonadherence_with_not_on_track")
    if off_track:
        fired.append("not_on_track")
    if "high" in engagement:
        fired.append("engagement_high")
    if falling:
        fired.append("alliance_falling")
    if nonadherent:
        fired.append("nonadherence")
    if "moderate" in engagement:
        fired.append("engagement_moderate")
    return fired


def combined_risk(*signal_groups: Iterable[Signal]) -> tuple[RiskPriority, ...]:
    """Priorities of every patient with at least one signal, as a triage list.

    Pass the signal collections in any order (e.g. ``falling, adherence_events,
    not_on_track.events, engagement_events``). Engagement events with level ``low`` are
    ignored. Ordered by rank, then by the number of rules that fired (more first), then by
    first appearance.
    """
    by_patient: dict[PatientId, list[Signal]] = {}
    for group in signal_groups:
        for signal in group:
            if isinstance(signal, EngagementRisk) and signal.level == "low":
                continue
            by_patient.setdefault(signal.patient, []).append(signal)
    result = []
    for patient, signals in by_patient.items():
        fired = _fired(signals)
        priority, rank = min((COMBINATION_RULES[r] for r in fired), key=lambda item: item[1])
        result.append(
            RiskPriority(
                patient=patient,
                priority=priority,
                rank=rank,
                rules=tuple(fired),
                evidence=tuple(signals),
            )
        )
    order = {patient: i for i, patient in enumerate(by_patient)}
    result.sort(key=lambda p: (p.rank, -len(p.rules), order[p.patient]))
    return tuple(result)


def priorities_table(priorities: Iterable[RiskPriority]) -> pl.DataFrame:
    """``patient, priority, rank, rules, signals`` (rules and signal codes comma separated)."""
    rows = list(priorities)
    return pl.DataFrame(
        {
            "patient": [p.patient for p in rows],
            "priority": [p.priority for p in rows],
            "rank": [p.rank for p in rows],
            "rules": [",".join(p.rules) for p in rows],
            "signals": [",".join(dict.fromkeys(s.rule for s in p.evidence)) for p in rows],
        },
        strict=False,
    )
