"""Sections other pages include with one tag (the patient page, the portal home, the
caseload), and display filters for the barrier templates.

Each tag calls the barrier services with the signed-in person, so the access rules and the
audit trail apply exactly as on the barrier pages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils import timezone

from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.barriers import actions, portal, referrals, services
from concord.web.barriers.languages import language_name
from concord.web.barriers.models import (
    ActionStatus,
    BarrierAction,
    BarrierStatus,
    CommunityResource,
    ReferralStatus,
)
from concord.web.barriers.suggestions import (
    PORTAL_ACTION_LABELS,
    PORTAL_ACTION_STATUS,
    PORTAL_BARRIER_LABELS,
    PORTAL_BARRIER_STATUS,
    PORTAL_REFERRAL_ANSWERS,
    PORTAL_REFERRAL_STATUS,
)
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Patient

register = template.Library()

OPEN_REFERRALS = (ReferralStatus.SUGGESTED, ReferralStatus.REFERRED, ReferralStatus.CONTACTED)
STATUS_LABELS = {
    **dict(BarrierStatus.choices),
    **dict(ActionStatus.choices),
    **dict(ReferralStatus.choices),
}


@register.inclusion_tag("barriers/section_patient.html", takes_context=True)
def patient_barriers(context: template.Context, patient: Patient) -> dict[str, Any]:
    """Current barriers with their actions, and open referrals, on the patient page."""
    actor = Actor.from_template_context(context)
    if actor is None:
        return {"visible": False}
    try:
        _patient, barriers = services.barriers_of_patient(actor, patient.pk, current_only=True)
        open_referrals = [
            r for r in referrals.referrals_of_patient(actor, patient) if r.status in OPEN_REFERRALS
        ]
    except NotFound:
        return {"visible": False}
    today = timezone.localdate()
    return {
        "visible": True,
        "patient": patient,
        "barriers": barriers,
        "referrals": open_referrals,
        "today": today,
        "overdue": sum(a.is_overdue(today) for b in barriers for a in b.actions.all()),
        "can_write": actor.user.role == "clinician",
    }


@register.inclusion_tag("barriers/section_portal.html", takes_context=True)
def portal_barriers(context: template.Context) -> dict[str, Any]:
    actor = Actor.from_template_context(context)
    if actor is None:
        return {"visible": False}
    try:
        barriers = [b for b in portal.my_barriers(actor) if b.is_current]
        mine = referrals.my_referrals(actor)
    except NotFound:
        return {"visible": False}
    return {
        "visible": True,
        "barriers": barriers,
        "referrals": [r for r in mine if r.status in OPEN_REFERRALS],
    }


@register.inclusion_tag("barriers/section_caseload.html", takes_context=True)
def caseload_follow_ups(context: template.Context) -> dict[str, Any]:
    """How many barrier follow-ups are overdue or due within a week, above the caseload."""
    actor = Actor.from_template_context(context)
    if actor is None:
        return {"visible": False}
    try:
        rows = actions.follow_ups(actor)
    except NotFound:
        return {"visible": False}
    overdue = [r for r in rows if r.overdue]
    return {
        "visible": True,
        "overdue": overdue,
        "due_soon": len(rows) - len(overdue),
    }


@register.simple_tag
def follow_up_state(action: BarrierAction, today: date) -> str:
    """``"overdue"``, ``"due"`` (today) or ``""``, for the template to word and style."""
    if action.is_overdue(today):
        return "overdue"
    if action.is_due(today):
        return "due"
    return ""


@register.filter
def needs_verification(resource: CommunityResource, today: date) -> bool:
    return resource.needs_verification(today)


@register.filter
def language_names(resource: CommunityResource) -> str:
    return ", ".join(language_name(code) for code in resource.language_codes)


@register.filter
def portal_barrier(kind: str) -> str:
    return str(PORTAL_BARRIER_LABELS.get(kind, kind))


@register.filter
def portal_barrier_status(status: str) -> str:
    return str(PORTAL_BARRIER_STATUS.get(status, status))


@register.filter
def portal_action(kind: str) -> str:
    return str(PORTAL_ACTION_LABELS.get(kind, kind))


@register.filter
def portal_action_status(status: str) -> str:
    return str(PORTAL_ACTION_STATUS.get(status, status))


@register.filter
def portal_referral_status(status: str) -> str:
    return str(PORTAL_REFERRAL_STATUS.get(status, status))


@register.simple_tag
def portal_referral_answers() -> list[tuple[str, str]]:
    return [(status, str(label)) for status, label in PORTAL_REFERRAL_ANSWERS.items()]


@register.filter
def status_label(code: str) -> str:
    """A barrier, action or referral status code in words (history rows keep codes)."""
    return str(STATUS_LABELS.get(code, code))


@register.filter
def role_label(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code
