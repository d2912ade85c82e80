"""The care team's consent pages: the full history, recording a decision, ending a
supporter link. Thin: each calls a service, which applies the access rules and audits."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Channel
from concord.web.clinic.services import FormInvalid, NotAllowed
from concord.web.consent import records, supporters
from concord.web.consent.forms import EndLinkForm, StaffDecisionForm
from concord.web.consent.models import ConsentKind
from concord.web.consent.policy import RECONFIRM_MONTHS


@roles(Role.CLINICIAN, Role.SUPERVISOR)
@require_GET
def patient_consents(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        consents = records.patient_consents(actor, patient_id, include_ended=True)
        links = supporters.links_for_staff(actor, consents.patient)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "consent/patient_consents.html",
        {
            "consents": consents,
            "links": links,
            "can_write": actor.user.role == Role.CLINICIAN,
        },
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def consent_record(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            records.record_for_patient(actor, patient_id, request.POST)
        except NotFound:
            raise Http404 from None
        except NotAllowed:
            raise Http404 from None
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("consent:patient_consents", patient_id=patient_id)
    try:
        consents = records.patient_consents(actor, patient_id)
    except NotFound:
        raise Http404 from None
    form = StaffDecisionForm(request.POST or None)
    if errors:
        form.is_valid()
        for field, problems in errors.items():
            for problem in problems:
                if problem not in form.errors.get(field, []):
                    form.add_error(field if field in form.fields else None, problem)
    return render(
        request,
        "consent/consent_record.html",
        {
            "consents": consents,
            "form": form,
            "selected": request.POST.get("consent") or request.GET.get("consent", ""),
            "channels": Channel.choices,
            "periods": [(ConsentKind(k).label, m) for k, m in RECONFIRM_MONTHS.items()],
        },
        status=400 if errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def link_end(request: HttpRequest, link_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        link = supporters.link_for_staff(actor, link_id)
    except NotFound:
        raise Http404 from None
    form = EndLinkForm(request.POST or None)
    if request.method == "POST":
        try:
            supporters.end_link_by_staff(actor, link_id, request.POST)
        except (NotFound, NotAllowed):
            raise Http404 from None
        except FormInvalid:
            form.is_valid()
        else:
            messages.success(
                request,
                _("%(name)s can no longer see anything about the patient.") % {"name": link.name},
            )
            return redirect("consent:patient_consents", patient_id=link.patient_id)
    return render(
        request,
        "consent/link_end.html",
        {"link": link, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
