"""After-visit summaries in the patient portal: the list, reading one, printing it.

Thin: each view calls :mod:`concord.web.materials.summary_reading`, which shows only shared
versions of the patient's own summaries, records read receipts and audits.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.materials import summary_reading
from concord.web.materials.languages import direction
from concord.web.materials.summary_views import summary_pdf_response


@roles(Role.PATIENT)
@require_GET
def portal_summaries(request: HttpRequest) -> HttpResponse:
    try:
        views = summary_reading.my_summaries(Actor.from_request(request))
    except NotFound:
        raise Http404 from None
    return render(request, "materials/summary_portal_list.html", {"summaries": views})


def _read(request: HttpRequest, summary_id: int, number: int | None) -> HttpResponse:
    try:
        view, revision = summary_reading.open_summary(
            Actor.from_request(request), summary_id, number
        )
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "materials/summary_portal_read.html",
        {
            "view": view,
            "revision": revision,
            "content": revision.content,
            "dir": direction(revision.language),
            "is_latest": revision.pk == view.latest.pk,
        },
    )


@roles(Role.PATIENT)
@require_GET
def portal_summary(request: HttpRequest, summary_id: int) -> HttpResponse:
    return _read(request, summary_id, None)


@roles(Role.PATIENT)
@require_GET
def portal_summary_version(request: HttpRequest, summary_id: int, number: int) -> HttpResponse:
    return _read(request, summary_id, number)


@roles(Role.PATIENT)
@require_GET
def portal_summary_pdf(request: HttpRequest, summary_id: int, number: int) -> HttpResponse:
    try:
        revision = summary_reading.summary_for_printing(
            Actor.from_request(request), summary_id, number
        )
    except NotFound:
        raise Http404 from None
    return summary_pdf_response(request, revision)
