"""ORM rows adapted to the risk core's plain tables, one care episode at a time.

Nothing here computes a signal: each function returns what
:mod:`concord.analytics.risk` and :mod:`concord.analytics.trajectories` take as input.
The *patient* column of every table is the episode's key, so that a patient with two
episodes gets two independent series.

Session numbers are the position of a session among the episode's sessions in time
(1-based, every status counted), so a session without a rating leaves a gap as the
trajectory rules expect.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl
from django.utils import timezone

from concord.web.clinic.models import CareEpisode, CareSession, SessionStatus
from concord.web.measures.models import Administration, AdministrationStatus, Rater
from concord.web.medications.adherence import dose_timing_for
from concord.web.medications.models import DispensingEvent, MedicationRegimen

ALLIANCE_CODES = ("srs", "waisr")  # patient-rated alliance, preferred first
CLINICIAN_ALLIANCE_CODE = "waisrt"
OUTCOME_CODE = "phq9"
BARS_CODE = "bars"
BARS_SCALE = "adherence_estimate"


@dataclass(frozen=True)
class RatedSession:
    number: int
    session_id: int
    day: str  # ISO date
    score: float


@dataclass
class EpisodeInputs:
    """Everything the rules need about one episode, as plain values."""

    episode: CareEpisode
    sessions: list[CareSession]
    numbers: dict[int, int]  # session pk -> session number
    alliance_code: str | None = None
    alliance: list[RatedSession] = field(default_factory=list)
    outcome: list[RatedSession] = field(default_factory=list)
    # session pk -> perspective ("patient"/"clinician") -> scale -> value
    perspectives: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)
    measures_due: list[tuple[date, bool]] = field(default_factory=list)
    fills: list[tuple[date, float, str]] = field(default_factory=list)
    doses: list[tuple[datetime, bool]] = field(default_factory=list)
    bars: list[tuple[date, float]] = field(default_factory=list)

    @property
    def key(self) -> int:
        return self.episode.pk

    def session_of(self, number: int) -> CareSession | None:
        for session in self.sessions:
            if self.numbers[session.pk] == number:
                return session
        return None

    # ------------------------------------------------------------ the core's tables

    def ratings_table(self, rated: list[RatedSession]) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "patient": [self.key] * len(rated),
                "session": [r.number for r in rated],
                "score": [r.score for r in rated],
                "date": [r.day for r in rated],
            },
            schema={
                "patient": pl.Int64,
                "session": pl.Int64,
                "score": pl.Float64,
                "date": pl.String,
            },
        )

    def sessions_table(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "patient": [self.key] * len(self.sessions),
                "date": [timezone.localtime(s.scheduled_at).date() for s in self.sessions],
                "status": [s.status for s in self.sessions],
            },
            schema={"patient": pl.Int64, "date": pl.Date, "status": pl.String},
        )

    def measures_table(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "patient": [self.key] * len(self.measures_due),
                "due": [d for d, _ in self.measures_due],
                "returned": [r for _, r in self.measures_due],
            },
            schema={"patient": pl.Int64, "due": pl.Date, "returned": pl.Boolean},
        )

    def fills_table(self) -> pl.DataFrame | None:
        if not self.fills:
            return None
        return pl.DataFrame(
            {
                "patient": [self.key] * len(self.fills),
                "date": [f[0] for f in self.fills],
                "days_supply": [f[1] for f in self.fills],
                "medication": [f[2] for f in self.fills],
            },
            schema={
                "patient": pl.Int64,
                "date": pl.Date,
                "days_supply": pl.Float64,
                "medication": pl.String,
            },
        )

    def confirmations_table(self) -> pl.DataFrame | None:
        if not self.doses:
            return None
        return pl.DataFrame(
            {
                "patient": [self.key] * len(self.doses),
                "scheduled": [timezone.localtime(d).date() for d, _ in self.doses],
                "confirmed": [c for _, c in self.doses],
            },
            schema={"patient": pl.Int64, "scheduled": pl.Date, "confirmed": pl.Boolean},
        )

    def bars_table(self) -> pl.DataFrame | None:
        if not self.bars:
            return None
        return pl.DataFrame(
            {
                "patient": [self.key] * len(self.bars),
                "date": [d for d, _ in self.bars],
                "score": [s for _, s in self.bars],
            },
            schema={"patient": pl.Int64, "date": pl.Date, "score": pl.Float64},
        )


def number_at(times: list[datetime], moment: datetime) -> int:
    """Number of the latest session (times in order) at or before ``moment``; 0 if none."""
    return bisect.bisect_right(times, moment)


def _scale(administration: Administration, scale: str) -> float | None:
    value = (administration.scores or {}).get("scales", {}).get(scale, {}).get("value")
    return None if value is None else float(value)


def load_inputs(episode: CareEpisode, *, now: datetime, with_medication: bool) -> EpisodeInputs:
    """Read one episode's rows (sessions, administrations, and, for the patient's main
    episode, dispensing events and dose confirmations)."""
    sessions = list(CareSession.objects.filter(episode=episode).order_by("scheduled_at", "pk"))
    numbers = {s.pk: i for i, s in enumerate(sessions, start=1)}
    inputs = EpisodeInputs(episode=episode, sessions=sessions, numbers=numbers)
    by_pk = {s.pk: s for s in sessions}
    times = [s.scheduled_at for s in sessions]
    administrations = Administration.objects.filter(episode=episode).only(
        "instrument_code", "rater", "session_id", "status", "scores", "due_at", "submitted_at"
    )
    rated: dict[str, dict[int, float]] = {}
    bars: dict[date, float] = {}
    today = timezone.localdate(now)
    for a in administrations.order_by("submitted_at", "pk"):
        submitted = a.status == AdministrationStatus.SUBMITTED
        if a.rater == Rater.PATIENT and a.due_at <= now:
            inputs.measures_due.append((timezone.localtime(a.due_at).date(), submitted))
        if not submitted:
            continue
        code = a.instrument_code
        if code == BARS_CODE and a.submitted_at is not None:
            value = _scale(a, BARS_SCALE)
            if value is not None:
                bars[timezone.localtime(a.submitted_at).date()] = value
            continue
        if code == OUTCOME_CODE and a.session_id is None:
            # Dated (not per-session) outcome measures belong to the latest session held
            # on or before the day they fell due.
            number = number_at(times, a.due_at)
            total = _scale(a, "total")
            if number and total is not None:
                rated.setdefault(code, {})[sessions[number - 1].pk] = total
            continue
        if a.session_id is None or a.session_id not in by_pk:
            continue
        if code in (*ALLIANCE_CODES, OUTCOME_CODE):
            total = _scale(a, "total")
            if total is not None:
                rated.setdefault(code, {})[a.session_id] = total  # the latest answer counts
        if code in ("waisr", CLINICIAN_ALLIANCE_CODE):
            perspective = "patient" if code == "waisr" else "clinician"
            scales = (a.scores or {}).get("scales", {})
            inputs.perspectives.setdefault(a.session_id, {})[perspective] = {
                name: float(v["value"]) for name, v in scales.items() if v.get("value") is not None
            }

    def series(code: str) -> list[RatedSession]:
        return [
            RatedSession(
                numbers[pk],
                pk,
                timezone.localtime(by_pk[pk].scheduled_at).date().isoformat(),
                score,
            )
            for pk, score in sorted(rated.get(code, {}).items(), key=lambda kv: numbers[kv[0]])
        ]

    for code in ALLIANCE_CODES:
        if rated.get(code):
            inputs.alliance_code, inputs.alliance = code, series(code)
            break
    inputs.outcome = series(OUTCOME_CODE)
    inputs.bars = sorted((d, v) for d, v in bars.items() if d <= today)
    if with_medication:
        inputs.fills = [
            (e.dispensed_on, float(e.days_supply), e.medication_class)
            for e in DispensingEvent.objects.filter(
                patient_id=episode.patient_id, dispensed_on__lte=today
            ).order_by("dispensed_on", "pk")
        ]
        for regimen in MedicationRegimen.objects.filter(episode=episode):
            timing = dose_timing_for(regimen, today=today, now=now).result
            if timing is not None:
                inputs.doses.extend(
                    (d.scheduled_at, d.taken_at is not None)
                    for d in timing.doses
                    if d.scheduled_at <= now
                )
    return inputs


def attended(inputs: EpisodeInputs) -> list[CareSession]:
    return [s for s in inputs.sessions if s.status == SessionStatus.ATTENDED]
