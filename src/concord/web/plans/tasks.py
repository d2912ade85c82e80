"""Task services: agreed activities (a medicine, a home-exercise programme, a homework), their
versions and the patient's agreement and confidence. Completion logs and adherence:
:mod:`concord.web.plans.completions`.

Clinicians of the care team create and revise tasks (a change is a new version, in force from
the day it is made; the old versions are kept); supervisors read; the patient reads their own
and answers each version in the portal (agree / not sure / disagree, confidence 0-10). A new
version has no answer yet, so the patient is asked again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.analytics.task_adherence import TaskAdherence
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access as clinic_access
from concord.web.clinic.models import CareEpisode, EpisodeStatus
from concord.web.clinic.services import FormInvalid
from concord.web.plans import access
from concord.web.plans.models import (
    TEXT_MAX,
    Exercise,
    Task,
    TaskAgreement,
    TaskCompletion,
    TaskKind,
    TaskVersion,
)
from concord.web.plans.task_forms import (
    AgreementForm,
    ExerciseFormSet,
    StaffAgreementForm,
    TaskForm,
    exercise_initial,
)

EXERCISES_PREFIX = "exercises"


@dataclass
class TaskView:
    """A task with its versions (oldest first), answers and completion logs."""

    task: Task
    versions: list[TaskVersion]
    completions: list[TaskCompletion] = field(default_factory=list)
    adherence: TaskAdherence | None = None
    reported_through: date | None = None  # see completions.set_reported_through

    @property
    def current(self) -> TaskVersion:
        return self.versions[-1]

    @property
    def agreement(self) -> TaskAgreement | None:
        """The patient's latest answer to the current version (None: not answered yet)."""
        answers = list(self.current.agreements.all())
        return answers[-1] if answers else None

    @property
    def earlier_agreement(self) -> TaskAgreement | None:
        """The latest answer to an earlier version, shown while the current one waits."""
        for version in reversed(self.versions[:-1]):
            answers = list(version.agreements.all())
            if answers:
                return answers[-1]
        return None

    def version_on(self, day: date) -> TaskVersion | None:
        """The version in force on ``day`` (the latest made on or before it)."""
        found = None
        for version in self.versions:
            if version.effective_from <= day:
                found = version
        return found


def _with_history(queryset: Any) -> Any:
    return queryset.select_related("episode__patient", "created_by", "ended_by").prefetch_related(
        Prefetch(
            "versions",
            queryset=TaskVersion.objects.select_related("regimen", "created_by")
            .prefetch_related(
                "exercises",
                "goals__versions",
                Prefetch(
                    "agreements",
                    queryset=TaskAgreement.objects.order_by("answered_at", "pk"),
                ),
            )
            .order_by("number"),
        ),
        Prefetch(
            "completions",
            queryset=TaskCompletion.objects.select_related("exercise", "recorded_by").order_by(
                "day", "logged_at", "pk"
            ),
        ),
    )


def _views(tasks: list[Task]) -> list[TaskView]:
    return [
        TaskView(task=t, versions=list(t.versions.all()), completions=list(t.completions.all()))
        for t in tasks
    ]


def tasks_of_episodes(actor: Actor, episodes: list[CareEpisode]) -> list[TaskView]:
    """Every task of these episodes the person may see (staff or the patient)."""
    tasks = list(
        _with_history(access.tasks_for(actor.user).filter(episode__in=episodes)).order_by(
            "created_at", "pk"
        )
    )
    audit(
        actor,
        Action.LIST,
        "task",
        "",
        {e.patient_id for e in episodes},
        {"episode_ids": [e.pk for e in episodes], "task_ids": [t.pk for t in tasks]},
    )
    return _views(tasks)


def tasks_of_patient(actor: Actor, patient_id: object) -> list[TaskView]:
    access.require_staff(actor.user)
    patient = clinic_access.get_or_not_found(clinic_access.patients_for(actor.user), patient_id)
    episodes = list(clinic_access.episodes_for(actor.user).filter(patient=patient))
    return tasks_of_episodes(actor, episodes)


def task_detail(actor: Actor, task_id: object) -> TaskView:
    task = clinic_access.get_or_not_found(_with_history(access.tasks_for(actor.user)), task_id)
    audit(actor, Action.READ, "task", task.pk, [task.episode.patient_id])
    return _views([task])[0]


# ------------------------------------------------------------------ forms for a kind


@dataclass
class TaskForms:
    task: TaskForm
    exercises: Any | None  # the exercise formset of a programme

    def is_valid(self) -> bool:
        valid = self.task.is_valid()
        if self.exercises is not None:
            valid = self.exercises.is_valid() and valid
        return valid

    def errors(self) -> FormInvalid:
        errors = dict(FormInvalid.from_forms(self.task).errors)
        if self.exercises is not None:
            for index, form in enumerate(self.exercises.forms):
                for name, messages in form.errors.items():
                    key = f"{EXERCISES_PREFIX}-{index}-{name}"
                    errors[key] = [
                        _("Exercise %(n)d, %(field)s: %(message)s")
                        % {"n": index + 1, "field": name, "message": m}
                        for m in messages
                    ]
            if self.exercises.non_form_errors():
                errors[EXERCISES_PREFIX] = [str(m) for m in self.exercises.non_form_errors()]
        return FormInvalid(errors)

    def exercise_rows(self) -> list[dict[str, Any]]:
        if self.exercises is None:
            return []
        return [
            f.cleaned_data
            for f in self.exercises.forms
            if f.has_changed() and f.cleaned_data and f.cleaned_data.get("name")
        ]


def task_forms(
    episode: CareEpisode,
    kind: str,
    data: Mapping[str, Any] | None = None,
    version: TaskVersion | None = None,
) -> TaskForms:
    """The (bound or unbound) forms of a task of this kind, filled from ``version``."""
    initial: dict[str, Any] = {}
    if version is not None:
        initial = {
            "title": version.title,
            "instructions": version.instructions,
            "goals": [g.pk for g in version.goals.all()],
            "regimen": version.regimen_id,
            "times_per_day": version.times_per_day,
            "days_per_week": version.days_per_week,
        }
    form = TaskForm(data, episode=episode, kind=kind, initial=initial)
    exercises = None
    if kind == TaskKind.EXERCISE:
        exercises = ExerciseFormSet(
            data, prefix=EXERCISES_PREFIX, initial=exercise_initial(version) or None
        )
    return TaskForms(form, exercises)


# ------------------------------------------------------------------ writing (clinicians)


def _require_open_episode(episode: CareEpisode) -> None:
    if episode.status != EpisodeStatus.ACTIVE:
        raise FormInvalid(
            {"episode": [_("This care episode has ended; its plan can be read only.")]}
        )


def _save_version(
    actor: Actor, task: Task, forms: TaskForms, number: int, today: date
) -> TaskVersion:
    data = forms.task.cleaned_data
    version = TaskVersion.objects.create(
        task=task,
        number=number,
        title=data["title"].strip(),
        instructions=data.get("instructions") or "",
        regimen=data.get("regimen"),
        times_per_day=data.get("times_per_day"),
        days_per_week=data.get("days_per_week"),
        effective_from=today,
        created_by=actor.user,
        created_at=timezone.now(),
        change_note=data.get("change_note") or "",
    )
    version.goals.set(data.get("goals") or [])
    Exercise.objects.bulk_create(
        Exercise(version=version, position=position, **row)
        for position, row in enumerate(forms.exercise_rows(), start=1)
    )
    return version


def create_task(actor: Actor, episode_id: object, kind: str, data: Mapping[str, Any]) -> Task:
    episode = access.staff_episode(actor.user, episode_id)
    access.require_clinician(actor.user, "tasks")
    if kind not in TaskKind.values:
        choices = ", ".join(TaskKind.values)
        raise FormInvalid({"kind": [_("Use one of: %(kinds)s.") % {"kinds": choices}]})
    forms = task_forms(episode, kind, data)
    if not forms.is_valid():
        raise forms.errors()
    _require_open_episode(episode)
    with transaction.atomic():
        task = Task.objects.create(
            episode=episode, kind=kind, created_at=timezone.now(), created_by=actor.user
        )
        version = _save_version(actor, task, forms, 1, timezone.localdate())
        audit(actor, Action.CREATE, "task", task.pk, [episode.patient_id], {"kind": kind})
        _audit_version(actor, version)
    return task


def _staff_task(actor: Actor, task_id: object) -> Task:
    access.require_staff(actor.user)
    return clinic_access.get_or_not_found(
        access.tasks_for(actor.user).select_related("episode__patient"), task_id
    )


def revise_task(actor: Actor, task_id: object, data: Mapping[str, Any]) -> TaskVersion:
    """A new version (a changed programme, frequency, instructions or goals), in force from
    today. Earlier versions, their answers and logs stay as they were."""
    task = _staff_task(actor, task_id)
    access.require_clinician(actor.user, "tasks")
    forms = task_forms(task.episode, task.kind, data)
    if not forms.is_valid():
        raise forms.errors()
    _require_open_episode(task.episode)
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("episode").get(pk=task.pk)
        if not task.is_active:
            raise FormInvalid({"task": [_("This task has ended; create a new task instead.")]})
        last = task.versions.order_by("-number").first()
        number = (last.number if last else 0) + 1
        version = _save_version(actor, task, forms, number, timezone.localdate())
        _audit_version(actor, version)
    return version


def end_task(actor: Actor, task_id: object, data: Mapping[str, Any]) -> Task:
    """Stop a task from today; its history and logs are kept."""
    task = _staff_task(actor, task_id)
    access.require_clinician(actor.user, "tasks")
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise FormInvalid({"reason": [_("Say why the task ends.")]})
    if len(reason) > TEXT_MAX:
        raise FormInvalid({"reason": [_("Keep it under %(n)d characters.") % {"n": TEXT_MAX}]})
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("episode").get(pk=task.pk)
        if not task.is_active:
            raise FormInvalid({"task": [_("This task has already ended.")]})
        task.ended_on = timezone.localdate()
        task.ended_by = actor.user
        task.end_reason = reason
        task.save(update_fields=["ended_on", "ended_by", "end_reason"])
        audit(
            actor,
            Action.UPDATE,
            "task",
            task.pk,
            [task.episode.patient_id],
            {"ended_on": task.ended_on.isoformat()},
        )
    return task


def _audit_version(actor: Actor, version: TaskVersion) -> None:
    audit(
        actor,
        Action.CREATE,
        "task_version",
        version.pk,
        [version.task.episode.patient_id],
        {
            "task_id": version.task_id,
            "version": version.number,
            "exercises": version.exercises.count(),
            "goal_ids": sorted(g.pk for g in version.goals.all()),
            "regimen_id": version.regimen_id,
        },
    )


# ------------------------------------------------------------------ the patient's answer


def answer_task(actor: Actor, task_id: object, data: Mapping[str, Any]) -> TaskAgreement:
    """The patient's agreement and confidence for the current version of their own task."""
    access.require_patient(actor.user)
    task = clinic_access.get_or_not_found(
        access.tasks_for(actor.user).select_related("episode"), task_id
    )
    form = AgreementForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    return _save_answer(actor, task, form.cleaned_data, session=None)


def record_task_answer(actor: Actor, task_id: object, data: Mapping[str, Any]) -> TaskAgreement:
    """A clinician records the answer the patient gave in a session (recorded as such)."""
    task = _staff_task(actor, task_id)
    access.require_clinician(actor.user, "the patient's answers")
    form = StaffAgreementForm(data, episode=task.episode)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    return _save_answer(actor, task, form.cleaned_data, session=form.cleaned_data["session"])


def _save_answer(actor: Actor, task: Task, data: Mapping[str, Any], session: Any) -> TaskAgreement:
    if not task.is_active:
        raise FormInvalid({"task": [_("This task has ended.")]})
    _require_open_episode(task.episode)
    with transaction.atomic():
        version = task.versions.order_by("-number").first()
        if version is None:
            raise FormInvalid({"task": [_("This task has no version to answer.")]})
        answer = TaskAgreement.objects.create(
            version=version,
            response=data["response"],
            words=data.get("words") or "",
            confidence=data["confidence"],
            answered_by=actor.user,
            answered_at=timezone.now(),
            in_session=session is not None,
            session=session,
        )
        audit(
            actor,
            Action.CREATE,
            "task_agreement",
            answer.pk,
            [task.episode.patient_id],
            {
                "task_id": task.pk,
                "version": version.number,
                "response": answer.response,
                "confidence": answer.confidence,
                "in_session": answer.in_session,
            },
        )
    return answer
