"""Library pages: the clinic's education material, written and revised by its clinicians.

Thin: each calls :mod:`concord.web.materials.library`, which applies the access rules and
audits the changes. Writing pages have a "Preview and check readability" button that shows
the rendered text and, for English, the Flesch scores, without saving anything.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from concord.web.access_rules import roles
from concord.web.accounts.language import translated_language
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.materials import library
from concord.web.materials.forms import LinksForm, NewLanguageForm, NewMaterialForm, RevisionForm
from concord.web.materials.languages import MATERIAL_LANGUAGES, direction, language_name
from concord.web.pdf import pdf_response

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


def _preview(
    request: HttpRequest, form: Any, language_field: str | None, language: str = ""
) -> Any:
    """The preview when the author asked for one (nothing is saved)."""
    if "preview" not in request.POST:
        return None
    language = str(request.POST.get(language_field, "")) if language_field else language
    return library.preview(
        language, str(request.POST.get("title", "")), str(request.POST.get("body", ""))
    )


def _render_text_form(
    request: HttpRequest, template: str, context: dict[str, Any], status: int
) -> HttpResponse:
    preview = context.get("preview")
    if preview is not None:
        context["preview_language"] = context.get("language") or request.POST.get("language", "")
        context["preview_dir"] = direction(str(context["preview_language"]))
    return render(request, template, context, status=status)


@roles(*STAFF)
@require_GET
def library_page(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    materials = library.library(actor)
    counts: dict[str, int] = {}
    for view in materials:
        for code in view.languages:
            counts[code] = counts.get(code, 0) + 1
    return render(
        request,
        "materials/library.html",
        {
            "materials": materials,
            "language_counts": sorted(
                ((language_name(c), n) for c, n in counts.items()), key=lambda x: -x[1]
            ),
            "clinic_languages": sorted(MATERIAL_LANGUAGES.values()),
            "can_write": request.user.role == Role.CLINICIAN,  # type: ignore[union-attr]
        },
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def material_new(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    choices = library.clinic_choices(actor)
    if not choices:
        raise Http404
    form = NewMaterialForm(request.POST or None, clinics=choices, initial={"language": "en"})
    preview = None
    status = 200
    if request.method == "POST":
        preview = _preview(request, form, "language")
        if preview is None:
            try:
                material = library.create_material(actor, request.POST)
            except FormInvalid:
                status = 400
            else:
                messages.success(request, _("The material is saved."))
                return redirect("materials:detail", material_id=material.pk)
        form.is_valid()
    return _render_text_form(
        request,
        "materials/text_form.html",
        {"form": form, "preview": preview, "mode": "new"},
        status,
    )


def _staff_material(request: HttpRequest, material_id: int) -> library.MaterialView:
    try:
        return library.get_material(Actor.from_request(request), material_id)
    except NotFound:
        raise Http404 from None


@roles(*STAFF)
@require_GET
def material_detail(request: HttpRequest, material_id: int) -> HttpResponse:
    view = _staff_material(request, material_id)
    return render(
        request,
        "materials/detail.html",
        {
            "view": view,
            "versions": [
                (v, library.readability(v.version.language, v.current.body_html))
                for v in view.versions
            ],
            "can_write": request.user.role == Role.CLINICIAN,  # type: ignore[union-attr]
            "missing_languages": [
                name
                for code, name in sorted(MATERIAL_LANGUAGES.items())
                if code not in view.languages
            ],
        },
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, version_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        view, found = library.get_version(actor, version_id)
    except NotFound:
        raise Http404 from None
    current = found.current
    form = RevisionForm(
        request.POST or None,
        initial={"title": current.title, "body": current.body, "based_on": current.number},
    )
    preview = None
    status = 200
    if request.method == "POST":
        preview = _preview(request, form, None, found.version.language)
        if preview is None:
            try:
                library.revise_version(actor, found.version.pk, request.POST)
            except FormInvalid as invalid:
                status = 400
                form.is_valid()
                for key in ("__all__", "based_on"):
                    for message in invalid.errors.get(key, []):
                        if message not in form.non_field_errors():
                            form.add_error(None, message)
            except NotAllowed:
                raise Http404 from None
            else:
                messages.success(request, _("A new revision is saved; earlier ones are kept."))
                return redirect("materials:detail", material_id=view.material.pk)
        else:
            form.is_valid()
    return _render_text_form(
        request,
        "materials/text_form.html",
        {
            "form": form,
            "preview": preview,
            "mode": "edit",
            "view": view,
            "found": found,
            "language": found.version.language,
            "current_check": library.readability(found.version.language, current.body_html),
        },
        status,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def add_language(request: HttpRequest, material_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    view = _staff_material(request, material_id)
    form = NewLanguageForm(request.POST or None, existing=set(view.languages))
    preview = None
    status = 200
    if request.method == "POST":
        preview = _preview(request, form, "language")
        if preview is None:
            try:
                library.add_language(actor, view.material.pk, request.POST)
            except FormInvalid:
                status = 400
            else:
                messages.success(request, _("The new language version is saved."))
                return redirect("materials:detail", material_id=view.material.pk)
        form.is_valid()
    return _render_text_form(
        request,
        "materials/text_form.html",
        {"form": form, "preview": preview, "mode": "language", "view": view},
        status,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def links_edit(request: HttpRequest, material_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    view = _staff_material(request, material_id)
    material = view.material
    form = LinksForm(
        request.POST or None,
        initial={
            "topic": material.topic,
            "medication_names": ", ".join(material.medication_names),
            "atc_codes": ", ".join(material.atc_codes),
            "conditions": ", ".join(material.conditions),
        },
    )
    status = 200
    if request.method == "POST":
        try:
            library.update_links(actor, material.pk, request.POST)
        except FormInvalid as invalid:
            status = 400
            form.is_valid()
            for message in invalid.errors.get("__all__", []):
                form.add_error(None, message)
        else:
            messages.success(request, _("Saved."))
            return redirect("materials:detail", material_id=material.pk)
    return render(request, "materials/links_form.html", {"form": form, "view": view}, status=status)


def _staff_revision(request: HttpRequest, revision_id: int) -> tuple[library.MaterialView, Any]:
    try:
        return library.get_revision(Actor.from_request(request), revision_id)
    except NotFound:
        raise Http404 from None


@roles(*STAFF)
@require_GET
def revision_page(request: HttpRequest, revision_id: int) -> HttpResponse:
    view, revision = _staff_revision(request, revision_id)
    language = revision.version.language
    return render(
        request,
        "materials/revision.html",
        {
            "view": view,
            "revision": revision,
            "language": language,
            "dir": direction(language),
            "check": library.readability(language, revision.body_html),
            "is_current": view.version_in(language).current.pk == revision.pk,  # type: ignore[union-attr]
        },
    )


@roles(*STAFF)
@require_GET
def revision_pdf(request: HttpRequest, revision_id: int) -> HttpResponse:
    """A handout: its printed note is in the material's language when Concord is translated
    into it (else in the language of the page)."""
    _view, revision = _staff_revision(request, revision_id)
    language = revision.version.language
    with translation.override(translated_language(language) or translation.get_language()):
        return pdf_response(
            "materials/pdf.html",
            {
                "revision": revision,
                "language": language,
                "dir": direction(language),
                "printed_at": timezone.localtime(),
            },
            request,
            f"{revision.title}-{language}-r{revision.number}",
        )
