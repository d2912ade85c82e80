"""Administrations and their scores in the JSON API (/api/v1), with the pages' access rules.

Registered on the project's API in :mod:`concord.web.api.api` (``api.add_router``).
"""

# No ``from __future__ import annotations``: Ninja reads the endpoint's annotations through
# the ``api_roles`` wrapper, whose globals are those of concord.web.api.api.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from concord.web.accounts.models import Role
from concord.web.api.api import api_roles
from concord.web.api.schemas import ErrorOut
from concord.web.audit.models import Channel
from concord.web.audit.service import Actor
from concord.web.measures import services

router = Router(tags=["measures"])


class AdministrationOut(Schema):
    id: int
    episode_id: int
    session_id: int | None
    instrument_code: str
    instrument_version: str
    rater: str
    status: str
    due_at: datetime
    submitted_at: datetime | None
    submitted_via: str
    proxy: bool
    scores: dict[str, Any] | None
    not_scorable_reason: str
    safety_flag: bool


@router.get(
    "/episodes/{episode_id}/administrations",
    response={200: list[AdministrationOut], 404: ErrorOut},
    summary="Measures of an episode: due, submitted and expired, with scores",
)
@api_roles(Role.CLINICIAN, Role.SUPERVISOR)
def episode_administrations(request: HttpRequest, episode_id: int) -> Any:
    actor = Actor.from_request(request, channel=Channel.API)
    return services.administrations_of_episode(actor, episode_id)
