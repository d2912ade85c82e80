"""Completion logs of exercise programmes and homework, and task adherence from them.

The patient logs in the portal (one tap for "done today", optionally the exercise, the sets
done, effort or pain 0-10 and a note); a clinician of the care team may record one too;
supervisors read. Adherence is computed by :mod:`concord.analytics.task_adherence`: this
module only turns versions and logs into its prescriptions and completions.

Version spans: version *k* is in force from its ``effective_from`` day to the day before
version *k+1*'s (a version replaced on the day it was made is never in force), and not after
the day the task ended. A programme is one prescription per exercise of each version; a
homework one per version. A completion counts for the version in force on its day.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.analytics.task_adherence import Prescription, TaskAdherence, task_adherence
from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access as clinic_access
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import CareSession, EpisodeStatus, SessionStatus
from concord.web.clinic.services import FormInvalid
from concord.web.plans import access
from concord.web.plans.models import (
    LOGGED_KINDS,
    CompletionSource,
    TaskCompletion,
    TaskKind,
)
from concord.web.plans.task_forms import CompletionForm
from concord.web.plans.tasks import TaskView, task_detail

CHART_WEEKS = 12


# ------------------------------------------------------------------ logging


def completion_form(view: TaskView, data: Mapping[str, Any] | None = None) -> CompletionForm:
    """The log form of a task (exercises of the current version to choose from)."""
    exercises = list(view.current.exercises.all()) if view.task.kind == TaskKind.EXERCISE else []
    return CompletionForm(data, exercises=exercises)


def log_completion(actor: Actor, task_id: object, data: Mapping[str, Any]) -> list[TaskCompletion]:
    """Log an exercise programme or homework as done on a day (today by default).

    With no exercise chosen, a programme is logged as done in full: one completion per
    exercise of the version in force that day. Returns the rows written.
    """
    user = actor.user
    if user.role == Role.PATIENT:
        source = CompletionSource.PORTAL
    elif user.role in access.STAFF:
        source = CompletionSource.CLINICIAN
    else:
        raise NotFound
    task = clinic_access.get_or_not_found(access.tasks_for(user), task_id)
    if source == CompletionSource.CLINICIAN:
        access.require_clinician(user, "completions")
    view = task_detail(actor, task.pk)
    task = view.task
    if task.kind not in LOGGED_KINDS:
        raise FormInvalid({"task": [_("Medicines are confirmed under “My medicines”.")]})
    form = completion_form(view, data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    day: date = form.cleaned_data["day"]
    version = view.version_on(day)
    if version is None:
        raise FormInvalid({"day": [_("The task had not started on that day.")]})
    if task.ended_on is not None and day > task.ended_on:
        raise FormInvalid({"day": [_("The task had ended by that day.")]})
    if task.episode.status != EpisodeStatus.ACTIVE:
        raise FormInvalid(
            {"episode": [_("This care episode has ended; its plan can be read only.")]}
        )
    exercises = list(version.exercises.all())
    chosen = form.cleaned_data.get("exercise")
    if chosen is not None:
        exercises = [e for e in exercises if e.pk == chosen]
        if not exercises:
            raise FormInvalid({"exercise": [_("That exercise was not in the programme that day.")]})
    sets_done = form.cleaned_data.get("sets_done")
    if task.kind == TaskKind.EXERCISE and len(exercises) > 1 and sets_done is not None:
        raise FormInvalid({"sets_done": [_("Choose the exercise these sets are for.")]})
    if task.kind == TaskKind.HOMEWORK and sets_done is not None:
        raise FormInvalid({"sets_done": [_("Homework has no sets.")]})
    now = timezone.now()
    common = {
        "task": task,
        "version": version,
        "day": day,
        "sets_done": sets_done,
        "effort": form.cleaned_data.get("effort"),
        "pain": form.cleaned_data.get("pain"),
        "note": form.cleaned_data.get("note") or "",
        "source": source,
        "recorded_by": user,
        "logged_at": now,
    }
    with transaction.atomic():
        if task.kind == TaskKind.EXERCISE:
            rows = [TaskCompletion.objects.create(exercise=e, **common) for e in exercises]
        else:
            rows = [TaskCompletion.objects.create(**common)]
        audit(
            actor,
            Action.CREATE,
            "task_completion",
            ",".join(str(r.pk) for r in rows),
            [task.episode.patient_id],
            {
                "task_id": task.pk,
                "version": version.number,
                "day": day.isoformat(),
                "rows": len(rows),
                "source": source,
            },
        )
    return rows


# ------------------------------------------------------------------ adherence


def _spans(view: TaskView) -> list[tuple[Any, date, date | None]]:
    """(version, first day, last day or None) of every version that was ever in force."""
    spans = []
    versions = view.versions
    for index, version in enumerate(versions):
        start = version.effective_from
        end: date | None = None
        if index + 1 < len(versions):
            end = versions[index + 1].effective_from - timedelta(days=1)
        if view.task.ended_on is not None and (end is None or view.task.ended_on < end):
            end = view.task.ended_on
        if end is not None and end < start:
            continue  # replaced (or ended) the day it was made: never in force
        spans.append((version, start, end))
    return spans


def prescriptions_of(view: TaskView) -> list[Prescription]:
    """The core's prescriptions of a logged task: one per exercise (programmes) or per
    version (homework). Medicine tasks have none (their adherence is the medicines')."""
    rows: list[Prescription] = []
    for version, start, end in _spans(view):
        if view.task.kind == TaskKind.HOMEWORK:
            rows.append(
                Prescription(
                    ("version", version.pk),
                    times_per_day=version.times_per_day or 1,
                    days_per_week=version.days_per_week or 7,
                    start=start,
                    end=end,
                )
            )
        elif view.task.kind == TaskKind.EXERCISE:
            rows.extend(
                Prescription(
                    ("exercise", e.pk),
                    times_per_day=e.times_per_day,
                    days_per_week=e.days_per_week,
                    start=start,
                    end=end,
                )
                for e in version.exercises.all()
            )
    return rows


def completions_of(view: TaskView) -> list[tuple[Hashable, date]]:
    if view.task.kind == TaskKind.HOMEWORK:
        return [(("version", c.version_id), c.day) for c in view.completions]
    return [(("exercise", c.exercise_id), c.day) for c in view.completions if c.exercise_id]


def set_reported_through(views: list[TaskView], today: date) -> None:
    """The last day each task's logs can cover: today for a patient who logs in the portal
    (has a portal account); for a patient who does not, the day of the episode's last attended
    session, because a clinician records their diary at sessions (days after it are not
    reported yet, which is not the same as not done). No attended session: nothing."""
    offline = {v.task.episode_id for v in views if v.task.episode.patient.account_id is None}
    last: dict[int, date] = {}
    if offline:
        tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
        rows = (
            CareSession.objects.filter(
                episode_id__in=offline,
                status=SessionStatus.ATTENDED,
                scheduled_at__lt=tomorrow,
            )
            .order_by()
            .values("episode_id")
            .annotate(last=Max("scheduled_at"))
        )
        last = {r["episode_id"]: timezone.localtime(r["last"]).date() for r in rows}
    for view in views:
        if view.task.episode_id in offline:
            view.reported_through = last.get(view.task.episode_id)
        else:
            view.reported_through = today


def task_period(view: TaskView, today: date) -> tuple[date, date] | None:
    """From the first version's day to the day logs are reported through (today, or the last
    session for a patient without the portal), or the day the task ended if earlier."""
    if not view.versions or view.task.kind not in LOGGED_KINDS:
        return None
    through = view.reported_through
    if through is None:
        return None
    start = view.versions[0].effective_from
    end = min(through, view.task.ended_on) if view.task.ended_on else through
    return (start, end) if start <= end else None


def adherence_of(views: list[TaskView], start: date, end: date) -> TaskAdherence | None:
    """Weekly and overall adherence of these tasks together over ``start`` .. ``end``."""
    if end < start:
        return None
    prescriptions: list[Prescription] = []
    done: list[tuple[Hashable, date]] = []
    for view in views:
        if view.task.kind not in LOGGED_KINDS:
            continue
        mine = prescriptions_of(view)
        keys = {p.key for p in mine}
        prescriptions.extend(mine)
        # Logs of a version that was never in force name no prescription: left out.
        done.extend((key, day) for key, day in completions_of(view) if key in keys)
    return task_adherence(prescriptions, done, start, end)


def with_adherence(views: list[TaskView], today: date | None = None) -> list[TaskView]:
    """Fill each logged task's ``adherence`` over its whole period."""
    today = today or timezone.localdate()
    set_reported_through(views, today)
    for view in views:
        period = task_period(view, today)
        view.adherence = adherence_of([view], *period) if period else None
    return views


@dataclass(frozen=True)
class EpisodeAdherence:
    """All logged tasks of an episode together, week by week over the chart's weeks."""

    episode_id: int
    result: TaskAdherence


def episode_adherence(
    views: list[TaskView], episode_id: int, today: date, weeks: int = CHART_WEEKS
) -> EpisodeAdherence | None:
    """The last ``weeks`` ISO weeks (this one so far included), from the first task's day."""
    mine = [v for v in views if v.task.episode_id == episode_id and v.task.kind in LOGGED_KINDS]
    set_reported_through(mine, today)
    periods = [p for v in mine if (p := task_period(v, today))]
    if not periods:
        return None
    monday = today - timedelta(days=today.weekday())
    start = max(min(p[0] for p in periods), monday - timedelta(weeks=weeks - 1))
    end = max(p[1] for p in periods)
    result = adherence_of(mine, start, end)
    return EpisodeAdherence(episode_id, result) if result else None
