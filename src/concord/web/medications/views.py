"""Medication pages. Thin: each calls a service, which applies the access rules and audits.

Uploads take two steps without any script: the file is sent, the page shows its columns
and a first guess at the mapping, and the clinician confirms the mapping; the file's text
travels back in the form (nothing is stored until the mapping is confirmed and every row
is valid).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic import services as clinic_services
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid, NotAllowed
from concord.web.medications import doses, rows, services
from concord.web.medications.forms import (
    DispensingMappingForm,
    MonitorMappingForm,
    RegimenForm,
    UploadFileForm,
    guess_mapping,
)

PREVIEW_ROWS = 5


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def regimen_new(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        episode = clinic_services.get_episode(actor, episode_id)
    except NotFound:
        raise Http404 from None
    form = RegimenForm(request.POST or None, initial={"window_minutes": 60, "unit": "mg"})
    if request.method == "POST":
        try:
            services.create_regimen(actor, episode.pk, request.POST)
        except FormInvalid:
            pass  # the bound form shows the same field-level messages
        except NotAllowed:
            raise Http404 from None
        else:
            return redirect("clinic:patient", patient_id=episode.patient_id)
    return render(
        request,
        "medications/regimen_form.html",
        {"form": form, "episode": episode},
        status=400 if form.errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def regimen_edit(request: HttpRequest, regimen_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        regimen = services.get_regimen(actor, regimen_id)
    except NotFound:
        raise Http404 from None
    form = RegimenForm(request.POST or None, instance=regimen)
    if request.method == "POST":
        try:
            services.update_regimen(actor, regimen.pk, request.POST)
        except FormInvalid:
            pass
        except NotAllowed:
            raise Http404 from None
        else:
            return redirect("clinic:patient", patient_id=regimen.episode.patient_id)
    return render(
        request,
        "medications/regimen_form.html",
        {"form": form, "episode": regimen.episode, "regimen": regimen},
        status=400 if form.errors else 200,
    )


def _file_step(request: HttpRequest) -> tuple[bytes, str] | dict[str, list[str]]:
    """Step 1: the uploaded file's bytes and name, or the form errors."""
    form = UploadFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return {k: [str(m) for m in v] for k, v in form.errors.items()}
    upload = form.cleaned_data["file"]
    if upload.size > rows.MAX_UPLOAD_BYTES:
        return {
            "file": [
                _("The file is larger than %(kb)d kB; upload one patient's events at a time.")
                % {"kb": rows.MAX_UPLOAD_BYTES // 1000}
            ]
        }
    return upload.read(), str(upload.name)


def _upload_page(
    request: HttpRequest,
    *,
    template_context: dict[str, Any],
    mapping_form_class: type[DispensingMappingForm] | type[MonitorMappingForm],
    initial_guess: bool,
    submit: Callable[[bytes, str, Any], str],
) -> HttpResponse:
    """The two-step upload page shared by dispensing and monitor uploads."""
    context = {**template_context, "file_form": UploadFileForm(), "step": "file", "errors": {}}
    if request.method != "POST":
        return render(request, "medications/upload.html", context)
    if "content" not in request.POST:
        step = _file_step(request)
        if isinstance(step, dict):
            return render(
                request, "medications/upload.html", {**context, "errors": step}, status=400
            )
        content, file_name = step
        try:
            table = services.read_upload_header(content)
        except FormInvalid as invalid:
            return render(
                request,
                "medications/upload.html",
                {**context, "errors": invalid.errors},
                status=400,
            )
        initial = guess_mapping(table.header) if initial_guess else {}
        form = mapping_form_class(header=table.header, initial=initial)
        status = 200
        errors: dict[str, list[str]] = {}
    else:
        content = request.POST["content"].encode("utf-8")
        file_name = request.POST.get("file_name", "upload.csv")
        try:
            table = services.read_upload_header(content)
        except FormInvalid as invalid:
            return render(
                request,
                "medications/upload.html",
                {**context, "errors": invalid.errors},
                status=400,
            )
        form = mapping_form_class(request.POST, header=table.header)
        try:
            message = submit(content, file_name, request.POST)
        except FormInvalid as invalid:
            errors, status = invalid.errors, 400
        else:
            messages.success(request, message)
            return redirect("clinic:patient", patient_id=template_context["patient"].pk)
    return render(
        request,
        "medications/upload.html",
        {
            **context,
            "step": "map",
            "form": form,
            "errors": errors,
            "row_errors": errors.get("file", []),
            "content": content.decode("utf-8-sig"),
            "file_name": file_name,
            "header": table.header,
            "preview": table.rows[:PREVIEW_ROWS],
            "row_count": len(table.rows),
        },
        status=status,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def dispensing_upload(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        patient = services.patient_for_staff(actor, patient_id)
    except NotFound:
        raise Http404 from None

    def submit(content: bytes, file_name: str, data: Any) -> str:
        upload = services.upload_dispensing_csv(
            actor,
            patient.pk,
            content=content,
            file_name=file_name,
            mapping={f: data.get(f, "") for f in rows.DISPENSING_FIELDS},
            date_format=data.get("date_format", ""),
        )
        return _("%(n)d dispensing events imported from %(file)s.") % {
            "n": upload.row_count,
            "file": upload.file_name,
        }

    return _upload_page(
        request,
        template_context={"patient": patient, "title": _("Upload dispensing events")},
        mapping_form_class=DispensingMappingForm,
        initial_guess=True,
        submit=submit,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def monitor_upload(request: HttpRequest, regimen_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        regimen = services.get_regimen(actor, regimen_id)
    except NotFound:
        raise Http404 from None

    def submit(content: bytes, file_name: str, data: Any) -> str:
        upload = doses.upload_monitor_csv(
            actor,
            regimen.pk,
            content=content,
            file_name=file_name,
            column=data.get("column", ""),
            timestamp_format=data.get("timestamp_format", ""),
        )
        return _("%(n)d new dose events imported from %(file)s.") % {
            "n": upload.row_count,
            "file": upload.file_name,
        }

    return _upload_page(
        request,
        template_context={
            "patient": regimen.episode.patient,
            "regimen": regimen,
            "title": _("Upload an electronic monitor export"),
        },
        mapping_form_class=MonitorMappingForm,
        initial_guess=False,
        submit=submit,
    )


@roles(Role.PATIENT)
@require_POST
def confirm_dose(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        _row, changed = doses.confirm_dose(
            actor,
            request.POST.get("regimen", ""),
            request.POST.get("scheduled_for", ""),
            taken=request.POST.get("taken") != "no",
        )
    except NotFound:
        raise Http404 from None
    except FormInvalid as invalid:
        for message_list in invalid.errors.values():
            for message in message_list:
                messages.error(request, message)
    else:
        if changed:
            messages.success(request, _("Thank you, your answer is saved."))
        else:
            messages.info(request, _("This dose was already answered."))
    return redirect("clinic:portal")
