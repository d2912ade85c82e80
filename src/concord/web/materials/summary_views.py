"""After-visit summary pages for the care team: the summary of a session (draft, review, share,
history), one revision, and its PDF.

Thin: each view calls :mod:`concord.web.materials.summaries`, which applies the access rules,
checks the input and audits. Clinicians of the care team generate and share; supervisors read
(404 on the writing pages, as everywhere in the clinic).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.materials import summaries, summary_sharing
from concord.web.materials.languages import direction, language_name
from concord.web.materials.summary_forms import ShareForm
from concord.web.materials.summary_models import SummaryRevision
from concord.web.materials.summary_window import summary_language
from concord.web.pdf import pdf_response

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


def _session_page(
    request: HttpRequest,
    record: summaries.SummaryRecord,
    *,
    form: ShareForm | None = None,
    preview: summary_sharing.SharePreview | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    patient = record.session.episode.patient
    draft = record.draft
    can_write = request.user.role == Role.CLINICIAN  # type: ignore[union-attr]
    language = summary_language(patient.preferred_language)
    context: dict[str, Any] = {
        "record": record,
        "session": record.session,
        "patient": patient,
        "draft": draft,
        "can_write": can_write,
        "form": form or ShareForm(),
        "errors": errors or {},
        "preferred_name": language_name(patient.preferred_language),
        "summary_language_name": language_name(language.code),
        "translated": language.translated,
        "replaced": [r for r in record.revisions if r.state == "replaced"],
    }
    if draft is not None:
        content = preview.content if preview else draft.content
        context.update(
            {
                "content": content,
                "check": preview.check if preview else summaries.check_of(content, draft.language),
                "dir": direction(draft.language),
                "previewing": preview is not None,
            }
        )
    return render(request, "materials/summary_session.html", context, status=status)


@roles(*STAFF)
@require_GET
def summary_session(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        record = summaries.summary_of_session(Actor.from_request(request), session_id)
    except NotFound:
        raise Http404 from None
    return _session_page(request, record)


@roles(Role.CLINICIAN)
@require_POST
def summary_generate(request: HttpRequest, session_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        revision = summary_sharing.generate(actor, session_id)
    except (NotFound, NotAllowed):
        raise Http404 from None
    except FormInvalid as invalid:
        record = summaries.summary_of_session(actor, session_id)
        return _session_page(request, record, errors=invalid.errors, status=400)
    messages.success(
        request,
        _("Draft %(n)d is ready. Check it, add a note if you like, then share it.")
        % {"n": revision.number},
    )
    return redirect("materials:summary_session", session_id=session_id)


@roles(Role.CLINICIAN)
@require_POST
def summary_share(request: HttpRequest, revision_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        session_id = summary_sharing.session_of_revision(actor, revision_id)
        if "preview" in request.POST:
            preview = summary_sharing.preview(actor, revision_id, request.POST)
            record = summaries.summary_of_session(actor, session_id)
            return _session_page(request, record, form=ShareForm(request.POST), preview=preview)
        revision = summary_sharing.share(actor, revision_id, request.POST)
    except (NotFound, NotAllowed):
        raise Http404 from None
    except FormInvalid as invalid:
        record = summaries.summary_of_session(actor, session_id)
        form = ShareForm(request.POST)
        form.is_valid()
        return _session_page(request, record, form=form, errors=invalid.errors, status=400)
    messages.success(
        request,
        _("Version %(n)d of the summary is now in the patient's portal.")
        % {"n": revision.shared_number},
    )
    return redirect("materials:summary_session", session_id=session_id)


def _staff_revision(
    request: HttpRequest, revision_id: int, export: bool = False
) -> SummaryRevision:
    try:
        return summaries.revision_for_staff(Actor.from_request(request), revision_id, export=export)
    except NotFound:
        raise Http404 from None


def _check(revision: SummaryRevision) -> Any:
    if revision.is_shared:
        return summaries.stored_check(revision)
    return summaries.check_of(revision.content, revision.language)


@roles(*STAFF)
@require_GET
def summary_revision(request: HttpRequest, revision_id: int) -> HttpResponse:
    revision = _staff_revision(request, revision_id)
    return render(
        request,
        "materials/summary_revision.html",
        {
            "revision": revision,
            "session": revision.summary.session,
            "patient": revision.summary.session.episode.patient,
            "content": revision.content,
            "dir": direction(revision.language),
            "check": _check(revision),
            "receipt": summaries.read_receipt(revision),
            "language_name": language_name(revision.language),
        },
    )


def summary_pdf_response(request: HttpRequest, revision: SummaryRevision) -> HttpResponse:
    """The summary as a PDF (the same for staff and the patient)."""
    return pdf_response(
        "materials/summary_pdf.html",
        {
            "revision": revision,
            "content": revision.content,
            "dir": direction(revision.language),
            "printed_at": timezone.localtime(),
        },
        request,
        f"visit-summary-{timezone.localtime(revision.summary.session.scheduled_at):%Y-%m-%d}",
    )


@roles(*STAFF)
@require_GET
def summary_pdf(request: HttpRequest, revision_id: int) -> HttpResponse:
    return summary_pdf_response(request, _staff_revision(request, revision_id, export=True))
