"""A synthetic clinic in the database for the alert-recomputation benchmark.

The data are :func:`concord.analytics.risk.simulation.simulate_clinic` (seeded, with
known truth; described in docs/analytics/risk.md) written as the clinic would hold them:

* one organisation, clinic and care team; one clinician; per simulated patient a patient
  and one active care episode;
* 12 weekly sessions per episode (10:00 local time) with the simulated status;
* an SRS after every attended session (the simulated alliance score, items = total / 4);
* a PHQ-9 due at every session: submitted (the simulated score, spread over the items)
  when the simulation returned it, otherwise expired;
* the simulated 30-day fills as dispensing events of one class ("SSRI antidepressant");
  one regimen (08:00 daily, from the first fill) per episode;
* the simulated confirmed doses of the last 14 days as portal dose confirmations (an
  unconfirmed dose has no row, as in the clinic);
* the simulated BARS estimate as a submitted BARS (clinician-rated).

Scores are computed by the instrument registry (``score_response``), once per distinct
answer set. Everything is written with ``bulk_create`` in batches.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

BATCH = 5000
CLASS = "SSRI antidepressant"


def _scores(code: str, answers: dict[str, float], cache: dict[Any, Any]) -> dict[str, Any]:
    from concord.analytics.instruments import get_instrument, score_response
    from concord.web.measures.submission import scores_as_json

    key = (code, tuple(sorted(answers.items())))
    if key not in cache:
        cache[key] = scores_as_json(score_response(get_instrument(code), answers))
    return cache[key]  # type: ignore[no-any-return]


def _phq9_answers(total: int) -> dict[str, float]:
    answers = {f"q{n}": float(min(3, max(0, total - 3 * (n - 1)))) for n in range(1, 10)}
    answers["q10"] = 1.0
    return answers


def build_clinic(patients: int, *, seed: int, today: date) -> dict[str, Any]:
    """Write the simulated clinic; return the row counts and the seconds taken."""
    from django.db import transaction
    from django.utils import timezone

    from concord.analytics.risk.simulation import simulate_clinic
    from concord.web.accounts.models import Role, User
    from concord.web.clinic.models import (
        CareEpisode,
        CareSession,
        CareTeam,
        Clinic,
        EpisodeStatus,
        Organisation,
        Patient,
        TeamMembership,
    )
    from concord.web.measures.models import Administration, AdministrationStatus, Rater
    from concord.web.medications.models import (
        ConfirmationSource,
        DispensingEvent,
        DoseConfirmation,
        MedicationRegimen,
    )

    started = time.perf_counter()
    sim = simulate_clinic(patients, seed=seed, as_of=today)
    zone = timezone.get_current_timezone()

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)

    cache: dict[Any, Any] = {}
    with transaction.atomic():
        organisation = Organisation.objects.create(name="Benchmark health")
        clinic = Clinic.objects.create(organisation=organisation, name="Benchmark clinic")
        team = CareTeam.objects.create(clinic=clinic, name="Benchmark team")
        clinician = User.objects.create_user(
            username="bench.clinician",
            password=None,
            role=Role.CLINICIAN,
            discipline="psychiatry",
        )
        TeamMembership.objects.create(team=team, user=clinician)
        people = Patient.objects.bulk_create(
            (
                Patient(
                    clinic=clinic,
                    given_name=f"Given{i:05d}",
                    family_name=f"Family{i:05d}",
                    date_of_birth=date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                )
                for i in range(1, patients + 1)
            ),
            batch_size=BATCH,
        )
        first_session = sim.sessions.group_by("patient").agg(pl.col("date").min())
        first_day = dict(first_session.iter_rows())
        episodes = CareEpisode.objects.bulk_create(
            (
                CareEpisode(
                    patient=p,
                    team=team,
                    lead_clinician=clinician,
                    reason="Depression",
                    status=EpisodeStatus.ACTIVE,
                    started_on=first_day[i],
                )
                for i, p in enumerate(people, start=1)
            ),
            batch_size=BATCH,
        )
        episode_of = {i: e for i, e in enumerate(episodes, start=1)}

        sessions = CareSession.objects.bulk_create(
            (
                CareSession(
                    episode=episode_of[row["patient"]],
                    clinician=clinician,
                    scheduled_at=at(row["date"], 10),
                    status=row["status"],
                )
                for row in sim.sessions.iter_rows(named=True)
            ),
            batch_size=BATCH,
        )
        # simulate_clinic orders sessions by patient then session number.
        session_of = {
            (row["patient"], row["session"]): s
            for row, s in zip(sim.sessions.iter_rows(named=True), sessions, strict=True)
        }

        administrations: list[Administration] = []
        srs_version = phq_version = bars_version = "1.0"
        for row in sim.alliance.iter_rows(named=True):
            session = session_of[(row["patient"], row["session"])]
            if session.status != "attended":
                continue
            item = round(row["score"] / 4, 1)
            answers = {k: item for k in ("relationship", "goals_topics", "approach", "overall")}
            administrations.append(
                Administration(
                    slot=f"bench-srs:{session.pk}",
                    episode=session.episode,
                    instrument_code="srs",
                    instrument_version=srs_version,
                    rater=Rater.PATIENT,
                    session=session,
                    due_at=session.scheduled_at,
                    status=AdministrationStatus.SUBMITTED,
                    answers=answers,
                    scores=_scores("srs", answers, cache),
                    submitted_at=session.scheduled_at + timedelta(minutes=55),
                )
            )
        returned = sim.measures.get_column("returned").to_list()
        for row, back in zip(sim.outcome.iter_rows(named=True), returned, strict=True):
            session = session_of[(row["patient"], row["session"])]
            answers = _phq9_answers(int(row["score"]))
            administrations.append(
                Administration(
                    slot=f"bench-phq9:{session.pk}",
                    episode=session.episode,
                    instrument_code="phq9",
                    instrument_version=phq_version,
                    rater=Rater.PATIENT,
                    session=session,
                    due_at=session.scheduled_at,
                    status=AdministrationStatus.SUBMITTED if back else AdministrationStatus.EXPIRED,
                    answers=answers if back else {},
                    scores=_scores("phq9", answers, cache) if back else None,
                    submitted_at=session.scheduled_at + timedelta(minutes=5) if back else None,
                )
            )
        for row in sim.bars.iter_rows(named=True):
            answers = {"q1": 1.0, "q2": 0.0, "q3": 0.0, "q4": round(row["score"], 1)}
            administrations.append(
                Administration(
                    slot=f"bench-bars:{row['patient']}",
                    episode=episode_of[row["patient"]],
                    instrument_code="bars",
                    instrument_version=bars_version,
                    rater=Rater.CLINICIAN,
                    due_at=at(row["date"], 11),
                    status=AdministrationStatus.SUBMITTED,
                    answers=answers,
                    scores=_scores("bars", answers, cache),
                    submitted_at=at(row["date"], 11),
                )
            )
        Administration.objects.bulk_create(administrations, batch_size=BATCH)

        DispensingEvent.objects.bulk_create(
            (
                DispensingEvent(
                    patient=people[row["patient"] - 1],
                    dispensed_on=row["date"],
                    days_supply=row["days_supply"],
                    medication_class=CLASS,
                    medication_name="Sertraline 50 mg",
                    source="manual",
                )
                for row in sim.fills.iter_rows(named=True)
            ),
            batch_size=BATCH,
        )
        first_fill = dict(sim.fills.group_by("patient").agg(pl.col("date").min()).iter_rows())
        regimens = MedicationRegimen.objects.bulk_create(
            (
                MedicationRegimen(
                    episode=episode_of[i],
                    medication_name="Sertraline",
                    atc_code="N06AB06",
                    medication_class=CLASS,
                    daily_dose=50,
                    dose_times=["08:00"],
                    started_on=min(first_fill.get(i, today), today - timedelta(days=30)),
                )
                for i in range(1, patients + 1)
            ),
            batch_size=BATCH,
        )
        regimen_of = {i: r for i, r in enumerate(regimens, start=1)}
        DoseConfirmation.objects.bulk_create(
            (
                DoseConfirmation(
                    regimen=regimen_of[row["patient"]],
                    scheduled_for=at(row["scheduled"], 8),
                    taken_at=at(row["scheduled"], 8, 10),
                    source=ConfirmationSource.PORTAL,
                )
                for row in sim.confirmations.filter(pl.col("confirmed")).iter_rows(named=True)
            ),
            batch_size=BATCH,
        )
    counts = {
        "patients": Patient.objects.count(),
        "episodes": CareEpisode.objects.count(),
        "sessions": CareSession.objects.count(),
        "administrations": Administration.objects.count(),
        "dispensing_events": DispensingEvent.objects.count(),
        "regimens": MedicationRegimen.objects.count(),
        "dose_confirmations": DoseConfirmation.objects.count(),
    }
    return {"rows": counts, "build_seconds": round(time.perf_counter() - started, 1)}
