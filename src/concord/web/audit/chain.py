"""Writing and verifying the audit hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from concord.web.audit.models import AuditEvent, ChainHead

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """What a service records: who did what to which patient data, through which channel."""

    actor_id: int | None
    actor_username: str
    role: str
    action: str
    object_type: str
    object_id: str
    patient_ids: tuple[int, ...]
    channel: str
    source: str = ""
    detail: dict[str, Any] | None = None


def _canonical(at: datetime, entry_fields: dict[str, Any]) -> bytes:
    payload = dict(entry_fields, at=at.isoformat(timespec="microseconds"))
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def row_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "patient_refs": event.patient_refs,
        "channel": event.channel,
        "source": event.source,
        "detail": event.detail,
    }


def row_digest(previous_digest: str, at: datetime, fields: dict[str, Any]) -> str:
    return hashlib.sha256(previous_digest.encode("ascii") + _canonical(at, fields)).hexdigest()


def patient_refs(patient_ids: Iterable[int]) -> str:
    ids = sorted({int(p) for p in patient_ids})
    return "," + ",".join(str(p) for p in ids) + "," if ids else ""


def append(entries: Iterable[AuditEntry]) -> list[AuditEvent]:
    """Append entries to the chain atomically (with the caller's transaction, if any)."""
    entries = list(entries)
    if not entries:
        return []
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            # The very first appends may race to create the head: one inserts, the others
            # wait for it and then lock the same row.
            ChainHead.objects.bulk_create([ChainHead(pk=1, digest=GENESIS)], ignore_conflicts=True)
            head = ChainHead.objects.select_for_update().get(pk=1)
        previous = head.digest
        at = timezone.now()
        events = []
        for entry in entries:
            event = AuditEvent(
                at=at,
                actor_id=entry.actor_id,
                actor_username=entry.actor_username,
                role=entry.role,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                patient_refs=patient_refs(entry.patient_ids),
                channel=entry.channel,
                source=entry.source[:100],
                detail=entry.detail or {},
                previous_digest=previous,
            )
            event.digest = row_digest(previous, at, row_fields(event))
            previous = event.digest
            events.append(event)
        AuditEvent.objects.bulk_create(events)
        ChainHead.objects.filter(pk=1).update(digest=previous)
    return events


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    first_broken_id: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify(batch_size: int = 5000) -> ChainReport:
    """Recompute every digest in id order; report the first row that does not match.

    The check covers the rows that were there when it started, so it ends even while
    services keep appending. It reads the chain head first: the row the head named then
    must still be there, otherwise rows at the end of the chain were removed.
    """
    head_at_start = ChainHead.objects.filter(pk=1).values_list("digest", flat=True).first()
    end_id = AuditEvent.objects.aggregate(end=Max("id"))["end"] or 0
    head_found = head_at_start is None
    previous = GENESIS
    checked = 0
    last_id = 0
    while last_id < end_id:
        rows = AuditEvent.objects.filter(id__gt=last_id, id__lte=end_id).order_by("id")
        batch = list(rows[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.previous_digest != previous:
                return ChainReport(
                    checked, event.pk, "previous digest does not match the row before"
                )
            expected = row_digest(previous, event.at, row_fields(event))
            if expected != event.digest:
                return ChainReport(checked, event.pk, "row content does not match its digest")
            head_found = head_found or event.digest == head_at_start
            previous = event.digest
            checked += 1
            last_id = event.pk
    if not head_found:
        return ChainReport(checked, last_id + 1, "rows after the last one were removed")
    if head_at_start is None and checked and not ChainHead.objects.filter(pk=1).exists():
        return ChainReport(checked, last_id + 1, "the chain head is missing")
    return ChainReport(checked, None, "")
