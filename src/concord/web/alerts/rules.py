"""Which alerts an episode should have now: the core's signals turned into findings.

Every number comes from :mod:`concord.analytics.risk` and
:mod:`concord.analytics.trajectories` (computed for many episodes at once by
:mod:`concord.web.alerts.evaluation`), and the reliable patient-clinician difference of
:mod:`concord.web.measures.alliance`, itself the core's reliable-change criterion. This
module only *selects* signals that hold now and maps them to an alert kind, a rule id, a
priority code and JSON evidence. Kinds, rules and sources: docs/alerts.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from concord.analytics.risk import COMBINATION_RULES, combined_risk
from concord.analytics.trajectories import AllianceDrop, LowAlliance, RuptureRepairEpisode
from concord.web.alerts.adherence_rules import adherence_findings
from concord.web.alerts.evaluation import EpisodeSignals
from concord.web.alerts.evidence import (
    SOURCES,
    Finding,
    evidence,
    finding,
    session_chart,
    signal_json,
)
from concord.web.alerts.inputs import EpisodeInputs
from concord.web.alerts.models import AlertKind
from concord.web.alerts.rule_settings import (
    ENGAGEMENT_SETTINGS,
    INSTRUMENT_NAMES,
    RUPTURE_CRITERION,
)


def alliance_findings(inputs: EpisodeInputs, signals: EpisodeSignals) -> list[Finding]:
    """Low level and drop at the latest rated session; an unrepaired strict rupture."""
    code = inputs.alliance_code
    if code is None or not inputs.alliance:
        return []
    last = inputs.alliance[-1].number
    label = f"{INSTRUMENT_NAMES.get(code, code)} total"
    findings: list[Finding] = []
    for event in signals.alliance:
        if isinstance(event, LowAlliance) and event.session == last:
            chart = session_chart(inputs.alliance, label, [last], event.threshold)
            found = evidence(inputs, event, key=f"session:{last}", marked=[last], chart=chart)
            findings.append(finding(AlertKind.LOW_ALLIANCE, f"{event.rule}:{code}", found))
        elif isinstance(event, AllianceDrop) and event.session == last:
            marked = sorted({event.previous_session, event.session})
            chart = session_chart(inputs.alliance, label, marked)
            found = evidence(inputs, event, key=f"session:{last}", marked=marked, chart=chart)
            findings.append(finding(AlertKind.ALLIANCE_DROP, f"{event.rule}:{code}", found))
        elif (
            isinstance(event, RuptureRepairEpisode)
            and not event.repaired
            and event.criterion == RUPTURE_CRITERION
        ):
            marked = [
                r.number
                for r in inputs.alliance
                if event.start_session <= r.number <= event.end_session
            ]
            chart = session_chart(inputs.alliance, label, marked, event.cut_off)
            found = evidence(
                inputs,
                event,
                key=f"rupture_from:{event.start_session}",
                marked=marked,
                chart=chart,
            )
            findings.append(
                finding(AlertKind.RUPTURE, f"{event.rule}:{event.criterion}:{code}", found)
            )
    return findings


def disagreement_findings(inputs: EpisodeInputs, thresholds: dict[str, float]) -> list[Finding]:
    """Patient (WAI-SR) and clinician (WAI-SRT) beyond the reliable difference, at the latest
    session both rated."""
    both = [
        s
        for s in inputs.sessions
        if {"patient", "clinician"} <= set(inputs.perspectives.get(s.pk, {}))
    ]
    if not both or not thresholds:
        return []
    session = both[-1]
    views = inputs.perspectives[session.pk]
    beyond = []
    for scale, limit in sorted(thresholds.items()):
        p, c = views["patient"].get(scale), views["clinician"].get(scale)
        if p is not None and c is not None and abs(p - c) > limit:
            beyond.append(
                {"scale": scale, "patient": p, "clinician": c, "difference": p - c, "limit": limit}
            )
    if not beyond:
        return []
    number = inputs.numbers[session.pk]
    rule = "patient_clinician_reliable_difference"
    points = [
        [
            inputs.numbers[s.pk],
            s.scheduled_at.date().isoformat(),
            inputs.perspectives[s.pk]["patient"]["total"],
        ]
        for s in both
        if "total" in inputs.perspectives[s.pk]["patient"]
    ]
    chart = {
        "label": "WAI-SR total (patient)",
        "points": points,
        "marked": [number],
        "threshold": None,
    }
    found = evidence(
        inputs,
        None,
        key=f"session:{number}",
        marked=[number],
        chart=chart,
        rule=rule,
        scales=beyond,
    )
    return [finding(AlertKind.DISAGREEMENT, rule, found)]


def outcome_findings(
    inputs: EpisodeInputs, signals: EpisodeSignals, model: dict[str, Any] | None
) -> list[Finding]:
    """PHQ-9 worse than the clinic's expected recovery curve at the latest scored session.

    ``model``: which stored fit of the clinic's curves judged it (shown on the alert page).
    """
    findings = []
    for event in signals.off_track:
        marked = [event.baseline_session, event.session]
        chart = session_chart(inputs.outcome, "PHQ-9 total", marked, event.boundary)
        found = evidence(
            inputs, event, key=f"session:{event.session}", marked=marked, chart=chart, model=model
        )
        findings.append(finding(AlertKind.NOT_ON_TRACK, event.rule, found))
    return findings


def engagement_findings(
    inputs: EpisodeInputs, signals: EpisodeSignals, as_of: date
) -> list[Finding]:
    """Engagement score of the core: ``high`` is drop-out risk, ``moderate`` missed sessions."""
    due = [
        s
        for s in inputs.sessions
        if s.status in ("attended", "no_show", "cancelled_by_patient")
        and s.scheduled_at.date() <= as_of
    ][-ENGAGEMENT_SETTINGS.recent_due :]
    missed = [inputs.numbers[s.pk] for s in due if s.status != "attended"]
    findings = []
    for event in signals.engagement:
        if event.level == "low":
            continue
        kind = AlertKind.DROPOUT_RISK if event.level == "high" else AlertKind.MISSED_SESSIONS
        points = [
            [
                inputs.numbers[s.pk],
                s.scheduled_at.date().isoformat(),
                1.0 if s.status == "attended" else 0.0,
            ]
            for s in due
        ]
        chart = {
            "label": "Attended (1) or missed (0)",
            "points": points,
            "marked": missed,
            "threshold": None,
        }
        found = evidence(
            inputs,
            event,
            key=f"{event.level}:{','.join(map(str, missed))}",
            marked=missed,
            chart=chart,
        )
        findings.append(finding(kind, f"{event.rule}:{event.level}", found))
    return findings


def combined_findings(signals: EpisodeSignals) -> list[Finding]:
    """The core's combination rules that join two signals (alliance, adherence, outcome)."""
    findings = []
    for priority in combined_risk(
        signals.falling, signals.adherence, signals.off_track, signals.engagement
    ):
        for rule in priority.rules:
            if "_with_" not in rule:
                continue
            code, _rank = COMBINATION_RULES[rule]
            found = {
                "rule": priority.rule,
                "source": SOURCES["combined_risk"],
                "key": rule,
                "signal": {"rules": list(priority.rules), "priority": priority.priority},
                "signals": [signal_json(s) for s in priority.evidence],
                "sessions": [],
                "chart": None,
            }
            findings.append(finding(AlertKind.COMBINED, rule, found, priority=code))
    return findings


def findings_for(
    inputs: EpisodeInputs,
    signals: EpisodeSignals,
    as_of: date,
    *,
    thresholds: dict[str, float],
    model: dict[str, Any] | None = None,
) -> list[Finding]:
    """Every alert the episode should have on ``as_of``, from its core signals."""
    return [
        *alliance_findings(inputs, signals),
        *disagreement_findings(inputs, thresholds),
        *outcome_findings(inputs, signals, model),
        *adherence_findings(inputs, signals),
        *engagement_findings(inputs, signals, as_of),
        *combined_findings(signals),
    ]
