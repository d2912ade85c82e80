"""The JSON API under /api/v1: bearer tokens, the same services and access rules as the pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from concord.web.accounts.models import ApiToken, Role
from concord.web.audit.models import Channel
from concord.web.audit.service import Actor
from concord.web.clinic import services
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid, NotAllowed

from .schemas import EpisodeOut, ErrorOut, MeOut, PatientOut, SessionIn, SessionOut, SessionPatch


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Concord API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    docs_url="/docs",
    description="Patients, care episodes and sessions, with the access rules of the web pages. "
    "Authenticate with `Authorization: Bearer <token>` (tokens: `concord token create`).",
)


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(NotAllowed)
def _not_allowed(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, "forbidden", str(exc))


@api.exception_handler(FormInvalid)
def _invalid(request: HttpRequest, exc: FormInvalid) -> HttpResponse:
    return _error(request, 422, "invalid", "Some fields are not valid.", exc.errors)


@api.exception_handler(ValidationError)
def _schema_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for item in exc.errors:
        location = [str(p) for p in item.get("loc", ()) if p not in ("body", "payload", "query")]
        fields.setdefault(".".join(location) or "__all__", []).append(
            str(item.get("msg", "invalid"))
        )
    return _error(request, 422, "invalid", "Some fields are not valid.", fields)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "A valid bearer token is required.")


def api_roles(*allowed: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Endpoint access rule: other roles get 404, like the pages."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if getattr(request.user, "role", None) not in allowed:
                raise NotFound
            return function(request, *args, **kwargs)

        wrapper.access_rule = "roles:" + ",".join(sorted(allowed))  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.API)


STAFF = (Role.CLINICIAN, Role.SUPERVISOR)
ANY_ROLE = tuple(Role.values)


class Page(Schema):
    limit: int = 100
    offset: int = 0


@api.get("/me", response=MeOut, summary="Who the token belongs to")
@api_roles(*ANY_ROLE)
def me(request: HttpRequest) -> Any:
    return {"username": request.user.get_username(), "role": request.user.role}  # type: ignore[union-attr]


@api.get(
    "/patients", response={200: list[PatientOut], 404: ErrorOut}, summary="Patients you may see"
)
@api_roles(*STAFF)
def list_patients(request: HttpRequest, page: Query[Page]) -> Any:
    limit = max(1, min(page.limit, 500))
    return services.list_patients(_actor(request), limit=limit, offset=max(page.offset, 0))


@api.get("/patients/{patient_id}", response={200: PatientOut, 404: ErrorOut})
@api_roles(*STAFF)
def get_patient(request: HttpRequest, patient_id: int) -> Any:
    return services.get_patient(_actor(request), patient_id)


@api.get("/patients/{patient_id}/episodes", response={200: list[EpisodeOut], 404: ErrorOut})
@api_roles(*STAFF)
def patient_episodes(request: HttpRequest, patient_id: int) -> Any:
    actor = _actor(request)
    patient = services.get_patient(actor, patient_id)
    return [_episode(e) for e in services.episodes_of(actor, patient)]


def _episode(e: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "patient_id": e.patient_id,
        "team": e.team.name,
        "reason": e.reason,
        "status": e.status,
        "started_on": e.started_on,
        "ended_on": e.ended_on,
    }


@api.get("/episodes/{episode_id}", response={200: EpisodeOut, 404: ErrorOut})
@api_roles(*STAFF)
def get_episode(request: HttpRequest, episode_id: int) -> Any:
    return _episode(services.get_episode(_actor(request), episode_id))


@api.get("/episodes/{episode_id}/sessions", response={200: list[SessionOut], 404: ErrorOut})
@api_roles(*STAFF)
def episode_sessions(request: HttpRequest, episode_id: int) -> Any:
    actor = _actor(request)
    episode = services.get_episode(actor, episode_id)
    return services.sessions_of(actor, [episode])


@api.post(
    "/episodes/{episode_id}/sessions",
    response={201: SessionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@api_roles(*STAFF)
def create_session(request: HttpRequest, episode_id: int, payload: SessionIn) -> Any:
    return Status(201, services.create_session(_actor(request), episode_id, payload.dict()))


@api.get("/sessions/{session_id}", response={200: SessionOut, 404: ErrorOut})
@api_roles(*STAFF)
def get_session(request: HttpRequest, session_id: int) -> Any:
    return services.get_session(_actor(request), session_id)


@api.patch(
    "/sessions/{session_id}",
    response={200: SessionOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@api_roles(*STAFF)
def update_session(request: HttpRequest, session_id: int, payload: SessionPatch) -> Any:
    changes = {k: v for k, v in payload.dict().items() if v is not None}
    return services.update_session(_actor(request), session_id, changes)


from concord.web.measures.api import router as measures_router  # noqa: E402 - uses api_roles

api.add_router("/", measures_router)


from concord.web.medications.api import router as medications_router  # noqa: E402 - uses api_roles

api.add_router("/", medications_router)


from concord.web.plans.api import router as plans_router  # noqa: E402 - uses api_roles

api.add_router("/", plans_router)


from concord.web.consent.api import router as consent_router  # noqa: E402 - uses api_roles

api.add_router("/", consent_router)


from concord.web.barriers.api import router as barriers_router  # noqa: E402 - uses api_roles

api.add_router("/", barriers_router)


from concord.web.decisions.api import router as decisions_router  # noqa: E402 - uses api_roles

api.add_router("/", decisions_router)


from concord.web.materials.api import router as materials_router  # noqa: E402 - uses api_roles

api.add_router("/", materials_router)
