"""Read many episodes' rows at once and adapt them to :class:`~concord.web.alerts.inputs.
EpisodeInputs`: a fixed number of queries per batch of episodes, whatever its size.

Per batch: sessions, administrations, and for the episodes that carry the patient's
medication data (the patient's most recent active episode, see docs/alerts.md) the
dispensing events, the patients' regimens, which regimens have dose confirmations and the
recent confirmation times. Dose timing and refill windows are computed by the medications
app's functions (:func:`concord.web.medications.adherence.dose_timing_for`,
:mod:`concord.web.alerts.refill_windows`), never here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.db.models import Case, DateTimeField, F, Q, When
from django.utils import timezone

from concord.web.alerts.inputs import (
    ALLIANCE_CODES,
    BARS_CODE,
    BARS_SCALE,
    CLINICIAN_ALLIANCE_CODE,
    OUTCOME_CODE,
    EpisodeInputs,
    FillRow,
    RatedSession,
    SessionRow,
    number_at,
)
from concord.web.alerts.refill_windows import refill_windows, stopped_classes
from concord.web.alerts.rule_settings import ADHERENCE_SETTINGS, ENGAGEMENT_SETTINGS
from concord.web.clinic.models import CareEpisode, CareSession
from concord.web.measures.models import Administration, AdministrationStatus, Rater
from concord.web.medications.adherence import (
    PreloadedConfirmations,
    confirmations_needed_since,
    dose_timing_for,
    dose_timing_period,
)
from concord.web.medications.models import DispensingEvent, DoseConfirmation, MedicationRegimen

ADMINISTRATION_FIELDS = (
    "pk",
    "episode_id",
    "instrument_code",
    "rater",
    "session_id",
    "status",
)
#: The few scores the rules read, taken out of the JSON by the database.
TOTAL = "scores__scales__total__value"
BARS_VALUE = f"scores__scales__{BARS_SCALE}__value"
#: Dose timing over the missed-dose rule's window only (each dose's result is the same as
#: in the medications page's 30 days: the doses of a shorter period are matched to the
#: same confirmations).
DOSE_DAYS = ADHERENCE_SETTINGS.confirmation_window_days
#: Instruments whose every scale is read (the patient-clinician comparison).
ALL_SCALES = ("waisr", CLINICIAN_ALLIANCE_CODE)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _administrations(
    inputs: EpisodeInputs,
    rows: list[dict[str, Any]],
    scales: dict[int, dict[str, Any]],
    bars_rows: list[tuple[datetime, Any]],
    now: datetime,
    zone: tzinfo,
) -> None:
    """Fill ratings, outcome, perspectives, measures due and BARS from one episode's
    administrations (in submission order: the latest answer counts). ``scales``: every
    scale of the administrations that need them (by administration key); ``bars_rows``:
    the episode's submitted BARS (submission time, estimate), in submission order."""
    sessions = inputs.sessions
    numbers = inputs.numbers
    by_pk = {s.pk: s for s in sessions}
    times = [s.scheduled_at for s in sessions]
    rated: dict[str, dict[int, float]] = {}
    bars: dict[date, float] = {}
    today = now.astimezone(zone).date()
    for a in rows:
        submitted = a["status"] == AdministrationStatus.SUBMITTED
        due = a["due"]
        if a["rater"] == Rater.PATIENT and due is not None and due <= now:
            inputs.measures_due.append((due.astimezone(zone).date(), submitted))
        if not submitted:
            continue
        code, session_id = a["instrument_code"], a["session_id"]
        if code == BARS_CODE:
            continue  # read with its submission time: ``bars_rows``
        if code == OUTCOME_CODE and session_id is None:
            # Dated (not per-session) outcome measures belong to the latest session held
            # on or before the day they fell due.
            number = number_at(times, a["due"])
            total = _number(a[TOTAL])
            if number and total is not None:
                rated.setdefault(code, {})[sessions[number - 1].pk] = total
            continue
        if session_id is None or session_id not in by_pk:
            continue
        if code in (*ALLIANCE_CODES, OUTCOME_CODE):
            total = _number(a[TOTAL])
            if total is not None:
                rated.setdefault(code, {})[session_id] = total
        if code in ALL_SCALES:
            perspective = "patient" if code == "waisr" else "clinician"
            inputs.perspectives.setdefault(session_id, {})[perspective] = {
                name: float(v["value"])
                for name, v in scales.get(a["pk"], {}).items()
                if v.get("value") is not None
            }

    def series(code: str) -> list[RatedSession]:
        return [
            RatedSession(numbers[pk], pk, by_pk[pk].day.isoformat(), score)
            for pk, score in sorted(rated.get(code, {}).items(), key=lambda kv: numbers[kv[0]])
        ]

    for code in ALLIANCE_CODES:
        if rated.get(code):
            inputs.alliance_code, inputs.alliance = code, series(code)
            break
    inputs.outcome = series(OUTCOME_CODE)
    for submitted_at, value in bars_rows:
        if value is not None:
            bars[submitted_at.astimezone(zone).date()] = float(value)
    inputs.bars = sorted((d, v) for d, v in bars.items() if d <= today)


def _medication(
    loaded: dict[int, EpisodeInputs], carriers: list[CareEpisode], now: datetime, zone: tzinfo
) -> None:
    """Dispensing, refill windows and dose confirmations for the episodes that carry them."""
    if not carriers:
        return
    today = now.astimezone(zone).date()
    patients = {e.patient_id: e.pk for e in carriers}
    events: dict[int, list[FillRow]] = defaultdict(list)
    for pk, patient_id, day, supply, medication_class in (
        DispensingEvent.objects.filter(patient_id__in=list(patients), dispensed_on__lte=today)
        .order_by("patient_id", "dispensed_on", "pk")
        .values_list("pk", "patient_id", "dispensed_on", "days_supply", "medication_class")
    ):
        events[patient_id].append(FillRow(pk, day, float(supply), medication_class))
    regimens: dict[int, list[MedicationRegimen]] = defaultdict(list)
    for prescribed in MedicationRegimen.objects.filter(
        episode__patient_id__in=list(patients)
    ).annotate(owner=F("episode__patient_id")):
        regimens[prescribed.owner].append(prescribed)
    own = {
        r.pk: r
        for patient_id, episode_pk in patients.items()
        for r in regimens[patient_id]
        if r.episode_id == episode_pk and r.dose_times
    }
    confirmed = set(
        DoseConfirmation.objects.filter(regimen_id__in=list(own))
        .order_by()
        .values_list("regimen_id", flat=True)
        .distinct()
    )
    periods = [dose_timing_period(own[pk], today, DOSE_DAYS) for pk in confirmed]
    starts = [period[0] for period in periods if period is not None]
    taken: dict[int, list[datetime]] = defaultdict(list)
    if starts:
        # From the earliest moment any of these regimens' dose-timing periods can use.
        for regimen_id, taken_at in (
            DoseConfirmation.objects.filter(
                regimen_id__in=list(confirmed),
                taken_at__isnull=False,
                taken_at__gte=confirmations_needed_since(min(starts)),
            )
            .order_by("taken_at")
            .values_list("regimen_id", "taken_at")
        ):
            if taken_at is not None:
                taken[regimen_id].append(taken_at)
    windows = refill_windows(
        {
            episode_pk: (events[patient_id], regimens[patient_id])
            for patient_id, episode_pk in patients.items()
        },
        today,
    )
    for patient_id, episode_pk in patients.items():
        inputs = loaded[episode_pk]
        stopped = stopped_classes(events[patient_id], regimens[patient_id], today)
        inputs.fills = [
            (e.dispensed_on, e.days_supply, e.medication_class)
            for e in events[patient_id]
            if e.medication_class not in stopped
        ]
        inputs.refill_windows = windows[episode_pk]
        episode_regimens = sorted(
            (r for r in regimens[patient_id] if r.episode_id == episode_pk),
            key=lambda r: (-r.started_on.toordinal(), r.medication_name, r.pk),
        )
        for regimen in episode_regimens:
            preloaded = PreloadedConfirmations(
                any=regimen.pk in confirmed, taken=tuple(taken.get(regimen.pk, ()))
            )
            timing = dose_timing_for(
                regimen, today=today, now=now, preloaded=preloaded, days=DOSE_DAYS
            ).result
            if timing is not None:
                inputs.doses.extend(
                    (d.scheduled_at.astimezone(zone).date(), d.taken_at is not None)
                    for d in timing.doses
                    if d.scheduled_at <= now
                )


def load_episodes(
    episodes: list[CareEpisode], *, now: datetime, carriers: set[int]
) -> dict[int, EpisodeInputs]:
    """Every episode's inputs, read in a fixed number of queries.

    ``carriers``: keys of the episodes that carry their patient's medication data.
    """
    zone = timezone.get_current_timezone()
    ids = [e.pk for e in episodes]
    sessions: dict[int, list[SessionRow]] = defaultdict(list)
    for pk, episode_id, scheduled_at, status in (
        CareSession.objects.filter(episode_id__in=ids)
        .order_by("episode_id", "scheduled_at", "pk")
        .values_list("pk", "episode_id", "scheduled_at", "status")
    ):
        day = scheduled_at.astimezone(zone).date()
        sessions[episode_id].append(SessionRow(pk, scheduled_at, status, day))
    loaded: dict[int, EpisodeInputs] = {}
    for episode in episodes:
        own = sessions[episode.pk]
        loaded[episode.pk] = EpisodeInputs(
            episode=episode,
            sessions=own,
            numbers={s.pk: i for i, s in enumerate(own, start=1)},
        )
    administrations = Administration.objects.filter(episode_id__in=ids)
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    # The due time only where a rule reads it: patient-rated measures that fell due within
    # the engagement rule's window (older ones never count there) and dated outcome
    # measures (numbered by it); saves a date-time conversion on most rows.
    counted_from = now - timedelta(days=ENGAGEMENT_SETTINGS.measure_window_days + 1)
    due = Case(
        When(
            Q(rater=Rater.PATIENT, due_at__gte=counted_from) | Q(session__isnull=True),
            then=F("due_at"),
        ),
        output_field=DateTimeField(),
    )
    for row in administrations.order_by("episode_id", "submitted_at", "pk").values(
        *ADMINISTRATION_FIELDS, TOTAL, due=due
    ):
        rows[row["episode_id"]].append(row)
    bars: dict[int, list[tuple[datetime, Any]]] = defaultdict(list)
    for episode_id, submitted_at, value in (
        administrations.filter(
            instrument_code=BARS_CODE,
            status=AdministrationStatus.SUBMITTED,
            submitted_at__isnull=False,
        )
        .order_by("episode_id", "submitted_at", "pk")
        .values_list("episode_id", "submitted_at", BARS_VALUE)
    ):
        bars[episode_id].append((submitted_at, value))
    scales = {
        pk: (scores or {}).get("scales", {})
        for pk, scores in administrations.filter(
            instrument_code__in=ALL_SCALES, status=AdministrationStatus.SUBMITTED
        )
        .order_by()  # no ordering: SQLite then uses the (episode, instrument, status) index
        .values_list("pk", "scores")
    }
    for episode in episodes:
        _administrations(loaded[episode.pk], rows[episode.pk], scales, bars[episode.pk], now, zone)
    _medication(loaded, [e for e in episodes if e.pk in carriers], now, zone)
    return loaded
