"""The barriers and practical support in the JSON API (/api/v1), with the access rules of the pages.

Registered on the project's API in :mod:`concord.web.api.api` (``api.add_router``). Staff
read a patient's barriers (with their actions and history) and referrals; clinicians record
barriers and directory entries (supervisors: 403); patients read and report their own under
``/me``. Errors use the API's one error shape, e.g. ``{"error": {"code": "invalid",
"fields": {"website": ["Enter a full web address, e.g. https://example.org/."]}}}``.
"""

# No ``from __future__ import annotations``: Ninja reads endpoint annotations through the
# ``api_roles`` wrapper, whose globals are those of concord.web.api.api.
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from concord.web.accounts.models import Role
from concord.web.api.api import api_roles
from concord.web.api.schemas import ErrorOut
from concord.web.audit.models import Channel
from concord.web.audit.service import Actor
from concord.web.barriers import portal, referrals, resources, services
from concord.web.barriers.models import Barrier, BarrierAction, CommunityResource, Referral

router = Router(tags=["barriers"])
STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


class HistoryOut(Schema):
    from_status: str
    to_status: str
    changed_by: str
    changed_by_role: str
    changed_at: datetime
    note: str


class ActionOut(Schema):
    id: int
    kind: str
    description: str
    owner_kind: str
    owner_clinician_id: int | None
    owner: str
    follow_up_on: date
    overdue: bool
    status: str
    outcome_note: str | None  # None in the patient's own view (notes stay with the team)
    created_at: datetime
    history: list[HistoryOut] | None  # None in the patient's own view


class BarrierOut(Schema):
    id: int
    patient_id: int
    episode_id: int | None
    regimen_id: int | None
    kind: str
    description: str
    words_of: str
    raised_by: str
    concerns: str
    reported_at: datetime
    status: str
    status_changed_at: datetime
    actions: list[ActionOut]
    history: list[HistoryOut] | None  # None in the patient's own view


class BarrierIn(Schema):
    kind: str
    raised_by: str = "patient"
    description: str = ""
    words_of: str = "patient"
    episode: int | None = None
    regimen: int | None = None
    concerns: str = ""


class MyBarrierIn(Schema):
    kind: str
    words: str = ""


class ResourceOut(Schema):
    id: int
    clinic_id: int
    name: str
    category: str
    description: str
    phone: str
    email: str
    website: str
    address: str
    area: str
    opening_hours: str
    languages: list[str]
    eligibility: str
    active: bool
    last_verified_on: date | None
    needs_verification: bool


class ResourceIn(Schema):
    clinic: int | None = None
    name: str
    category: str
    description: str
    phone: str = ""
    email: str = ""
    website: str = ""
    address: str = ""
    area: str = ""
    opening_hours: str = ""
    languages: str = ""
    eligibility: str = ""
    last_verified_on: date | None = None


class DirectoryFilter(Schema):
    q: str = ""
    category: str = ""
    language: str = ""
    include_archived: bool = False


class ReferralOut(Schema):
    id: int
    patient_id: int
    resource: ResourceOut
    action_id: int | None
    reason: str
    status: str
    referred_by: str
    created_at: datetime
    status_changed_at: datetime
    history: list[HistoryOut] | None  # None in the patient's own view


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.API)


def _history(rows: Any) -> list[dict[str, Any]]:
    return [
        {
            "from_status": h.from_status,
            "to_status": h.to_status,
            "changed_by": h.changed_by.get_username() if h.changed_by else "",
            "changed_by_role": h.changed_by_role,
            "changed_at": h.changed_at,
            "note": h.note,
        }
        for h in rows.all()
    ]


def _action(action: BarrierAction, today: date, staff: bool) -> dict[str, Any]:
    return {
        "id": action.pk,
        "kind": action.kind,
        "description": action.description,
        "owner_kind": action.owner_kind,
        "owner_clinician_id": action.owner_clinician_id,
        "owner": action.owner_label,
        "follow_up_on": action.follow_up_on,
        "overdue": action.is_overdue(today),
        "status": action.status,
        "outcome_note": action.outcome_note if staff else None,
        "created_at": action.created_at,
        "history": _history(action.history) if staff else None,
    }


def _barrier(barrier: Barrier, today: date, staff: bool = True) -> dict[str, Any]:
    return {
        "id": barrier.pk,
        "patient_id": barrier.patient_id,
        "episode_id": barrier.episode_id,
        "regimen_id": barrier.regimen_id,
        "kind": barrier.kind,
        "description": barrier.description,
        "words_of": barrier.words_of,
        "raised_by": barrier.raised_by,
        "concerns": barrier.concerns,
        "reported_at": barrier.reported_at,
        "status": barrier.status,
        "status_changed_at": barrier.status_changed_at,
        "actions": [_action(a, today, staff) for a in barrier.actions.all()],
        "history": _history(barrier.history) if staff else None,
    }


def _resource(resource: CommunityResource, today: date) -> dict[str, Any]:
    return {
        "id": resource.pk,
        "clinic_id": resource.clinic_id,
        "name": resource.name,
        "category": resource.category,
        "description": resource.description,
        "phone": resource.phone,
        "email": resource.email,
        "website": resource.website,
        "address": resource.address,
        "area": resource.area,
        "opening_hours": resource.opening_hours,
        "languages": resource.language_codes,
        "eligibility": resource.eligibility,
        "active": resource.active,
        "last_verified_on": resource.last_verified_on,
        "needs_verification": resource.needs_verification(today),
    }


def _referral(referral: Referral, today: date, staff: bool = True) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "patient_id": referral.patient_id,
        "resource": _resource(referral.resource, today),
        "action_id": referral.action_id,
        "reason": referral.reason,
        "status": referral.status,
        "referred_by": str(referral.referred_by) if referral.referred_by else "",
        "created_at": referral.created_at,
        "status_changed_at": referral.status_changed_at,
        "history": _history(referral.history) if staff else None,
    }


def _today() -> date:
    return timezone.localdate()


def _form_data(payload: Schema) -> dict[str, Any]:
    """Schema values as form data (None → empty, so that forms see "not given")."""
    return {k: "" if v is None else v for k, v in payload.dict().items()}


@router.get(
    "/patients/{patient_id}/barriers",
    response={200: list[BarrierOut], 404: ErrorOut},
    summary="A patient's barriers with their actions and history (current first)",
)
@api_roles(*STAFF)
def patient_barriers(request: HttpRequest, patient_id: int) -> Any:
    _patient, barriers = services.barriers_of_patient(_actor(request), patient_id)
    today = _today()
    return [_barrier(b, today) for b in barriers]


@router.post(
    "/patients/{patient_id}/barriers",
    response={201: BarrierOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record a barrier (clinicians of the care team)",
)
@api_roles(*STAFF)
def report_barrier(request: HttpRequest, patient_id: int, payload: BarrierIn) -> Any:
    actor = _actor(request)
    barrier = services.report_barrier(actor, patient_id, _form_data(payload))
    return Status(201, _barrier(services.get_barrier(actor, barrier.pk), _today()))


@router.get(
    "/patients/{patient_id}/referrals",
    response={200: list[ReferralOut], 404: ErrorOut},
    summary="A patient's referrals to community resources, with their history",
)
@api_roles(*STAFF)
def patient_referrals(request: HttpRequest, patient_id: int) -> Any:
    actor = _actor(request)
    patient = services.staff_patient(actor, patient_id)
    today = _today()
    return [_referral(r, today) for r in referrals.referrals_of_patient(actor, patient)]


@router.get(
    "/me/barriers",
    response={200: list[BarrierOut], 404: ErrorOut},
    summary="The signed-in patient's own barriers and what is being done (no team notes)",
)
@api_roles(Role.PATIENT)
def my_barriers(request: HttpRequest) -> Any:
    today = _today()
    return [_barrier(b, today, staff=False) for b in portal.my_barriers(_actor(request))]


@router.post(
    "/me/barriers",
    response={200: BarrierOut, 201: BarrierOut, 404: ErrorOut, 422: ErrorOut},
    summary="Report a barrier as the patient (200 with the existing one if already listed)",
)
@api_roles(Role.PATIENT)
def report_my_barrier(request: HttpRequest, payload: MyBarrierIn) -> Any:
    actor = _actor(request)
    result = portal.tick_barriers(actor, {"kinds": [payload.kind], "words": payload.words})
    barrier = (result.created or result.already)[0]
    shown = next(b for b in portal.my_barriers(actor) if b.pk == barrier.pk)
    return Status(201 if result.created else 200, _barrier(shown, _today(), staff=False))


@router.get(
    "/me/referrals",
    response={200: list[ReferralOut], 404: ErrorOut},
    summary="The signed-in patient's referrals with the services' contact details",
)
@api_roles(Role.PATIENT)
def my_referrals(request: HttpRequest) -> Any:
    today = _today()
    return [_referral(r, today, staff=False) for r in referrals.my_referrals(_actor(request))]


@router.get(
    "/community-resources",
    response={200: list[ResourceOut], 404: ErrorOut},
    summary="The community directory of your clinics, filtered",
)
@api_roles(*STAFF)
def directory(request: HttpRequest, filters: Query[DirectoryFilter]) -> Any:
    rows = resources.directory(
        _actor(request),
        resources.DirectoryQuery(
            text=filters.q,
            category=filters.category,
            language=filters.language,
            include_archived=filters.include_archived,
        ),
    )
    today = _today()
    return [_resource(r, today) for r in rows]


@router.post(
    "/community-resources",
    response={201: ResourceOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add an entry to the directory of one of your clinics (clinicians)",
)
@api_roles(*STAFF)
def add_resource(request: HttpRequest, payload: ResourceIn) -> Any:
    resource = resources.create_resource(_actor(request), _form_data(payload))
    return Status(201, _resource(resource, _today()))
