"""What a supporter sees: their home and one page per supported patient, one section per
consented scope — and nothing else (never session notes, clinician notes, measures or
alliance ratings: the sections are built from the few fields each scope names).

:mod:`concord.web.consent.access` decides, on every request, which links and scopes the
supporter may open; each page is one audit row with role ``supporter``, the patient's id
and the scopes shown, which the patient sees in "who has looked at my information".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import CareSession, EpisodeStatus, Patient, SessionStatus
from concord.web.clinic.services import FormInvalid
from concord.web.consent import access
from concord.web.consent.forms import ObservationForm
from concord.web.consent.models import Scope, SupporterLink, SupporterObservation
from concord.web.medications import adherence
from concord.web.medications.models import (
    ConfirmationSource,
    DoseConfirmation,
    MedicationRegimen,
)
from concord.web.plans.goals import GoalSummary, current_goals

UPCOMING_APPOINTMENTS = 10
RECENT_OBSERVATIONS = 8


@dataclass(frozen=True)
class HomeRow:
    link: SupporterLink
    patient_name: str
    scopes: tuple[str, ...]

    @property
    def scope_labels(self) -> list[str]:
        return [str(Scope(s).label) for s in self.scopes]


def supporting_home(actor: Actor) -> list[HomeRow]:
    """The people the supporter supports, with what each shares now."""
    if not access.is_supporter(actor.user):
        raise NotFound
    rows = []
    for link in access.active_links_for(actor.user).select_related("patient").order_by("pk"):
        granted = access.current_scopes(link)
        rows.append(
            HomeRow(
                link,
                f"{link.patient.given_name} {link.patient.family_name}",
                tuple(s for s in Scope.values if s in granted),
            )
        )
    audit(
        actor,
        Action.LIST,
        "supporter_link",
        "",
        [r.link.patient_id for r in rows],
        {"shared": {str(r.link.pk): list(r.scopes) for r in rows}},
    )
    return rows


# ------------------------------------------------------------------ the sections


@dataclass(frozen=True)
class Appointment:
    when: datetime
    modality: str  # the display label
    duration_minutes: int


def upcoming_appointments(patient: Patient, now: datetime) -> list[Appointment]:
    """Booked sessions of active episodes: date, time, modality and length. No notes."""
    sessions = (
        CareSession.objects.filter(
            episode__patient=patient,
            episode__status=EpisodeStatus.ACTIVE,
            status=SessionStatus.SCHEDULED,
            scheduled_at__gt=now,
        )
        .order_by("scheduled_at", "pk")
        .only("scheduled_at", "modality", "duration_minutes")[:UPCOMING_APPOINTMENTS]
    )
    return [
        Appointment(s.scheduled_at, s.get_modality_display(), s.duration_minutes) for s in sessions
    ]


def _current_regimens(patient: Patient, today: date) -> list[MedicationRegimen]:
    regimens = MedicationRegimen.objects.filter(
        episode__patient=patient, episode__status=EpisodeStatus.ACTIVE
    ).order_by("medication_name", "pk")
    return [r for r in regimens if r.is_active_on(today)]


@dataclass(frozen=True)
class DoseToday:
    at: time
    state: str  # "answered", "not_answered" (its time has passed) or "later"


@dataclass(frozen=True)
class MedicineReminder:
    medication_name: str
    times: tuple[time, ...]
    today: tuple[DoseToday, ...]

    @property
    def unanswered(self) -> list[DoseToday]:
        return [d for d in self.today if d.state == "not_answered"]


def reminders(patient: Patient, now: datetime) -> list[MedicineReminder]:
    """Medicines with set times, their times, and whether today's doses are answered in the
    portal (answered, whichever the answer, is all the supporter learns)."""
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now).date()
    rows = []
    for regimen in _current_regimens(patient, today):
        times = regimen.scheduled_times()
        if not times:
            continue
        slots = [datetime.combine(today, t, tzinfo=zone) for t in times]
        answered = set(
            DoseConfirmation.objects.filter(
                regimen=regimen, source=ConfirmationSource.PORTAL, scheduled_for__in=slots
            ).values_list("scheduled_for", flat=True)
        )
        doses = tuple(
            DoseToday(
                clock,
                "answered" if slot in answered else ("not_answered" if slot <= now else "later"),
            )
            for clock, slot in zip(times, slots, strict=True)
        )
        rows.append(MedicineReminder(regimen.medication_name, times, doses))
    return rows


@dataclass(frozen=True)
class RefillHeadline:
    medication_class: str
    medications: tuple[str, ...]
    cma: float | None  # share of days with medicine available (CMA7), None if not measured
    observation_days: int | None
    pdc: float | None
    pdc_threshold: float | None
    adherent: bool | None


@dataclass(frozen=True)
class DoseSummary:
    medication_name: str
    period_start: date
    period_end: date
    doses_due: int
    doses_taken: int


@dataclass(frozen=True)
class AdherenceSummary:
    refills: tuple[RefillHeadline, ...]
    doses: tuple[DoseSummary, ...]


def adherence_summary(patient: Patient, now: datetime) -> AdherenceSummary:
    """The refill headline (CMA7, PDC) and the 30-day dose confirmations, computed by
    :mod:`concord.web.medications.adherence` exactly as on the clinician's page."""
    today = timezone.localtime(now).date()
    regimens = list(MedicationRegimen.objects.filter(episode__patient=patient))
    classes = adherence.adherence_by_class(
        adherence.dispensed_up_to(patient, today), regimens, today=today
    )
    refills = tuple(
        RefillHeadline(
            c.medication_class,
            c.medications,
            c.cma if c.windows else None,
            c.windows.observation_days if c.windows else None,
            c.pdc.pdc if c.pdc and c.pdc.status == "eligible" else None,
            c.pdc.threshold if c.pdc and c.pdc.status == "eligible" else None,
            c.pdc.adherent if c.pdc and c.pdc.status == "eligible" else None,
        )
        for c in classes
        if c.windows is not None and c.stopped_on is None
    )
    doses = []
    for regimen in _current_regimens(patient, today):
        timing = adherence.dose_timing_for(regimen, today=today, now=now).result
        if timing is not None and timing.doses_prescribed:
            doses.append(
                DoseSummary(
                    regimen.medication_name,
                    timing.period_start,
                    timing.period_end,
                    timing.doses_prescribed,
                    timing.doses_taken,
                )
            )
    return AdherenceSummary(refills, tuple(doses))


def own_observations(link: SupporterLink) -> list[SupporterObservation]:
    return list(
        link.observations.order_by("-week_ending", "-recorded_at", "-pk")[:RECENT_OBSERVATIONS]
    )


# ------------------------------------------------------------------ the page


@dataclass(frozen=True)
class SupportedPage:
    link: SupporterLink
    scopes: frozenset[str]
    today: date
    appointments: list[Appointment] | None = None
    reminders: list[MedicineReminder] | None = None
    adherence: AdherenceSummary | None = None
    goals: list[GoalSummary] | None = None
    observations: list[SupporterObservation] | None = None

    @property
    def patient_first_name(self) -> str:
        return self.link.patient.given_name

    @property
    def sections(self) -> list[str]:
        """The consented scopes, in the order the page shows them."""
        return [s for s in Scope.values if s in self.scopes]


def supported_patient(
    actor: Actor, link_id: object, *, now: datetime | None = None
) -> SupportedPage:
    """The supported person's page: one section per scope granted now, else NotFound."""
    link, scopes = access.link_for(actor.user, link_id)
    now = now or timezone.now()
    patient = link.patient
    page = SupportedPage(
        link,
        scopes,
        timezone.localtime(now).date(),
        appointments=upcoming_appointments(patient, now) if Scope.APPOINTMENTS in scopes else None,
        reminders=reminders(patient, now) if Scope.REMINDERS in scopes else None,
        adherence=adherence_summary(patient, now) if Scope.ADHERENCE_SUMMARY in scopes else None,
        goals=current_goals(actor, patient.pk) if Scope.GOALS in scopes else None,
        observations=own_observations(link) if Scope.OBSERVATIONS in scopes else None,
    )
    audit(
        actor,
        Action.READ,
        "supporter_view",
        link.pk,
        [patient.pk],
        {"scopes": page.sections},
    )
    return page


def record_observation(
    actor: Actor, link_id: object, data: Mapping[str, Any], *, now: datetime | None = None
) -> SupporterObservation:
    """The supporter tells the care team what they noticed this week (scope
    ``observations``); a series of its own, never changed afterwards."""
    link = access.link_for_scope(actor.user, link_id, Scope.OBSERVATIONS)
    now = now or timezone.now()
    form = ObservationForm(data, today=timezone.localtime(now).date())
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    with transaction.atomic():
        observation = SupporterObservation.objects.create(
            link=link,
            patient=link.patient,
            supporter=actor.user,
            week_ending=form.cleaned_data["week_ending"],
            took_medicines=form.cleaned_data["took_medicines"],
            note=form.cleaned_data["note"].strip(),
            recorded_at=now,
        )
        audit(
            actor,
            Action.CREATE,
            "supporter_observation",
            observation.pk,
            [link.patient_id],
            {
                "supporter_link_id": link.pk,
                "week_ending": observation.week_ending.isoformat(),
                "took_medicines": observation.took_medicines,
            },
        )
    return observation
