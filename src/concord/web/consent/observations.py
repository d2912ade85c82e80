"""Supporter observations for the care team, beside — never mixed with — the patient's own
report of the same week (their dose answers in the portal).

Each observation covers the 7 days ending on its ``week_ending``. Beside it: the patient's
scheduled doses in those days (up to now), how many they answered "taken" and "not taken"
in the portal. Counts only, side by side; neither series changes the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.models import Patient
from concord.web.consent.models import SupporterObservation
from concord.web.consent.records import patient_for_staff
from concord.web.medications.models import ConfirmationSource, DoseConfirmation, MedicationRegimen

WEEK_DAYS = 7
SHOWN_OBSERVATIONS = 12


@dataclass(frozen=True)
class SelfReportWeek:
    """The patient's portal answers for the scheduled doses of one week (up to now)."""

    doses_due: int
    taken: int
    not_taken: int

    @property
    def unanswered(self) -> int:
        return self.doses_due - self.taken - self.not_taken


@dataclass(frozen=True)
class ObservationRow:
    observation: SupporterObservation
    supporter_name: str
    week_start: date
    self_report: SelfReportWeek | None  # None: no medicine with set times that week


def self_report_for_week(
    regimens: list[MedicationRegimen], week_start: date, week_end: date, now: datetime
) -> SelfReportWeek | None:
    """Scheduled doses from ``week_start`` to ``week_end`` (inclusive) that were due by
    ``now``, and the patient's portal answers to them."""
    if not regimens:
        return None
    zone = timezone.get_current_timezone()
    due_slots: list[tuple[int, datetime]] = []
    day = week_start
    while day <= week_end:
        for regimen in regimens:
            if not regimen.is_active_on(day):
                continue
            for clock in regimen.scheduled_times():
                slot = datetime.combine(day, clock, tzinfo=zone)
                if slot <= now:
                    due_slots.append((regimen.pk, slot))
        day += timedelta(days=1)
    answers = {
        (c.regimen_id, c.scheduled_for): c.taken_at is not None
        for c in DoseConfirmation.objects.filter(
            regimen__in=regimens,
            source=ConfirmationSource.PORTAL,
            scheduled_for__gte=datetime.combine(week_start, datetime.min.time(), tzinfo=zone),
            scheduled_for__lt=datetime.combine(
                week_end + timedelta(days=1), datetime.min.time(), tzinfo=zone
            ),
        )
    }
    taken = sum(1 for slot in due_slots if answers.get(slot) is True)
    not_taken = sum(1 for slot in due_slots if answers.get(slot) is False)
    return SelfReportWeek(len(due_slots), taken, not_taken)


def observations_for_staff(
    actor: Actor, patient: Patient, *, now: datetime | None = None
) -> list[ObservationRow]:
    """The latest supporter observations of the patient, each beside the patient's own
    report of that week, for clinical staff who may see the patient."""
    patient = patient_for_staff(actor, patient.pk)
    now = now or timezone.now()
    observations = list(
        SupporterObservation.objects.filter(patient=patient)
        .select_related("link")
        .order_by("-week_ending", "-recorded_at", "-pk")[:SHOWN_OBSERVATIONS]
    )
    regimens = [
        r
        for r in MedicationRegimen.objects.filter(
            episode__in=access.episodes_for(actor.user), episode__patient=patient
        )
        if r.dose_times
    ]
    rows = []
    for observation in observations:
        start = observation.week_ending - timedelta(days=WEEK_DAYS - 1)
        rows.append(
            ObservationRow(
                observation,
                observation.link.name,
                start,
                self_report_for_week(regimens, start, observation.week_ending, now),
            )
        )
    audit(
        actor,
        Action.LIST,
        "supporter_observation",
        "",
        [patient.pk],
        {"observation_ids": [o.pk for o in observations]},
    )
    return rows
