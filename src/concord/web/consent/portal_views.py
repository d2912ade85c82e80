"""The patient's consent and supporter pages in the portal (/me/...). Thin: each calls a
service, which applies the access rules and audits."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.consent import history, invitations, records, supporters
from concord.web.consent.forms import InviteForm, ScopesForm
from concord.web.consent.models import ConsentKind, Decision


@roles(Role.PATIENT)
@require_GET
def my_consents(request: HttpRequest) -> HttpResponse:
    try:
        consents = records.my_consents(Actor.from_request(request))
    except NotFound:
        raise Http404 from None
    return render(request, "consent/my_consents.html", {"consents": consents, "kinds": ConsentKind})


DONE_MESSAGES = {
    Decision.GRANTED: gettext_lazy("Saved: you said yes."),
    Decision.DECLINED: gettext_lazy("Saved: you said no."),
    Decision.WITHDRAWN: gettext_lazy("Saved: you said no. This takes effect now."),
}


@roles(Role.PATIENT)
@require_POST
def my_consent_decide(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        record = records.decide_in_portal(actor, request.POST)
    except NotFound:
        raise Http404 from None
    except FormInvalid as invalid:
        consents = records.my_consents(actor)
        return render(
            request,
            "consent/my_consents.html",
            {"consents": consents, "kinds": ConsentKind, "errors": invalid.errors},
            status=400,
        )
    messages.success(request, str(DONE_MESSAGES[Decision(record.decision)]))
    if record.supporter_link_id:
        return redirect("consent:my_supporter", link_id=record.supporter_link_id)
    return redirect(reverse("consent:my_consents") + f"#consent-{record.kind}")


@roles(Role.PATIENT)
@require_GET
def my_supporters(request: HttpRequest) -> HttpResponse:
    try:
        rows = supporters.my_supporters(Actor.from_request(request))
    except NotFound:
        raise Http404 from None
    return render(request, "consent/my_supporters.html", {"rows": rows})


def _invitation_page(request: HttpRequest, name: str, raw: str, status: int = 200) -> HttpResponse:
    url = request.build_absolute_uri(reverse("consent:join", args=[raw]))
    response = render(
        request,
        "consent/invitation_made.html",
        {"name": name, "url": url, "days": invitations.INVITATION_LIFETIME.days},
        status=status,
    )
    response["Cache-Control"] = "no-store"  # the token is shown once
    return response


@roles(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def my_supporter_new(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        try:
            link, raw = supporters.invite(actor, request.POST)
        except NotFound:
            raise Http404 from None
        except FormInvalid:
            pass  # the bound form shows the same field-level messages
        else:
            return _invitation_page(request, link.name, raw, status=201)
    return render(
        request,
        "consent/my_supporter_new.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@roles(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def my_supporter(request: HttpRequest, link_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            written = supporters.set_scopes(
                actor, link_id, request.POST, reconfirm=request.POST.get("action") == "reconfirm"
            )
        except NotFound:
            raise Http404 from None
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(
                request,
                _("Saved. Changes take effect now.") if written else _("Nothing was changed."),
            )
            return redirect("consent:my_supporter", link_id=link_id)
    try:
        summary = supporters.my_link(actor, link_id)
        consents = records.my_consents(actor)
    except NotFound:
        raise Http404 from None
    form = ScopesForm(initial={"scopes": list(summary.scopes)})
    return render(
        request,
        "consent/my_supporter.html",
        {
            "summary": summary,
            "states": consents.of_link(summary.link),
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@roles(Role.PATIENT)
@require_POST
def my_supporter_invitation(request: HttpRequest, link_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        summary = supporters.my_link(actor, link_id)
        _invitation, raw = supporters.new_invitation(actor, link_id)
    except NotFound:
        raise Http404 from None
    except FormInvalid as invalid:
        for problem in invalid.errors.get("link", []):
            messages.error(request, problem)
        return redirect("consent:my_supporter", link_id=summary.link.pk)
    return _invitation_page(request, summary.link.name, raw)


@roles(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def my_supporter_end(request: HttpRequest, link_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    if request.method == "POST":
        try:
            link = supporters.end_link_by_patient(actor, link_id)
        except NotFound:
            raise Http404 from None
        messages.success(
            request,
            _("%(name)s can no longer see anything about you.") % {"name": link.name},
        )
        return redirect("consent:my_supporters")
    try:
        summary = supporters.my_link(actor, link_id)
    except NotFound:
        raise Http404 from None
    if summary.link.ended_at is not None:
        raise Http404
    return render(request, "consent/my_supporter_end.html", {"summary": summary})


@roles(Role.PATIENT)
@require_GET
def my_access_history(request: HttpRequest) -> HttpResponse:
    try:
        rows = history.supporter_accesses(Actor.from_request(request))
    except NotFound:
        raise Http404 from None
    return render(request, "consent/my_access_history.html", {"rows": rows})
