"""The supporter's pages (/supporting/...) and the invitation link. Thin: each calls a
service; :mod:`concord.web.consent.access` decides on every request what may be shown."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concord.web.access_rules import public, roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.consent import invitations, shared
from concord.web.consent.forms import ObservationForm, SupporterAccountForm


@roles(Role.SUPPORTER)
@require_GET
def supporting(request: HttpRequest) -> HttpResponse:
    rows = shared.supporting_home(Actor.from_request(request))
    return render(request, "consent/supporting.html", {"rows": rows})


def _page(
    request: HttpRequest,
    link_id: int,
    *,
    form: ObservationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    try:
        page = shared.supported_patient(Actor.from_request(request), link_id)
    except NotFound:
        raise Http404 from None
    context: dict[str, Any] = {"page": page}
    if "observations" in page.scopes:
        context["observation_form"] = form or ObservationForm(
            initial={"week_ending": page.today}, today=page.today
        )
    return render(request, "consent/supported_patient.html", context, status=status)


@roles(Role.SUPPORTER)
@require_GET
def supported_patient(request: HttpRequest, link_id: int) -> HttpResponse:
    return _page(request, link_id)


@roles(Role.SUPPORTER)
@require_POST
def observation_new(request: HttpRequest, link_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        shared.record_observation(actor, link_id, request.POST)
    except NotFound:
        raise Http404 from None
    except FormInvalid:
        form = ObservationForm(request.POST, today=timezone.localdate())
        form.is_valid()  # the bound form shows the same field-level messages
        return _page(request, link_id, form=form, status=400)
    messages.success(request, _("Thank you. The care team will see this."))
    return redirect("consent:supported_patient", link_id=link_id)


def _join_page(
    request: HttpRequest, preview: invitations.InvitationPreview, **extra: Any
) -> HttpResponse:
    status = extra.pop("status", 200)
    return render(request, "consent/join.html", {"preview": preview, **extra}, status=status)


@public
@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person opens their single-use link: create a supporter account, or (signed
    in as a supporter) accept. Signed-in people of other roles are told to sign out first —
    the same page whether or not the link is valid."""
    user = request.user
    if user.is_authenticated and getattr(user, "role", None) != Role.SUPPORTER:
        return render(request, "consent/join_signed_in.html", status=404)
    source = request.META.get("REMOTE_ADDR", "") or ""
    actor = (
        Actor.from_request(request)
        if user.is_authenticated
        else invitations.anonymous_actor(source)
    )
    try:
        preview = invitations.read_invitation(actor, token)
    except NotFound:
        return render(request, "consent/join_invalid.html", status=404)
    if user.is_authenticated:
        if request.method == "POST":
            try:
                link = invitations.accept_as_supporter(actor, token)
            except NotFound:
                return render(request, "consent/join_invalid.html", status=404)
            except FormInvalid as invalid:
                return _join_page(request, preview, errors=invalid.errors, status=400)
            messages.success(
                request,
                _("You now support %(name)s.") % {"name": link.patient.given_name},
            )
            return redirect("consent:supporting")
        return _join_page(request, preview)
    form = SupporterAccountForm(request.POST or None)
    if request.method == "POST":
        try:
            new_user = invitations.accept_with_new_account(token, request.POST, source=source)
        except NotFound:
            return render(request, "consent/join_invalid.html", status=404)
        except FormInvalid:
            form.is_valid()  # the bound form shows the same field-level messages
            return _join_page(request, preview, form=form, status=400)
        login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("consent:supporting")
    return _join_page(request, preview, form=form)
