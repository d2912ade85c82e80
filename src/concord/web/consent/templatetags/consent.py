"""The consent sections of the clinician's patient page and the portal home, and the words
for consent states. Each tag calls the consent services with the signed-in person, so the
access rules and the audit trail apply exactly as on the consent pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Patient
from concord.web.consent import observations, records, supporters
from concord.web.consent.models import Method, Scope
from concord.web.consent.policy import information_for

register = template.Library()


@register.inclusion_tag("consent/patient_card.html", takes_context=True)
def patient_consent(context: template.Context, patient: Patient) -> dict[str, Any]:
    """Consents (due ones first), supporters and their observations, on the patient page."""
    actor = Actor.from_template_context(context)
    if actor is None:
        return {"visible": False}
    try:
        consents = records.patient_consents(actor, patient.pk)
        links = supporters.links_for_staff(actor, patient)
        rows = observations.observations_for_staff(actor, patient)
    except NotFound:
        return {"visible": False}
    return {
        "visible": True,
        "patient": patient,
        "consents": consents,
        "links": [link for link in links if link.link.ended_at is None],
        "ended_links": len([link for link in links if link.link.ended_at is not None]),
        "observations": rows,
        "can_write": actor.user.role == "clinician",
    }


@register.inclusion_tag("consent/portal_card.html", takes_context=True)
def portal_consent(context: template.Context) -> dict[str, Any]:
    """The portal home's card: what needs checking, and the way to consents and supporters."""
    actor = Actor.from_template_context(context)
    if actor is None:
        return {"visible": False}
    try:
        consents = records.my_consents(actor)
        links = supporters.my_supporters(actor)
    except NotFound:
        return {"visible": False}
    return {
        "visible": True,
        "due": consents.due,
        "active": [r for r in links if r.link.status == "active"],
        "pending": [r for r in links if r.link.status == "pending"],
    }


STAFF_STATUS = {
    "not_recorded": gettext_lazy("Not recorded"),
    "declined": gettext_lazy("Declined"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "in_force": gettext_lazy("Given"),
    "due": gettext_lazy("Given · re-confirmation due"),
    "overdue": gettext_lazy("Given · re-confirmation overdue"),
}
PORTAL_STATUS = {
    "not_recorded": gettext_lazy("Not asked yet"),
    "declined": gettext_lazy("You said no"),
    "withdrawn": gettext_lazy("You said no (you had said yes before)"),
    "in_force": gettext_lazy("You said yes"),
    "due": gettext_lazy("You said yes · please check this soon"),
    "overdue": gettext_lazy("You said yes · please check this now"),
}
EVENTS = {
    "granted": gettext_lazy("given"),
    "reconfirmed": gettext_lazy("re-confirmed"),
    "declined": gettext_lazy("declined"),
    "withdrawn": gettext_lazy("withdrawn"),
}


@register.filter
def staff_status(code: str) -> str:
    return str(STAFF_STATUS.get(code, code))


@register.filter
def portal_status(code: str) -> str:
    return str(PORTAL_STATUS.get(code, code))


@register.filter
def event_label(code: str) -> str:
    return str(EVENTS.get(code, code))


@register.filter
def method_label(code: str) -> str:
    return str(Method(code).label) if code in Method.values else code


@register.filter
def scope_label(code: str) -> str:
    return str(Scope(code).label) if code in Scope.values else code


@register.filter
def scope_information(code: str) -> str:
    """What the supporter sees under this scope, as the patient is told."""
    return str(information_for("supporter", code).text) if code in Scope.values else ""


@register.simple_tag
def consent_information(kind: str, topic: str = "") -> str:
    """The current information given for a consent (all channels share one wording)."""
    return str(information_for(kind, topic).text)


@register.simple_tag
def scope_choices() -> list[tuple[str, str, str]]:
    """(code, label, what it shows) for every scope, in order."""
    return [(s.value, str(s.label), scope_information(s.value)) for s in Scope]


@register.filter
def recorder(record: Any) -> str:
    """Who recorded a decision, in words: the patient themselves, or the clinician and how."""
    if record.method == Method.PORTAL:
        if record.recorded_by.role == "patient":
            return _("the patient, in the portal")
        return _("%(who)s, in the portal") % {"who": record.recorded_by}
    return _("%(who)s (%(how)s)") % {"who": record.recorded_by, "how": method_label(record.method)}


@register.filter
def portal_recorder(record: Any) -> str:
    """The same, told to the patient."""
    if record.method == Method.PORTAL:
        if record.recorded_by.role == "patient":
            return _("you, in the portal")
        return _("%(who)s, in the portal") % {"who": record.recorded_by}
    return _("%(who)s wrote down what you said (%(how)s)") % {
        "who": record.recorded_by,
        "how": method_label(record.method),
    }
