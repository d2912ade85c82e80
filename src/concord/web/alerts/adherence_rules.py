"""Non-adherence alerts: the core's adherence signals of an episode as findings.

One alert per rule (and medication class where the rule is per class):

* ``adherence_below_threshold:<class>`` / ``adherence_drop:<class>`` - CMA7 in the
  patient page's 90-day sliding windows (:mod:`concord.web.alerts.refill_windows`); the
  evidence lists every window of the class and draws them with the threshold;
* ``supply_exhausted:<class>``, ``missed_dose_confirmations``, ``bars_below_threshold``.

The evidence *key* says which data the alert is about (the latest window, the last fill,
the latest missed dose, the BARS rating): an acknowledged alert opens again when it
changes. Every alert has a chart with the points of the signal marked: the class's
windows, the supply timeline with the days without supply, the due doses with the missed
ones, the BARS ratings.
"""

from __future__ import annotations

from datetime import date

from concord.analytics.risk import (
    AdherenceBelowThreshold,
    AdherenceDrop,
    BarsBelowThreshold,
    MissedDoseConfirmations,
    SupplyExhausted,
)
from concord.analytics.risk.adherence_signals import AdherenceSignal
from concord.web.alerts.evaluation import EpisodeSignals, WindowSignal
from concord.web.alerts.evidence import SOURCES, Finding, evidence, finding
from concord.web.alerts.evidence_charts import doses_chart, latest_missed_dose, supply_chart
from concord.web.alerts.inputs import EpisodeInputs
from concord.web.alerts.models import AlertKind
from concord.web.medications.adherence import SLIDING_STEP_DAYS, SLIDING_WINDOW_DAYS

RULE_LENGTH = 80  # Alert.rule


def _window_number(found: WindowSignal, start: date, last_day: date) -> int:
    for window in found.windows.windows:
        if window.start == start and window.last_day == last_day:
            return window.number
    raise LookupError(f"window {start} to {last_day} is not among the class's windows")


def window_finding(inputs: EpisodeInputs, found: WindowSignal) -> Finding:
    """A sliding-window rule: the class's windows charted with the threshold."""
    signal, classes = found.signal, found.windows
    latest = _window_number(found, signal.window_start, signal.window_end)
    marked = [latest]
    if isinstance(signal, AdherenceDrop):
        earlier = _window_number(found, signal.earlier_window_start, signal.earlier_window_end)
        marked.insert(0, earlier)
    name = classes.medication_class
    chart = {
        "label": f"{signal.measure} in {SLIDING_WINDOW_DAYS}-day windows: {name}",
        "axis": "window",
        "points": [
            [w.number, w.last_day.isoformat(), w.value]
            for w in classes.windows
            if w.value is not None
        ],
        "marked": marked,
        "threshold": classes.threshold,
    }
    source = SOURCES[signal.rule]
    if classes.antiretroviral and signal.rule == "adherence_below_threshold":
        source = SOURCES["adherence_below_threshold:antiretroviral"]
    found_evidence = evidence(
        inputs,
        signal,
        key=f"window:{signal.window_end.isoformat()}",
        chart=chart,
        source=source,
        medication_class=name,
        antiretroviral=classes.antiretroviral,
        threshold=classes.threshold,
        window_days=SLIDING_WINDOW_DAYS,
        step_days=SLIDING_STEP_DAYS,
        windows=[
            {"number": w.number, "start": w.start, "last_day": w.last_day, "value": w.value}
            for w in classes.windows
        ],
    )
    return finding(AlertKind.NON_ADHERENCE, f"{signal.rule}:{name}"[:RULE_LENGTH], found_evidence)


def evidence_day(inputs: EpisodeInputs, signal: AdherenceSignal) -> date:
    """The latest day of the data behind a non-adherence signal, which changes only with
    new evidence: a window's last day, the first day without supply (the gap's start; a
    longer gap is the same gap), the latest missed dose, the BARS rating's day."""
    if isinstance(signal, AdherenceBelowThreshold | AdherenceDrop):
        return signal.window_end
    if isinstance(signal, SupplyExhausted):
        return signal.supply_end
    if isinstance(signal, MissedDoseConfirmations):
        return latest_missed_dose(inputs, signal) or signal.window_end
    return signal.date


def adherence_findings(inputs: EpisodeInputs, signals: EpisodeSignals) -> list[Finding]:
    """Every non-adherence signal of the core that holds now, one alert per rule."""
    windows = {id(w.signal): w for w in signals.refill}
    findings = []
    for signal in signals.adherence:
        if id(signal) in windows:
            findings.append(window_finding(inputs, windows[id(signal)]))
            continue
        days: list[dict[str, str]] = []
        if isinstance(signal, SupplyExhausted):
            key = f"fill:{signal.last_fill_date.isoformat()}:{signal.medication or ''}"
            rule = f"{signal.rule}:{signal.medication or ''}"
            chart, days = supply_chart(signal)
        elif isinstance(signal, MissedDoseConfirmations):
            # The latest missed dose: a dose missed after it is new evidence (reopens an
            # acknowledged alert); the window sliding over the same misses is not.
            key = f"missed_dose:{evidence_day(inputs, signal).isoformat()}"
            rule = signal.rule
            chart, days = doses_chart(inputs, signal)
        elif isinstance(signal, BarsBelowThreshold):
            key, rule = f"bars:{signal.date.isoformat()}", signal.rule
            points = [[i, d.isoformat(), s] for i, (d, s) in enumerate(inputs.bars, start=1)]
            chart = {
                "label": "BARS adherence estimate (%)",
                "axis": "rating",
                "points": points,
                "marked": [len(points)],
                "threshold": signal.threshold,
            }
            days = [{"first": signal.date.isoformat(), "last": signal.date.isoformat()}]
        else:  # the window rules come with their windows (above)
            raise TypeError(f"{signal.rule} without its refill windows")
        found = evidence(inputs, signal, key=key, chart=chart, days=days)
        findings.append(finding(AlertKind.NON_ADHERENCE, rule[:RULE_LENGTH], found))
    return findings
