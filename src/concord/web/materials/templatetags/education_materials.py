"""Sections of the clinician's patient page and the patient portal, filled by one tag each.

Each tag calls the material services with the signed-in person, so the access rules and the
audit trail apply exactly as on the material pages.
"""

from __future__ import annotations

from typing import Any

from django import template

from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Patient
from concord.web.materials import assignments, reading

register = template.Library()


@register.inclusion_tag("materials/_patient_materials.html", takes_context=True)
def patient_materials(context: template.Context, patient: Patient) -> dict[str, Any]:
    """What the patient was given and whether (and which revision) they read it."""
    actor = Actor.from_template_context(context)
    if actor is None or actor.user.role not in assignments.STAFF:
        return {"visible": False}
    try:
        views = assignments.assignments_of(actor, patient.pk)
    except NotFound:
        return {"visible": False}
    return {
        "visible": True,
        "patient": patient,
        "assignments": views,
        "can_write": actor.user.role == Role.CLINICIAN,
    }


@register.inclusion_tag("materials/_portal_materials.html", takes_context=True)
def portal_materials(context: template.Context) -> dict[str, Any]:
    actor = Actor.from_template_context(context)
    if actor is None:
        return {"materials": []}
    try:
        views = reading.my_materials(actor)
    except NotFound:
        return {"materials": []}
    return {"materials": views, "new_count": sum(1 for v in views if v.state != "read")}
