"""The shared plan (goals, tasks) in the JSON API (/api/v1), with the access rules of the pages:
clinical staff of the patient's team read; clinicians of the team write (supervisors 403);
everyone else 404.

Registered on the project's API in :mod:`concord.web.api.api` (``api.add_router``). Errors use
the API's one error shape, fields named as on the pages (``exercises-0-sets``).
"""

# No ``from __future__ import annotations``: Ninja reads endpoint annotations through the
# ``api_roles`` wrapper, whose globals are those of concord.web.api.api.
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from concord.web.accounts.models import Role
from concord.web.api.api import api_roles
from concord.web.api.schemas import ErrorOut
from concord.web.audit.models import Channel
from concord.web.audit.service import Actor
from concord.web.plans import completions, goal_changes, goals, tasks
from concord.web.plans.fhir import goals_bundle
from concord.web.plans.goals import GoalView
from concord.web.plans.tasks import EXERCISES_PREFIX, TaskView

router = Router(tags=["plans"])
STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


class GoalVersionOut(Schema):
    number: int
    state: str
    response: str
    patient_words: str
    clinician_restatement: str
    why_it_matters: str
    target: str
    target_date: date | None
    proposed_side: str
    proposed_by: str | None
    proposed_in_session: bool
    proposed_at: datetime
    response_side: str
    response_by: str | None
    response_in_session: bool
    response_at: datetime | None
    response_words: str
    session_id: int | None


class GoalRatingOut(Schema):
    id: int
    score: int
    rated_at: datetime
    version: int
    source: str
    session_id: int | None
    recorded_by: str | None
    note: str


class GoalProgressOut(Schema):
    ratings: int
    first: float | None
    last: float | None
    change: float | None
    threshold: float
    category: str


class GoalOut(Schema):
    id: int
    episode_id: int
    status: str
    created_at: datetime
    closed_at: datetime | None
    closed_note: str
    versions: list[GoalVersionOut]
    ratings: list[GoalRatingOut]
    progress: GoalProgressOut


class GoalIn(Schema):
    """A new goal from a clinician: the same fields and rules as the page's form."""

    patient_words: str
    clinician_restatement: str = ""
    why_it_matters: str = ""
    target: str = ""
    target_date: str | None = None
    proposer: str = "clinician"  # or "patient_in_session"
    agreement: str = "ask"  # or "agreed_in_session"
    session_id: int | None = None


class ExerciseOut(Schema):
    position: int
    name: str
    sets: int
    repetitions: int | None
    hold_seconds: int | None
    times_per_day: int
    days_per_week: int
    instructions: str


class AgreementOut(Schema):
    response: str
    confidence: int
    words: str
    answered_at: datetime


class TaskVersionOut(Schema):
    number: int
    title: str
    instructions: str
    goal_ids: list[int]
    regimen_id: int | None
    times_per_day: int | None
    days_per_week: int | None
    effective_from: date
    created_by: str | None
    change_note: str
    exercises: list[ExerciseOut]
    agreements: list[AgreementOut]


class CompletionOut(Schema):
    id: int
    version: int
    exercise: str | None
    day: date
    sets_done: int | None
    effort: int | None
    pain: int | None
    note: str
    source: str
    logged_at: datetime


class WeekOut(Schema):
    week_start: date
    days_in_period: int
    expected: float
    completed: int
    credited: float
    adherence: float | None


class AdherenceOut(Schema):
    period_start: date
    period_end: date
    expected: float
    completed: int
    credited: float
    adherence: float | None
    outside_schedule: int
    weeks: list[WeekOut]


class TaskOut(Schema):
    id: int
    episode_id: int
    kind: str
    created_at: datetime
    ended_on: date | None
    end_reason: str
    versions: list[TaskVersionOut]
    completions: list[CompletionOut]
    adherence: AdherenceOut | None


class ExerciseIn(Schema):
    name: str | None = None
    sets: int | str | None = None
    repetitions: int | str | None = None
    hold_seconds: int | str | None = None
    times_per_day: int | str | None = None
    days_per_week: int | str | None = None
    instructions: str = ""


class TaskIn(Schema):
    kind: str
    title: str | None = None
    instructions: str = ""
    goal_ids: list[int] = []
    regimen_id: int | None = None
    times_per_day: int | str | None = None
    days_per_week: int | str | None = None
    exercises: list[ExerciseIn] = []


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.API)


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def goal_out(view: GoalView) -> dict[str, Any]:
    g = view.goal
    progress = view.progress
    return {
        "id": g.pk,
        "episode_id": g.episode_id,
        "status": g.status,
        "created_at": g.created_at,
        "closed_at": g.closed_at,
        "closed_note": g.closed_note,
        "versions": [
            {
                "number": v.number,
                "state": v.state,
                "response": v.response,
                "patient_words": v.patient_words,
                "clinician_restatement": v.clinician_restatement,
                "why_it_matters": v.why_it_matters,
                "target": v.target,
                "target_date": v.target_date,
                "proposed_side": v.proposed_side,
                "proposed_by": _name(v.proposed_by),
                "proposed_in_session": v.proposed_in_session,
                "proposed_at": v.proposed_at,
                "response_side": v.response_side,
                "response_by": _name(v.response_by),
                "response_in_session": v.response_in_session,
                "response_at": v.response_at,
                "response_words": v.response_words,
                "session_id": v.session_id,
            }
            for v in view.versions
        ],
        "ratings": [
            {
                "id": r.pk,
                "score": r.score,
                "rated_at": r.rated_at,
                "version": r.version.number,
                "source": r.source,
                "session_id": r.session_id,
                "recorded_by": _name(r.recorded_by),
                "note": r.note,
            }
            for r in view.ratings
        ],
        "progress": {
            "ratings": progress.ratings,
            "first": progress.first,
            "last": progress.last,
            "change": progress.change,
            "threshold": progress.threshold,
            "category": progress.category,
        },
    }


def task_out(view: TaskView) -> dict[str, Any]:
    t = view.task
    numbers = {v.pk: v.number for v in view.versions}
    result = view.adherence
    return {
        "id": t.pk,
        "episode_id": t.episode_id,
        "kind": t.kind,
        "created_at": t.created_at,
        "ended_on": t.ended_on,
        "end_reason": t.end_reason,
        "versions": [
            {
                "number": v.number,
                "title": v.title,
                "instructions": v.instructions,
                "goal_ids": sorted(g.pk for g in v.goals.all()),
                "regimen_id": v.regimen_id,
                "times_per_day": v.times_per_day,
                "days_per_week": v.days_per_week,
                "effective_from": v.effective_from,
                "created_by": _name(v.created_by),
                "change_note": v.change_note,
                "exercises": [
                    {
                        "position": e.position,
                        "name": e.name,
                        "sets": e.sets,
                        "repetitions": e.repetitions,
                        "hold_seconds": e.hold_seconds,
                        "times_per_day": e.times_per_day,
                        "days_per_week": e.days_per_week,
                        "instructions": e.instructions,
                    }
                    for e in v.exercises.all()
                ],
                "agreements": [
                    {
                        "response": a.response,
                        "confidence": a.confidence,
                        "words": a.words,
                        "answered_at": a.answered_at,
                    }
                    for a in v.agreements.all()
                ],
            }
            for v in view.versions
        ],
        "completions": [
            {
                "id": c.pk,
                "version": numbers.get(c.version_id, 0),
                "exercise": c.exercise.name if c.exercise else None,
                "day": c.day,
                "sets_done": c.sets_done,
                "effort": c.effort,
                "pain": c.pain,
                "note": c.note,
                "source": c.source,
                "logged_at": c.logged_at,
            }
            for c in view.completions
        ],
        "adherence": None
        if result is None
        else {
            "period_start": result.period_start,
            "period_end": result.period_end,
            "expected": result.expected,
            "completed": result.completed,
            "credited": result.credited,
            "adherence": result.adherence,
            "outside_schedule": result.outside_schedule,
            "weeks": [w.__dict__ for w in result.weeks],
        },
    }


@router.get(
    "/patients/{patient_id}/goals",
    response={200: list[GoalOut], 404: ErrorOut},
    summary="A patient's goals: every version (who proposed and who agreed), ratings, change",
)
@api_roles(*STAFF)
def list_goals(request: HttpRequest, patient_id: int) -> Any:
    return [goal_out(v) for v in goals.goals_of_patient(_actor(request), patient_id)]


@router.get(
    "/patients/{patient_id}/goals/fhir",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="A patient's goals as a FHIR R4 Bundle of Goal resources (version in force)",
)
@api_roles(*STAFF)
def list_goals_fhir(request: HttpRequest, patient_id: int) -> Any:
    views = goals.goals_of_patient(_actor(request), patient_id)
    return goals_bundle(patient_id, views)


@router.post(
    "/episodes/{episode_id}/goals",
    response={201: GoalOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Propose a goal (clinicians of the care team)",
)
@api_roles(*STAFF)
def create_goal(request: HttpRequest, episode_id: int, payload: GoalIn) -> Any:
    actor = _actor(request)
    data = payload.dict()
    data["session"] = data.pop("session_id")
    goal = goal_changes.propose_goal(actor, episode_id, data)
    return Status(201, goal_out(goals.goal_detail(actor, goal.pk)))


@router.get(
    "/patients/{patient_id}/tasks",
    response={200: list[TaskOut], 404: ErrorOut},
    summary="A patient's tasks: versions, exercises, agreements, completions and adherence",
)
@api_roles(*STAFF)
def list_tasks(request: HttpRequest, patient_id: int) -> Any:
    views = tasks.tasks_of_patient(_actor(request), patient_id)
    return [task_out(v) for v in completions.with_adherence(views, timezone.localdate())]


def task_form_data(payload: TaskIn) -> dict[str, Any]:
    """The API body as the page's form data (the same checks, the same field names)."""
    data: dict[str, Any] = {
        "title": payload.title or "",
        "instructions": payload.instructions,
        "goals": [str(g) for g in payload.goal_ids],
        "regimen": payload.regimen_id,
        "times_per_day": payload.times_per_day,
        "days_per_week": payload.days_per_week,
        f"{EXERCISES_PREFIX}-TOTAL_FORMS": str(len(payload.exercises)),
        f"{EXERCISES_PREFIX}-INITIAL_FORMS": "0",
    }
    for index, exercise in enumerate(payload.exercises):
        for name, value in exercise.dict().items():
            data[f"{EXERCISES_PREFIX}-{index}-{name}"] = "" if value is None else value
    return {k: v for k, v in data.items() if v is not None}


@router.post(
    "/episodes/{episode_id}/tasks",
    response={201: TaskOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Create a task: medication, exercise (programme) or homework",
)
@api_roles(*STAFF)
def create_task(request: HttpRequest, episode_id: int, payload: TaskIn) -> Any:
    actor = _actor(request)
    task = tasks.create_task(actor, episode_id, payload.kind, task_form_data(payload))
    view = completions.with_adherence([tasks.task_detail(actor, task.pk)])[0]
    return Status(201, task_out(view))
