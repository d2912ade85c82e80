"""The shared plan: education materials, read receipts and after-visit summaries."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from concord.web.audit.models import AuditEvent
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.materials import assignments, library
from concord.web.materials.models import (
    Material,
    MaterialAssignment,
    MaterialRead,
    MaterialRevision,
    MaterialVersion,
    RevisionChangeError,
)

from .access_tables import API_ANON, ApiTable, PageTable, statuses
from .conftest import Cast

CLINIC_CLINICIANS = {"clin_a": 200, "colleague_a": 200, "clin_b": 200}  # one clinic, two teams
CLINIC_STAFF = {**CLINIC_CLINICIANS, "sup_a": 200, "sup_b": 200}
STAFF_A = {"clin_a": 200, "colleague_a": 200, "sup_a": 200}
CLINICIANS_A = {"clin_a": 200, "colleague_a": 200}

SERTRALINE_EN = """# Why you are taking sertraline

Sertraline is a medicine for low mood and worry. It helps your brain balance the
chemicals that affect how you feel.

## What to expect

- Most people start to feel better after 2 to 6 weeks.
- Take it once a day, at the same time.

If you feel worse or have thoughts of harming yourself, call us the same day.
"""
SERTRALINE_ES = """# Por qué toma sertralina

La sertralina es un medicamento para el ánimo bajo y la preocupación.
"""


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def material_data(cast: Cast, **overrides: str) -> dict[str, str]:
    data = {
        "clinic": str(cast.team_a.clinic_id),
        "language": "en",
        "title": "Why you are taking sertraline",
        "body": SERTRALINE_EN,
        "topic": "medication",
        "medication_names": "Sertraline",
        "atc_codes": "n06ab06",
        "conditions": "depression, anxiety",
    }
    data.update(overrides)
    return data


def material_a(cast: Cast) -> Material:
    """The clinic's sertraline leaflet, in English and Spanish (created on first use)."""
    existing = Material.objects.filter(clinic=cast.team_a.clinic).order_by("pk").first()
    if existing is not None:
        return existing
    material = library.create_material(web(cast, "clin_a"), material_data(cast))
    library.add_language(
        web(cast, "clin_a"),
        material.pk,
        {"language": "es", "title": "Por qué toma sertralina", "body": SERTRALINE_ES},
    )
    return material


def version_a(cast: Cast, language: str = "en") -> MaterialVersion:
    return MaterialVersion.objects.get(material=material_a(cast), language=language)


def revision_a(cast: Cast) -> MaterialRevision:
    return version_a(cast).revisions.get(number=1)


def assignment_a(cast: Cast) -> MaterialAssignment:
    """The sertraline leaflet given to patient A by clin_a (on first use)."""
    existing = MaterialAssignment.objects.filter(patient=cast.patient_a).first()
    if existing is not None:
        return existing
    [assignment] = assignments.assign(
        web(cast, "clin_a"),
        cast.patient_a.pk,
        {"material": [str(material_a(cast).pk)], "episode": str(cast.episode_a.pk), "note": ""},
    )
    return assignment


def audit_rows(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix).
MATERIALS_PAGES: PageTable = {
    "materials:library": (lambda c: {}, statuses(404, **CLINIC_STAFF)),
    "materials:new": (lambda c: {}, statuses(404, **CLINIC_CLINICIANS)),
    "materials:detail": (
        lambda c: {"material_id": material_a(c).pk},
        statuses(404, **CLINIC_STAFF),
    ),
    "materials:links": (
        lambda c: {"material_id": material_a(c).pk},
        statuses(404, **CLINIC_CLINICIANS),
    ),
    "materials:add_language": (
        lambda c: {"material_id": material_a(c).pk},
        statuses(404, **CLINIC_CLINICIANS),
    ),
    "materials:edit": (
        lambda c: {"version_id": version_a(c).pk},
        statuses(404, **CLINIC_CLINICIANS),
    ),
    "materials:revision": (
        lambda c: {"revision_id": revision_a(c).pk},
        statuses(404, **CLINIC_STAFF),
    ),
    "materials:revision_pdf": (
        lambda c: {"revision_id": revision_a(c).pk},
        statuses(404, **CLINIC_STAFF),
    ),
    "materials:assign": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, **CLINICIANS_A),
    ),
    # POST only: clinicians reach the method check (405, whatever the record), everyone else
    # is refused first.
    "materials:withdraw": (
        lambda c: {"assignment_id": assignment_a(c).pk},
        statuses(404, clin_a=405, colleague_a=405, clin_b=405),
    ),
    "materials:portal_list": (lambda c: {}, statuses(404, patient_a=200, patient_b=200)),
    "materials:portal_read": (
        lambda c: {"assignment_id": assignment_a(c).pk},
        statuses(404, patient_a=200),
    ),
    "materials:portal_pdf": (
        lambda c: {"assignment_id": assignment_a(c).pk},
        statuses(404, patient_a=200),
    ),
}
MATERIALS_API: ApiTable = {
    ("GET", "/api/v1/materials"): (None, statuses(404, anonymous=API_ANON, **CLINIC_STAFF)),
    ("GET", "/api/v1/patients/{p}/materials"): (
        None,
        statuses(404, anonymous=API_ANON, **STAFF_A),
    ),
}
