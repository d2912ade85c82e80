"""Adherence for the patient page: ORM rows adapted to the adherence engine's inputs.

Nothing here computes a measure. The engine (:mod:`concord.analytics.adherence`, DuckDB)
computes CMA7, the sliding-window CMA7 and the PQA PDC from the patient's dispensing
events; :mod:`concord.analytics.adherence.dose_timing` computes taking and timing adherence
from dose confirmations; :mod:`concord.analytics.adherence.plot` draws the SVG. This module
chooses the windows and passes the rows.

Windows, per medication class (see ``docs/medications.md``):

* the class's *end day* is today, or — when every regimen of that class has ended — the
  last regimen end date, so a planned stop or switch is not counted as missed supply;
* observation window: the 365 days ending on the end day, or from the first dispensing of
  the class if that is later (a patient who started three months ago is measured over three
  months, as PQA measures from the index date);
* follow-up window: from 180 days before the observation window (so supply dispensed then
  carries over into it) or the first dispensing, whichever is later, to the end day.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.analytics.adherence import (
    cma_sliding_window,
    compute_cma,
    proportion_of_days_covered,
)
from concord.analytics.adherence.dose_timing import (
    DoseTimingResult,
    DosingRegimen,
    dose_timing_adherence,
)
from concord.analytics.adherence.pdc import PatientPDC, is_antiretroviral_atc
from concord.analytics.adherence.plot import (
    WindowValue,
    adherence_plot_svg,
    plot_events_from_table,
    window_values_from_table,
)
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic.models import Patient
from concord.web.measures.access import administrations_for
from concord.web.measures.models import AdministrationStatus
from concord.web.medications import doses, services
from concord.web.medications.models import (
    DispensingEvent,
    DispensingUpload,
    DoseConfirmation,
    MedicationRegimen,
)

MEASURE = "CMA7"
OBSERVATION_DAYS = 365
CARRY_OVER_LOOKBACK_DAYS = 180
SLIDING_WINDOW_DAYS = 90
SLIDING_STEP_DAYS = 30
DOSE_TIMING_DAYS = 30
RECENT_EVENTS = 12


# The plot's visible words, translated by the web layer (same keys and placeholders as
# concord.analytics.adherence.plot.DEFAULT_LABELS).
PLOT_LABELS = {
    "title": _("Medication supply, gaps and windows"),
    "desc": _(
        "{events} medication events in {classes} classes from {start} to {end}; "
        "{gaps} gaps in supply totalling {gap_days} days."
    ),
    "event": _("{medication_class}: dispensed {date}, {duration} days' supply"),
    "gap": _("Gap in supply: {start} to {end}, {days} days"),
    "followup_window": _("Follow-up window: {start} to {end}"),
    "observation_window": _("Observation window: {start} to {end}"),
    "cma_panel": _("Sliding-window adherence (CMA7)"),
    "cma_point": _("Window {start} to {end}: CMA7 {value}"),
    "cma_missing": _("Window {start} to {end}: CMA7 not defined"),
    "lane": _("Class {medication_class}"),
    "no_class": _("All medication"),
}


@dataclass(frozen=True)
class Windows:
    """Follow-up and observation windows as [start, end) day ranges (end exclusive)."""

    followup_start: date
    observation_start: date
    end: date  # the day after the class's end day

    @property
    def followup_days(self) -> int:
        return (self.end - self.followup_start).days

    @property
    def observation_days(self) -> int:
        return (self.end - self.observation_start).days


@dataclass(frozen=True)
class ClassAdherence:
    medication_class: str
    medications: tuple[str, ...]
    events: int
    last_dispensed: date | None
    stopped_on: date | None
    windows: Windows | None
    cma: float | None
    trend: tuple[WindowValue, ...]
    pdc: PatientPDC | None
    svg: str


@dataclass(frozen=True)
class DoseTiming:
    regimen: MedicationRegimen
    result: DoseTimingResult | None


@dataclass(frozen=True)
class SelfReport:
    """The latest scored BARS: the clinician's 0-100 % estimate of doses taken last month."""

    administration_id: int
    value: float
    submitted_at: datetime
    below_threshold: bool


BARS_CODE = "bars"
BARS_NON_ADHERENCE_BELOW = 70.0  # the instrument's published flag (Byerly et al. 2008)


@dataclass(frozen=True)
class AdherenceOverview:
    today: date
    measure: str
    self_report: SelfReport | None
    classes: tuple[ClassAdherence, ...]
    dose_timing: tuple[DoseTiming, ...]
    regimens: tuple[MedicationRegimen, ...]
    recent_events: tuple[DispensingEvent, ...]
    uploads: tuple[DispensingUpload, ...]


def engine_frame(events: list[DispensingEvent]) -> pl.DataFrame:
    """The engine's input: one row per dispensing, in date order."""
    return pl.DataFrame(
        {
            "patient": [e.patient_id for e in events],
            "date": [e.dispensed_on for e in events],
            "days": [float(e.days_supply) for e in events],
            "class": [e.medication_class for e in events],
            "drug": [e.medication_name or e.medication_class for e in events],
        },
        schema={
            "patient": pl.Int64,
            "date": pl.Date,
            "days": pl.Float64,
            "class": pl.String,
            "drug": pl.String,
        },
    )


def class_windows(first: date, end_day: date) -> Windows:
    earliest = end_day - timedelta(days=OBSERVATION_DAYS - 1)
    observation_start = max(earliest, first)
    followup_start = max(first, observation_start - timedelta(days=CARRY_OVER_LOOKBACK_DAYS))
    return Windows(followup_start, observation_start, end_day + timedelta(days=1))


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


class Dispensed(Protocol):
    """What the window choice reads of a dispensing event (a model row or a lighter copy)."""

    @property
    def pk(self) -> Any: ...

    @property
    def dispensed_on(self) -> date: ...


DispensedT = TypeVar("DispensedT", bound=Dispensed)


def measured_events(
    events: list[DispensedT], *, today: date, stopped_on: date | None
) -> tuple[Windows, list[DispensedT]] | None:
    """The class's windows and the events inside its follow-up window (date order), or
    None when there is nothing to measure. One rule for the patient page and the alerts."""
    end_day = min(today, stopped_on) if stopped_on else today
    dated = sorted(events, key=lambda e: (e.dispensed_on, e.pk or 0))
    if not dated:
        return None
    windows = class_windows(dated[0].dispensed_on, end_day)
    used = [e for e in dated if windows.followup_start <= e.dispensed_on <= end_day]
    return (windows, used) if used else None


def class_adherence(
    medication_class: str,
    events: list[DispensingEvent],
    *,
    today: date,
    stopped_on: date | None,
    antiretroviral: bool,
) -> ClassAdherence:
    """CMA7, its 90-day sliding windows, the PDC and the plot for one class's events."""
    end_day = min(today, stopped_on) if stopped_on else today
    dated = sorted(events, key=lambda e: (e.dispensed_on, e.pk or 0))
    names = tuple(sorted({e.medication_name for e in dated if e.medication_name}))
    if not dated:
        return ClassAdherence(
            medication_class, names, 0, None, stopped_on, None, None, (), None, ""
        )
    last = dated[-1].dispensed_on
    measured = measured_events(dated, today=today, stopped_on=stopped_on)
    if measured is None:  # nothing dispensed recently enough to measure
        return ClassAdherence(
            medication_class, names, len(dated), last, stopped_on, None, None, (), None, ""
        )
    windows, used = measured
    frame = engine_frame(used)
    common: dict[str, Any] = {
        "id_colname": "patient",
        "event_date_colname": "date",
        "event_duration_colname": "days",
        "medication_class_colname": "class",
        "followup_window_start": windows.followup_start,
        "followup_window_duration": windows.followup_days,
        "observation_window_start": windows.observation_start,
        "observation_window_duration": windows.observation_days,
    }
    result = compute_cma(MEASURE, frame, event_info=True, **common)
    cma = _number(result.cma["CMA"][0]) if result.cma.height else None
    sliding = cma_sliding_window(
        frame,
        cma_to_apply=MEASURE,
        sliding_window_duration=SLIDING_WINDOW_DAYS,
        sliding_window_step_duration=SLIDING_STEP_DAYS,
        **common,
    )
    trend = tuple(window_values_from_table(sliding.cma))
    pdc_table = proportion_of_days_covered(
        frame,
        id_col="patient",
        date_col="date",
        duration_col="days",
        class_col="class",
        drug_col="drug",
        period_start=end_day - timedelta(days=OBSERVATION_DAYS - 1),
        period_end=end_day,
        antiretroviral=(
            {medication_class} if antiretroviral or is_antiretroviral_atc(medication_class) else ()
        ),
    )
    row = pdc_table.row(0, named=True) if pdc_table.height else None
    pdc = (
        None
        if row is None
        else PatientPDC(
            status=row["status"],
            index_date=row["index_date"],
            period_end=row["period_end"],
            days_in_period=row["days_in_period"],
            days_covered=_number(row["days_covered"]),
            pdc=_number(row["pdc"]),
            threshold=float(row["threshold"]),
            adherent=row["adherent"],
        )
    )
    info = result.event_info
    plot_events = (
        plot_events_from_table(
            info,
            date_col="date",
            duration_col="days",
            class_col="class",
            interval_col="event.interval",
            gap_col="gap.days",
        )
        if info is not None
        else []
    )
    svg = adherence_plot_svg(
        plot_events,
        followup_window=(windows.followup_start, windows.end),
        observation_window=(windows.observation_start, windows.end),
        sliding_windows=trend,
        labels={key: str(text) for key, text in PLOT_LABELS.items()},
        id_prefix="adherence-"
        + re.sub(r"[^A-Za-z0-9_-]", "-", medication_class)[:40]
        + "-"
        + hashlib.sha256(medication_class.encode()).hexdigest()[:8],
    )
    return ClassAdherence(
        medication_class, names, len(dated), last, stopped_on, windows, cma, trend, pdc, svg
    )


def class_stopped_on(
    regimens: list[MedicationRegimen], medication_class: str, today: date
) -> date | None:
    """The last end date when every regimen of the class has ended, else None."""
    own = [r for r in regimens if r.medication_class == medication_class]
    if own and all(r.ended_on is not None and r.ended_on < today for r in own):
        return max(r.ended_on for r in own if r.ended_on is not None)
    return None


def dose_timing_period(
    regimen: MedicationRegimen, today: date, days: int = DOSE_TIMING_DAYS
) -> tuple[date, date] | None:
    """The regimen's last ``days`` (30) days up to today (or its end), from its start; None
    if empty."""
    period_end = min(today, regimen.ended_on) if regimen.ended_on else today
    period_start = max(period_end - timedelta(days=days - 1), regimen.started_on)
    return None if period_start > period_end else (period_start, period_end)


def confirmations_needed_since(period_start: date) -> datetime:
    """The earliest confirmation time that can count in a period starting on that day."""
    zone = timezone.get_current_timezone()
    return datetime.combine(period_start - timedelta(days=1), datetime.min.time(), tzinfo=zone)


@dataclass(frozen=True)
class PreloadedConfirmations:
    """A regimen's dose confirmations already read by the caller (the alerts read a whole
    clinic's at once): whether it has any at all, and the times doses were taken, complete
    at least from :func:`confirmations_needed_since` the start of its dose-timing period."""

    any: bool
    taken: tuple[datetime, ...]


def dose_timing_for(
    regimen: MedicationRegimen,
    *,
    today: date,
    now: datetime,
    preloaded: PreloadedConfirmations | None = None,
    days: int = DOSE_TIMING_DAYS,
) -> DoseTiming:
    """Taking and timing adherence over the regimen's last 30 days (up to today).

    ``days``: a shorter period (the alerts need only the last 14 days' doses; each dose's
    result is the same as in the 30-day period, see docs/alerts.md).
    """
    if not regimen.dose_times:
        return DoseTiming(regimen, None)
    if preloaded is None:
        has_any = DoseConfirmation.objects.filter(regimen=regimen).exists()
    else:
        has_any = preloaded.any
    period = dose_timing_period(regimen, today, days)
    if not has_any or period is None:
        return DoseTiming(regimen, None)
    period_start, period_end = period
    zone = timezone.get_current_timezone()
    since = confirmations_needed_since(period_start)
    if preloaded is None:
        taken = doses.confirmations_for_timing(regimen, since)
    else:
        taken = sorted(t for t in preloaded.taken if t >= since)
    result = dose_timing_adherence(
        taken,
        DosingRegimen(regimen.scheduled_times(), window_minutes=regimen.window_minutes),
        period_start=period_start,
        period_end=period_end,
        tz=zone,
        now=now,
    )
    return DoseTiming(regimen, result)


def latest_self_report(actor: Actor, patient: Patient) -> SelfReport | None:
    """The patient's latest scored BARS, through the measures app's access path."""
    submitted = (
        administrations_for(actor.user)
        .filter(
            episode__patient=patient,
            instrument_code=BARS_CODE,
            status=AdministrationStatus.SUBMITTED,
            submitted_at__isnull=False,
        )
        .order_by("-submitted_at", "-pk")
    )
    for administration in submitted[:5]:
        value = administration.total()
        if value is not None and administration.submitted_at is not None:
            number = float(value)
            return SelfReport(
                administration.pk,
                number,
                administration.submitted_at,
                number < BARS_NON_ADHERENCE_BELOW,
            )
    return None


def dispensed_up_to(patient: Patient, today: date) -> list[DispensingEvent]:
    """The patient's dispensing events up to ``today``, oldest first (callers have checked
    that the person may see them)."""
    return list(
        DispensingEvent.objects.filter(patient=patient, dispensed_on__lte=today).order_by(
            "dispensed_on", "pk"
        )
    )


def adherence_by_class(
    events: list[DispensingEvent], regimens: list[MedicationRegimen], *, today: date
) -> tuple[ClassAdherence, ...]:
    """:func:`class_adherence` for each medication class of ``events``, by class name.

    Also what a consenting patient's supporter sees as the refill headline
    (:mod:`concord.web.consent.shared`), so both read the same numbers.
    """
    by_class: dict[str, list[DispensingEvent]] = {}
    for event in events:
        by_class.setdefault(event.medication_class, []).append(event)
    return tuple(
        class_adherence(
            name,
            own,
            today=today,
            stopped_on=class_stopped_on(regimens, name, today),
            antiretroviral=any(r.antiretroviral for r in regimens if r.medication_class == name),
        )
        for name, own in sorted(by_class.items())
    )


def patient_adherence(
    actor: Actor, patient: Patient, *, today: date | None = None, now: datetime | None = None
) -> AdherenceOverview:
    """Everything the patient page shows about medications, for staff who may see it."""
    patient = services.patient_for_staff(actor, patient.pk)
    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    regimens = services.regimens_of(actor, patient)
    events = dispensed_up_to(patient, today)
    classes = adherence_by_class(events, regimens, today=today)
    timing = tuple(dose_timing_for(r, today=today, now=now) for r in regimens)
    uploads = tuple(services.uploads_of(actor, patient)[:5])
    self_report = latest_self_report(actor, patient)
    audit(
        actor,
        Action.READ,
        "adherence",
        patient.pk,
        [patient.pk],
        {
            "measure": MEASURE,
            "events": len(events),
            "classes": [c.medication_class for c in classes],
            "regimen_ids": [r.pk for r in regimens],
            "bars_administration_id": self_report.administration_id if self_report else None,
        },
    )
    return AdherenceOverview(
        today=today,
        measure=MEASURE,
        self_report=self_report,
        classes=classes,
        dose_timing=timing,
        regimens=tuple(regimens),
        recent_events=tuple(events[::-1][:RECENT_EVENTS]),
        uploads=uploads,
    )
