"""Reading goals: the only code that reads goals, their versions and ratings for people.

Each function takes an :class:`~concord.web.audit.service.Actor`, finds records through
:mod:`concord.web.plans.access` (outsiders get :class:`NotFound`, answered with 404) and
audits the read. Changes: :mod:`concord.web.plans.goal_changes`; ratings:
:mod:`concord.web.plans.goal_ratings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Prefetch

from concord.analytics.goal_progress import GoalProgress, goal_progress
from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access as clinic_access
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import CareEpisode, Patient
from concord.web.plans import access
from concord.web.plans.models import (
    RATEABLE_GOAL_STATUSES,
    Goal,
    GoalRating,
    GoalVersion,
    VersionState,
)

# ------------------------------------------------------------------ reading


@dataclass
class GoalView:
    """A goal with its versions (oldest first), the version in force and its ratings."""

    goal: Goal
    versions: list[GoalVersion]
    ratings: list[GoalRating] = field(default_factory=list)

    @property
    def current(self) -> GoalVersion:
        return self.versions[-1]

    @property
    def in_force(self) -> GoalVersion | None:
        agreed = [v for v in self.versions if v.state == VersionState.AGREED]
        return agreed[-1] if agreed else None

    @property
    def waiting(self) -> GoalVersion | None:
        """The version waiting for the other side's answer, if any."""
        current = self.current
        return current if current.state == VersionState.PROPOSED else None

    @property
    def progress(self) -> GoalProgress:
        return goal_progress([r.score for r in self.ratings])

    @property
    def latest_rating(self) -> GoalRating | None:
        return self.ratings[-1] if self.ratings else None


def _views(goals: list[Goal]) -> list[GoalView]:
    return [
        GoalView(goal=g, versions=list(g.versions.all()), ratings=list(g.ratings.all()))
        for g in goals
    ]


def _with_history(queryset: Any) -> Any:
    return queryset.select_related("episode__patient", "episode__team").prefetch_related(
        Prefetch(
            "versions",
            queryset=GoalVersion.objects.select_related(
                "proposed_by", "response_by", "session"
            ).order_by("number"),
        ),
        Prefetch(
            "ratings",
            queryset=GoalRating.objects.select_related("recorded_by", "session").order_by(
                "rated_at", "pk"
            ),
        ),
    )


def goals_of_episodes(actor: Actor, episodes: list[CareEpisode]) -> list[GoalView]:
    """Every goal of these episodes the person may see (staff or the patient), oldest first."""
    goals = list(
        _with_history(access.goals_for(actor.user).filter(episode__in=episodes)).order_by(
            "created_at", "pk"
        )
    )
    audit(
        actor,
        Action.LIST,
        "goal",
        "",
        {e.patient_id for e in episodes},
        {"episode_ids": [e.pk for e in episodes], "goal_ids": [g.pk for g in goals]},
    )
    return _views(goals)


def goals_of_patient(actor: Actor, patient_id: object) -> list[GoalView]:
    """A patient's goals for clinical staff (read): versions and ratings included."""
    access.require_staff(actor.user)
    patient = clinic_access.get_or_not_found(clinic_access.patients_for(actor.user), patient_id)
    episodes = list(clinic_access.episodes_for(actor.user).filter(patient=patient))
    return goals_of_episodes(actor, episodes)


def goal_detail(actor: Actor, goal_id: object) -> GoalView:
    """One goal with its whole history (staff of the team, or the patient themselves)."""
    goal = clinic_access.get_or_not_found(_with_history(access.goals_for(actor.user)), goal_id)
    audit(actor, Action.READ, "goal", goal.pk, [goal.episode.patient_id])
    return _views([goal])[0]


@dataclass(frozen=True)
class GoalSummary:
    """What a reader outside the care team may see of a goal: the words agreed, the target,
    the status and the latest rating. No clinician wording, no history."""

    goal_id: int
    status: str
    patient_words: str
    why_it_matters: str
    target: str
    target_date: Any
    latest_score: int | None
    latest_rated_at: datetime | None


def current_goals(actor: Actor, patient_id: object) -> list[GoalSummary]:
    """A patient's open goals in force (agreed) and their latest rating, doing its own access
    check: clinical staff of the team, the patient themselves, or a supporter the patient's
    "goals" consent allows (:func:`concord.web.plans.access.supporter_may_read_goals`).
    Everyone else: :class:`NotFound`."""
    user = actor.user
    if user.role == Role.SUPPORTER:
        patient = _patient_or_none(patient_id)
        if patient is None or not access.supporter_may_read_goals(user, patient):
            raise NotFound
        goals = Goal.objects.filter(episode__patient=patient)
    elif user.role in (*access.STAFF, Role.PATIENT):
        patient = clinic_access.get_or_not_found(clinic_access.patients_for(user), patient_id)
        goals = access.goals_for(user).filter(episode__patient=patient)
    else:
        raise NotFound
    views = _views(
        list(
            _with_history(goals.filter(status__in=RATEABLE_GOAL_STATUSES)).order_by(
                "created_at", "pk"
            )
        )
    )
    rows = []
    for view in views:
        version = view.in_force
        if version is None:
            continue
        latest = view.latest_rating
        rows.append(
            GoalSummary(
                goal_id=view.goal.pk,
                status=view.goal.status,
                patient_words=version.patient_words,
                why_it_matters=version.why_it_matters,
                target=version.target,
                target_date=version.target_date,
                latest_score=latest.score if latest else None,
                latest_rated_at=latest.rated_at if latest else None,
            )
        )
    audit(actor, Action.LIST, "goal", "", [patient.pk], {"current": [r.goal_id for r in rows]})
    return rows


def _patient_or_none(patient_id: object) -> Patient | None:
    try:
        return Patient.objects.filter(pk=int(str(patient_id))).first()
    except ValueError:
        return None
