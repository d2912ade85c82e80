"""The plan sections other pages include with one tag (the clinician's patient page and the
portal home), and display filters of the plan pages.

Each tag calls the plan services with the signed-in person, so the access rules and the
audit trail apply exactly as on the plan pages; ``clinic/views.py`` stays untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import template
from django.utils import timezone

from concord.analytics.task_adherence import WeekAdherence
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import CareEpisode, EpisodeStatus, Patient
from concord.web.plans import completions, display, goals, portal, tasks
from concord.web.plans.alliance_series import AllianceRating, patient_alliance
from concord.web.plans.charts import adherence_alliance_svg, goal_ratings_svg
from concord.web.plans.models import GoalVersion, TaskKind

register = template.Library()


@dataclass
class WeekRow:
    """One week of the adherence table (the chart's text equivalent)."""

    week: WeekAdherence
    alliance: list[AllianceRating]


@dataclass
class EpisodePlan:
    episode: CareEpisode
    goals: list[goals.GoalView]
    tasks: list[tasks.TaskView]
    chart: str = ""
    weeks: list[WeekRow] | None = None
    overall: float | None = None


def _beside_alliance(
    actor: Actor, plan: EpisodePlan, views: list[tasks.TaskView], today: date
) -> None:
    result = completions.episode_adherence(views, plan.episode.pk, today)
    if result is None:
        return
    alliance = patient_alliance(actor, plan.episode)
    weeks = result.result.weeks
    plan.chart = adherence_alliance_svg(weeks, alliance, chart_id=f"adh-{plan.episode.pk}")
    rows = []
    for week in weeks:
        inside = [
            a
            for a in alliance
            if 0 <= (timezone.localtime(a.when).date() - week.week_start).days < 7
        ]
        rows.append(WeekRow(week, inside))
    plan.weeks = rows
    plan.overall = result.result.adherence


@register.inclusion_tag("plans/_patient_plan.html", takes_context=True)
def patient_plan(context: template.Context, patient: Patient) -> dict[str, Any]:
    """Goals, tasks and task adherence beside the alliance, per care episode."""
    actor = Actor.from_template_context(context)
    if actor is None or actor.user.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        return {"visible": False}
    episodes = list(context.get("episodes") or [])
    today = timezone.localdate()
    goal_views = goals.goals_of_episodes(actor, episodes)
    task_views = completions.with_adherence(tasks.tasks_of_episodes(actor, episodes), today)
    plans = []
    for episode in episodes:
        plan = EpisodePlan(
            episode=episode,
            goals=[g for g in goal_views if g.goal.episode_id == episode.pk],
            tasks=[t for t in task_views if t.task.episode_id == episode.pk],
        )
        if plan.tasks:
            _beside_alliance(actor, plan, plan.tasks, today)
        plans.append(plan)
    return {
        "visible": True,
        "patient": patient,
        "plans": plans,
        "can_write": actor.user.role == Role.CLINICIAN,
        "kinds": TaskKind.choices,
        "request": context.get("request"),
    }


@register.inclusion_tag("plans/_portal_summary.html", takes_context=True)
def portal_plan(context: template.Context) -> dict[str, Any]:
    """A short summary of the patient's plan on the portal home, with links."""
    actor = Actor.from_template_context(context)
    if actor is None or actor.user.role != Role.PATIENT:
        return {"plan": None}
    try:
        return {"plan": portal.my_plan(actor)}
    except NotFound:
        return {"plan": None}


@register.filter
def proposal(version: GoalVersion, audience: str = "") -> str:
    return display.proposal_text(version, for_patient=audience == "patient")


@register.filter
def answer(version: GoalVersion, audience: str = "") -> str:
    return display.response_text(version, for_patient=audience == "patient")


@register.filter
def latest_words(goal: Any) -> str:
    """The words of a goal's latest version (from the prefetched versions)."""
    versions = list(goal.versions.all())
    return versions[-1].patient_words if versions else ""


@register.filter
def progress_label(category: str) -> str:
    return display.progress_label(category)


@register.filter
def percent(value: float | None) -> str:
    """0.8123 -> "81 %"; undefined -> "—" (never 0 %)."""
    if value is None:
        return "—"
    return f"{round(float(value) * 100):d} %"


@register.filter
def signed(value: float | None) -> str:
    """+3, -2, 0; undefined -> "—"."""
    if value is None:
        return "—"
    return f"{value:+g}" if value else "0"


@register.filter
def other_errors(errors: dict[str, list[str]], form: Any = None) -> list[str]:
    """Messages of ``errors`` that no field of ``form`` shows next to itself."""
    fields = set(getattr(form, "fields", {}) or {})
    shown = []
    for key, messages in (errors or {}).items():
        if key in fields or key.startswith("exercises"):
            continue
        shown.extend(messages)
    return shown


@register.simple_tag
def goal_chart(view: goals.GoalView, width: int = 360) -> str:
    from django.utils.safestring import mark_safe

    svg = goal_ratings_svg(
        [(r.rated_at, r.score) for r in view.ratings], chart_id=f"goal-{view.goal.pk}", width=width
    )
    return mark_safe(svg)  # noqa: S308 - built from escaped values


@register.filter
def is_open_episode(episode: CareEpisode) -> bool:
    return episode.status == EpisodeStatus.ACTIVE
