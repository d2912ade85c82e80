"""What an alert carries: :class:`Finding` (kind, rule id, priority, evidence) and the JSON
evidence built from the core's signals — the numbers, the sessions or windows involved,
the rule and its source, and the series drawn on the alert page."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from concord.analytics.risk import COMBINATION_RULES
from concord.web.alerts.inputs import EpisodeInputs, RatedSession
from concord.web.alerts.models import PRIORITY_RANK, AlertKind

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
    "adherence_below_threshold": (
        "PQA adherence threshold 0.80 applied to CMA7 in 90-day windows every 30 days "
        "(AdhereR CMA_sliding_window; Dima & Dediu 2017)"
    ),
    "adherence_below_threshold:antiretroviral": (
        "PQA PDC-ARV threshold 0.90 for antiretrovirals, applied to CMA7 in 90-day windows "
        "every 30 days (AdhereR CMA_sliding_window; Dima & Dediu 2017)"
    ),
    "adherence_drop": (
        "Design choice: CMA7 fell by 0.20 or more from the previous 90-day window "
        "(values capped at 1; docs/analytics/risk.md)"
    ),
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


def as_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    return value


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    if kind not in _FIELD_NAMES:
        _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return _FIELD_NAMES[kind]


def signal_json(signal: Any) -> dict[str, Any]:
    """A core signal as JSON-safe values (nested evidence as a list of rule codes)."""
    out: dict[str, Any] = {}
    for name in _field_names(type(signal)):
        value = getattr(signal, name)
        if name == "evidence":
            out[name] = [getattr(e, "rule", type(e).__name__) for e in value]
        else:
            out[name] = as_json(value)
    return out


def session_chart(
    rated: list[RatedSession], label: str, marked: list[int], threshold: float | None = None
) -> dict[str, Any]:
    return {
        "label": label,
        "points": [[r.number, r.day, r.score] for r in rated],
        "marked": marked,
        "threshold": threshold,
    }


def evidence(
    inputs: EpisodeInputs,
    signal: Any,
    *,
    key: str,
    marked: list[int] | None = None,
    chart: dict[str, Any] | None = None,
    source: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The evidence JSON: rule, source, key, the signal's numbers, the marked sessions."""
    marked = marked or []
    sessions = [inputs.session_of(n) for n in marked]
    rule = signal.rule if signal is not None else extra.get("rule", "")
    return {
        "rule": rule,
        "source": SOURCES.get(rule, "") if source is None else source,
        "key": key,
        "signal": signal_json(signal) if signal is not None else {},
        "sessions": [
            {"number": n, "session_id": s.pk, "date": s.scheduled_at.date().isoformat()}
            for n, s in zip(marked, sessions, strict=True)
            if s is not None
        ],
        "chart": chart,
        **{k: as_json(v) for k, v in extra.items() if k != "rule"},
    }


def finding(kind: str, rule: str, evidence: dict[str, Any], priority: str = "") -> Finding:
    return Finding(kind, rule, priority or KIND_PRIORITY[AlertKind(kind)], evidence)
