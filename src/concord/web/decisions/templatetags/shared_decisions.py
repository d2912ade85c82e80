"""Sections of the clinician's patient page and the patient portal, filled by one tag each.

Each tag calls the decision services with the signed-in person, so the access rules and the
audit trail apply exactly as on the decision pages.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Patient
from concord.web.decisions import services

register = template.Library()


def _rows(records: list[services.DecisionRecord]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {"decision": r.decision, "current": r.current, "state": r.revisit_state(today)}
        for r in records
    ]


@register.inclusion_tag("decisions/_patient_decisions.html", takes_context=True)
def patient_decisions(context: template.Context, patient: Patient) -> dict[str, Any]:
    """The patient's shared decisions, those due for revisit first (overdue said in words)."""
    actor = Actor.from_template_context(context)
    if actor is None or actor.user.role not in services.STAFF:
        return {"visible": False}
    try:
        rows = _rows(services.decisions_of_patient(actor, patient.pk))
    except NotFound:
        return {"visible": False}
    due = sorted(
        (r for r in rows if r["state"] in ("overdue", "due")),
        key=lambda r: r["current"].revisit_on,
    )
    return {
        "visible": True,
        "records": rows,
        "due": due,
        "episodes": context.get("episodes") or [],
        "can_write": actor.user.role == Role.CLINICIAN,
    }


@register.inclusion_tag("decisions/_portal_decisions.html", takes_context=True)
def portal_decisions(context: template.Context) -> dict[str, Any]:
    actor = Actor.from_template_context(context)
    if actor is None:
        return {"records": []}
    try:
        return {"records": _rows(services.my_decisions(actor))}
    except NotFound:
        return {"records": []}


@register.inclusion_tag("decisions/_caseload_revisits.html", takes_context=True)
def caseload_decision_revisits(context: template.Context) -> dict[str, Any]:
    """Above the caseload: how many shared decisions are overdue or due for revisit."""
    actor = Actor.from_template_context(context)
    if actor is None or actor.user.role not in services.STAFF:
        return {"visible": False}
    today = timezone.localdate()
    states = [r.revisit_state(today) for r in services.decisions_to_revisit(actor, today=today)]
    overdue = states.count("overdue")
    return {
        "visible": True,
        "overdue": overdue,
        "due_soon": len(states) - overdue,
        "due_within_days": services.DUE_WITHIN_DAYS,
    }
