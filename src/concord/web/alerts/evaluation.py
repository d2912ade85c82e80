"""The core's signals for many episodes at once: one call of each rule per batch.

The risk and trajectory rules of :mod:`concord.analytics` take long tables with a patient
column and work patient by patient, so the signals of a batch of episodes are the
signals each episode would get alone; the batch only saves the fixed cost of each call.
:func:`evaluate` returns them per episode; :mod:`concord.web.alerts.rules` turns them into
alerts. Settings of every rule: :mod:`concord.web.alerts.rule_settings`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from concord.analytics.risk import (
    AdherenceBelowThreshold,
    AdherenceDrop,
    AllianceFalling,
    EngagementRisk,
    adherence_below_threshold,
    adherence_drops,
    adherence_signals,
    engagement_risk,
    falling_alliance,
)
from concord.analytics.risk.adherence_signals import AdherenceSignal
from concord.analytics.trajectories import (
    AllianceEvent,
    AllianceSignals,
    RuptureRepairEpisode,
    detect_alliance_signals,
)
from concord.analytics.trajectories.alliance_events import AllianceDrop, PatientId
from concord.analytics.trajectories.not_on_track import (
    OutcomeNotOnTrack,
    RecoveryCurveModel,
    flag_not_on_track,
)
from concord.web.alerts import inputs as alert_inputs
from concord.web.alerts.inputs import EpisodeInputs
from concord.web.alerts.refill_windows import ClassWindows, windows_table
from concord.web.alerts.rule_settings import (
    ADHERENCE_SETTINGS,
    ALLIANCE_SETTINGS,
    ENGAGEMENT_SETTINGS,
    FALLING_MIN_DROP,
    NOT_ON_TRACK_SETTINGS,
    RECENT_ALLIANCE_SESSIONS,
    REFILL_MEASURE,
    RUPTURE_CRITERION,
    RUPTURE_GUARDS,
)


@dataclass(frozen=True)
class WindowSignal:
    """A sliding-window rule that fired, with the class and windows it fired on."""

    signal: AdherenceBelowThreshold | AdherenceDrop
    windows: ClassWindows


@dataclass
class EpisodeSignals:
    """The core's signals of one episode (everything computed from its own data)."""

    alliance: list[AllianceEvent] = field(default_factory=list)
    falling: list[AllianceFalling] = field(default_factory=list)
    off_track: list[OutcomeNotOnTrack] = field(default_factory=list)
    # in the core's order: windows below threshold, window drops, supply, doses, BARS
    adherence: list[AdherenceSignal] = field(default_factory=list)
    refill: list[WindowSignal] = field(default_factory=list)
    engagement: list[EngagementRisk] = field(default_factory=list)


def without_guarded_ruptures(signals: AllianceSignals) -> AllianceSignals:
    """The core's alliance signals less the rupture episodes of every patient for whom it
    reports a guard of :data:`RUPTURE_GUARDS` (ceiling, zero variance): the core still
    searches for ruptures there (with the SD floor) and says they should be read with care;
    the clinic does not raise them. The guards themselves stay."""
    guarded = {g.patient for g in signals.guards() if g.code in RUPTURE_GUARDS}
    if not guarded:
        return signals
    kept = tuple(
        e
        for e in signals.events
        if not (isinstance(e, RuptureRepairEpisode) and e.patient in guarded)
    )
    return AllianceSignals(events=kept, session_changes=signals.session_changes)


def _alliance(batch: list[EpisodeInputs], out: dict[int, EpisodeSignals]) -> None:
    """Alliance events and the falling alliance (which feeds engagement and combined risk),
    both without the ruptures the guards rule out."""
    for code, settings in ALLIANCE_SETTINGS.items():
        group = [e for e in batch if e.alliance_code == code and e.alliance]
        if not group:
            continue
        table = alert_inputs.ratings_table(group, lambda e: e.alliance)
        signals = without_guarded_ruptures(detect_alliance_signals(table, settings, date="date"))
        for event in signals.events:
            out[int(event.patient)].alliance.append(event)
        recent: dict[PatientId, int] = {
            e.key: e.alliance[-RECENT_ALLIANCE_SESSIONS:][0].number for e in group
        }
        last: dict[PatientId, int] = {e.key: e.alliance[-1].number for e in group}
        # Only a fall of FALLING_MIN_DROP points makes the alliance falling; smaller drops
        # are alerts of their own (alliance_drop), not escalated.
        large = AllianceSignals(
            events=tuple(
                e
                for e in signals.events
                if not (isinstance(e, AllianceDrop) and -e.change < FALLING_MIN_DROP[code] - 1e-9)
            ),
            session_changes=signals.session_changes,
        )
        for falling in falling_alliance(large, recent, last, rupture_criterion=RUPTURE_CRITERION):
            out[int(falling.patient)].falling.append(falling)


def _outcome(
    batch: list[EpisodeInputs], model: RecoveryCurveModel | None, out: dict[int, EpisodeSignals]
) -> None:
    group = [e for e in batch if len(e.outcome) >= 2]
    if model is None or not group:
        return
    table = alert_inputs.ratings_table(group, lambda e: e.outcome)
    for event in flag_not_on_track(table, NOT_ON_TRACK_SETTINGS, model=model).events:
        out[int(event.patient)].off_track.append(event)


def _windows(batch: list[EpisodeInputs], as_of: date, out: dict[int, EpisodeSignals]) -> None:
    """Both sliding-window rules, one call per threshold (0.80; 0.90 for antiretrovirals)."""
    owners: list[tuple[int, ClassWindows]] = [
        (e.key, c) for e in batch for c in e.refill_windows if c.windows
    ]
    found: list[tuple[int, AdherenceBelowThreshold | AdherenceDrop]] = []
    for threshold in sorted({c.threshold for _, c in owners}):
        indexes = [i for i, (_, c) in enumerate(owners) if c.threshold == threshold]
        table = windows_table((i, owners[i][1]) for i in indexes)
        settings = dataclasses.replace(ADHERENCE_SETTINGS, threshold=threshold)
        for rule in (adherence_below_threshold, adherence_drops):
            found += [
                (int(s.patient), s) for s in rule(table, as_of, settings, measure=REFILL_MEASURE)
            ]
    # Per episode the core's order: every class below threshold, then every drop.
    found.sort(key=lambda item: (item[1].rule != "adherence_below_threshold", item[0]))
    for index, signal in found:
        key, windows = owners[index]
        mine = dataclasses.replace(signal, patient=key)
        out[key].adherence.append(mine)
        out[key].refill.append(WindowSignal(mine, windows))


def _adherence(batch: list[EpisodeInputs], as_of: date, out: dict[int, EpisodeSignals]) -> None:
    _windows(batch, as_of, out)

    def table(rows: bool, build: Any) -> pl.DataFrame | None:
        return build(batch) if rows else None

    signals = adherence_signals(
        as_of,
        ADHERENCE_SETTINGS,
        fills=table(any(e.fills for e in batch), alert_inputs.fills_table),
        confirmations=table(any(e.doses for e in batch), alert_inputs.confirmations_table),
        bars=table(any(e.bars for e in batch), alert_inputs.bars_table),
    )
    for signal in signals:
        out[int(signal.patient)].adherence.append(signal)


def _engagement(batch: list[EpisodeInputs], as_of: date, out: dict[int, EpisodeSignals]) -> None:
    group = [e for e in batch if e.sessions]
    if not group:
        return
    events = engagement_risk(
        alert_inputs.sessions_table(group),
        as_of,
        ENGAGEMENT_SETTINGS,
        measures=alert_inputs.measures_table(group),
        alliance_falling=[f.patient for e in group for f in out[e.key].falling],
    )
    for event in events:
        out[int(event.patient)].engagement.append(event)


def evaluate(
    batch: list[EpisodeInputs], as_of: date, model: RecoveryCurveModel | None
) -> dict[int, EpisodeSignals]:
    """Every core signal of every episode of the batch on ``as_of``.

    Raises the core's input errors (``AnalyticsInputError``) for the whole batch; the
    caller then evaluates the episodes one by one to find the one at fault.
    """
    out = {e.key: EpisodeSignals() for e in batch}
    _alliance(batch, out)
    _outcome(batch, model, out)
    _adherence(batch, as_of, out)
    _engagement(batch, as_of, out)
    return out
