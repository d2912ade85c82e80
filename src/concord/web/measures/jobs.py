"""The ``measures.generate_due`` job: create due administrations, expire overdue ones, and
book the next run (hourly) so a running worker keeps the plans up to date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from concord.web.jobs.registry import job_handler

JOB_KIND = "measures.generate_due"
EVERY = timedelta(hours=1)


@job_handler(JOB_KIND)
def generate_due_job(payload: dict[str, Any]) -> dict[str, Any]:
    from concord.web.jobs.queue import enqueue
    from concord.web.measures.services import generate_due

    result = generate_due()
    if payload.get("repeat", True):
        next_run = (timezone.now() + EVERY).replace(minute=0, second=0, microsecond=0)
        enqueue(
            JOB_KIND,
            {"repeat": True},
            due_at=next_run,
            unique_key=f"{JOB_KIND}:{next_run:%Y-%m-%dT%H}",
        )
    return result


def schedule_generation() -> None:
    """Make sure a generation run is queued (idempotent per hour)."""
    from concord.web.jobs.queue import enqueue

    now = timezone.now()
    enqueue(JOB_KIND, {"repeat": True}, due_at=now, unique_key=f"{JOB_KIND}:{now:%Y-%m-%dT%H}")
