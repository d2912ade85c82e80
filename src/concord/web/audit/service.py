"""What service code calls to record an access: ``audit(actor, ...)``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template import Context

from concord.web.accounts.models import User
from concord.web.audit.chain import AuditEntry, append
from concord.web.audit.models import Channel


@dataclass(frozen=True)
class Actor:
    """Who acts, through which channel, from where. Services take one of these."""

    user: User
    channel: str
    source: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest, channel: str = Channel.WEB) -> Actor:
        source = request.META.get("REMOTE_ADDR", "") or ""
        return cls(user=request.user, channel=channel, source=source)  # type: ignore[arg-type]

    @classmethod
    def from_template_context(cls, context: Context) -> Actor | None:
        """The signed-in person of the page a template tag renders in, else None (sections
        other pages include call the services with this actor, so the access rules and the
        audit trail apply exactly as on the area's own pages)."""
        request = context.get("request")
        if request is None or not request.user.is_authenticated:
            return None
        return cls.from_request(request)


@dataclass(frozen=True)
class AuditRow:
    """One row of :func:`audit_many`: the arguments of :func:`audit` after the actor."""

    action: str
    object_type: str
    object_id: object = ""
    patient_ids: tuple[int, ...] = ()
    detail: dict[str, Any] | None = None


def _entry(actor: Actor, row: AuditRow) -> AuditEntry:
    user = actor.user
    return AuditEntry(
        actor_id=user.pk,
        actor_username=user.get_username(),
        role=getattr(user, "role", ""),
        action=row.action,
        object_type=row.object_type,
        object_id="" if row.object_id in (None, "") else str(row.object_id),
        patient_ids=tuple(row.patient_ids),
        channel=actor.channel,
        source=actor.source,
        detail=row.detail,
    )


def audit(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = "",
    patient_ids: Iterable[int] = (),
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one row to the audit trail for this access."""
    append([_entry(actor, AuditRow(action, object_type, object_id, tuple(patient_ids), detail))])


def audit_many(actor: Actor, rows: Iterable[AuditRow]) -> None:
    """Append several rows by one actor in one step of the chain (the worker's batches):
    the same rows as one :func:`audit` call each, with one lock of the chain head."""
    append([_entry(actor, row) for row in rows])
