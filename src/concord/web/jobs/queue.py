"""Enqueue, claim and complete jobs.

Claiming is a conditional UPDATE (compare-and-set on the claim token), which is atomic on
SQLite and on PostgreSQL alike, so any number of workers can share one database: exactly
one of them wins each job. A claim is a lease; a job whose worker died is claimed again
once its lease has expired.
"""

from __future__ import annotations

import secrets
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from concord.web.jobs.models import Job, JobStatus
from concord.web.jobs.registry import HANDLERS


class UnknownJobKind(LookupError):
    pass


class LeaseLost(RuntimeError):
    """Another worker took the job over; this worker's work is rolled back."""


def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    due_at: datetime | None = None,
    unique_key: str | None = None,
    max_attempts: int = 5,
) -> Job:
    """Add a job. With ``unique_key``, a second enqueue returns the existing job."""
    if kind not in HANDLERS:
        raise UnknownJobKind(f"no handler for job kind {kind!r}")
    fields = {
        "kind": kind,
        "payload": payload or {},
        "due_at": due_at or timezone.now(),
        "max_attempts": max_attempts,
    }
    if unique_key is None:
        return Job.objects.create(**fields)
    try:
        with transaction.atomic():
            return Job.objects.create(unique_key=unique_key, **fields)
    except IntegrityError:
        return Job.objects.get(unique_key=unique_key)


@dataclass(frozen=True)
class Claim:
    job: Job
    token: str


def claim_next(worker_id: str, *, now: datetime | None = None) -> Claim | None:
    """Claim the next due job for ``worker_id``, or return None when none is due.

    A due job is a queued one whose time has come, or a running one whose lease expired
    (its worker died). A job whose lease expired on its last allowed attempt is marked
    failed instead of being run again, so a job that kills its worker cannot kill every
    worker in turn.
    """
    now = now or timezone.now()
    lease = timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    claimable = Q(status=JobStatus.QUEUED, due_at__lte=now) | Q(
        status=JobStatus.RUNNING, lease_until__lt=now
    )
    for _round in range(5):
        candidates = list(
            Job.objects.filter(claimable)
            .order_by("due_at", "id")
            .values_list("id", "status", "claim_token", "attempts", "max_attempts")[:20]
        )
        if not candidates:
            return None
        for job_id, status, old_token, attempts, max_attempts in candidates:
            unchanged = Job.objects.filter(id=job_id, status=status, claim_token=old_token).filter(
                claimable
            )
            if status == JobStatus.RUNNING and attempts >= max_attempts:
                unchanged.update(
                    status=JobStatus.FAILED,
                    lease_until=None,
                    finished_at=now,
                    last_error=f"the lease expired on every attempt ({attempts} of "
                    f"{max_attempts}): its worker stopped",
                )
                continue
            token = secrets.token_hex(16)
            won = unchanged.update(
                status=JobStatus.RUNNING,
                claim_token=token,
                claimed_by=worker_id[:100],
                lease_until=now + lease,
                attempts=F("attempts") + 1,
            )
            if won == 1:
                return Claim(Job.objects.get(id=job_id), token)
    return None


def run_claimed(claim: Claim) -> str:
    """Run the job's handler and mark it done in one transaction; return the new status."""
    job = claim.job
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise UnknownJobKind(f"no handler for job kind {job.kind!r}")
        with transaction.atomic():
            result = handler(job.payload)
            finished = Job.objects.filter(
                id=job.id, claim_token=claim.token, status=JobStatus.RUNNING
            ).update(
                status=JobStatus.DONE,
                result=result,
                finished_at=timezone.now(),
                lease_until=None,
                last_error="",
            )
            if finished != 1:
                raise LeaseLost(f"job {job.id} was claimed by another worker")
        return JobStatus.DONE
    except LeaseLost:
        return "lease_lost"
    except Exception:
        error = traceback.format_exc(limit=5)[-4000:]
        failed = job.attempts >= job.max_attempts
        backoff = timedelta(seconds=min(3600, 30 * 2 ** max(job.attempts - 1, 0)))
        Job.objects.filter(id=job.id, claim_token=claim.token).update(
            status=JobStatus.FAILED if failed else JobStatus.QUEUED,
            last_error=error,
            lease_until=None,
            due_at=timezone.now() + backoff,
            finished_at=timezone.now() if failed else None,
        )
        return JobStatus.FAILED if failed else "retry"
