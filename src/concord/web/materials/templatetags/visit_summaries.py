"""The after-visit summary sections of the clinician's patient page and the portal home.

Each tag calls the summary services with the signed-in person, so the access rules and the
audit trail apply exactly as on the summary pages.
"""

from __future__ import annotations

from typing import Any

from django import template

from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Patient
from concord.web.materials import summaries, summary_reading
from concord.web.materials.languages import language_name

register = template.Library()

RECENT_SESSIONS = 6  # attended visits listed on the patient page, with or without a summary


def _actor(context: template.Context) -> Actor | None:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    return Actor.from_request(request)


@register.inclusion_tag("materials/_patient_summaries.html", takes_context=True)
def patient_visit_summaries(context: template.Context, patient: Patient) -> dict[str, Any]:
    """The patient's recent visits and the state of each one's summary."""
    actor = _actor(context)
    if actor is None or actor.user.role not in summaries.STAFF:
        return {"visible": False}
    try:
        found = summaries.summaries_of_patient(actor, patient.pk, recent_sessions=RECENT_SESSIONS)
    except NotFound:
        return {"visible": False}
    return {
        "visible": True,
        "records": found.records,
        "can_write": actor.user.role == Role.CLINICIAN,
    }


@register.inclusion_tag("materials/_portal_summaries.html", takes_context=True)
def portal_visit_summaries(context: template.Context) -> dict[str, Any]:
    """The latest summary shared with the patient, and how many are new."""
    actor = _actor(context)
    if actor is None:
        return {"latest": None}
    try:
        views = summary_reading.my_summaries(actor)
    except NotFound:
        return {"latest": None}
    return {
        "latest": views[0] if views else None,
        "new_count": sum(1 for v in views if v.state != "read"),
    }


@register.filter
def summary_language_name(code: str) -> str:
    """``"es"`` → ``"Español"``: the language a summary is written in, by its own name."""
    return language_name(code)
