"""Goal services: the only code that reads and writes goals, their versions and their
progress ratings for people.

As everywhere in the clinic, each function takes an :class:`~concord.web.audit.service.Actor`,
finds records through :mod:`concord.web.plans.access` (outsiders get :class:`NotFound`,
answered with 404), checks the whole input first (:class:`FormInvalid` names the field) and
writes the rows and the audit trail in one transaction.

Rules (``docs/plans.md``):

* either side proposes a version: the patient in the portal, a clinician of the care team on
  the patient page (for the care team, or recording what the patient proposed in session);
* the *other* side answers it: the patient in the portal, or a clinician recording the
  patient's answer in session; a clinician agrees to what the patient proposed;
* a new version replaces a waiting one; the agreed version stays in force until a later
  version is agreed; nothing is overwritten;
* only agreed goals are rated (0-10); clinicians close goals as achieved or dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.analytics.goal_progress import GoalProgress, goal_progress
from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access as clinic_access
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import CareEpisode, CareSession, EpisodeStatus, SessionStatus
from concord.web.clinic.services import FormInvalid
from concord.web.plans import access
from concord.web.plans.forms import (
    CloseGoalForm,
    GoalResponseForm,
    PatientGoalAnswerForm,
    PatientGoalForm,
    PortalRatingForm,
    StaffGoalForm,
    StaffRatingForm,
)
from concord.web.plans.models import (
    OPEN_GOAL_STATUSES,
    RATEABLE_GOAL_STATUSES,
    Goal,
    GoalAnswer,
    GoalRating,
    GoalStatus,
    GoalVersion,
    RatingSource,
    Side,
    VersionState,
)

NEAREST_SESSION_WINDOW = timedelta(days=7)


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


def _patient_or_none(patient_id: object) -> Any:
    from concord.web.clinic.models import Patient

    try:
        return Patient.objects.filter(pk=int(str(patient_id))).first()
    except ValueError:
        return None


# ------------------------------------------------------------------ helpers


def _require_open_episode(episode: CareEpisode) -> None:
    if episode.status != EpisodeStatus.ACTIVE:
        raise FormInvalid(
            {"episode": [_("This care episode has ended; its plan can be read only.")]}
        )


def _locked_goal(goal_pk: int) -> Goal:
    return Goal.objects.select_for_update().select_related("episode").get(pk=goal_pk)


def _staff_goal(actor: Actor, goal_id: object) -> Goal:
    access.require_staff(actor.user)
    return clinic_access.get_or_not_found(
        access.goals_for(actor.user).select_related("episode__patient"), goal_id
    )


def _own_goal(actor: Actor, goal_id: object) -> Goal:
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
    _require_open_episode(episode)
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
    goal = _staff_goal(actor, goal_id)
    access.require_clinician(actor.user, "goals")
    previous = goal.versions.order_by("-number").first()
    form = StaffGoalForm(data, episode=goal.episode, previous=previous)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    _require_open_episode(goal.episode)
    now = timezone.now()
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
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
    goal = _staff_goal(actor, goal_id)
    access.require_clinician(actor.user, "goals")
    waiting = goal.versions.filter(state=VersionState.PROPOSED).order_by("-number").first()
    if waiting is None:
        raise FormInvalid({"version": [_("No version of this goal is waiting for an answer.")]})
    for_patient = waiting.proposed_side == Side.CLINICIAN
    form = GoalResponseForm(data, episode=goal.episode, needs_session=for_patient)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    _require_open_episode(goal.episode)
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
        goal = _locked_goal(goal.pk)
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
    goal = _staff_goal(actor, goal_id)
    access.require_clinician(actor.user, "goals")
    form = CloseGoalForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
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


def record_rating(actor: Actor, goal_id: object, data: Mapping[str, Any]) -> GoalRating:
    """A clinician records the rating the patient gave in a session."""
    goal = _staff_goal(actor, goal_id)
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
    _require_open_episode(goal.episode)
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
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
    goal = _own_goal(actor, goal_id)
    waiting = goal.versions.filter(state=VersionState.PROPOSED).order_by("-number").first()
    if waiting is None:
        raise FormInvalid({"version": [_("Nothing is waiting for your answer.")]})
    if waiting.proposed_side == Side.PATIENT:
        raise FormInvalid({"version": [_("You proposed this; your care team will answer it.")]})
    form = PatientGoalAnswerForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    _require_open_episode(goal.episode)
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


def rate_own_goal(actor: Actor, goal_id: object, data: Mapping[str, Any]) -> GoalRating:
    """The patient rates progress (0-10) in the portal, linked to the nearest session."""
    goal = _own_goal(actor, goal_id)
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


__all__ = [
    "OPEN_GOAL_STATUSES",
    "GoalSummary",
    "GoalView",
    "answer_goal",
    "close_goal",
    "current_goals",
    "goal_detail",
    "goals_of_episodes",
    "goals_of_patient",
    "nearest_session",
    "propose_goal",
    "propose_own_goal",
    "rate_own_goal",
    "record_rating",
    "respond_to_goal",
    "revise_goal",
]
