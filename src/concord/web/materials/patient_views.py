"""Material for patients: assigning it (clinicians of the team) and reading it (the portal).

Thin: each view calls :mod:`concord.web.materials.assignments` (the care team) or
:mod:`concord.web.materials.reading` (the patient), which apply the access
rules, record read receipts and audit.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.materials import assignments, reading
from concord.web.materials.languages import direction, language_name
from concord.web.pdf import pdf_response


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        patient = assignments.patient_for_staff(actor, patient_id)
        offered = assignments.suggestions(actor, patient.pk)
    except (NotFound, NotAllowed):
        raise Http404 from None
    form = assignments.assign_form(actor, patient, request.POST or None, offered)
    status = 200
    if request.method == "POST":
        try:
            created = assignments.assign(actor, patient.pk, request.POST)
        except FormInvalid as invalid:
            status = 400
            form.is_valid()
            for message in invalid.errors.get("material", []):
                if message not in form.errors.get("material", []):
                    form.add_error("material", message)
        else:
            messages.success(
                request,
                _("%(n)d material(s) added to the patient's portal.") % {"n": len(created)},
            )
            return redirect("clinic:patient", patient_id=patient.pk)
    return render(
        request,
        "materials/assign.html",
        {
            "patient": patient,
            "offered": offered,
            "form": form,
            "patient_language": language_name(patient.preferred_language),
        },
        status=status,
    )


@roles(Role.CLINICIAN)
@require_POST
def withdraw(request: HttpRequest, assignment_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        assignment = assignments.withdraw(actor, assignment_id)
    except (NotFound, NotAllowed):
        raise Http404 from None
    messages.success(request, _("The material is no longer in the patient's portal."))
    return redirect("clinic:patient", patient_id=assignment.patient_id)


# ------------------------------------------------------------------ the portal


@roles(Role.PATIENT)
@require_GET
def portal_list(request: HttpRequest) -> HttpResponse:
    try:
        views = reading.my_materials(Actor.from_request(request))
    except NotFound:
        raise Http404 from None
    return render(request, "materials/portal_list.html", {"materials": views})


def _reading_context(view: assignments.AssignmentView) -> dict[str, object]:
    language = view.resolution.version.language
    return {
        "item": view,
        "language": language,
        "dir": direction(language),
        "language_name": language_name(language),
        "preferred_name": language_name(view.resolution.preferred_language),
    }


@roles(Role.PATIENT)
@require_GET
def portal_read(request: HttpRequest, assignment_id: int) -> HttpResponse:
    try:
        view = reading.open_material(Actor.from_request(request), assignment_id)
    except NotFound:
        raise Http404 from None
    return render(request, "materials/portal_read.html", _reading_context(view))


@roles(Role.PATIENT)
@require_GET
def portal_pdf(request: HttpRequest, assignment_id: int) -> HttpResponse:
    try:
        view = reading.material_for_printing(Actor.from_request(request), assignment_id)
    except NotFound:
        raise Http404 from None
    language = view.resolution.version.language
    return pdf_response(
        "materials/pdf.html",
        {
            "revision": view.current,
            "language": language,
            "dir": direction(language),
            "printed_at": timezone.localtime(),
            "resolution": view.resolution,
            "preferred_name": language_name(view.resolution.preferred_language),
        },
        request,
        f"{view.title}-{language}",
    )
