"""Sections other pages include with one tag: the patient page, the caseload and the portal.

Each tag calls the measures services with the signed-in person, so the access rules and the
audit trail apply exactly as on the measures pages.
"""

from __future__ import annotations

from typing import Any

from django import template

from concord.analytics.instruments import UnknownInstrumentError, get_instrument
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Patient
from concord.web.measures import services

register = template.Library()


@register.filter
def instrument_label(code: str) -> str:
    """``"phq9"`` -> ``"PHQ-9"`` (the registry's name)."""
    try:
        return get_instrument(code).name
    except UnknownInstrumentError:
        return code


@register.inclusion_tag("measures/patient_alerts.html", takes_context=True)
def patient_alerts(context: template.Context, patient: Patient) -> dict[str, Any]:
    """Open safety alerts of the patient, at the top of the patient page."""
    actor = Actor.from_template_context(context)
    return {
        "alerts": services.open_alerts(actor, patient.pk) if actor else [],
        "can_write": bool(actor and actor.user.role == "clinician"),
    }


@register.inclusion_tag("measures/patient_section.html", takes_context=True)
def patient_measures(context: template.Context, patient: Patient) -> dict[str, Any]:
    """Plans, open and recent administrations of the patient's episodes."""
    actor = Actor.from_template_context(context)
    if actor is None:
        return {"visible": False}
    episodes = context.get("episodes") or []
    return {
        "visible": True,
        "patient": patient,
        "episodes": services.measures_of_episodes(actor, episodes),
        "can_write": actor.user.role == "clinician",
    }


@register.inclusion_tag("measures/caseload_alerts.html", takes_context=True)
def caseload_alerts(context: template.Context) -> dict[str, Any]:
    actor = Actor.from_template_context(context)
    return {
        "alerts": services.open_alerts(actor) if actor else [],
        "user": actor.user if actor else None,
    }


@register.inclusion_tag("measures/portal_section.html", takes_context=True)
def portal_measures(context: template.Context) -> dict[str, Any]:
    actor = Actor.from_template_context(context)
    if actor is None:
        return {"rows": []}
    try:
        return {"rows": services.open_for_me(actor)}
    except NotFound:
        return {"rows": []}
