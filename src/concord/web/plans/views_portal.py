"""The patient's plan in the portal (``/me/plan/...``), mobile-first. Patients only (everyone
else 404); each patient sees and answers only their own goals and tasks. Answers are sent
to their own addresses (POST); a bad answer shows the same page again with the message next
to the field (status 400), a good one goes back to the page (so a reload sends nothing twice).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.plans import completions, goal_changes, goal_ratings, portal, tasks
from concord.web.plans.forms import PatientGoalAnswerForm, PatientGoalForm, PortalRatingForm
from concord.web.plans.task_forms import AgreementForm


@roles(Role.PATIENT)
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        overview = portal.my_plan(actor)
    except NotFound:
        raise Http404 from None
    return render(request, "plans/portal_plan.html", {"plan": overview})


@roles(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        episodes = goal_changes.open_episodes_of_patient(actor)
    except NotFound:
        raise Http404 from None
    form = PatientGoalForm(request.POST or None, episodes=episodes)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            goal = goal_changes.propose_own_goal(actor, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("Thank you. Your care team will look at your goal."))
            return redirect("plans:portal_goal", goal_id=goal.pk)
    return render(
        request,
        "plans/portal_goal_new.html",
        {"form": form, "episodes": episodes, "errors": errors},
        status=400 if errors else 200,
    )


def _goal_page(
    request: HttpRequest,
    actor: Actor,
    goal_id: int,
    *,
    answer_form: PatientGoalAnswerForm | None = None,
    rating_form: PortalRatingForm | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    try:
        view = portal.my_goal(actor, goal_id)
    except NotFound:
        raise Http404 from None
    context: dict[str, Any] = {
        "view": view,
        "answer_form": answer_form or PatientGoalAnswerForm(),
        "rating_form": rating_form or PortalRatingForm(),
        "errors": errors or {},
    }
    return render(request, "plans/portal_goal.html", context, status=400 if errors else 200)


@roles(Role.PATIENT)
@require_GET
def goal(request: HttpRequest, goal_id: int) -> HttpResponse:
    return _goal_page(request, Actor.from_request(request), goal_id)


@roles(Role.PATIENT)
@require_POST
def goal_answer(request: HttpRequest, goal_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        version = goal_changes.answer_goal(actor, goal_id, request.POST)
    except NotFound:
        raise Http404 from None
    except FormInvalid as invalid:
        return _goal_page(
            request,
            actor,
            goal_id,
            answer_form=PatientGoalAnswerForm(request.POST),
            errors=invalid.errors,
        )
    if version.state == "agreed":
        messages.success(request, _("Thank you. You agreed to this goal."))
    else:
        messages.success(request, _("Thank you. Your care team will talk with you about it."))
    return redirect("plans:portal_goal", goal_id=goal_id)


@roles(Role.PATIENT)
@require_POST
def goal_rate(request: HttpRequest, goal_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        rating = goal_ratings.rate_own_goal(actor, goal_id, request.POST)
    except NotFound:
        raise Http404 from None
    except FormInvalid as invalid:
        return _goal_page(
            request,
            actor,
            goal_id,
            rating_form=PortalRatingForm(request.POST),
            errors=invalid.errors,
        )
    messages.success(
        request, _("Thank you. You rated %(score)d out of 10.") % {"score": rating.score}
    )
    return redirect("plans:portal_goal", goal_id=goal_id)


def _task_page(
    request: HttpRequest,
    actor: Actor,
    task_id: int,
    *,
    agreement_form: AgreementForm | None = None,
    log_data: Any = None,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    try:
        view = portal.my_task(actor, task_id)
    except NotFound:
        raise Http404 from None
    context: dict[str, Any] = {
        "view": view,
        "agreement_form": agreement_form or AgreementForm(),
        "log_form": completions.completion_form(view.task_view, log_data),
        "errors": errors or {},
        "today": timezone.localdate(),
    }
    return render(request, "plans/portal_task.html", context, status=400 if errors else 200)


@roles(Role.PATIENT)
@require_GET
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    return _task_page(request, Actor.from_request(request), task_id)


@roles(Role.PATIENT)
@require_POST
def task_answer(request: HttpRequest, task_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        tasks.answer_task(actor, task_id, request.POST)
    except NotFound:
        raise Http404 from None
    except FormInvalid as invalid:
        return _task_page(
            request,
            actor,
            task_id,
            agreement_form=AgreementForm(request.POST),
            errors=invalid.errors,
        )
    messages.success(request, _("Thank you. Your answer is saved."))
    return redirect("plans:portal_task", task_id=task_id)


@roles(Role.PATIENT)
@require_POST
def task_log(request: HttpRequest, task_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        rows = completions.log_completion(actor, task_id, request.POST)
    except NotFound:
        raise Http404 from None
    except FormInvalid as invalid:
        return _task_page(request, actor, task_id, log_data=request.POST, errors=invalid.errors)
    day = rows[0].day
    if day == timezone.localdate():
        messages.success(request, _("Well done! Saved as done today."))
    else:
        messages.success(
            request,
            _("Saved as done on %(day)s.") % {"day": formats.date_format(day, "DATE_FORMAT")},
        )
    return redirect("plans:portal_task", task_id=task_id)
