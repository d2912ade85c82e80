"""The web recomputation's speed-ups keep its results: the stored recovery-curve fit judges
exactly as a fresh fit on the same data; the patient jobs reuse it; a batch of episodes
gets the findings each would get alone; the queries do not grow with the episodes; dose
timing over 14 days gives the 30-day doses of those days."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from concord.analytics.trajectories.not_on_track import fit_recovery_curves, flag_not_on_track
from concord.web.alerts import recovery_curves
from concord.web.alerts.evaluation import evaluate
from concord.web.alerts.loading import load_episodes
from concord.web.alerts.models import Alert, RecoveryCurveFit
from concord.web.alerts.rule_settings import NOT_ON_TRACK_SETTINGS
from concord.web.alerts.rules import findings_for
from concord.web.alerts.signals import recompute_all, recompute_patient
from concord.web.audit.models import AuditEvent
from concord.web.clinic.models import CareEpisode, Patient
from concord.web.medications.adherence import dose_timing_for
from concord.web.medications.models import DoseConfirmation, MedicationRegimen

from .conftest import Cast, make_session
from .test_alerts import rate


def phq9(total: int) -> dict[str, float]:
    answers = {f"q{n}": float(min(3, max(0, total - 3 * (n - 1)))) for n in range(1, 10)}
    answers["q10"] = 1.0
    return answers


def clinic_with_phq9(cast: Cast, patients: int = 24, seed: int = 3) -> list[CareEpisode]:
    """Patients of team A with six weekly sessions and a PHQ-9 at each; scores fall about
    two points a session from a baseline of 12-20 with noise; the last patient worsens to
    27 (not on track against the clinic's curves)."""
    rng = random.Random(seed)
    now = timezone.now()
    episodes = []
    for i in range(patients):
        patient = Patient.objects.create(
            clinic=cast.patient_a.clinic,
            given_name=f"P{i}",
            family_name="Curve",
            date_of_birth=date(1970, 1, 1),
        )
        episode = CareEpisode.objects.create(
            patient=patient, team=cast.team_a, reason="Depression", started_on=now.date()
        )
        baseline = 12 + i % 9
        for k in range(6):
            session = make_session(episode, now - timedelta(days=7 * (6 - k)))
            score = baseline - 2 * k + rng.randint(-2, 2)
            if i == patients - 1:
                score = baseline + 3 * k
            rate(session, "phq9", phq9(max(0, min(27, score))))
        episodes.append(episode)
    return episodes


def test_stored_fit_judges_exactly_as_a_fresh_fit_on_the_same_data(cast: Cast) -> None:
    episodes = clinic_with_phq9(cast)
    recompute_all()
    fit = RecoveryCurveFit.objects.get(clinic=cast.patient_a.clinic)
    assert fit.fitted and fit.version == 1
    assert fit.data_episodes == 24 and fit.data_scores == 24 * 6
    stored = recovery_curves.model_of(fit)
    table = recovery_curves.outcome_table(cast.patient_a.clinic_id)
    fresh = fit_recovery_curves(table, NOT_ON_TRACK_SETTINGS)
    assert stored is not None
    for name in ("fixed_effects", "fixed_effect_cov", "random_effect_cov"):
        assert np.array_equal(getattr(stored, name), getattr(fresh, name)), name
    assert stored.residual_variance == fresh.residual_variance
    assert stored.baseline_mean == fresh.baseline_mean
    # Judging every score with the stored fit gives the fresh fit's table to the last bit.
    with_stored = flag_not_on_track(table, NOT_ON_TRACK_SETTINGS, model=stored)
    with_fresh = flag_not_on_track(table, NOT_ON_TRACK_SETTINGS)
    assert with_stored.scores.equals(with_fresh.scores)
    assert with_stored.events == with_fresh.events
    # The worsening patient is not on track; the alert carries the fresh fit's numbers.
    worse = episodes[-1]
    alert = Alert.objects.get(episode=worse, kind="outcome_not_on_track")
    (event,) = [e for e in with_fresh.events if e.patient == worse.pk]
    assert alert.evidence["signal"]["expected"] == event.expected
    assert alert.evidence["signal"]["boundary"] == event.boundary
    assert alert.evidence["model"] == {
        "version": 1,
        "fitted_at": fit.fitted_at.isoformat(),
        "patients": 24,
        "scores": 24 * 5,  # post-baseline scores the model was fitted on
    }
    # The patient's own job (stored fit) finds the same evidence: nothing to update.
    assert recompute_patient(worse.patient_id).updated == 0


def _no_fitting(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the curves were fitted again")


def test_patient_jobs_reuse_the_stored_fit_until_it_is_stale(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    episodes = clinic_with_phq9(cast)
    recompute_all()
    fit = RecoveryCurveFit.objects.get()
    monkeypatch.setattr(recovery_curves, "fit_recovery_curves", _no_fitting)
    recompute_patient(episodes[0].patient_id)
    assert RecoveryCurveFit.objects.count() == 1
    # 37 hours later the fit is stale: the job reads the scores again; they are the same,
    # so the fit is only marked checked (no refit, no new version).
    later = fit.checked_at + recovery_curves.MAX_AGE + timedelta(hours=1)
    recompute_patient(episodes[0].patient_id, now=later)
    fit.refresh_from_db()
    assert RecoveryCurveFit.objects.count() == 1 and fit.checked_at == later
    # New scores and a stale fit: fitted again, as version 2.
    monkeypatch.undo()
    session = make_session(episodes[3], timezone.now() - timedelta(hours=2))
    rate(session, "phq9", phq9(4))
    much_later = later + recovery_curves.MAX_AGE + timedelta(hours=1)
    recompute_patient(episodes[0].patient_id, now=much_later)
    newest = RecoveryCurveFit.objects.order_by("-version").first()
    assert newest is not None and newest.version == 2 and newest.fitted_at == much_later
    assert newest.data_scores == 24 * 6 + 1
    assert newest.data_sha256 != fit.data_sha256


def test_nightly_run_fits_again_only_when_the_scores_or_settings_change(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    episodes = clinic_with_phq9(cast)
    recompute_all()
    recompute_all()
    assert RecoveryCurveFit.objects.count() == 1
    created = AuditEvent.objects.filter(object_type="recovery_curve_fit")
    assert created.count() == 1
    event = created.get()
    assert event.channel == "worker" and event.actor_username == "concord worker"
    assert event.detail["version"] == 1 and event.detail["episodes"] == 24
    assert event.patient_refs == ""  # a clinic-wide fit, no single patient's record
    rate(make_session(episodes[5], timezone.now() - timedelta(hours=1)), "phq9", phq9(9))
    recompute_all()
    assert RecoveryCurveFit.objects.count() == 2
    # A new stored layout (or new settings) makes the stored fits stale at once.
    monkeypatch.setattr(recovery_curves, "FIT_FORMAT", recovery_curves.FIT_FORMAT + 1)
    recompute_patient(episodes[0].patient_id)
    assert RecoveryCurveFit.objects.count() == 3


def test_new_reliable_differences_make_a_version_with_the_same_curves(cast: Cast) -> None:
    clinic_with_phq9(cast)
    recompute_all()
    first = RecoveryCurveFit.objects.get()
    assert first.reliable_differences == {}  # no WAI-SR / WAI-SRT ratings yet
    now = timezone.now()
    for i, (p, c) in enumerate([(3, 3), (4, 4), (3, 4), (4, 3), (2, 5)]):
        session = make_session(cast.episode_a, now - timedelta(days=7 * (6 - i)))
        rate(session, "waisr", {f"q{n}": p for n in range(1, 13)})
        rate(session, "waisrt", {f"q{n}": c for n in range(1, 13)}, rater="clinician")
    recompute_all()
    second = RecoveryCurveFit.objects.order_by("-version").first()
    assert second is not None and second.version == 2
    assert set(second.reliable_differences) == {"goal", "task", "bond", "total"}
    assert second.parameters == first.parameters and second.fitted_at == first.fitted_at
    assert Alert.objects.filter(
        episode=cast.episode_a, kind="patient_clinician_disagreement"
    ).exists()


def test_a_batch_gets_the_findings_each_episode_gets_alone(db: None) -> None:
    from concord.web.demo.build import build_demo_clinic

    today = date(2026, 11, 21)
    build_demo_clinic(today, check_mode=False)
    now = datetime.combine(today, time(12), tzinfo=timezone.get_current_timezone())
    episodes = list(
        CareEpisode.objects.filter(status="active").select_related("patient").order_by("pk")
    )
    latest: dict[int, CareEpisode] = {}
    for e in sorted(episodes, key=lambda e: (e.started_on, e.pk)):
        latest[e.patient_id] = e  # the patient's most recent active episode
    carriers = {e.pk for e in latest.values()}
    fit = recovery_curves.latest(episodes[0].patient.clinic_id)
    assert fit is not None and fit.fitted
    model = recovery_curves.model_of(fit)
    limits = dict(fit.reliable_differences)
    together = load_episodes(episodes, now=now, carriers=carriers)
    signals = evaluate(list(together.values()), today, model)
    kinds = set()
    for episode in episodes:
        alone = load_episodes([episode], now=now, carriers=carriers)[episode.pk]
        own = evaluate([alone], today, model)[episode.pk]
        expected = findings_for(alone, own, today, thresholds=limits)
        found = findings_for(together[episode.pk], signals[episode.pk], today, thresholds=limits)
        assert found == expected, episode.pk
        kinds |= {f.kind for f in found}
    # The comparison covered every kind of alert (the demo shows each on some patient).
    assert len(kinds) >= 8


def test_queries_do_not_grow_with_the_number_of_episodes(cast: Cast) -> None:
    def count_queries(episodes: list[CareEpisode]) -> int:
        for episode in episodes:
            MedicationRegimen.objects.create(
                episode=episode,
                medication_name="Sertraline",
                medication_class="SSRI",
                daily_dose=Decimal(50),
                dose_times=["08:00"],
                started_on=timezone.localdate() - timedelta(days=60),
            )
        recompute_all()  # raise what there is to raise
        with CaptureQueriesContext(connection) as queries:
            recompute_all()  # nothing changes: only reads
        return len(queries)

    few = count_queries(clinic_with_phq9(cast, patients=4))
    many = count_queries(clinic_with_phq9(cast, patients=20, seed=4))
    assert few == many <= 15  # 26 episodes need as many queries as 6


def test_dose_timing_over_14_days_gives_the_30_day_doses_of_those_days(cast: Cast) -> None:
    regimen = MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Lithium",
        medication_class="Mood stabiliser",
        daily_dose=Decimal(800),
        dose_times=["08:00", "20:00"],
        window_minutes=60,
        started_on=timezone.localdate() - timedelta(days=60),
    )
    zone = timezone.get_current_timezone()
    rng = random.Random(11)
    today = timezone.localdate()
    for back in range(40, 0, -1):
        day = today - timedelta(days=back)
        for hour in (8, 20):
            roll = rng.random()
            if roll < 0.2:
                continue  # not confirmed
            minutes = rng.choice([-300, -90, -20, 0, 15, 70, 200, 400])  # early, late, far off
            slot = datetime.combine(day, time(hour), tzinfo=zone)
            DoseConfirmation.objects.create(
                regimen=regimen, scheduled_for=slot, taken_at=slot + timedelta(minutes=minutes)
            )
    now = timezone.now()
    full = dose_timing_for(regimen, today=today, now=now).result
    short = dose_timing_for(regimen, today=today, now=now, days=14).result
    assert full is not None and short is not None
    first = today - timedelta(days=13)
    expected = [d for d in full.doses if d.scheduled_at.date() >= first]
    assert list(short.doses) == expected
    assert len(expected) >= 26  # 13 whole days and today's doses already due
