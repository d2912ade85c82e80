"""Dispensing events in the JSON API (/api/v1), with the access rules of the pages.

Registered on the project's API in :mod:`concord.web.api.api` (``api.add_router``); that
module is imported first (by the URL configuration), so importing :func:`api_roles` from
it here is safe. Errors use the API's one error shape: row problems come back as
``{"error": {"code": "invalid", "fields": {"events": ["Row 2, column \\"days_supply\\": ..."]}}}``.
"""

# No ``from __future__ import annotations``: Ninja reads the endpoint's annotations through
# the ``api_roles`` wrapper, whose globals are those of concord.web.api.api.
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from concord.web.accounts.models import Role
from concord.web.api.api import api_roles
from concord.web.api.schemas import ErrorOut
from concord.web.audit.models import Channel
from concord.web.audit.service import Actor
from concord.web.medications import services
from concord.web.medications.models import DispensingEvent

router = Router(tags=["medications"])
STAFF = (Role.CLINICIAN, Role.SUPERVISOR)


class DispensingEventOut(Schema):
    id: int
    patient_id: int
    date: date
    days_supply: float
    daily_dose: float | None
    medication_class: str
    medication_name: str
    source: str
    upload_id: int | None
    recorded_at: datetime


class DispensingEventIn(Schema):
    """One event. Values are checked by the same rules as a CSV row (named in errors)."""

    date: str | None = None
    days_supply: int | float | str | None = None
    daily_dose: int | float | str | None = None
    medication_class: str | None = None
    medication_name: str | None = None


class DispensingEventsIn(Schema):
    events: list[DispensingEventIn]
    date_format: str = "%Y-%m-%d"
    source: str = "manual"


def _out(event: DispensingEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "patient_id": event.patient_id,
        "date": event.dispensed_on,
        "days_supply": float(event.days_supply),
        "daily_dose": None if event.daily_dose is None else float(event.daily_dose),
        "medication_class": event.medication_class,
        "medication_name": event.medication_name,
        "source": event.source,
        "upload_id": event.upload_id,
        "recorded_at": event.recorded_at,
    }


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.API)


@router.get(
    "/patients/{patient_id}/dispensing-events",
    response={200: list[DispensingEventOut], 404: ErrorOut},
    summary="A patient's dispensing (refill) events, oldest first",
)
@api_roles(*STAFF)
def list_dispensing_events(request: HttpRequest, patient_id: int) -> Any:
    return [_out(e) for e in services.dispensing_events_of(_actor(request), patient_id)]


@router.post(
    "/patients/{patient_id}/dispensing-events",
    response={201: list[DispensingEventOut], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record dispensing events: all or none; every bad row is named",
)
@api_roles(*STAFF)
def add_dispensing_events(
    request: HttpRequest, patient_id: int, payload: DispensingEventsIn
) -> Any:
    created = services.add_dispensing_events(
        _actor(request),
        patient_id,
        [e.dict() for e in payload.events],
        date_format=payload.date_format,
        source=payload.source,
    )
    return Status(201, [_out(e) for e in created])
