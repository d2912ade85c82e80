"""The shared decisions in the JSON API (/api/v1), with the access rules of the pages.

Registered on the project's API in :mod:`concord.web.api.api` (``api.add_router``). A
decision is returned with every version, oldest first. A new decision is checked by the same
rules as the page; errors name the field or row field, e.g.
``{"error": {"code": "invalid", "fields": {"options-1-benefits": ["..."]}}}`` (rows counted
from 0, as in the page's form).
"""

# No ``from __future__ import annotations``: Ninja reads endpoint annotations through the
# ``api_roles`` wrapper, whose globals are those of concord.web.api.api.
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from concord.web.accounts.models import Role
from concord.web.api.api import api_roles
from concord.web.api.schemas import ErrorOut
from concord.web.audit.models import Channel
from concord.web.audit.service import Actor
from concord.web.clinic.services import FormInvalid
from concord.web.decisions import services
from concord.web.decisions.forms import MAX_OPTIONS, MAX_PARTICIPANTS

router = Router(tags=["decisions"])
STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


class OptionOut(Schema):
    position: int
    label: str
    benefits: str
    risks: str
    burdens: str
    source: str


class ParticipantOut(Schema):
    name: str
    role: str
    user_id: int | None


class VersionOut(Schema):
    number: int
    recorded_at: datetime
    recorded_by_id: int | None
    recorded_by_name: str
    recorded_by_role: str
    question: str
    context: str
    options: list[OptionOut]
    what_matters: str
    preferred_option: int | None
    preference_words: str
    status: str
    chosen_option: int | None
    participants: list[ParticipantOut]
    revisit_on: date
    change_note: str


class DecisionOut(Schema):
    id: int
    patient_id: int
    episode_id: int
    created_at: datetime
    current_version: int
    status: str
    revisit_on: date
    versions: list[VersionOut]


class OptionIn(Schema):
    label: str = ""
    benefits: str = ""
    risks: str = ""
    burdens: str = ""
    source: str = ""


class ParticipantIn(Schema):
    name: str = ""
    role: str = ""
    user_id: int | None = None


class DecisionIn(Schema):
    """A new decision. ``chosen_option`` and ``preferred_option`` number the options from 1."""

    question: str = ""
    context: str = ""
    options: list[OptionIn] = []
    what_matters: str = ""
    preferred_option: int | None = None
    preference_words: str = ""
    status: str = ""
    chosen_option: int | None = None
    participants: list[ParticipantIn] = []
    revisit_on: str = ""


def _out(record: services.DecisionRecord) -> dict[str, Any]:
    return {
        "id": record.decision.pk,
        "patient_id": record.patient_id,
        "episode_id": record.decision.episode_id,
        "created_at": record.decision.created_at,
        "current_version": record.current.number,
        "status": record.current.status,
        "revisit_on": record.current.revisit_on,
        "versions": [
            {
                "number": v.number,
                "recorded_at": v.recorded_at,
                "recorded_by_id": v.recorded_by_id,
                "recorded_by_name": v.recorded_by_name,
                "recorded_by_role": v.recorded_by_role,
                "question": v.question,
                "context": v.context,
                "options": [
                    {
                        "position": o.position,
                        "label": o.label,
                        "benefits": o.benefits,
                        "risks": o.risks,
                        "burdens": o.burdens,
                        "source": o.source,
                    }
                    for o in v.options.all()
                ],
                "what_matters": v.what_matters,
                "preferred_option": v.preferred_option,
                "preference_words": v.preference_words,
                "status": v.status,
                "chosen_option": v.chosen_option,
                "participants": [
                    {"name": p.name, "role": p.role, "user_id": p.user_id}
                    for p in v.participants.all()
                ],
                "revisit_on": v.revisit_on,
                "change_note": v.change_note,
            }
            for v in record.versions
        ],
    }


def form_data(payload: DecisionIn) -> dict[str, str]:
    """The payload as the page's form would send it (rows numbered from 0)."""
    errors: dict[str, list[str]] = {}
    if len(payload.options) > MAX_OPTIONS:
        errors["options"] = [_("At most %(n)d options.") % {"n": MAX_OPTIONS}]
    if len(payload.participants) > MAX_PARTICIPANTS:
        errors["participants"] = [_("At most %(n)d people.") % {"n": MAX_PARTICIPANTS}]
    if errors:
        raise FormInvalid(errors)
    data = {
        "question": payload.question,
        "context": payload.context,
        "what_matters": payload.what_matters,
        "preferred_option": ""
        if payload.preferred_option is None
        else str(payload.preferred_option),
        "preference_words": payload.preference_words,
        "status": payload.status,
        "chosen_option": "" if payload.chosen_option is None else str(payload.chosen_option),
        "revisit_on": payload.revisit_on,
    }
    for i, option in enumerate(payload.options):
        data.update({f"options-{i}-{k}": v for k, v in option.dict().items()})
    for i, person in enumerate(payload.participants):
        data[f"participants-{i}-name"] = person.name
        data[f"participants-{i}-role"] = person.role
        data[f"participants-{i}-user"] = "" if person.user_id is None else str(person.user_id)
    return data


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.API)


@router.get(
    "/patients/{patient_id}/decisions",
    response={200: list[DecisionOut], 404: ErrorOut},
    summary="A patient's shared decisions, each with every version (oldest first)",
)
@api_roles(*STAFF)
def list_decisions(request: HttpRequest, patient_id: int) -> Any:
    return [_out(r) for r in services.decisions_of_patient(_actor(request), patient_id)]


@router.post(
    "/episodes/{episode_id}/decisions",
    response={201: DecisionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record a shared decision (version 1): checked like the page, all or nothing",
)
@api_roles(*STAFF)
def create_decision(request: HttpRequest, episode_id: int, payload: DecisionIn) -> Any:
    actor = _actor(request)
    services.episode_for_writing(actor, episode_id)  # 404 / 403 before the body is checked
    record = services.create_decision(actor, episode_id, form_data(payload))
    return Status(201, _out(record))
