"""Synthetic alliance and outcome ratings for the demo clinic, from all three sides.

Deterministic (a fixed seed, relative to ``today``). Measurement starts at most 16 weeks
back. The mood team's patients rate WAI-SR after every session and PHQ-9 every two weeks,
their clinicians WAI-SRT; two observers rate the same recent sessions (WAI-O-S), so the
supervisor page has an inter-rater ICC. The rehabilitation team rates the alliance too, near
the ceiling (most answers 5), as rehab patients do. Some patients have a rupture (a dip for a
session or two, then repair), some disagree with their clinician by more than the reliable
difference, and one patient's latest PHQ-9 has item 9 above 0, which raises an alert.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from concord.analytics.instruments import get_instrument, score_response
from concord.web.accounts.models import Role, User
from concord.web.clinic.models import CareEpisode, ObserverAssignment
from concord.web.demo.clock import demo_now
from concord.web.measures.models import (
    Administration,
    AdministrationStatus,
    AlertKind,
    MeasurementPlan,
    Rater,
    SafetyAlert,
    Schedule,
    SubmittedVia,
)
from concord.web.measures.services import _slots
from concord.web.measures.submission import _json_answers, scores_as_json

SECOND_OBSERVER = ("noor.aziz", "Noor", "Aziz")
MEASURED_TEAMS = ("Mood and anxiety team", "Rehabilitation team")
WEEKS_MEASURED = 16
WAI_ITEMS = {"task": (1, 2, 10, 12), "goal": (4, 6, 8, 11), "bond": (3, 5, 7, 9)}


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _wai_answers(rng: random.Random, level: dict[str, float], noise: float) -> dict[str, int]:
    return {
        f"q{n}": _clamp(level[scale] + rng.gauss(0, noise), 1, 5)
        for scale, numbers in WAI_ITEMS.items()
        for n in numbers
    }


def _waio_answers(rng: random.Random, level: dict[str, float]) -> dict[str, int]:
    # Observer 1-7 scale: the same underlying alliance, stretched, with rater noise.
    return {
        f"{scale}{n}": _clamp(1 + (level[scale] - 1) * 1.5 + rng.gauss(0, 0.9), 1, 7)
        for scale in ("task", "goal", "bond")
        for n in (1, 2, 3, 4)
    }


def _phq9_answers(rng: random.Random, total: float, item9: int = 0) -> dict[str, int]:
    answers = {f"q{n}": _clamp(total / 9 + rng.gauss(0, 0.55), 0, 3) for n in range(1, 9)}
    answers["q9"] = item9
    answers["q10"] = _clamp(total / 9, 0, 3)
    return answers


def _second_observer(first: User) -> User:
    username, given, family = SECOND_OBSERVER
    user = User(username=username, first_name=given, last_name=family, role=Role.OBSERVER)
    user.password = first.password  # the same demo password, already hashed
    user.save()
    return user


def _complete(
    administration: Administration,
    answers: dict[str, int],
    when: datetime,
    by: User | None,
    via: str,
) -> None:
    instrument = get_instrument(administration.instrument_code)
    result = score_response(instrument, answers)
    administration.answers = _json_answers({k: float(v) for k, v in answers.items()})
    administration.scores = scores_as_json(result)
    administration.safety_flag = result.safety_alert
    administration.status = AdministrationStatus.SUBMITTED
    administration.submitted_at = when
    administration.submitted_by = by
    administration.submitted_via = via
    administration.updated_at = when


def build_demo_measures(today: date, users: dict[str, User], seed: int) -> int:
    """Create plans and ratings for the demo clinic; return the number of administrations."""
    rng = random.Random(seed + 9)
    now = demo_now(today)
    first_observer = users["ivan.petrov"]
    second_observer = users.get(SECOND_OBSERVER[0]) or _second_observer(first_observer)
    for assignment in ObserverAssignment.objects.filter(observer=first_observer):
        ObserverAssignment.objects.create(session=assignment.session, observer=second_observer)
    episodes = list(
        CareEpisode.objects.filter(team__name__in=MEASURED_TEAMS)
        .select_related("team", "patient__account", "lead_clinician")
        .order_by("pk")
    )
    measured_from = today - timedelta(weeks=WEEKS_MEASURED)
    created: list[Administration] = []
    alert_raised = False
    for number, episode in enumerate(episodes):
        rehab = episode.team.name == "Rehabilitation team"
        starts = max(episode.started_on, measured_from)
        plans = [
            MeasurementPlan(
                episode=episode,
                instrument_code="waisr",
                rater=Rater.PATIENT,
                schedule=Schedule.AFTER_EVERY_SESSION,
                starts_on=starts,
            ),
            MeasurementPlan(
                episode=episode,
                instrument_code="waisrt",
                rater=Rater.CLINICIAN,
                schedule=Schedule.AFTER_EVERY_SESSION,
                starts_on=starts,
            ),
        ]
        if not rehab:
            plans.append(
                MeasurementPlan(
                    episode=episode,
                    instrument_code="phq9",
                    rater=Rater.PATIENT,
                    schedule=Schedule.EVERY_N_DAYS,
                    interval_days=14,
                    starts_on=starts,
                )
            )
            plans.append(
                MeasurementPlan(
                    episode=episode,
                    instrument_code="waios",
                    rater=Rater.OBSERVER,
                    schedule=Schedule.AFTER_EVERY_SESSION,
                    starts_on=starts,
                )
            )
        for plan in plans:
            plan.created_by = episode.lead_clinician
            plan.active = episode.status == "active"
        MeasurementPlan.objects.bulk_create(plans)
        # This patient's story.
        base = rng.uniform(4.6, 5.2) if rehab else rng.uniform(3.0, 4.0)
        growth = 0.0 if rehab else rng.uniform(0.01, 0.05)
        disagreement = 0.0 if rng.random() > 0.2 else rng.choice([-1.6, 1.4])
        rupture_at = rng.randrange(3, 9) if (not rehab and rng.random() < 0.3) else None
        phq_start, phq_slope = rng.uniform(11, 21), rng.uniform(-0.9, 0.1)
        patient_account = episode.patient.account
        active = episode.status == "active"
        patient_via = SubmittedVia.PORTAL if patient_account else SubmittedVia.SIGNED_LINK
        # Sessions in order: the story follows the session, whichever side rates it.
        order = {
            pk: i
            for i, pk in enumerate(
                episode.sessions.filter(status="attended", scheduled_at__date__gte=starts)
                .order_by("scheduled_at", "pk")
                .values_list("pk", flat=True)
            )
        }
        for plan in plans:
            slots = sorted(_slots(plan, now), key=lambda a: (a.due_at, a.slot))
            for index, administration in enumerate(slots):
                session_index = order.get(administration.session_id or 0, index)
                level = min(5.0, base + growth * session_index)
                dip = 0.0
                if rupture_at is not None and session_index in (rupture_at, rupture_at + 1):
                    dip = 1.6 if session_index == rupture_at else 0.8
                alliance = {
                    "goal": level - dip,
                    "task": level - dip * 0.7,
                    "bond": level - dip * 1.1,
                }
                recent = administration.due_at > now - timedelta(days=2)
                skipped = rng.random() < (0.04 if rehab else 0.1)
                if administration.expires_at and administration.expires_at <= now:
                    administration.status = AdministrationStatus.EXPIRED
                if recent or (skipped and plan.rater != Rater.OBSERVER):
                    created.append(administration)
                    continue
                when = administration.due_at + timedelta(hours=rng.randrange(1, 30))
                if plan.instrument_code == "waisr":
                    answers = _wai_answers(rng, alliance, 0.25 if rehab else 0.35)
                    _complete(administration, answers, when, patient_account, patient_via)
                elif plan.instrument_code == "waisrt":
                    seen = {k: v + disagreement for k, v in alliance.items()}
                    answers = _wai_answers(rng, seen, 0.3)
                    _complete(
                        administration,
                        answers,
                        when,
                        episode.lead_clinician,
                        SubmittedVia.STAFF,
                    )
                elif plan.instrument_code == "waios":
                    answers = _waio_answers(rng, alliance)
                    _complete(
                        administration,
                        answers,
                        when,
                        administration.assigned_to,
                        SubmittedVia.STAFF,
                    )
                else:
                    total = max(0.0, phq_start + phq_slope * index + rng.gauss(0, 1.5))
                    latest = index == len(slots) - 1 or slots[index + 1].due_at > now - timedelta(
                        days=2
                    )
                    item9 = 1 if (latest and not alert_raised and active and number % 7 == 3) else 0
                    alert_raised = alert_raised or item9 > 0
                    _complete(
                        administration,
                        _phq9_answers(rng, total, item9),
                        when,
                        patient_account,
                        patient_via,
                    )
                created.append(administration)
    Administration.objects.bulk_create(created, batch_size=500)
    for administration in Administration.objects.filter(safety_flag=True).select_related("episode"):
        SafetyAlert.objects.create(
            patient_id=administration.episode.patient_id,
            episode=administration.episode,
            administration=administration,
            kind=AlertKind.PHQ9_ITEM9,
            raised_at=administration.submitted_at or now,
        )
    return len(created)
