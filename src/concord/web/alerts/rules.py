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
from concord.web.alerts.adherence_rules import adherence_findings, evidence_day
from concord.web.alerts.evaluation import EpisodeSignals
from concord.web.alerts.evidence import (
    SOURCES,
    Finding,
    evidence,
    finding,
    session_chart,
    signal_json,
)
from concord.web.alerts.evidence_charts import (
    attendance_chart,
    due_sessions,
    falling_chart,
    falling_latest_session,
    lead_chart,
    measures_chart,
)
from concord.web.alerts.inputs import EpisodeInputs
from concord.web.alerts.models import AlertKind
from concord.web.alerts.rule_settings import INSTRUMENT_NAMES, RUPTURE_CRITERION


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
    """Engagement score of the core: ``high`` is drop-out risk, ``moderate`` missed sessions.

    The evidence draws every part of the score that counted: the due sessions with the
    no-shows and patient cancellations marked, the alliance with the sessions of its fall
    marked, the measures due with the unreturned ones marked (the first chart with a marked
    point is drawn first)."""
    due = due_sessions(inputs, as_of)
    missed = [inputs.numbers[s.pk] for s in due if s.status != "attended"]
    findings = []
    for event in signals.engagement:
        if event.level == "low":
            continue
        kind = AlertKind.DROPOUT_RISK if event.level == "high" else AlertKind.MISSED_SESSIONS
        charts = [attendance_chart(inputs, due)] if due else []
        marked = list(missed)
        if event.alliance_falling and signals.falling:
            chart = falling_chart(inputs, signals.falling[0])
            charts.append(chart)
            marked += chart["marked"]
        if event.unreturned_measures:
            charts.append(measures_chart(inputs, event))
        lead, others = lead_chart(charts)
        found = evidence(
            inputs,
            event,
            key=f"{event.level}:{','.join(map(str, missed))}",
            marked=sorted(set(marked)),
            chart=lead,
            other_charts=others,
        )
        findings.append(finding(kind, f"{event.rule}:{event.level}", found))
    return findings


#: The signals each combination rule joins (the core's COMBINATION_RULES).
_JOINED = {
    "alliance_falling_with_nonadherence": ("alliance_falling", "nonadherence"),
    "alliance_falling_with_not_on_track": ("alliance_falling", "not_on_track"),
    "nonadherence_with_not_on_track": ("nonadherence", "not_on_track"),
}


def combined_findings(
    inputs: EpisodeInputs,
    signals: EpisodeSignals,
    adherence: list[Finding],
    outcome: list[Finding],
) -> list[Finding]:
    """The core's combination rules that join two signals (alliance, adherence, outcome).

    The evidence draws each joined signal as its own alert does (the alliance with the
    sessions of its fall marked, every non-adherence chart, the PHQ-9 against the expected
    curve). The key is the latest day of the evidence (a session's day, a window's last
    day, the start of a supply gap, the latest missed dose, a BARS rating): a new drop, a
    new window, another gap opens an acknowledged alert again; the same evidence does not.
    """
    findings = []
    for priority in combined_risk(
        signals.falling, signals.adherence, signals.off_track, signals.engagement
    ):
        for rule in priority.rules:
            if rule not in _JOINED:
                continue
            code, _rank = COMBINATION_RULES[rule]
            charts: list[dict[str, Any]] = []
            marked: set[int] = set()
            days: list[date] = []
            for part in _JOINED[rule]:
                if part == "alliance_falling":
                    for falling in signals.falling:
                        chart = falling_chart(inputs, falling)
                        charts.append(chart)
                        marked |= set(chart["marked"])
                        session = inputs.session_of(falling_latest_session(falling))
                        days += [session.day] if session is not None else []
                elif part == "nonadherence":
                    charts += [f.evidence["chart"] for f in adherence if f.evidence["chart"]]
                    days += [evidence_day(inputs, s) for s in signals.adherence]
                else:
                    charts += [f.evidence["chart"] for f in outcome]
                    marked |= {n for f in outcome for n in f.evidence["chart"]["marked"]}
                    for event in signals.off_track:
                        session = inputs.session_of(event.session)
                        days += [session.day] if session is not None else []
            lead, others = lead_chart(charts)
            found = evidence(
                inputs,
                None,
                key=f"latest:{max(days).isoformat()}" if days else rule,
                marked=sorted(marked),
                chart=lead,
                source=SOURCES["combined_risk"],
                rule=priority.rule,
                other_charts=others,
            )
            found["signal"] = {"rules": list(priority.rules), "priority": priority.priority}
            found["signals"] = [signal_json(s) for s in priority.evidence]
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
    outcome = outcome_findings(inputs, signals, model)
    adherence = adherence_findings(inputs, signals)
    return [
        *alliance_findings(inputs, signals),
        *disagreement_findings(inputs, thresholds),
        *outcome,
        *adherence,
        *engagement_findings(inputs, signals, as_of),
        *combined_findings(inputs, signals, adherence, outcome),
    ]
