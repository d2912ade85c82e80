"""What the patient sees of their own plan in the portal, through the goal and task services
(which apply the access rules and audit each read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from concord.analytics.task_adherence import WeekAdherence
from concord.web.audit.service import Actor
from concord.web.clinic import access as clinic_access
from concord.web.plans import access, completions, goals, tasks
from concord.web.plans.goals import GoalView
from concord.web.plans.models import LOGGED_KINDS, RATEABLE_GOAL_STATUSES, Side
from concord.web.plans.tasks import TaskView


@dataclass
class PortalGoal:
    view: GoalView

    @property
    def needs_answer(self) -> bool:
        """The care team proposed a version the patient has not answered yet."""
        waiting = self.view.waiting
        return waiting is not None and waiting.proposed_side == Side.CLINICIAN

    @property
    def waits_for_team(self) -> bool:
        waiting = self.view.waiting
        return waiting is not None and waiting.proposed_side == Side.PATIENT

    @property
    def can_rate(self) -> bool:
        return self.view.goal.status in RATEABLE_GOAL_STATUSES and self.view.in_force is not None

    @property
    def shown(self) -> object:
        """The words to show: the version in force, else the latest proposal."""
        return self.view.in_force or self.view.current


@dataclass
class PortalTask:
    task_view: TaskView
    today: date

    @property
    def task(self) -> object:
        return self.task_view.task

    @property
    def needs_answer(self) -> bool:
        return self.task_view.task.is_active and self.task_view.agreement is None

    @property
    def logged(self) -> bool:
        return self.task_view.task.kind in LOGGED_KINDS

    @property
    def done_today(self) -> int:
        """Logs for today (a programme logged in full counts once)."""
        return len(
            {(c.logged_at, c.version_id) for c in self.task_view.completions if c.day == self.today}
        )

    @property
    def exercises_today(self) -> list[tuple[object, int]]:
        """Each exercise of the current version with how often it was logged today."""
        if not self.task_view.versions:
            return []
        done: dict[int, int] = {}
        for c in self.task_view.completions:
            if c.day == self.today and c.exercise_id:
                done[c.exercise_id] = done.get(c.exercise_id, 0) + 1
        return [(e, done.get(e.pk, 0)) for e in self.task_view.current.exercises.all()]

    @property
    def this_week(self) -> WeekAdherence | None:
        result = self.task_view.adherence
        return result.weeks[-1] if result and result.weeks else None


@dataclass
class MyPlan:
    goals: list[PortalGoal] = field(default_factory=list)
    tasks: list[PortalTask] = field(default_factory=list)

    @property
    def open_goals(self) -> list[PortalGoal]:
        return [g for g in self.goals if g.view.goal.is_open]

    @property
    def closed_goals(self) -> list[PortalGoal]:
        return [g for g in self.goals if not g.view.goal.is_open]

    @property
    def active_tasks(self) -> list[PortalTask]:
        return [t for t in self.tasks if t.task_view.task.is_active]

    @property
    def to_answer(self) -> int:
        return sum(g.needs_answer for g in self.goals) + sum(t.needs_answer for t in self.tasks)

    @property
    def to_log_today(self) -> int:
        return sum(1 for t in self.active_tasks if t.logged and t.done_today == 0)


def my_plan(actor: Actor, today: date | None = None) -> MyPlan:
    """The signed-in patient's goals and tasks (NotFound for anyone else)."""
    access.require_patient(actor.user)
    today = today or timezone.localdate()
    episodes = list(clinic_access.episodes_for(actor.user))
    goal_views = goals.goals_of_episodes(actor, episodes)
    task_views = completions.with_adherence(tasks.tasks_of_episodes(actor, episodes), today)
    return MyPlan(
        goals=[PortalGoal(v) for v in goal_views],
        tasks=[PortalTask(v, today) for v in task_views],
    )


def my_goal(actor: Actor, goal_id: object) -> PortalGoal:
    access.require_patient(actor.user)
    return PortalGoal(goals.goal_detail(actor, goal_id))


def my_task(actor: Actor, task_id: object, today: date | None = None) -> PortalTask:
    access.require_patient(actor.user)
    today = today or timezone.localdate()
    view = tasks.task_detail(actor, task_id)
    completions.with_adherence([view], today)
    return PortalTask(view, today)
