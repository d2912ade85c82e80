""" "Who has looked at my information": every access by the patient's supporters, read from
the audit trail (rows with role ``supporter`` naming the patient; the trail stores a row's
patients as ",12,15," and is filtered with ``contains=",12,"``, as the audit pages do).

Only supporters' accesses are listed here: the care team's use of the record is part of
care, and administrators see the whole trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from concord.web.accounts.models import Role
from concord.web.audit.models import Action, AuditEvent
from concord.web.audit.service import Actor, audit
from concord.web.consent.models import Scope, SupporterLink
from concord.web.consent.records import own_patient

SHOWN_ACCESSES = 200


@dataclass(frozen=True)
class AccessRow:
    at: datetime
    who: str
    what: str


def _scopes_text(scopes: object) -> str:
    names = [str(Scope(s).label) for s in scopes or [] if s in Scope.values]  # type: ignore[attr-defined]
    return ", ".join(names)


def describe(event: AuditEvent) -> str:
    """One access in plain words."""
    detail = event.detail or {}
    if event.object_type == "supporter_view":
        return _("Looked at: %(what)s") % {"what": _scopes_text(detail.get("scopes"))}
    if event.object_type == "supporter_link" and event.action == Action.LIST:
        return _("Opened their list of people they support (your name and what you share)")
    if event.object_type == "supporter_link" and detail.get("accepted"):
        return _("Accepted your invitation")
    if event.object_type == "supporter_invitation":
        return _("Opened your invitation")
    if event.object_type == "supporter_observation":
        return _("Told your care team how your medicines went")
    return _("Used Concord (%(what)s)") % {"what": event.object_type}


def supporter_accesses(actor: Actor, *, limit: int = SHOWN_ACCESSES) -> list[AccessRow]:
    """The patient's own list, newest first."""
    patient = own_patient(actor)
    names = {
        link.supporter_id: link.name
        for link in SupporterLink.objects.filter(patient=patient, supporter__isnull=False)
    }
    events = AuditEvent.objects.filter(
        role=Role.SUPPORTER, patient_refs__contains=f",{patient.pk},"
    ).order_by("-id")[:limit]
    rows = [
        AccessRow(event.at, names.get(event.actor_id, event.actor_username), describe(event))
        for event in events
    ]
    audit(
        actor,
        Action.LIST,
        "supporter_access_history",
        "",
        [patient.pk],
        {"rows": len(rows)},
    )
    return rows
