"""The shared plan: shared-decision records, versioned and printable."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
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
from concord.web.decisions import services
from concord.web.decisions.forms import draft_of
from concord.web.decisions.history import changes_between
from concord.web.decisions.models import (
    DecisionOption,
    DecisionParticipant,
    DecisionVersion,
    SharedDecision,
    VersionChangeError,
)

from .access_tables import API_ANON, ApiTable, PageTable, statuses
from .conftest import Cast

STAFF_A = {"clin_a": 200, "colleague_a": 200, "sup_a": 200}
CLINICIANS_A = {"clin_a": 200, "colleague_a": 200}
TODAY = timezone.localdate


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def decision_data(cast: Cast, **overrides: str) -> dict[str, str]:
    """A valid new decision about starting an antidepressant, as the page's form sends it."""
    data = {
        "question": "Should I start an antidepressant now, or wait and try therapy alone first?",
        "context": "Low mood for three months; sleep and work affected.",
        "options-0-label": "Start sertraline",
        "options-0-benefits": "About half of people feel better within 6 to 8 weeks.",
        "options-0-risks": "Nausea or poor sleep in the first weeks.",
        "options-0-burdens": "A tablet every day; a review after 4 weeks.",
        "options-0-source": "Clinic leaflet 'Why you are taking sertraline'",
        "options-1-label": "Wait and review in 4 weeks",
        "options-1-benefits": "No side effects; time to see if therapy alone helps.",
        "options-1-risks": "Low mood may last longer.",
        "what_matters": "Being able to work and sleep again.",
        "preferred_option": "1",
        "preference_words": "I would like to try the tablet.",
        "status": "decided",
        "chosen_option": "1",
        "revisit_on": (TODAY() + timedelta(days=28)).isoformat(),
        "participants-0-name": "",
        "participants-0-role": "patient",
        "participants-0-user": str(cast.users["patient_a"].pk),
        "participants-1-name": "Dr Alpha",
        "participants-1-role": "clinician",
        "participants-1-user": str(cast.users["clin_a"].pk),
        "participants-2-name": "Sam Alpha",
        "participants-2-role": "supporter",
    }
    data.update(overrides)
    return data


def decision_a(cast: Cast) -> SharedDecision:
    """Patient A's decision (recorded by clin_a on first use)."""
    existing = SharedDecision.objects.filter(episode=cast.episode_a).first()
    if existing is not None:
        return existing
    return services.create_decision(
        web(cast, "clin_a"), cast.episode_a.pk, decision_data(cast)
    ).decision


def audit_rows(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix).
DECISIONS_PAGES: PageTable = {
    "decisions:new": (lambda c: {"episode_id": c.episode_a.pk}, statuses(404, **CLINICIANS_A)),
    "decisions:detail": (lambda c: {"decision_id": decision_a(c).pk}, statuses(404, **STAFF_A)),
    "decisions:revise": (
        lambda c: {"decision_id": decision_a(c).pk},
        statuses(404, **CLINICIANS_A),
    ),
    "decisions:history": (lambda c: {"decision_id": decision_a(c).pk}, statuses(404, **STAFF_A)),
    "decisions:pdf": (lambda c: {"decision_id": decision_a(c).pk}, statuses(404, **STAFF_A)),
    "decisions:portal_detail": (
        lambda c: {"decision_id": decision_a(c).pk},
        statuses(404, patient_a=200),
    ),
    "decisions:portal_edit": (
        lambda c: {"decision_id": decision_a(c).pk},
        statuses(404, patient_a=200),
    ),
    "decisions:portal_pdf": (
        lambda c: {"decision_id": decision_a(c).pk},
        statuses(404, patient_a=200),
    ),
}
API_DECISION = {
    "question": "Physiotherapy or an injection for my back?",
    "options": [
        {"label": "Physiotherapy", "benefits": "Less pain in 6 weeks.", "burdens": "Weekly visits."},
        {"label": "Injection", "benefits": "Quick relief.", "risks": "Short-lived; small risks."},
    ],
    "status": "deferred",
    "revisit_on": (date.today() + timedelta(days=60)).isoformat(),
    "participants": [{"name": "Ada Alpha", "role": "patient"}],
}
DECISIONS_API: ApiTable = {
    ("GET", "/api/v1/patients/{p}/decisions"): (
        None,
        statuses(404, anonymous=API_ANON, **STAFF_A),
    ),
    ("POST", "/api/v1/episodes/{e}/decisions"): (
        API_DECISION,
        statuses(404, anonymous=API_ANON, clin_a=201, colleague_a=201, sup_a=403),
    ),
}
