"""Goal changes: proposing, revising, answering and closing goals, for both sides.

As everywhere in the clinic, each function takes an :class:`~concord.web.audit.service.Actor`,
finds records through :mod:`concord.web.plans.access` (outsiders get :class:`NotFound`,
answered with 404), checks the whole input first (:class:`FormInvalid` names the field) and
writes the rows and the audit trail in one transaction.

Rules (``docs/plans.md``):

* either side proposes a version: the patient in the portal, a clinician of the care team on
  the patient page (for the care team, or recording what the patient proposed in session);
* the *other* side answers it: the patient in the portal, or a clinician recording the
  patient's answer given in session; a clinician agrees to what the patient proposed;
* a new version replaces a waiting one; the agreed version stays in force until a later
  version is agreed; nothing is overwritten; clinicians close goals as achieved or dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access as clinic_access
from concord.web.clinic.models import CareEpisode, CareSession, EpisodeStatus
from concord.web.clinic.services import FormInvalid
from concord.web.plans import access
from concord.web.plans.forms import (
    CloseGoalForm,
    GoalResponseForm,
    PatientGoalAnswerForm,
    PatientGoalForm,
    StaffGoalForm,
)
from concord.web.plans.models import (
    Goal,
    GoalAnswer,
    GoalStatus,
    GoalVersion,
    Side,
    VersionState,
)


def require_open_episode(episode: CareEpisode) -> None:
    if episode.status != EpisodeStatus.ACTIVE:
        raise FormInvalid(
            {"episode": [_("This care episode has ended; its plan can be read only.")]}
        )


def locked_goal(goal_pk: int) -> Goal:
    return Goal.objects.select_for_update().select_related("episode").get(pk=goal_pk)


def staff_goal(actor: Actor, goal_id: object) -> Goal:
    access.require_staff(actor.user)
    return clinic_access.get_or_not_found(
        access.goals_for(actor.user).select_related("episode__patient"), goal_id
    )


def own_goal(actor: Actor, goal_id: object) -> Goal:
    access.require_patient(actor.user)
    return clinic_access.get_or_not_found(
        access.goals_for(actor.user).select_related("episode__patient"), goal_id
    )


def _next_number(goal: Goal) -> int:
    last = goal.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _supersede_waiting(goal: Goal) -> None:
    goal.versions.filter(state=VersionState.PROPOSED).update(state=VersionState.SUPERSEDED)


def _agree(goal: Goal, version: GoalVersion) -> None:
    """Make ``version`` the one in force: earlier agreed versions are superseded."""
    goal.versions.filter(state=VersionState.AGREED).exclude(pk=version.pk).update(
        state=VersionState.SUPERSEDED
    )
    goal.status = GoalStatus.AGREED
    goal.save(update_fields=["status"])


def _content(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "patient_words": data["patient_words"],
        "why_it_matters": data.get("why_it_matters") or "",
        "target": data.get("target") or "",
        "target_date": data.get("target_date"),
    }


# ------------------------------------------------------------------ clinicians


def _staff_version(
    actor: Actor, goal: Goal, form: StaffGoalForm, number: int, now: datetime
) -> GoalVersion:
    data = form.cleaned_data
    by_patient = data["proposer"] == "patient_in_session"
    agreed = data["agreement"] == "agreed_in_session"
    version = GoalVersion(
        goal=goal,
        number=number,
        clinician_restatement=data.get("clinician_restatement") or "",
        state=VersionState.AGREED if agreed else VersionState.PROPOSED,
        proposed_side=Side.PATIENT if by_patient else Side.CLINICIAN,
        proposed_by=actor.user,
        proposed_in_session=by_patient,
        proposed_at=now,
        session=data.get("session"),
        **_content(data),
    )
    if agreed:
        # The other side's agreement: the patient's in session, or this clinician's own.
        version.response = GoalAnswer.AGREED
        version.response_side = Side.CLINICIAN if by_patient else Side.PATIENT
        version.response_by = actor.user
        version.response_in_session = not by_patient
        version.response_at = now
    version.save()
    return version


def propose_goal(actor: Actor, episode_id: object, data: Mapping[str, Any]) -> Goal:
    """A new goal from the clinician's page (see :class:`StaffGoalForm` for who is recorded)."""
    episode = access.staff_episode(actor.user, episode_id)
    access.require_clinician(actor.user, "goals")
    form = StaffGoalForm(data, episode=episode)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    require_open_episode(episode)
    now = timezone.now()
    with transaction.atomic():
        goal = Goal.objects.create(episode=episode, status=GoalStatus.PROPOSED, created_at=now)
        version = _staff_version(actor, goal, form, 1, now)
        if version.state == VersionState.AGREED:
            _agree(goal, version)
        audit(actor, Action.CREATE, "goal", goal.pk, [episode.patient_id], {"status": goal.status})
        _audit_version(actor, version, Action.CREATE)
    return goal


def revise_goal(actor: Actor, goal_id: object, data: Mapping[str, Any]) -> GoalVersion:
    """A new version of an open goal from the clinician's page; the old ones are kept."""
    goal = staff_goal(actor, goal_id)
    access.require_clinician(actor.user, "goals")
    previous = goal.versions.order_by("-number").first()
    form = StaffGoalForm(data, episode=goal.episode, previous=previous)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    require_open_episode(goal.episode)
    now = timezone.now()
    with transaction.atomic():
        goal = locked_goal(goal.pk)
        if not goal.is_open:
            raise FormInvalid({"goal": [_("This goal is closed; propose a new goal instead.")]})
        had_agreed = goal.versions.filter(state=VersionState.AGREED).exists()
        _supersede_waiting(goal)
        version = _staff_version(actor, goal, form, _next_number(goal), now)
        if version.state == VersionState.AGREED:
            _agree(goal, version)
        else:
            goal.status = GoalStatus.REVISED if had_agreed else GoalStatus.PROPOSED
            goal.save(update_fields=["status"])
        _audit_version(actor, version, Action.CREATE, reason=form.cleaned_data.get("change_reason"))
    return version


def respond_to_goal(actor: Actor, goal_id: object, data: Mapping[str, Any]) -> GoalVersion:
    """A clinician answers the waiting version: for the care team when the patient proposed
    it, or recording the patient's answer given in session when the care team proposed it."""
    goal = staff_goal(actor, goal_id)
    access.require_clinician(actor.user, "goals")
    waiting = goal.versions.filter(state=VersionState.PROPOSED).order_by("-number").first()
    if waiting is None:
        raise FormInvalid({"version": [_("No version of this goal is waiting for an answer.")]})
    for_patient = waiting.proposed_side == Side.CLINICIAN
    form = GoalResponseForm(data, episode=goal.episode, needs_session=for_patient)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    require_open_episode(goal.episode)
    return _answer(
        actor,
        goal,
        waiting,
        side=Side.PATIENT if for_patient else Side.CLINICIAN,
        in_session=for_patient,
        agreed=form.cleaned_data["response"] == "agreed",
        words=form.cleaned_data.get("words") or "",
        session=form.cleaned_data.get("session"),
    )


def _answer(
    actor: Actor,
    goal: Goal,
    waiting: GoalVersion,
    *,
    side: str,
    in_session: bool,
    agreed: bool,
    words: str,
    session: CareSession | None,
) -> GoalVersion:
    now = timezone.now()
    with transaction.atomic():
        goal = locked_goal(goal.pk)
        version = goal.versions.select_for_update().get(pk=waiting.pk)
        if version.state != VersionState.PROPOSED or not goal.is_open:
            raise FormInvalid({"version": [_("This version was answered or replaced meanwhile.")]})
        if version.proposed_side == side:
            raise FormInvalid(
                {"version": [_("The side that proposed a version does not answer it.")]}
            )
        version.state = VersionState.AGREED if agreed else VersionState.NOT_AGREED
        version.response = GoalAnswer.AGREED if agreed else GoalAnswer.NOT_AGREED
        version.response_side = side
        version.response_by = actor.user
        version.response_in_session = in_session
        version.response_at = now
        version.response_words = words
        if session is not None:
            version.session = session
        version.save()
        if agreed:
            _agree(goal, version)
        _audit_version(actor, version, Action.UPDATE)
    return version


def close_goal(actor: Actor, goal_id: object, data: Mapping[str, Any]) -> Goal:
    """Mark an open goal achieved or dropped (clinicians of the team)."""
    goal = staff_goal(actor, goal_id)
    access.require_clinician(actor.user, "goals")
    form = CloseGoalForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    with transaction.atomic():
        goal = locked_goal(goal.pk)
        if not goal.is_open:
            raise FormInvalid({"goal": [_("This goal is already closed.")]})
        before = goal.status
        goal.status = form.cleaned_data["outcome"]
        goal.closed_at = timezone.now()
        goal.closed_by = actor.user
        goal.closed_note = form.cleaned_data.get("note") or ""
        goal.save(update_fields=["status", "closed_at", "closed_by", "closed_note"])
        audit(
            actor,
            Action.UPDATE,
            "goal",
            goal.pk,
            [goal.episode.patient_id],
            {"status": goal.status, "before": before},
        )
    return goal


def _audit_version(
    actor: Actor, version: GoalVersion, action: str, reason: str | None = None
) -> None:
    detail: dict[str, Any] = {
        "goal_id": version.goal_id,
        "version": version.number,
        "state": version.state,
        "proposed_side": version.proposed_side,
        "proposed_in_session": version.proposed_in_session,
    }
    if version.response_side:
        detail["response"] = version.response
        detail["response_side"] = version.response_side
        detail["response_in_session"] = version.response_in_session
    if reason:
        detail["has_reason"] = True
    audit(actor, action, "goal_version", version.pk, [version.goal.episode.patient_id], detail)


# ------------------------------------------------------------------ the patient (portal)


def open_episodes_of_patient(actor: Actor) -> list[CareEpisode]:
    access.require_patient(actor.user)
    return list(
        clinic_access.episodes_for(actor.user)
        .filter(status=EpisodeStatus.ACTIVE)
        .select_related("team")
        .order_by("started_on", "pk")
    )


def propose_own_goal(actor: Actor, data: Mapping[str, Any]) -> Goal:
    """The patient proposes a goal in their own words; the care team answers it."""
    episodes = open_episodes_of_patient(actor)
    if not episodes:
        raise FormInvalid({"episode": [_("You have no care episode open for new goals.")]})
    form = PatientGoalForm(data, episodes=episodes)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    episode = form.chosen_episode()
    if episode is None:
        raise FormInvalid({"episode": [_("Choose which part of your care this is for.")]})
    now = timezone.now()
    with transaction.atomic():
        goal = Goal.objects.create(episode=episode, status=GoalStatus.PROPOSED, created_at=now)
        version = GoalVersion.objects.create(
            goal=goal,
            number=1,
            state=VersionState.PROPOSED,
            proposed_side=Side.PATIENT,
            proposed_by=actor.user,
            proposed_in_session=False,
            proposed_at=now,
            **_content(form.cleaned_data),
        )
        audit(actor, Action.CREATE, "goal", goal.pk, [episode.patient_id], {"status": goal.status})
        _audit_version(actor, version, Action.CREATE)
    return goal


def answer_goal(actor: Actor, goal_id: object, data: Mapping[str, Any]) -> GoalVersion:
    """The patient agrees (or not) to the version the care team proposed."""
    goal = own_goal(actor, goal_id)
    waiting = goal.versions.filter(state=VersionState.PROPOSED).order_by("-number").first()
    if waiting is None:
        raise FormInvalid({"version": [_("Nothing is waiting for your answer.")]})
    if waiting.proposed_side == Side.PATIENT:
        raise FormInvalid({"version": [_("You proposed this; your care team will answer it.")]})
    form = PatientGoalAnswerForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    require_open_episode(goal.episode)
    return _answer(
        actor,
        goal,
        waiting,
        side=Side.PATIENT,
        in_session=False,
        agreed=form.cleaned_data["response"] == "agreed",
        words=form.cleaned_data.get("words") or "",
        session=None,
    )
