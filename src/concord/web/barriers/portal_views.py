"""The patient's portal pages for barriers and referrals (``/me/...``), mobile-first and in
plain language. Patients only, their own records; everyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.barriers import portal, referrals
from concord.web.barriers.forms import PortalBarrierForm
from concord.web.barriers.models import CURRENT_BARRIER_STATUSES
from concord.web.barriers.suggestions import PORTAL_BARRIER_LABELS
from concord.web.barriers.views import attach_errors, posted
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid


@roles(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def my_barriers(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    form = PortalBarrierForm(posted(request))
    try:
        if request.method == "POST":
            try:
                result = portal.tick_barriers(actor, request.POST)
            except FormInvalid as invalid:
                attach_errors(form, invalid)
            else:
                if result.created:
                    messages.success(
                        request,
                        ngettext(
                            "Thank you. Your care team will see this.",
                            "Thank you. Your care team will see these.",
                            len(result.created),
                        ),
                    )
                for barrier in result.already:
                    messages.info(
                        request,
                        _("“%(label)s” is already on your list.")
                        % {"label": PORTAL_BARRIER_LABELS[barrier.kind]},
                    )
                return redirect("barriers:my_barriers")
        barriers = portal.my_barriers(actor)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "barriers/portal_barriers.html",
        {
            "form": form,
            "current": [b for b in barriers if b.status in CURRENT_BARRIER_STATUSES],
            "closed": [b for b in barriers if b.status not in CURRENT_BARRIER_STATUSES],
            "current_kinds": {b.kind for b in barriers if b.status in CURRENT_BARRIER_STATUSES},
            "today": timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )


@roles(Role.PATIENT)
@require_POST
def my_barrier_closed(request: HttpRequest, barrier_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        portal.no_longer_applies(actor, barrier_id)
    except NotFound:
        raise Http404 from None
    except FormInvalid as invalid:
        for problem in invalid.errors.values():
            for message in problem:
                messages.info(request, message)
    else:
        messages.success(request, _("Thank you. We have told your care team."))
    return redirect("barriers:my_barriers")


@roles(Role.PATIENT)
@require_http_methods(["GET"])
def my_referrals(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        rows = referrals.my_referrals(actor)
    except NotFound:
        raise Http404 from None
    return render(request, "barriers/portal_referrals.html", {"referrals": rows})


@roles(Role.PATIENT)
@require_POST
def my_referral_update(request: HttpRequest, referral_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        _referral, changed = referrals.patient_updates_referral(actor, referral_id, request.POST)
    except NotFound:
        raise Http404 from None
    except FormInvalid as invalid:
        for problem in invalid.errors.values():
            for message in problem:
                messages.error(request, message)
    else:
        if changed:
            messages.success(request, _("Thank you. Your care team will see your answer."))
    return redirect("barriers:my_referrals")
