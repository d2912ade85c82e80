"""Builders of goals, tasks and logs for the shared-plan tests, through the services (so the
rows are exactly what the pages would write)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from concord.web.audit.service import Actor
from concord.web.medications.models import MedicationRegimen
from concord.web.plans import goal_changes, tasks
from concord.web.plans.models import Goal, Task

from .conftest import Cast


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def api_actor(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "api", "127.0.0.1")


def goal_for(cast: Cast, words: str = "Sleep through the night", **extra: Any) -> Goal:
    """A goal of patient A proposed by clin_a, waiting for the patient's answer."""
    data = {"patient_words": words, "proposer": "clinician", "agreement": "ask", **extra}
    return goal_changes.propose_goal(web(cast, "clin_a"), cast.episode_a.pk, data)


def agreed_goal(cast: Cast, words: str = "Sleep through the night") -> Goal:
    goal = goal_for(cast, words)
    goal_changes.answer_goal(web(cast, "patient_a"), goal.pk, {"response": "agreed"})
    goal.refresh_from_db()
    return goal


def revised_goal(cast: Cast) -> Goal:
    """Version 1 agreed, version 2 proposed by clin_a and waiting for the patient."""
    goal = agreed_goal(cast)
    goal_changes.revise_goal(
        web(cast, "clin_a"),
        goal.pk,
        {
            "patient_words": "Sleep six hours most nights",
            "proposer": "clinician",
            "agreement": "ask",
        },
    )
    goal.refresh_from_db()
    return goal


EXERCISES = {
    "exercises-TOTAL_FORMS": "3",
    "exercises-INITIAL_FORMS": "0",
    "exercises-0-name": "Bridging",
    "exercises-0-sets": "3",
    "exercises-0-repetitions": "10",
    "exercises-0-times_per_day": "1",
    "exercises-0-days_per_week": "5",
    "exercises-1-name": "Plank",
    "exercises-1-sets": "2",
    "exercises-1-hold_seconds": "20",
    "exercises-1-times_per_day": "1",
    "exercises-1-days_per_week": "3",
}


def programme_for(cast: Cast, **extra: Any) -> Task:
    data = {"title": "Back programme", "instructions": "Slowly.", **EXERCISES, **extra}
    return tasks.create_task(web(cast, "clin_a"), cast.episode_a.pk, "exercise", data)


def homework_for(cast: Cast, **extra: Any) -> Task:
    data = {"title": "Sleep diary", "times_per_day": "1", "days_per_week": "7", **extra}
    return tasks.create_task(web(cast, "clin_a"), cast.episode_a.pk, "homework", data)


def regimen_of(cast: Cast, episode: str = "a") -> MedicationRegimen:
    return MedicationRegimen.objects.create(
        episode=cast.episode_a if episode == "a" else cast.episode_b,
        medication_name="Sertraline",
        medication_class="SSRI",
        daily_dose=Decimal(50),
        dose_times=["08:00"],
        started_on=date(2026, 1, 1),
    )
