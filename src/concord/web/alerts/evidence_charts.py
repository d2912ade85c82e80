"""The series drawn on an alert page for the signals that are not one rated session: a
falling alliance, a supply gap, missed dose confirmations, the parts of the engagement
score. Each chart is ``{label, axis, points [number, date, value], marked, threshold}``
(:func:`concord.web.alerts.charts.evidence_chart_svg`) with the points the core's signal
counted marked; nothing here computes a signal, every marked point is one the core's
numbers name (and the tests check that the marks add up to them).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from concord.analytics.risk import (
    AllianceFalling,
    EngagementRisk,
    MissedDoseConfirmations,
    SupplyExhausted,
)
from concord.analytics.trajectories import AllianceDrop, RuptureRepairEpisode, SuddenAllianceChange
from concord.web.alerts.evidence import session_chart
from concord.web.alerts.inputs import EpisodeInputs, SessionRow
from concord.web.alerts.rule_settings import ENGAGEMENT_SETTINGS, INSTRUMENT_NAMES

Chart = dict[str, Any]

#: A supply gap's timeline shows at most this many days (the last refill, then up to today).
SUPPLY_CHART_DAYS = 120


def alliance_label(inputs: EpisodeInputs) -> str:
    code = inputs.alliance_code or ""
    return f"{INSTRUMENT_NAMES.get(code, code)} total"


def falling_sessions(inputs: EpisodeInputs, falling: AllianceFalling) -> list[int]:
    """The rated sessions of the alliance events behind a falling alliance: both sessions of
    a drop or a sudden loss, every rated session of an unrepaired rupture."""
    rated = {r.number for r in inputs.alliance}
    marked: set[int] = set()
    for event in falling.evidence:
        if isinstance(event, AllianceDrop):
            marked |= {event.previous_session, event.session}
        elif isinstance(event, SuddenAllianceChange):
            marked |= {event.pre_session, event.post_session}
        elif isinstance(event, RuptureRepairEpisode):
            marked |= {n for n in rated if event.start_session <= n <= event.end_session}
    return sorted(marked & rated)


def falling_latest_session(falling: AllianceFalling) -> int:
    """The latest session at which an event behind the falling alliance happened (a drop, a
    sudden loss, the start of a rupture): later ratings that add no event leave it."""
    sessions = [0]
    for event in falling.evidence:
        if isinstance(event, AllianceDrop):
            sessions.append(event.session)
        elif isinstance(event, SuddenAllianceChange):
            sessions.append(event.post_session)
        elif isinstance(event, RuptureRepairEpisode):
            sessions.append(event.start_session)
    return max(sessions)


def falling_chart(inputs: EpisodeInputs, falling: AllianceFalling) -> Chart:
    return session_chart(inputs.alliance, alliance_label(inputs), falling_sessions(inputs, falling))


def supply_chart(signal: SupplyExhausted) -> tuple[Chart, list[dict[str, str]]]:
    """Days of supply on hand from the last refill (day 1) to today, from the core's numbers
    alone: on day ``d`` the supply lasts ``supply_end - d`` more days (overlapping supply
    already shifted forward by the core), 0 from ``supply_end`` on. The days without supply
    (``days_without_supply`` of them, ``supply_end`` to ``as_of``) are marked. At most
    :data:`SUPPLY_CHART_DAYS` days are drawn: the refill's day and the latest days."""
    fill, end, today = signal.last_fill_date, signal.supply_end, signal.as_of
    first = max(fill + timedelta(days=1), today - timedelta(days=SUPPLY_CHART_DAYS - 2))
    days = [fill] + [first + timedelta(days=i) for i in range((today - first).days + 1)]
    points: list[list[Any]] = []
    marked: list[int] = []
    for day in days:
        number = (day - fill).days + 1
        points.append([number, day.isoformat(), float(max((end - day).days, 0))])
        if day >= end:
            marked.append(number)
    name = f": {signal.medication}" if signal.medication else ""
    chart = {
        "label": f"Days of supply on hand{name} (day 1 = the last refill)",
        "axis": "day",
        "points": points,
        "marked": marked,
        "threshold": None,
    }
    return chart, [{"first": end.isoformat(), "last": today.isoformat()}]


def _due_doses(inputs: EpisodeInputs, first: date, last: date) -> list[tuple[date, bool]]:
    """The due doses the core counted (its window, both days included), in time order."""
    return sorted(((d, ok) for d, ok in inputs.doses if first <= d <= last), key=lambda x: x[0])


def latest_missed_dose(inputs: EpisodeInputs, signal: MissedDoseConfirmations) -> date | None:
    missed = [d for d, ok in _due_doses(inputs, signal.window_start, signal.window_end) if not ok]
    return max(missed) if missed else None


def doses_chart(
    inputs: EpisodeInputs, signal: MissedDoseConfirmations
) -> tuple[Chart, list[dict[str, str]]]:
    """Every due dose of the rule's window (1 confirmed, 0 not), the missed ones marked."""
    doses = _due_doses(inputs, signal.window_start, signal.window_end)
    points = [[i, d.isoformat(), 1.0 if ok else 0.0] for i, (d, ok) in enumerate(doses, 1)]
    marked = [i for i, (_d, ok) in enumerate(doses, 1) if not ok]
    days = sorted({d for d, ok in doses if not ok})
    chart = {
        "label": "Dose confirmed (1) or missed (0)",
        "axis": "dose",
        "points": points,
        "marked": marked,
        "threshold": None,
    }
    return chart, [{"first": d.isoformat(), "last": d.isoformat()} for d in days]


def due_sessions(inputs: EpisodeInputs, as_of: date) -> list[SessionRow]:
    """The sessions the engagement score counts: the last ``recent_due`` that fell due
    (attended, no-show, cancelled by the patient)."""
    return [
        s
        for s in inputs.sessions
        if s.status in ("attended", "no_show", "cancelled_by_patient") and s.day <= as_of
    ][-ENGAGEMENT_SETTINGS.recent_due :]


def attendance_chart(inputs: EpisodeInputs, due: list[SessionRow]) -> Chart:
    """The counted sessions (1 attended, 0 no-show or cancelled), the missed ones marked."""
    return {
        "label": "Attended (1) or missed (0)",
        "points": [
            [inputs.numbers[s.pk], s.day.isoformat(), 1.0 if s.status == "attended" else 0.0]
            for s in due
        ],
        "marked": [inputs.numbers[s.pk] for s in due if s.status != "attended"],
        "threshold": None,
    }


def measures_chart(inputs: EpisodeInputs, event: EngagementRisk) -> Chart:
    """The patient-rated measures due in the score's window (1 returned, 0 not), in order
    of their due day, the unreturned ones marked."""
    first = event.as_of - timedelta(days=ENGAGEMENT_SETTINGS.measure_window_days - 1)
    due = sorted(
        ((d, ok) for d, ok in inputs.measures_due if first <= d <= event.as_of),
        key=lambda x: x[0],
    )
    return {
        "label": "Measure returned (1) or not (0)",
        "axis": "measure",
        "points": [[i, d.isoformat(), 1.0 if ok else 0.0] for i, (d, ok) in enumerate(due, 1)],
        "marked": [i for i, (_d, ok) in enumerate(due, 1) if not ok],
        "threshold": None,
    }


def lead_chart(charts: list[Chart]) -> tuple[Chart | None, list[Chart]]:
    """The chart drawn first (the first with a marked point) and the others, in order."""
    for i, chart in enumerate(charts):
        if chart.get("marked"):
            return chart, charts[:i] + charts[i + 1 :]
    return (charts[0], charts[1:]) if charts else (None, [])
