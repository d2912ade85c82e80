"""A hand-built visit for the after-visit summary tests, recorded through the areas' services
(so the rows are exactly what the pages write).

Patient A (team A) is seen today, an hour ago, in person by ``clin_a`` (``visit``). At the
visit: a new goal agreed in session ("Sleep through the night", aim "6 hours of sleep on 5
nights a week" by a date 8 weeks ahead), rated 6/10 (4/10 at the previous visit, a week
ago); a back programme of two exercises, which the patient agreed to with confidence 7/10;
the decision to start sertraline, to be looked at again in 28 days; forgetting the evening
dose, with a reminder plan the patient owns. The next appointment is by video at 10:00 in
a week, with ``clin_a``, for 30 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from concord.web.audit.service import Actor
from concord.web.barriers import actions as barrier_actions
from concord.web.barriers import services as barrier_services
from concord.web.clinic.models import CareSession, Modality, SessionStatus
from concord.web.decisions import services as decision_services
from concord.web.plans import goal_changes, goal_ratings, tasks
from concord.web.plans.models import Goal, Task

from .conftest import Cast, make_session
from .plan_fixtures import EXERCISES
from .test_decisions import decision_data


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


@dataclass
class Visit:
    session: CareSession
    next_session: CareSession
    goal: Goal
    task: Task
    goal_target_date: date
    revisit_on: date
    action_follow_up: date


def visit_session(cast: Cast, **extra: object) -> CareSession:
    """An attended session of patient A's episode an hour ago, by clin_a, in person."""
    at = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    fields: dict[str, object] = {
        "clinician": cast.users["clin_a"],
        "modality": Modality.IN_PERSON,
        **extra,
    }
    return make_session(cast.episode_a, at, **fields)


def next_session(cast: Cast) -> CareSession:
    """Booked: by video, 10:00 in a week, 30 minutes, with clin_a."""
    day = timezone.localdate() + timedelta(days=7)
    at = datetime.combine(day, time(10, 0), tzinfo=timezone.get_current_timezone())
    return make_session(
        cast.episode_a,
        at,
        status=SessionStatus.SCHEDULED,
        modality=Modality.TELEHEALTH,
        duration_minutes=30,
        clinician=cast.users["clin_a"],
    )


def record_visit(cast: Cast) -> Visit:
    clinician = web(cast, "clin_a")
    session = visit_session(cast)
    upcoming = next_session(cast)
    today = timezone.localdate()
    target_date = today + timedelta(weeks=8)
    goal = goal_changes.propose_goal(
        clinician,
        cast.episode_a.pk,
        {
            "patient_words": "Sleep through the night",
            "target": "6 hours of sleep on 5 nights a week.",
            "target_date": target_date.isoformat(),
            "proposer": "clinician",
            "agreement": "agreed_in_session",
            "session": str(session.pk),
        },
    )
    goal_ratings.record_rating(
        clinician, goal.pk, {"score": "4", "session": str(cast.session_a.pk)}
    )
    goal_ratings.record_rating(clinician, goal.pk, {"score": "6", "session": str(session.pk)})
    task = tasks.create_task(
        clinician,
        cast.episode_a.pk,
        "exercise",
        {
            "title": "Back programme",
            "instructions": "Slowly.",
            "goals": [str(goal.pk)],
            **EXERCISES,
        },
    )
    tasks.record_task_answer(
        clinician, task.pk, {"response": "agree", "confidence": "7", "session": str(session.pk)}
    )
    decision_services.create_decision(clinician, cast.episode_a.pk, decision_data(cast))
    barrier = barrier_services.report_barrier(
        clinician,
        cast.patient_a.pk,
        {
            "kind": "forgetfulness",
            "raised_by": "patient",
            "description": "I forget the evening dose",
            "words_of": "patient",
            "episode": str(cast.episode_a.pk),
        },
    )
    follow_up = today + timedelta(days=14)
    barrier_actions.open_action(
        clinician,
        barrier.pk,
        {
            "kind": "reminder_plan",
            "description": "Set an alarm on your phone for 9 pm.",
            "owner_kind": "patient",
            "follow_up_on": follow_up.isoformat(),
        },
    )
    return Visit(
        session=session,
        next_session=upcoming,
        goal=goal,
        task=task,
        goal_target_date=target_date,
        revisit_on=today + timedelta(days=28),
        action_follow_up=follow_up,
    )


def long_date(day: date) -> str:
    """``Tuesday 3 March 2026``, spelled out independently of Django's formats."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_date(day: date) -> str:
    """``3 March 2026``."""
    return f"{day.day} {day:%B %Y}"
