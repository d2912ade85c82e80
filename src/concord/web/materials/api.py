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
from concord.web.materials import assignments, library

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
