"""Shared-plan pages of the clinic side. Thin: each calls a service, which applies the access
rules and audits. Clinicians of the care team write; supervisors read the goal and task pages;
everyone else gets 404 (a supervisor on a writing page too)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.plans import access, completions, goal_changes, goal_ratings, goals, tasks
from concord.web.plans.charts import goal_ratings_svg
from concord.web.plans.forms import (
    CloseGoalForm,
    GoalResponseForm,
    StaffGoalForm,
    StaffRatingForm,
)
from concord.web.plans.models import Side, TaskKind
from concord.web.plans.task_forms import StaffAgreementForm

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)
PLAN_ANCHOR = "#plan"


def _patient_page(patient_id: int) -> HttpResponse:
    response = redirect("clinic:patient", patient_id=patient_id)
    response["Location"] += PLAN_ANCHOR
    return response


# ------------------------------------------------------------------ goals


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        episode = access.staff_episode(actor.user, episode_id)
    except NotFound:
        raise Http404 from None
    form = StaffGoalForm(request.POST or None, episode=episode)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            goal_changes.propose_goal(actor, episode.pk, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("The goal is saved."))
            return _patient_page(episode.patient_id)
    return render(
        request,
        "plans/goal_form.html",
        {"form": form, "episode": episode, "errors": errors},
        status=400 if errors else 200,
    )


@roles(*STAFF)
@require_GET
def goal_detail(request: HttpRequest, goal_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        access.require_staff(actor.user)
        view = goals.goal_detail(actor, goal_id)
    except NotFound:
        raise Http404 from None
    chart = goal_ratings_svg(
        [(r.rated_at, r.score) for r in view.ratings], chart_id=f"goal-{view.goal.pk}"
    )
    return render(
        request,
        "plans/goal_detail.html",
        {
            "view": view,
            "episode": view.goal.episode,
            "chart": chart,
            "can_write": actor.user.role == Role.CLINICIAN,
        },
    )


def _staff_goal_page(request: HttpRequest, goal_id: int) -> tuple[Actor, goals.GoalView]:
    actor = Actor.from_request(request)
    try:
        access.require_staff(actor.user)
        return actor, goals.goal_detail(actor, goal_id)
    except NotFound:
        raise Http404 from None


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def goal_revise(request: HttpRequest, goal_id: int) -> HttpResponse:
    actor, view = _staff_goal_page(request, goal_id)
    episode = view.goal.episode
    current = view.current
    initial = {
        "patient_words": current.patient_words,
        "clinician_restatement": current.clinician_restatement,
        "why_it_matters": current.why_it_matters,
        "target": current.target,
        "target_date": current.target_date,
    }
    form = StaffGoalForm(request.POST or None, episode=episode, previous=current, initial=initial)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            goal_changes.revise_goal(actor, view.goal.pk, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        except NotAllowed:
            raise Http404 from None
        else:
            messages.success(request, _("The new version is saved; the earlier ones are kept."))
            return redirect("plans:goal", goal_id=view.goal.pk)
    return render(
        request,
        "plans/goal_form.html",
        {"form": form, "episode": episode, "view": view, "errors": errors},
        status=400 if errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def goal_respond(request: HttpRequest, goal_id: int) -> HttpResponse:
    actor, view = _staff_goal_page(request, goal_id)
    waiting = view.waiting
    if waiting is None:
        messages.info(request, _("No version of this goal is waiting for an answer."))
        return redirect("plans:goal", goal_id=view.goal.pk)
    for_patient = waiting.proposed_side == Side.CLINICIAN
    form = GoalResponseForm(
        request.POST or None, episode=view.goal.episode, needs_session=for_patient
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            goal_changes.respond_to_goal(actor, view.goal.pk, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("The answer is recorded."))
            return redirect("plans:goal", goal_id=view.goal.pk)
    return render(
        request,
        "plans/goal_respond.html",
        {
            "form": form,
            "view": view,
            "waiting": waiting,
            "for_patient": for_patient,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def goal_close(request: HttpRequest, goal_id: int) -> HttpResponse:
    actor, view = _staff_goal_page(request, goal_id)
    form = CloseGoalForm(request.POST or None)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            goal_changes.close_goal(actor, view.goal.pk, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            return redirect("plans:goal", goal_id=view.goal.pk)
    return render(
        request,
        "plans/goal_close.html",
        {"form": form, "view": view, "errors": errors},
        status=400 if errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def goal_rate(request: HttpRequest, goal_id: int) -> HttpResponse:
    actor, view = _staff_goal_page(request, goal_id)
    if view.in_force is None or not view.goal.is_open:
        messages.info(request, _("Only an agreed, open goal is rated."))
        return redirect("plans:goal", goal_id=view.goal.pk)
    form = StaffRatingForm(request.POST or None, episode=view.goal.episode)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            goal_ratings.record_rating(actor, view.goal.pk, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("The patient's rating is recorded."))
            return redirect("plans:goal", goal_id=view.goal.pk)
    return render(
        request,
        "plans/goal_rate.html",
        {"form": form, "view": view, "errors": errors},
        status=400 if errors else 200,
    )


# ------------------------------------------------------------------ tasks


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest, episode_id: int, kind: str) -> HttpResponse:
    actor = Actor.from_request(request)
    if kind not in TaskKind.values:
        raise Http404
    try:
        episode = access.staff_episode(actor.user, episode_id)
    except NotFound:
        raise Http404 from None
    forms = tasks.task_forms(episode, kind, request.POST or None)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            tasks.create_task(actor, episode.pk, kind, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("The task is saved; the patient is asked to agree."))
            return _patient_page(episode.patient_id)
    return render(
        request,
        "plans/task_form.html",
        {
            "form": forms.task,
            "exercises": forms.exercises,
            "episode": episode,
            "kind": kind,
            "kind_label": TaskKind(kind).label,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _staff_task_page(request: HttpRequest, task_id: int) -> tuple[Actor, tasks.TaskView]:
    actor = Actor.from_request(request)
    try:
        access.require_staff(actor.user)
        view = tasks.task_detail(actor, task_id)
    except NotFound:
        raise Http404 from None
    completions.with_adherence([view])
    return actor, view


@roles(*STAFF)
@require_GET
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    actor, view = _staff_task_page(request, task_id)
    return render(
        request,
        "plans/task_detail.html",
        {
            "view": view,
            "episode": view.task.episode,
            "can_write": actor.user.role == Role.CLINICIAN,
            "log_form": completions.completion_form(view),
        },
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def task_revise(request: HttpRequest, task_id: int) -> HttpResponse:
    actor, view = _staff_task_page(request, task_id)
    task = view.task
    data = request.POST or None
    forms = tasks.task_forms(task.episode, task.kind, data, version=view.current)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            tasks.revise_task(actor, task.pk, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("The new version is saved; the patient is asked again."))
            return redirect("plans:task", task_id=task.pk)
    return render(
        request,
        "plans/task_form.html",
        {
            "form": forms.task,
            "exercises": forms.exercises,
            "episode": task.episode,
            "kind": task.kind,
            "kind_label": task.get_kind_display(),
            "view": view,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def task_end(request: HttpRequest, task_id: int) -> HttpResponse:
    actor, view = _staff_task_page(request, task_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            tasks.end_task(actor, view.task.pk, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            return redirect("plans:task", task_id=view.task.pk)
    return render(
        request,
        "plans/task_end.html",
        {"view": view, "errors": errors, "reason": request.POST.get("reason", "")},
        status=400 if errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def task_log(request: HttpRequest, task_id: int) -> HttpResponse:
    actor, view = _staff_task_page(request, task_id)
    if view.task.kind == TaskKind.MEDICATION:
        raise Http404
    form = completions.completion_form(view, request.POST or None)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            rows = completions.log_completion(actor, view.task.pk, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("Recorded (%(n)d).") % {"n": len(rows)})
            return redirect("plans:task", task_id=view.task.pk)
    return render(
        request,
        "plans/task_log.html",
        {"form": form, "view": view, "errors": errors},
        status=400 if errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def task_answer(request: HttpRequest, task_id: int) -> HttpResponse:
    """Record the agreement and confidence the patient gave in a session."""
    actor, view = _staff_task_page(request, task_id)
    form = StaffAgreementForm(request.POST or None, episode=view.task.episode)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            tasks.record_task_answer(actor, view.task.pk, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("The patient's answer is recorded."))
            return redirect("plans:task", task_id=view.task.pk)
    return render(
        request,
        "plans/task_answer.html",
        {"form": form, "view": view, "errors": errors},
        status=400 if errors else 200,
    )
