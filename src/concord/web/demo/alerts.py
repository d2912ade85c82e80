"""Early-warning alerts for the demo clinic: a few patients' latest data are shaped so that
every alert kind appears, then the worker's recomputation runs over the whole clinic.

Deterministic (episodes chosen by order, relative to ``today``). The shaping writes data
the way the clinic would receive them (scored administrations, session statuses), never
alerts: the alerts come from the same :func:`concord.web.alerts.signals.recompute_all`
the nightly job runs.

* **rupture, alliance drop, combined**: a mood patient's latest WAI-SR falls far below
  their own level (a strict 2 SD rupture, a drop of more than a point) while their latest
  PHQ-9 is at the top of the scale (not on track) -> ``alliance_falling_with_not_on_track``;
* **low alliance**: a mood patient rates the SRS after each session, the latest below 36;
* **patient-clinician disagreement**: a clinician's latest WAI-SRT is two points above
  the patient's WAI-SR;
* **outcome not on track**: another patient's latest PHQ-9 is far above the expected curve;
* **missed sessions / drop-out risk**: the latest due sessions are no-shows and
  cancellations;
* **the clinic's expected recovery curves** need 20 patients with a baseline and a later
  PHQ-9; mood patients scored fewer than twice get a first and a latest PHQ-9;
* **non-adherence**: a regimen's last refill ran out weeks ago; an antiretroviral refill
  came 12 days late (refill adherence in the latest windows below 0.90, the threshold
  for antiretrovirals). The demo medications' refill patterns already give several
  patients supply gaps, low and falling refill adherence in the sliding windows, and
  low BARS.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from concord.analytics.instruments import get_instrument, score_response
from concord.web.alerts.signals import RecomputeResult, recompute_all
from concord.web.clinic.models import CareEpisode, CareSession, EpisodeStatus, SessionStatus
from concord.web.demo.clock import demo_now
from concord.web.measures.models import (
    Administration,
    AdministrationStatus,
    Rater,
    SubmittedVia,
)
from concord.web.measures.submission import _json_answers, scores_as_json
from concord.web.medications.models import DispensingEvent, MedicationRegimen

MOOD_TEAM = "Mood and anxiety team"
PRIMARY_TEAM = "Primary care team"


def _rescore(administration: Administration, answers: dict[str, float]) -> None:
    result = score_response(get_instrument(administration.instrument_code), answers)
    administration.answers = _json_answers(answers)
    administration.scores = scores_as_json(result)
    administration.safety_flag = result.safety_alert
    administration.save(update_fields=["answers", "scores", "safety_flag"])


def _latest(episode: CareEpisode, code: str) -> Administration | None:
    return (
        Administration.objects.filter(
            episode=episode,
            instrument_code=code,
            status=AdministrationStatus.SUBMITTED,
            session__isnull=False,
        )
        .order_by("-session__scheduled_at", "-pk")
        .first()
    )


def _wai(level: float) -> dict[str, float]:
    return {f"q{n}": float(level) for n in range(1, 13)}


def _phq9(total: int) -> dict[str, float]:
    answers = {f"q{n}": float(min(3, max(0, total - 3 * (n - 1)))) for n in range(1, 9)}
    answers["q9"] = 0.0  # no self-harm item here: that is the safety alert's story
    answers["q10"] = 1.0
    return answers


def _falling_and_off_track(episode: CareEpisode) -> None:
    wai = _latest(episode, "waisr")
    if wai is not None:
        _rescore(wai, _wai(1))
    phq = _latest(episode, "phq9")
    if phq is not None:
        _rescore(phq, _phq9(26))


def _off_track(episode: CareEpisode) -> None:
    phq = _latest(episode, "phq9")
    if phq is not None:
        _rescore(phq, _phq9(25))


def _disagreement(episode: CareEpisode) -> None:
    patient, clinician = _latest(episode, "waisr"), _latest(episode, "waisrt")
    if patient is None or clinician is None or patient.session_id != clinician.session_id:
        return
    _rescore(patient, _wai(2))
    _rescore(clinician, _wai(5))


def _srs(episode: CareEpisode, now: datetime) -> None:
    """SRS after the last six attended sessions; the latest one low."""
    sessions = list(
        CareSession.objects.filter(
            episode=episode, status=SessionStatus.ATTENDED, scheduled_at__lte=now
        ).order_by("-scheduled_at")[:6]
    )[::-1]
    instrument = get_instrument("srs")
    totals = [37.0, 38.0, 37.5, 38.5, 38.0, 31.0][-len(sessions) :]
    for session, total in zip(sessions, totals, strict=True):
        answers = {
            item: total / 4 for item in ("relationship", "goals_topics", "approach", "overall")
        }
        result = score_response(instrument, answers)
        Administration.objects.create(
            slot=f"demo-srs:{session.pk}",
            episode=episode,
            instrument_code="srs",
            instrument_version=instrument.version,
            rater=Rater.PATIENT,
            session=session,
            due_at=session.scheduled_at,
            status=AdministrationStatus.SUBMITTED,
            answers=_json_answers(answers),
            scores=scores_as_json(result),
            submitted_via=SubmittedVia.STAFF,
            submitted_at=session.scheduled_at + timedelta(minutes=55),
        )


def _missed(episode: CareEpisode, now: datetime, statuses: list[str]) -> None:
    due = list(
        CareSession.objects.filter(episode=episode, scheduled_at__lte=now)
        .exclude(status=SessionStatus.CANCELLED_BY_CLINIC)
        .order_by("-scheduled_at")[: len(statuses)]
    )
    for session, status in zip(due, statuses, strict=False):
        session.status = status
        session.save(update_fields=["status"])


def _supply_gap(episode: CareEpisode, today: date) -> None:
    DispensingEvent.objects.create(
        patient_id=episode.patient_id,
        dispensed_on=today - timedelta(days=75),
        days_supply=30,
        daily_dose=1,
        medication_class="N06AB",
        medication_name="Sertraline 50 mg",
        source="manual",
    )


def _late_antiretroviral_refill(today: date) -> None:
    """One antiretroviral refill collected 12 days late: a gap of about 12 days in the
    latest 90-day windows, CMA7 about 0.87 - below the 0.90 held for antiretrovirals, above
    the 0.80 of other medicines."""
    regimen = (
        MedicationRegimen.objects.filter(
            antiretroviral=True, ended_on__isnull=True, episode__status=EpisodeStatus.ACTIVE
        )
        .order_by("episode_id")
        .first()
    )
    if regimen is None:
        return
    refill = (
        DispensingEvent.objects.filter(
            patient_id=regimen.episode.patient_id,
            medication_class=regimen.medication_class,
            dispensed_on__gte=today - timedelta(days=75),
            dispensed_on__lte=today - timedelta(days=35),
        )
        .order_by("-dispensed_on", "-pk")
        .first()
    )
    if refill is not None:
        refill.dispensed_on += timedelta(days=12)
        refill.save(update_fields=["dispensed_on"])


def _second_outcome(episode: CareEpisode, now: datetime) -> None:
    """A PHQ-9 at the first and latest attended session for a mood patient scored fewer
    than twice, so that the clinic has the 20 patients the expected-recovery model needs."""
    scored = Administration.objects.filter(
        episode=episode, instrument_code="phq9", status=AdministrationStatus.SUBMITTED
    ).count()
    attended = list(
        CareSession.objects.filter(
            episode=episode, status=SessionStatus.ATTENDED, scheduled_at__lte=now
        ).order_by("scheduled_at")
    )
    if scored >= 2 or len(attended) < 2:
        return
    instrument = get_instrument("phq9")
    for session, total in ((attended[0], 18), (attended[-1], 11)):
        answers = _phq9(total)
        result = score_response(instrument, answers)
        Administration.objects.create(
            slot=f"demo-phq9:{session.pk}",
            episode=episode,
            instrument_code="phq9",
            instrument_version=instrument.version,
            rater=Rater.PATIENT,
            session=session,
            due_at=session.scheduled_at,
            status=AdministrationStatus.SUBMITTED,
            answers=_json_answers(answers),
            scores=scores_as_json(result),
            submitted_via=SubmittedVia.STAFF,
            submitted_at=session.scheduled_at + timedelta(minutes=55),
        )


def build_demo_alerts(today: date) -> RecomputeResult:
    """Shape a few patients' latest data (module docstring), then compute every alert."""
    now = demo_now(today)
    mood = list(
        CareEpisode.objects.filter(team__name=MOOD_TEAM, status=EpisodeStatus.ACTIVE)
        .filter(administrations__instrument_code="phq9")
        .distinct()
        .order_by("pk")
    )
    primary = list(
        CareEpisode.objects.filter(team__name=PRIMARY_TEAM, status=EpisodeStatus.ACTIVE).order_by(
            "pk"
        )
    )
    for episode in CareEpisode.objects.filter(team__name=MOOD_TEAM).order_by("pk"):
        _second_outcome(episode, now)
    if len(mood) >= 6:
        _falling_and_off_track(mood[0])
        _off_track(mood[1])
        _disagreement(mood[2])
        _srs(mood[3], now)
        _missed(mood[4], now, [SessionStatus.NO_SHOW, SessionStatus.NO_SHOW])
        _missed(
            mood[5],
            now,
            [SessionStatus.NO_SHOW, SessionStatus.NO_SHOW, SessionStatus.CANCELLED_BY_PATIENT],
        )
    if primary:
        _supply_gap(primary[0], today)
    _late_antiretroviral_refill(today)
    return recompute_all(now=now)
