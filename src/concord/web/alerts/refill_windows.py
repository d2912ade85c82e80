"""Refill adherence in sliding windows for the alert rules, for many patients at once.

The windows are the patient page's CMA7 trend (:mod:`concord.web.medications.adherence`):
per medication class the same follow-up and observation windows
(:func:`~concord.web.medications.adherence.measured_events`), the same events, and the same
engine call — ``cma_sliding_window(CMA7, 90-day windows every 30 days)`` of
:mod:`concord.analytics.adherence` — so an alert shows the numbers the page shows. Here one
engine call covers every class of every patient given, with each class's windows passed as
columns (AdhereR accepts a column name for every window start and duration).

Classes whose every regimen has ended (:func:`~concord.web.medications.adherence.
class_stopped_on`) are not measured for alerts: a planned stop or switch is not
non-adherence. The threshold is the PQA one: 0.80, or 0.90 for antiretrovirals (the
regimen's flag or an antiretroviral ATC code as the class, as the page's PDC).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from concord.analytics.adherence import cma_sliding_window
from concord.analytics.adherence.pdc import (
    DEFAULT_ANTIRETROVIRAL_THRESHOLD,
    DEFAULT_THRESHOLD,
    is_antiretroviral_atc,
)
from concord.web.medications.adherence import (
    MEASURE,
    SLIDING_STEP_DAYS,
    SLIDING_WINDOW_DAYS,
    class_stopped_on,
    measured_events,
)

if TYPE_CHECKING:
    from concord.web.alerts.inputs import FillRow
    from concord.web.medications.models import MedicationRegimen


@dataclass(frozen=True)
class RefillWindow:
    """One sliding window: ``[start, end)`` as the engine reports it (AdhereR's
    ``window.end`` is the day after the window: a 90-day window starting 1 January ends
    1 April), and its CMA7."""

    number: int  # 1-based, in time order
    start: date
    end: date
    value: float | None  # None where the engine says the CMA is undefined

    @property
    def last_day(self) -> date:
        """The window's last day: the rules judge a window once this day has come."""
        return self.end - timedelta(days=1)


@dataclass(frozen=True)
class ClassWindows:
    """The sliding windows of one medication class of one patient."""

    medication_class: str
    antiretroviral: bool
    threshold: float
    windows: tuple[RefillWindow, ...]


@dataclass(frozen=True)
class _Measured:
    owner: int
    medication_class: str
    antiretroviral: bool
    followup_start: date
    followup_days: int
    observation_start: date
    observation_days: int
    events: list[FillRow]


def _classes(
    owner: int, events: list[FillRow], regimens: list[MedicationRegimen], today: date
) -> list[_Measured]:
    by_class: dict[str, list[FillRow]] = {}
    for event in events:
        if event.dispensed_on <= today:
            by_class.setdefault(event.medication_class, []).append(event)
    measured = []
    for name, own in sorted(by_class.items()):
        if class_stopped_on(regimens, name, today) is not None:
            continue
        chosen = measured_events(own, today=today, stopped_on=None)
        if chosen is None:
            continue
        windows, used = chosen
        measured.append(
            _Measured(
                owner,
                name,
                any(r.antiretroviral for r in regimens if r.medication_class == name)
                or is_antiretroviral_atc(name),
                windows.followup_start,
                windows.followup_days,
                windows.observation_start,
                windows.observation_days,
                used,
            )
        )
    return measured


def windows_table(keyed: Iterable[tuple[int, ClassWindows]]) -> pl.DataFrame:
    """The sliding-window rules' input (``patient, window_start, window_end, value``), each
    class's windows under its key. ``window_end`` is the window's last day, so that the
    rules judge the window that ends today (they skip windows ending after ``as_of``)."""
    columns: dict[str, list[Any]] = {"patient": [], "start": [], "end": [], "value": []}
    for key, classes in keyed:
        columns["patient"].extend([key] * len(classes.windows))
        columns["start"].extend(w.start for w in classes.windows)
        columns["end"].extend(w.last_day for w in classes.windows)
        columns["value"].extend(w.value for w in classes.windows)
    return pl.DataFrame(
        {
            "patient": columns["patient"],
            "window_start": columns["start"],
            "window_end": columns["end"],
            "value": columns["value"],
        },
        schema={
            "patient": pl.Int64,
            "window_start": pl.Date,
            "window_end": pl.Date,
            "value": pl.Float64,
        },
    )


def stopped_classes(
    events: Iterable[FillRow], regimens: list[MedicationRegimen], today: date
) -> set[str]:
    """Classes dispensed to the patient whose every regimen has ended before ``today``."""
    return {
        name
        for name in {e.medication_class for e in events}
        if class_stopped_on(regimens, name, today) is not None
    }


def refill_windows(
    patients: dict[int, tuple[list[FillRow], list[MedicationRegimen]]], today: date
) -> dict[int, list[ClassWindows]]:
    """Sliding-window CMA7 per class still prescribed, for every owner key given.

    ``patients``: owner key (the alerts use the episode) -> the patient's dispensing events
    and all the patient's regimens. One engine call for all of them.
    """
    measured = [m for owner, (ev, reg) in patients.items() for m in _classes(owner, ev, reg, today)]
    result: dict[int, list[ClassWindows]] = {owner: [] for owner in patients}
    if not measured:
        return result
    columns: dict[str, list[Any]] = {
        name: [] for name in ("id", "date", "days", "class", "fs", "fd", "os", "od")
    }
    for index, m in enumerate(measured):
        for event in m.events:
            columns["id"].append(index)
            columns["date"].append(event.dispensed_on)
            columns["days"].append(float(event.days_supply))
            columns["class"].append(m.medication_class)
            columns["fs"].append(m.followup_start)
            columns["fd"].append(m.followup_days)
            columns["os"].append(m.observation_start)
            columns["od"].append(m.observation_days)
    frame = pl.DataFrame(
        columns,
        schema={
            "id": pl.Int64,
            "date": pl.Date,
            "days": pl.Float64,
            "class": pl.String,
            "fs": pl.Date,
            "fd": pl.Int64,
            "os": pl.Date,
            "od": pl.Int64,
        },
    )
    sliding = cma_sliding_window(
        frame,
        cma_to_apply=MEASURE,
        id_colname="id",
        event_date_colname="date",
        event_duration_colname="days",
        medication_class_colname="class",
        followup_window_start="fs",
        followup_window_duration="fd",
        observation_window_start="os",
        observation_window_duration="od",
        sliding_window_duration=SLIDING_WINDOW_DAYS,
        sliding_window_step_duration=SLIDING_STEP_DAYS,
    )
    by_id: dict[int, list[RefillWindow]] = {}
    for key, number, start, end, value in sliding.cma.select(
        "id", "window.ID", "window.start", "window.end", "CMA"
    ).iter_rows():
        by_id.setdefault(key, []).append(
            RefillWindow(
                int(number), start, end, None if value is None or math.isnan(value) else value
            )
        )
    for index, m in enumerate(measured):
        threshold = DEFAULT_ANTIRETROVIRAL_THRESHOLD if m.antiretroviral else DEFAULT_THRESHOLD
        result[m.owner].append(
            ClassWindows(
                m.medication_class, m.antiretroviral, threshold, tuple(by_id.get(index, ()))
            )
        )
    return result
