"""Pages of the clinic's community directory: clinicians and supervisors search it;
clinicians of the clinic add, edit, archive and list again. Everyone else gets 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.barriers import resources
from concord.web.barriers.resource_forms import DirectoryFilterForm
from concord.web.barriers.views import attach_errors, posted
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


@roles(*STAFF)
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    languages = resources.directory_languages(actor)
    filters = DirectoryFilterForm(request.GET or None, languages=languages)
    # A value the form refuses (an unknown category) is left out of the query and shown
    # with its message; the other filters still apply.
    data: dict[str, Any] = {}
    if filters.is_bound:
        filters.is_valid()
        data = filters.cleaned_data
    query = resources.DirectoryQuery(
        text=data.get("q", ""),
        category=data.get("category", ""),
        language=data.get("language", ""),
        include_archived=bool(data.get("archived")),
    )
    return render(
        request,
        "barriers/directory.html",
        {
            "filters": filters,
            "rows": resources.directory(actor, query),
            "today": timezone.localdate(),
            "can_write": actor.user.role == Role.CLINICIAN,
        },
    )


@roles(*STAFF)
@require_GET
def resource_detail(request: HttpRequest, resource_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        resource = resources.get_resource(actor, resource_id)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "barriers/resource_detail.html",
        {
            "resource": resource,
            "today": timezone.localdate(),
            "can_write": actor.user.role == Role.CLINICIAN,
        },
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def resource_new(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    form = resources.resource_form(actor, posted(request))
    if request.method == "POST":
        try:
            resource = resources.create_resource(actor, request.POST)
        except FormInvalid as invalid:
            attach_errors(form, invalid)
        else:
            messages.success(request, _("Added to the directory."))
            return redirect("barriers:resource", resource_id=resource.pk)
    return render(
        request,
        "barriers/resource_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        resource = resources.get_resource(actor, resource_id)
        form = resources.resource_form(actor, posted(request), instance=resource)
        if request.method == "POST":
            resources.update_resource(actor, resource.pk, request.POST)
            messages.success(request, _("Directory entry saved."))
            return redirect("barriers:resource", resource_id=resource.pk)
    except (NotFound, NotAllowed):
        raise Http404 from None
    except FormInvalid as invalid:
        attach_errors(form, invalid)
    return render(
        request,
        "barriers/resource_form.html",
        {"form": form, "resource": resource},
        status=400 if form.errors else 200,
    )


@roles(Role.CLINICIAN)
@require_POST
def resource_archive(request: HttpRequest, resource_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    listed = request.POST.get("listed") == "1"
    try:
        resource = resources.set_listed(actor, resource_id, listed)
    except (NotFound, NotAllowed):
        raise Http404 from None
    if listed:
        messages.success(request, _("Listed again."))
    else:
        messages.success(request, _("Archived: kept for its referrals, offered for no new one."))
    return redirect("barriers:resource", resource_id=resource.pk)
