"""The consent and supporters in the JSON API (/api/v1), with the access rules of the pages.

Registered on the project's API in :mod:`concord.web.api.api` (``api.add_router``). Staff of
the patient's care team read; clinicians of the team record decisions (supervisors get 403,
as on the other writing endpoints); everyone else gets 404.
"""

# No ``from __future__ import annotations``: Ninja reads endpoint annotations through the
# ``api_roles`` wrapper, whose globals are those of concord.web.api.api.
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from concord.web.accounts.models import Role
from concord.web.api.api import api_roles
from concord.web.api.schemas import ErrorOut
from concord.web.audit.models import Channel
from concord.web.audit.service import Actor
from concord.web.consent import records, supporters
from concord.web.consent.models import ConsentRecord
from concord.web.consent.states import ConsentState

router = Router(tags=["consent"])
STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


class ConsentRecordOut(Schema):
    id: int
    decision: str
    event: str  # granted, reconfirmed, declined or withdrawn
    method: str
    recorded_by: str
    recorded_at: datetime
    information_version: str
    reconfirm_by: date | None
    note: str


class ConsentOut(Schema):
    kind: str
    topic: str
    supporter_link_id: int | None
    status: str  # not_recorded, declined, withdrawn, overdue, due or in_force
    in_force: bool
    reconfirm_by: date | None
    history: list[ConsentRecordOut]  # newest first


class ConsentIn(Schema):
    kind: str
    topic: str = ""
    supporter_link_id: int | None = None
    decision: str
    method: str
    information_version: str = ""
    reconfirm_months: int | None = None
    note: str = ""


class SupporterLinkOut(Schema):
    id: int
    name: str
    relationship: str
    contact: str
    status: str  # pending, active or ended
    scopes: list[str]
    invited_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    end_method: str


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.API)


def _record(record: ConsentRecord, event: str) -> dict[str, Any]:
    return {
        "id": record.pk,
        "decision": record.decision,
        "event": event,
        "method": record.method,
        "recorded_by": record.recorded_by.get_username(),
        "recorded_at": record.recorded_at,
        "information_version": record.information_version,
        "reconfirm_by": record.reconfirm_by,
        "note": record.note,
    }


def _state(state: ConsentState) -> dict[str, Any]:
    return {
        "kind": state.kind,
        "topic": state.topic,
        "supporter_link_id": state.link.pk if state.link else None,
        "status": state.status,
        "in_force": state.in_force,
        "reconfirm_by": state.reconfirm_by,
        "history": [_record(e.record, e.event) for e in state.entries],
    }


@router.get(
    "/patients/{patient_id}/consents",
    response={200: list[ConsentOut], 404: ErrorOut},
    summary="A patient's consents: the state of each (its latest record) and its history",
)
@api_roles(*STAFF)
def list_consents(request: HttpRequest, patient_id: int) -> Any:
    consents = records.patient_consents(_actor(request), patient_id, include_ended=True)
    return [_state(s) for s in consents.states]


@router.post(
    "/patients/{patient_id}/consents",
    response={201: ConsentRecordOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record the patient's decision (a new record; nothing is overwritten)",
)
@api_roles(*STAFF)
def record_consent(request: HttpRequest, patient_id: int, payload: ConsentIn) -> Any:
    data = payload.dict()
    data["supporter_link"] = data.pop("supporter_link_id")
    record = records.record_for_patient(_actor(request), patient_id, data)
    return Status(201, _record(record, records.event_of(record)))


@router.get(
    "/patients/{patient_id}/supporters",
    response={200: list[SupporterLinkOut], 404: ErrorOut},
    summary="A patient's supporter links (pending, active and ended) and what each sees",
)
@api_roles(*STAFF)
def list_supporters(request: HttpRequest, patient_id: int) -> Any:
    actor = _actor(request)
    patient = records.patient_for_staff(actor, patient_id)
    return [
        {
            "id": r.link.pk,
            "name": r.link.name,
            "relationship": r.link.relationship,
            "contact": r.link.contact,
            "status": r.link.status,
            "scopes": list(r.scopes),
            "invited_at": r.link.invited_at,
            "accepted_at": r.link.accepted_at,
            "ended_at": r.link.ended_at,
            "end_method": r.link.end_method,
        }
        for r in supporters.links_for_staff(actor, patient)
    ]
