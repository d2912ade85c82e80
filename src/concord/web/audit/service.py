"""What service code calls to record an access: ``audit(actor, ...)``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

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


def audit(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = "",
    patient_ids: Iterable[int] = (),
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one row to the audit trail for this access."""
    user = actor.user
    append(
        [
            AuditEntry(
                actor_id=user.pk,
                actor_username=user.get_username(),
                role=getattr(user, "role", ""),
                action=action,
                object_type=object_type,
                object_id="" if object_id in (None, "") else str(object_id),
                patient_ids=tuple(patient_ids),
                channel=actor.channel,
                source=actor.source,
                detail=detail,
            )
        ]
    )
