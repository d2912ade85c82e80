"""Clinician pages for barriers, their actions and referrals. Thin: each calls a service,
which applies the access rules and audits. Supervisors read the barrier pages; the forms are
for clinicians of the care team (anyone else gets 404)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.barriers import actions, referrals, services
from concord.web.barriers.forms import ActionForm, BarrierForm, BarrierStatusForm, FollowUpForm
from concord.web.barriers.models import ActionKind
from concord.web.barriers.resource_forms import ReferralForm, ReferralStatusForm
from concord.web.barriers.suggestions import SOURCES, suggestion_for
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


def posted(request: HttpRequest) -> Any:
    """The submitted data on a POST (even an empty one), None on a GET."""
    return request.POST if request.method == "POST" else None


def attach_errors(form: forms.BaseForm, invalid: FormInvalid) -> None:
    """Show the service's messages on the form (those the form itself did not find too)."""
    found = form.errors  # runs the form's own checks first
    for name, messages_ in invalid.errors.items():
        field = name if name in form.fields else None
        for message in messages_:
            if message not in found.get(name or "__all__", []):
                form.add_error(field, message)


@roles(*STAFF)
@require_GET
def patient_barriers(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        patient, barriers = services.barriers_of_patient(actor, patient_id)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "barriers/patient_barriers.html",
        {
            "patient": patient,
            "barriers": barriers,
            "referrals": referrals.referrals_of_patient(actor, patient),
            "today": timezone.localdate(),
            "can_write": actor.user.role == Role.CLINICIAN,
        },
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def barrier_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        patient = services.staff_patient(actor, patient_id)
    except NotFound:
        raise Http404 from None
    choices = services.form_choices(actor, patient)
    form = BarrierForm(posted(request), initial={"raised_by": "patient"}, **choices)
    if request.method == "POST":
        try:
            barrier = services.report_barrier(actor, patient.pk, request.POST)
        except FormInvalid as invalid:
            attach_errors(form, invalid)
        except NotAllowed:
            raise Http404 from None
        else:
            messages.success(request, _("Barrier recorded. Open an action on it now."))
            return redirect("barriers:action_new", barrier_id=barrier.pk)
    return render(
        request,
        "barriers/barrier_form.html",
        {"form": form, "patient": patient},
        status=400 if form.errors else 200,
    )


@roles(*STAFF)
@require_GET
def barrier_detail(request: HttpRequest, barrier_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        barrier = services.get_barrier(actor, barrier_id)
    except NotFound:
        raise Http404 from None
    suggestion = suggestion_for(barrier.kind)
    return render(
        request,
        "barriers/barrier_detail.html",
        {
            "barrier": barrier,
            "patient": barrier.patient,
            "suggestion": suggestion,
            "suggested": [ActionKind(kind).label for kind in suggestion.action_kinds],
            "sources": [SOURCES[key] for key in suggestion.sources],
            "today": timezone.localdate(),
            "can_write": actor.user.role == Role.CLINICIAN,
        },
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def barrier_status(request: HttpRequest, barrier_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        barrier = services.get_barrier(actor, barrier_id)
    except NotFound:
        raise Http404 from None
    form = BarrierStatusForm(posted(request), barrier=barrier)
    if request.method == "POST":
        try:
            services.change_barrier_status(actor, barrier.pk, request.POST)
        except FormInvalid as invalid:
            attach_errors(form, invalid)
        except NotAllowed:
            raise Http404 from None
        else:
            return redirect("barriers:barrier", barrier_id=barrier.pk)
    return render(
        request,
        "barriers/status_form.html",
        {
            "form": form,
            "patient": barrier.patient,
            "title": _("Change the status of the barrier"),
            "subject": barrier,
            "back_url": reverse("barriers:barrier", kwargs={"barrier_id": barrier.pk}),
            "history": barrier.history.all(),
        },
        status=400 if form.errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, barrier_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        barrier = services.get_barrier(actor, barrier_id)
    except NotFound:
        raise Http404 from None
    today = timezone.localdate()
    suggestion = suggestion_for(barrier.kind)
    form = ActionForm(
        posted(request),
        barrier=barrier,
        owners=actions.action_owners(actor, barrier),
        today=today,
        initial={"kind": suggestion.action_kinds[0], "owner_kind": "clinician"},
    )
    if request.method == "POST":
        try:
            action = actions.open_action(actor, barrier.pk, request.POST, today=today)
        except FormInvalid as invalid:
            attach_errors(form, invalid)
        except NotAllowed:
            raise Http404 from None
        else:
            if action.kind == "community_referral":
                messages.success(request, _("Action opened. Choose the community resource."))
                url = reverse("barriers:referral_new", kwargs={"patient_id": barrier.patient_id})
                return redirect(f"{url}?action={action.pk}")
            messages.success(request, _("Action opened."))
            return redirect("barriers:barrier", barrier_id=barrier.pk)
    return render(
        request,
        "barriers/action_form.html",
        {
            "form": form,
            "barrier": barrier,
            "patient": barrier.patient,
            "suggestion": suggestion,
            "suggested": [ActionKind(kind).label for kind in suggestion.action_kinds],
            "sources": [SOURCES[key] for key in suggestion.sources],
        },
        status=400 if form.errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def action_follow_up(request: HttpRequest, action_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        action = actions.get_action(actor, action_id)
    except NotFound:
        raise Http404 from None
    today = timezone.localdate()
    form = FollowUpForm(posted(request), action=action, today=today)
    if request.method == "POST":
        try:
            actions.follow_up_action(actor, action.pk, request.POST, today=today)
        except FormInvalid as invalid:
            attach_errors(form, invalid)
        except NotAllowed:
            raise Http404 from None
        else:
            return redirect("barriers:barrier", barrier_id=action.barrier_id)
    return render(
        request,
        "barriers/follow_up_form.html",
        {"form": form, "action": action, "patient": action.barrier.patient, "today": today},
        status=400 if form.errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        patient = services.staff_patient(actor, patient_id)
    except NotFound:
        raise Http404 from None
    choices = referrals.referral_choices(actor, patient)
    initial: dict[str, Any] = {}
    if request.GET.get("action", "").isdigit():
        initial["action"] = int(request.GET["action"])
    form = ReferralForm(posted(request), initial=initial, **choices)
    if request.method == "POST":
        try:
            referrals.create_referral(actor, patient.pk, request.POST)
        except FormInvalid as invalid:
            attach_errors(form, invalid)
        except NotAllowed:
            raise Http404 from None
        else:
            messages.success(request, _("Referral recorded."))
            return redirect("barriers:patient_barriers", patient_id=patient.pk)
    return render(
        request,
        "barriers/referral_form.html",
        {"form": form, "patient": patient, "has_resources": choices["resources"].exists()},
        status=400 if form.errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def referral_status(request: HttpRequest, referral_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        referral = referrals.get_referral(actor, referral_id)
    except NotFound:
        raise Http404 from None
    form = ReferralStatusForm(posted(request), current=referral.status)
    if request.method == "POST":
        try:
            referrals.change_referral_status(actor, referral.pk, request.POST)
        except FormInvalid as invalid:
            attach_errors(form, invalid)
        except NotAllowed:
            raise Http404 from None
        else:
            return redirect("barriers:patient_barriers", patient_id=referral.patient_id)
    return render(
        request,
        "barriers/status_form.html",
        {
            "form": form,
            "patient": referral.patient,
            "title": _("Change the status of the referral"),
            "subject": referral,
            "back_url": reverse(
                "barriers:patient_barriers", kwargs={"patient_id": referral.patient_id}
            ),
            "history": referral.history.all(),
        },
        status=400 if form.errors else 200,
    )


@roles(*STAFF)
@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    mine = request.GET.get("mine") == "1" and actor.user.role == Role.CLINICIAN
    rows = actions.follow_ups(actor, horizon_days=30, mine_only=mine)
    return render(
        request,
        "barriers/follow_ups.html",
        {"rows": rows, "mine": mine, "today": timezone.localdate()},
    )
