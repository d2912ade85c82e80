"""Which alerts an episode should have now: the core's signals turned into findings.

Every number comes from :mod:`concord.analytics.risk` and
:mod:`concord.analytics.trajectories` (and the reliable patient-clinician difference of
:mod:`concord.web.measures.alliance`, itself the core's reliable-change criterion). This
module only *selects* signals that hold now and maps them to an alert kind, a rule id, a
priority code and JSON evidence. Kinds, rules and sources: docs/alerts.md.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from concord.analytics.risk import (
    COMBINATION_RULES,
    AdherenceSignalSettings,
    BarsBelowThreshold,
    EngagementRiskSettings,
    SupplyExhausted,
    adherence_signals,
    combined_risk,
    engagement_risk,
    falling_alliance,
)
from concord.analytics.trajectories import (
    AllianceDrop,
    AllianceSignalSettings,
    LowAlliance,
    RuptureRepairEpisode,
    detect_alliance_signals,
)
from concord.analytics.trajectories.alliance_events import RuptureCriterion
from concord.analytics.trajectories.not_on_track import (
    NotOnTrackSettings,
    RecoveryCurveModel,
    flag_not_on_track,
)
from concord.web.alerts.inputs import EpisodeInputs, RatedSession
from concord.web.alerts.models import PRIORITY_RANK, AlertKind

#: Alliance rule settings per patient-rated instrument. SRS: concern below 36 and a drop of
#: at least 3 points (ClinicRiskSettings' defaults, Duncan et al. 2003; Miller et al.).
#: WAI-SR (1-5 item mean): no published cut-off, so no level rule; a fall of a whole
#: scale point (a quarter of the range) counts as a drop.
ALLIANCE_SETTINGS = {
    "srs": AllianceSignalSettings(concern_threshold=36.0, min_drop=3.0, scale_maximum=40.0),
    "waisr": AllianceSignalSettings(concern_threshold=None, min_drop=1.0, scale_maximum=5.0),
}
INSTRUMENT_NAMES = {"srs": "SRS", "waisr": "WAI-SR"}
RUPTURE_CRITERION: RuptureCriterion = "strict"  # as the core's alliance_falling rule (2 SD)
RECENT_ALLIANCE_SESSIONS = 3
ADHERENCE_SETTINGS = AdherenceSignalSettings()
ENGAGEMENT_SETTINGS = EngagementRiskSettings()
NOT_ON_TRACK_SETTINGS = NotOnTrackSettings(max_fit_patients=1000)

#: kind -> priority code when the kind is not itself a combination rule of the core.
KIND_PRIORITY = {
    AlertKind.RUPTURE: COMBINATION_RULES["alliance_falling"][0],
    AlertKind.ALLIANCE_DROP: COMBINATION_RULES["alliance_falling"][0],
    AlertKind.LOW_ALLIANCE: "low",
    AlertKind.DISAGREEMENT: "low",
    AlertKind.NON_ADHERENCE: COMBINATION_RULES["nonadherence"][0],
    AlertKind.NOT_ON_TRACK: COMBINATION_RULES["not_on_track"][0],
    AlertKind.DROPOUT_RISK: COMBINATION_RULES["engagement_high"][0],
    AlertKind.MISSED_SESSIONS: COMBINATION_RULES["engagement_moderate"][0],
}

SOURCES = {
    "alliance_below_threshold": "Duncan et al. (2003) J Brief Ther 3(1) 3-12: SRS below 36",
    "alliance_drop": "PCOMS feedback rule: a fall from the previous session (Miller, Duncan)",
    "rupture_repair": (
        "Stiles et al. (2004) J Couns Psychol 51(1) 81-92; Gumz et al. (2012) BMC Med Res "
        "Methodol 12:10 (V-episodes, 2 SD); Eubanks, Muran & Safran (2018)"
    ),
    "patient_clinician_reliable_difference": (
        "Jacobson & Truax (1991) reliable difference, SD pooled at the clinic, r = .80 "
        "(Munder et al. 2010)"
    ),
    "outcome_not_on_track": (
        "Lambert et al. (2003); Whipple et al. (2003): expected recovery curve, 90th percentile"
    ),
    "adherence_below_threshold": "CMA/PDC below 0.80 (docs/analytics/risk.md)",
    "adherence_drop": "Sliding-window CMA drop of 0.20 (docs/analytics/risk.md)",
    "supply_exhausted": "Refill gap beyond a 7-day grace period (PQA PDC shifting)",
    "missed_dose_confirmations": "Dose confirmations missed in 14 days (docs/analytics/risk.md)",
    "bars_below_threshold": "Byerly et al. (2008) BARS below 70 %",
    "engagement_risk": "Engagement score, weights in docs/analytics/risk.md",
    "combined_risk": "Combination rules of docs/analytics/risk.md",
}


@dataclass(frozen=True)
class Finding:
    """One alert that should be live: its identity, priority and evidence."""

    kind: str
    rule: str
    priority: str
    evidence: dict[str, Any]

    @property
    def rank(self) -> int:
        return PRIORITY_RANK[self.priority]


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def signal_json(signal: Any) -> dict[str, Any]:
    """A core signal as JSON-safe values (nested evidence as a list of rule codes)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(signal):
        value = getattr(signal, f.name)
        if f.name == "evidence":
            out[f.name] = [getattr(e, "rule", type(e).__name__) for e in value]
        else:
            out[f.name] = _json(value)
    return out


def _chart(
    inputs: EpisodeInputs,
    rated: list[RatedSession],
    label: str,
    marked: list[int],
    threshold: float | None = None,
) -> dict[str, Any]:
    return {
        "label": label,
        "points": [[r.number, r.day, r.score] for r in rated],
        "marked": marked,
        "threshold": threshold,
    }


def _evidence(
    inputs: EpisodeInputs,
    signal: Any,
    *,
    key: str,
    marked: list[int] | None = None,
    chart: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    marked = marked or []
    sessions = [inputs.session_of(n) for n in marked]
    return {
        "rule": signal.rule if signal is not None else extra.get("rule", ""),
        "source": SOURCES.get(signal.rule if signal is not None else extra.get("rule", ""), ""),
        "key": key,
        "signal": signal_json(signal) if signal is not None else {},
        "sessions": [
            {"number": n, "session_id": s.pk, "date": s.scheduled_at.date().isoformat()}
            for n, s in zip(marked, sessions, strict=True)
            if s is not None
        ],
        "chart": chart,
        **{k: _json(v) for k, v in extra.items() if k != "rule"},
    }


def _finding(kind: str, rule: str, evidence: dict[str, Any], priority: str = "") -> Finding:
    return Finding(kind, rule, priority or KIND_PRIORITY[AlertKind(kind)], evidence)


def alliance_findings(inputs: EpisodeInputs) -> tuple[list[Finding], list[Any]]:
    """Low level and drop at the latest rated session; an unrepaired strict rupture.

    Returns the findings and the core's ``AllianceFalling`` signals (for the combined rule).
    """
    code = inputs.alliance_code
    if code is None or not inputs.alliance:
        return [], []
    settings = ALLIANCE_SETTINGS[code]
    table = inputs.ratings_table(inputs.alliance)
    signals = detect_alliance_signals(table, settings, date="date")
    last = inputs.alliance[-1].number
    recent = inputs.alliance[-RECENT_ALLIANCE_SESSIONS:][0].number
    falling = list(
        falling_alliance(
            signals,
            {inputs.key: recent},
            {inputs.key: last},
            rupture_criterion=RUPTURE_CRITERION,
        )
    )
    label = f"{INSTRUMENT_NAMES.get(code, code)} total"
    findings: list[Finding] = []
    for event in signals.events:
        if isinstance(event, LowAlliance) and event.session == last:
            chart = _chart(inputs, inputs.alliance, label, [last], event.threshold)
            evidence = _evidence(inputs, event, key=f"session:{last}", marked=[last], chart=chart)
            findings.append(_finding(AlertKind.LOW_ALLIANCE, f"{event.rule}:{code}", evidence))
        elif isinstance(event, AllianceDrop) and event.session == last:
            marked = sorted({event.previous_session, event.session})
            chart = _chart(inputs, inputs.alliance, label, marked)
            evidence = _evidence(inputs, event, key=f"session:{last}", marked=marked, chart=chart)
            findings.append(_finding(AlertKind.ALLIANCE_DROP, f"{event.rule}:{code}", evidence))
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
            chart = _chart(inputs, inputs.alliance, label, marked, event.cut_off)
            evidence = _evidence(
                inputs,
                event,
                key=f"rupture_from:{event.start_session}",
                marked=marked,
                chart=chart,
            )
            findings.append(
                _finding(AlertKind.RUPTURE, f"{event.rule}:{event.criterion}:{code}", evidence)
            )
    return findings, falling


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
            inputs.perspectives[s.pk][who]["total"],
        ]
        for s in both
        for who in ("patient",)
        if "total" in inputs.perspectives[s.pk][who]
    ]
    chart = {
        "label": "WAI-SR total (patient)",
        "points": points,
        "marked": [number],
        "threshold": None,
    }
    evidence = _evidence(
        inputs,
        None,
        key=f"session:{number}",
        marked=[number],
        chart=chart,
        rule=rule,
        scales=beyond,
    )
    return [_finding(AlertKind.DISAGREEMENT, rule, evidence)]


def outcome_findings(
    inputs: EpisodeInputs, model: RecoveryCurveModel | None
) -> tuple[list[Finding], list[Any]]:
    """PHQ-9 worse than the clinic's expected recovery curve at the latest scored session."""
    if model is None or len(inputs.outcome) < 2:
        return [], []
    result = flag_not_on_track(
        inputs.ratings_table(inputs.outcome), NOT_ON_TRACK_SETTINGS, model=model
    )
    findings = []
    for event in result.events:
        marked = [event.baseline_session, event.session]
        chart = _chart(inputs, inputs.outcome, "PHQ-9 total", marked, event.boundary)
        evidence = _evidence(
            inputs, event, key=f"session:{event.session}", marked=marked, chart=chart
        )
        findings.append(_finding(AlertKind.NOT_ON_TRACK, event.rule, evidence))
    return findings, list(result.events)


def adherence_findings(inputs: EpisodeInputs, as_of: date) -> tuple[list[Finding], list[Any]]:
    """Every non-adherence signal of the core that holds on ``as_of``, one alert per rule."""
    signals = adherence_signals(
        as_of,
        ADHERENCE_SETTINGS,
        fills=inputs.fills_table(),
        confirmations=inputs.confirmations_table(),
        bars=inputs.bars_table(),
    )
    findings = []
    for signal in signals:
        chart = None
        if isinstance(signal, SupplyExhausted):
            key = f"fill:{signal.last_fill_date.isoformat()}:{signal.medication or ''}"
            rule = f"{signal.rule}:{signal.medication or ''}"
        elif isinstance(signal, BarsBelowThreshold):
            key, rule = f"bars:{signal.date.isoformat()}", signal.rule
            points = [[i, d.isoformat(), s] for i, (d, s) in enumerate(inputs.bars, start=1)]
            chart = {
                "label": "BARS adherence estimate (%)",
                "points": points,
                "marked": [len(points)],
                "threshold": signal.threshold,
            }
        else:
            key, rule = signal.rule, signal.rule
        evidence = _evidence(inputs, signal, key=key, chart=chart)
        findings.append(_finding(AlertKind.NON_ADHERENCE, rule[:80], evidence))
    return findings, list(signals)


def engagement_findings(
    inputs: EpisodeInputs, as_of: date, falling: list[Any]
) -> tuple[list[Finding], list[Any]]:
    """Engagement score of the core: ``high`` is drop-out risk, ``moderate`` missed sessions."""
    if not inputs.sessions:
        return [], []
    events = engagement_risk(
        inputs.sessions_table(),
        as_of,
        ENGAGEMENT_SETTINGS,
        measures=inputs.measures_table(),
        alliance_falling=[f.patient for f in falling],
    )
    findings = []
    due = [
        s
        for s in inputs.sessions
        if s.status in ("attended", "no_show", "cancelled_by_patient")
        and s.scheduled_at.date() <= as_of
    ][-ENGAGEMENT_SETTINGS.recent_due :]
    missed = [inputs.numbers[s.pk] for s in due if s.status != "attended"]
    for event in events:
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
        evidence = _evidence(
            inputs,
            event,
            key=f"{event.level}:{','.join(map(str, missed))}",
            marked=missed,
            chart=chart,
        )
        findings.append(_finding(kind, f"{event.rule}:{event.level}", evidence))
    return findings, list(events)


def combined_findings(inputs: EpisodeInputs, *signal_groups: list[Any]) -> list[Finding]:
    """The core's combination rules that join two signals (alliance, adherence, outcome)."""
    findings = []
    for priority in combined_risk(*signal_groups):
        for rule in priority.rules:
            if "_with_" not in rule:
                continue
            code, _rank = COMBINATION_RULES[rule]
            evidence = {
                "rule": priority.rule,
                "source": SOURCES["combined_risk"],
                "key": rule,
                "signal": {"rules": list(priority.rules), "priority": priority.priority},
                "signals": [signal_json(s) for s in priority.evidence],
                "sessions": [],
                "chart": None,
            }
            findings.append(_finding(AlertKind.COMBINED, rule, evidence, priority=code))
    return findings


def findings_for(
    inputs: EpisodeInputs,
    as_of: date,
    *,
    thresholds: dict[str, float],
    outcome_model: RecoveryCurveModel | None,
) -> list[Finding]:
    """Every alert the episode should have on ``as_of``."""
    alliance, falling = alliance_findings(inputs)
    outcome, off_track = outcome_findings(inputs, outcome_model)
    adherence, nonadherence = adherence_findings(inputs, as_of)
    engagement, engaged = engagement_findings(inputs, as_of, falling)
    combined = combined_findings(inputs, falling, nonadherence, off_track, engaged)
    return [
        *alliance,
        *disagreement_findings(inputs, thresholds),
        *outcome,
        *adherence,
        *engagement,
        *combined,
    ]
