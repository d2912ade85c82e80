"""Goal ratings: the patient's 0-10 progress towards an agreed, open goal (goal-based
outcome), given in the portal or said in session and recorded by a clinician."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic.models import CareEpisode, CareSession, SessionStatus
from concord.web.clinic.services import FormInvalid
from concord.web.plans import access
from concord.web.plans.forms import PortalRatingForm, StaffRatingForm
from concord.web.plans.goal_changes import (
    locked_goal,
    own_goal,
    require_open_episode,
    staff_goal,
)
from concord.web.plans.models import (
    RATEABLE_GOAL_STATUSES,
    Goal,
    GoalRating,
    RatingSource,
    VersionState,
)

NEAREST_SESSION_WINDOW = timedelta(days=7)


def nearest_session(episode: CareEpisode, moment: datetime) -> CareSession | None:
    """The session a rating made at ``moment`` belongs to: the latest attended or scheduled
    session of the episode in the 7 days before, else the next one in the 7 days after."""
    usable = episode.sessions.filter(
        status__in=[SessionStatus.ATTENDED, SessionStatus.SCHEDULED],
        scheduled_at__gte=moment - NEAREST_SESSION_WINDOW,
        scheduled_at__lte=moment + NEAREST_SESSION_WINDOW,
    )
    latest = usable.filter(scheduled_at__lte=moment).order_by("-scheduled_at", "-pk").first()
    return latest or usable.filter(scheduled_at__gt=moment).order_by("scheduled_at", "pk").first()


def record_rating(actor: Actor, goal_id: object, data: Mapping[str, Any]) -> GoalRating:
    """A clinician records the rating the patient gave in a session."""
    goal = staff_goal(actor, goal_id)
    access.require_clinician(actor.user, "goal ratings")
    form = StaffRatingForm(data, episode=goal.episode)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    session = form.cleaned_data["session"]
    return _rate(
        actor,
        goal,
        score=form.cleaned_data["score"],
        note=form.cleaned_data.get("note") or "",
        rated_at=session.scheduled_at,
        session=session,
        source=RatingSource.IN_SESSION,
    )


def rate_own_goal(actor: Actor, goal_id: object, data: Mapping[str, Any]) -> GoalRating:
    """The patient rates progress (0-10) in the portal, linked to the nearest session."""
    goal = own_goal(actor, goal_id)
    form = PortalRatingForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    now = timezone.now()
    return _rate(
        actor,
        goal,
        score=form.cleaned_data["score"],
        note=form.cleaned_data.get("note") or "",
        rated_at=now,
        session=nearest_session(goal.episode, now),
        source=RatingSource.PORTAL,
    )


def _rate(
    actor: Actor,
    goal: Goal,
    *,
    score: int,
    note: str,
    rated_at: datetime,
    session: CareSession | None,
    source: str,
) -> GoalRating:
    require_open_episode(goal.episode)
    with transaction.atomic():
        goal = locked_goal(goal.pk)
        if goal.status not in RATEABLE_GOAL_STATUSES:
            raise FormInvalid({"goal": [_("Only an agreed, open goal is rated.")]})
        version = goal.versions.filter(state=VersionState.AGREED).order_by("-number").first()
        if version is None:  # an agreed goal always has one; refuse rather than guess
            raise FormInvalid({"goal": [_("Only an agreed, open goal is rated.")]})
        rating = GoalRating.objects.create(
            goal=goal,
            version=version,
            score=score,
            rated_at=rated_at,
            session=session,
            source=source,
            recorded_by=actor.user,
            recorded_at=timezone.now(),
            note=note,
        )
        audit(
            actor,
            Action.CREATE,
            "goal_rating",
            rating.pk,
            [goal.episode.patient_id],
            {
                "goal_id": goal.pk,
                "version": version.number,
                "score": score,
                "source": source,
                "session_id": session.pk if session else None,
            },
        )
    return rating
