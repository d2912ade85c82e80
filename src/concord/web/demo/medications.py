"""Demo refill histories and dose confirmations, deterministic from the demo seed.

Patients of the mood and primary care teams (and stroke rehabilitation) get a regimen
matched to their reason for care and a pharmacy dispensing history in one of five
patterns seen in real refill data:

* ``regular`` — refills about when the supply runs out;
* ``early`` — refills several days early (supply carries over; CMA is capped at 1);
* ``gaps`` — now and then a refill weeks late;
* ``discontinued`` — stopped collecting months ago without telling anyone;
* ``switched`` — changed to another medicine part-way (the first regimen ended).

The first portal patient (``patient1``) also answered the portal's dose questions over
the last five weeks, with a few late and missed doses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from concord.web.clinic.models import CareEpisode
from concord.web.medications.models import (
    ConfirmationSource,
    DispensingEvent,
    DispensingSource,
    DispensingUpload,
    DoseConfirmation,
    MedicationRegimen,
    UploadKind,
)

SEED_OFFSET = 7


@dataclass(frozen=True)
class DemoDrug:
    name: str
    atc: str
    medication_class: str
    daily_dose: int
    unit: str
    times: tuple[str, ...]
    supply: int  # days per dispensing
    antiretroviral: bool = False


DRUGS = {
    "sertraline": DemoDrug(
        "Sertraline", "N06AB06", "SSRI antidepressant", 50, "mg", ("08:00",), 28
    ),
    "escitalopram": DemoDrug(
        "Escitalopram", "N06AB10", "SSRI antidepressant", 10, "mg", ("08:00",), 28
    ),
    "mirtazapine": DemoDrug(
        "Mirtazapine", "N06AX11", "Other antidepressant", 30, "mg", ("21:00",), 28
    ),
    "lithium": DemoDrug(
        "Lithium carbonate", "N05AN01", "Mood stabiliser", 800, "mg", ("08:00", "20:00"), 28
    ),
    "amlodipine": DemoDrug(
        "Amlodipine", "C08CA01", "Calcium channel blocker", 5, "mg", ("08:00",), 30
    ),
    "ramipril": DemoDrug("Ramipril", "C09AA05", "ACE inhibitor", 5, "mg", ("08:00",), 30),
    "metformin": DemoDrug("Metformin", "A10BA02", "Biguanide", 2000, "mg", ("08:00", "20:00"), 30),
    "inhaler": DemoDrug(
        "Budesonide/formoterol",
        "R03AK07",
        "Inhaled steroid + LABA",
        4,
        "puffs",
        ("08:00", "20:00"),
        30,
    ),
    "atorvastatin": DemoDrug("Atorvastatin", "C10AA05", "Statin", 20, "mg", ("20:00",), 30),
    "clopidogrel": DemoDrug("Clopidogrel", "B01AC04", "Antiplatelet", 75, "mg", ("08:00",), 30),
    "arv": DemoDrug(
        "Bictegravir/emtricitabine/tenofovir alafenamide",
        "J05AR20",
        "HIV antiretroviral",
        1,
        "tablet",
        ("08:00",),
        30,
        antiretroviral=True,
    ),
}
# reason for care → (first medicine, medicine switched to)
BY_REASON = {
    "Depression": ("sertraline", "mirtazapine"),
    "Generalised anxiety": ("sertraline", "escitalopram"),
    "Panic disorder": ("escitalopram", "sertraline"),
    "Bipolar disorder": ("lithium", "lithium"),
    "Hypertension": ("amlodipine", "ramipril"),
    "Type 2 diabetes": ("metformin", "metformin"),
    "Asthma": ("inhaler", "inhaler"),
    "Medication review": ("arv", "arv"),
    "Stroke rehabilitation": ("clopidogrel", "clopidogrel"),
}
# Patients take the patterns in turn, so every demo has each of them several times.
PATTERNS = (
    "regular",
    "early",
    "gaps",
    "regular",
    "discontinued",
    "switched",
    "regular",
    "gaps",
    "early",
    "switched",
)


def _regimen(
    episode: CareEpisode, drug: DemoDrug, start: date, end: date | None
) -> MedicationRegimen:
    return MedicationRegimen.objects.create(
        episode=episode,
        medication_name=drug.name,
        atc_code=drug.atc,
        medication_class=drug.medication_class,
        daily_dose=Decimal(drug.daily_dose),
        unit=drug.unit,
        dose_times=list(drug.times),
        window_minutes=60,
        started_on=start,
        ended_on=end,
        antiretroviral=drug.antiretroviral,
        created_by=episode.lead_clinician,
    )


def _fills(rng: random.Random, pattern: str, first: date, until: date, supply: int) -> list[date]:
    """Dispensing dates from ``first`` up to ``until`` in the given refill pattern."""
    days: list[date] = []
    day = first
    while day <= until:
        days.append(day)
        if pattern == "early":
            delay = supply - rng.randrange(4, 11)
        elif pattern == "gaps" and rng.random() < 0.3:
            delay = supply + rng.randrange(10, 41)
        else:
            delay = supply + rng.randrange(-2, 4)
        day += timedelta(days=delay)
    return days


def build_demo_medications(today: date, episodes: list[CareEpisode], seed: int) -> int:
    """Regimens, dispensing events and (for the first patient) dose confirmations.

    ``episodes`` in creation order, one per demo patient; returns the number of events.
    """
    rng = random.Random(seed + SEED_OFFSET)
    count = count_with_plan = 0
    confirmations_made = False
    for episode in episodes:
        plan = BY_REASON.get(episode.reason)
        if plan is None:
            continue
        pattern = PATTERNS[count_with_plan % len(PATTERNS)]
        count_with_plan += 1
        history_start = episode.started_on - timedelta(days=rng.randrange(30, 300))
        if pattern == "switched" and (today - history_start).days < 200:
            pattern = "regular"  # too short a history to show a switch
        first_drug, second_drug = DRUGS[plan[0]], DRUGS[plan[1]]
        upload = DispensingUpload.objects.create(
            patient=episode.patient,
            kind=UploadKind.DISPENSING,
            uploaded_by=episode.lead_clinician,
            file_name=f"pharmacy-export-{episode.patient_id}.csv",
            file_sha256=f"demo-{episode.patient_id}",
            column_mapping={
                "date": "Dispensed",
                "days_supply": "Days supply",
                "daily_dose": "Daily dose",
                "medication_class": "Class",
                "medication_name": "Medicine",
            },
            date_format="%Y-%m-%d",
            row_count=0,
        )
        segments: list[tuple[DemoDrug, list[date]]] = []
        if pattern == "switched":
            switch = history_start + timedelta(
                days=rng.randrange(90, max(91, (today - history_start).days - 60))
            )
            _regimen(episode, first_drug, history_start, switch - timedelta(days=1))
            _regimen(episode, second_drug, switch, None)
            segments.append(
                (
                    first_drug,
                    _fills(
                        rng,
                        "regular",
                        history_start,
                        switch - timedelta(days=20),
                        first_drug.supply,
                    ),
                )
            )
            segments.append(
                (second_drug, _fills(rng, "regular", switch, today, second_drug.supply))
            )
        else:
            _regimen(episode, first_drug, history_start, None)
            until = today
            if pattern == "discontinued":
                until = today - timedelta(days=rng.randrange(60, 151))
            segments.append(
                (first_drug, _fills(rng, pattern, history_start, until, first_drug.supply))
            )
        rows = [
            DispensingEvent(
                patient=episode.patient,
                dispensed_on=day,
                days_supply=Decimal(drug.supply),
                daily_dose=Decimal(drug.daily_dose),
                medication_class=drug.medication_class,
                medication_name=drug.name,
                source=DispensingSource.UPLOAD,
                upload=upload,
                recorded_by=episode.lead_clinician,
            )
            for drug, days in segments
            for day in days
        ]
        for number, row in enumerate(rows, start=1):
            row.upload_row = number
        DispensingEvent.objects.bulk_create(rows)
        upload.row_count = len(rows)
        upload.save(update_fields=["row_count"])
        count += len(rows)
        if episode.patient.account_id is not None and not confirmations_made:
            confirmations_made = True
            _portal_confirmations(rng, episode, today)
    return count


def _portal_confirmations(rng: random.Random, episode: CareEpisode, today: date) -> None:
    """Five weeks of portal answers for the first patient: mostly on time, some not."""
    regimen = episode.medication_regimens.filter(ended_on__isnull=True).first()
    if regimen is None:
        return
    zone = timezone.get_current_timezone()
    answers = []
    for back in range(35, 0, -1):
        day = today - timedelta(days=back)
        for clock in regimen.scheduled_times():
            slot = datetime.combine(day, clock, tzinfo=zone)
            roll = rng.random()
            if roll < 0.10:
                continue  # no answer
            if roll < 0.15:
                taken_at = None  # "not taken"
            elif roll < 0.25:
                taken_at = slot + timedelta(minutes=rng.randrange(75, 240))  # late
            else:
                taken_at = slot + timedelta(minutes=rng.randrange(-30, 45))
            answers.append(
                DoseConfirmation(
                    regimen=regimen,
                    scheduled_for=slot,
                    taken_at=taken_at,
                    source=ConfirmationSource.PORTAL,
                )
            )
    DoseConfirmation.objects.bulk_create(answers)
