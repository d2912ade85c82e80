"""Education materials in the JSON API (/api/v1), with the access rules of the pages.

Registered on the project's API in :mod:`concord.web.api.api` (``api.add_router``).
"""

# No ``from __future__ import annotations``: Ninja reads endpoint annotations through the
# ``api_roles`` wrapper, whose globals are those of concord.web.api.api.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from concord.web.accounts.models import Role
from concord.web.api.api import api_roles
from concord.web.api.schemas import ErrorOut
from concord.web.audit.models import Channel
from concord.web.audit.service import Actor
from concord.web.materials import assignments, library, summaries
from concord.web.materials.summary_content import summary_text

router = Router(tags=["materials"])
STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


class LanguageVersionOut(Schema):
    language: str
    title: str
    current_revision: int
    revised_at: datetime
    reading_ease: float | None
    grade_level: float | None


class MaterialOut(Schema):
    id: int
    clinic: str
    topic: str
    medication_names: list[str]
    atc_codes: list[str]
    conditions: list[str]
    versions: list[LanguageVersionOut]


class ReadReceiptOut(Schema):
    revision: int
    language: str
    first_opened_at: datetime
    last_opened_at: datetime
    times_opened: int


class AssignmentOut(Schema):
    id: int
    material_id: int
    title: str
    language: str
    in_preferred_language: bool
    episode_id: int
    assigned_at: datetime
    assigned_by: str
    note: str
    withdrawn_at: datetime | None
    state: str
    current_revision: int
    read_receipts: list[ReadReceiptOut]


def _material(view: library.MaterialView) -> dict[str, Any]:
    material = view.material
    return {
        "id": material.pk,
        "clinic": material.clinic.name,
        "topic": material.topic,
        "medication_names": material.medication_names,
        "atc_codes": material.atc_codes,
        "conditions": material.conditions,
        "versions": [
            {
                "language": v.version.language,
                "title": v.current.title,
                "current_revision": v.current.number,
                "revised_at": v.current.authored_at,
                "reading_ease": v.current.reading_ease,
                "grade_level": v.current.grade_level,
            }
            for v in view.versions
        ],
    }


def _assignment(view: assignments.AssignmentView) -> dict[str, Any]:
    a = view.assignment
    return {
        "id": a.pk,
        "material_id": a.material_id,
        "title": view.title,
        "language": view.language,
        "in_preferred_language": view.resolution.in_preferred_language,
        "episode_id": a.episode_id,
        "assigned_at": a.assigned_at,
        "assigned_by": str(a.assigned_by) if a.assigned_by else "",
        "note": a.note,
        "withdrawn_at": a.withdrawn_at,
        "state": view.state,
        "current_revision": view.current.number,
        "read_receipts": [
            {
                "revision": r.revision.number,
                "language": r.revision.version.language,
                "first_opened_at": r.first_opened_at,
                "last_opened_at": r.last_opened_at,
                "times_opened": r.times_opened,
            }
            for r in view.reads
        ],
    }


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.API)


@router.get(
    "/materials",
    response={200: list[MaterialOut], 404: ErrorOut},
    summary="The education-material library of your clinics, each language's current text",
)
@api_roles(*STAFF)
def list_materials(request: HttpRequest) -> Any:
    return [_material(v) for v in library.library(_actor(request))]


@router.get(
    "/patients/{patient_id}/materials",
    response={200: list[AssignmentOut], 404: ErrorOut},
    summary="Material given to a patient, with read receipts (which revision, when, how often)",
)
@api_roles(*STAFF)
def list_patient_materials(request: HttpRequest, patient_id: int) -> Any:
    return [_assignment(v) for v in assignments.assignments_of(_actor(request), patient_id)]


# ------------------------------------------------------------------ after-visit summaries


class SummarySectionOut(Schema):
    key: str
    heading: str
    items: list[dict[str, Any]]


class SummaryReadOut(Schema):
    first_opened_at: datetime
    last_opened_at: datetime
    times_opened: int


class SummaryRevisionOut(Schema):
    number: int
    state: str
    shared_number: int | None
    language: str
    preferred_language: str
    generated_at: datetime
    generated_by: str
    window_start: datetime
    window_end: datetime
    tasks_from: datetime
    shared_at: datetime | None
    shared_by: str
    note: str
    title: str
    sections: list[SummarySectionOut]
    text: str
    reading_ease: float | None
    grade_level: float | None
    read_receipt: SummaryReadOut | None


class VisitSummaryOut(Schema):
    id: int
    session_id: int
    episode_id: int
    session_at: datetime
    revisions: list[SummaryRevisionOut]


def _summary_revision(revision: Any) -> dict[str, Any]:
    receipt = summaries.read_receipt(revision)
    return {
        "number": revision.number,
        "state": revision.state,
        "shared_number": revision.shared_number,
        "language": revision.language,
        "preferred_language": revision.preferred_language,
        "generated_at": revision.generated_at,
        "generated_by": revision.generated_by_name,
        "window_start": revision.window_start,
        "window_end": revision.window_end,
        "tasks_from": revision.tasks_from,
        "shared_at": revision.shared_at,
        "shared_by": revision.shared_by_name,
        "note": revision.note,
        "title": revision.content["title"],
        "sections": revision.content["sections"],
        "text": revision.text or summary_text(revision.content),
        "reading_ease": revision.reading_ease,
        "grade_level": revision.grade_level,
        "read_receipt": (
            {
                "first_opened_at": receipt.first_opened_at,
                "last_opened_at": receipt.last_opened_at,
                "times_opened": receipt.times_opened,
            }
            if receipt
            else None
        ),
    }


@router.get(
    "/patients/{patient_id}/visit-summaries",
    response={200: list[VisitSummaryOut], 404: ErrorOut},
    summary="A patient's after-visit summaries: every revision (drafts too) and read receipts",
)
@api_roles(*STAFF)
def list_visit_summaries(request: HttpRequest, patient_id: int) -> Any:
    found = summaries.summaries_of_patient(_actor(request), patient_id)
    return [
        {
            "id": r.summary.pk,
            "session_id": r.session.pk,
            "episode_id": r.session.episode_id,
            "session_at": r.session.scheduled_at,
            "revisions": [_summary_revision(v) for v in r.revisions],
        }
        for r in found.records
        if r.summary is not None
    ]
