"""Worker jobs: ``alerts.recompute_patient`` (queued when new data arrive, debounced) and
``alerts.recompute_all`` (nightly; books its next run)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from concord.web.jobs.registry import job_handler

PATIENT_JOB = "alerts.recompute_patient"
ALL_JOB = "alerts.recompute_all"
DEBOUNCE = timedelta(minutes=2)
NIGHTLY_AT = time(2, 30)


@job_handler(PATIENT_JOB)
def recompute_patient_job(payload: dict[str, Any]) -> dict[str, Any]:
    from concord.web.alerts.signals import recompute_patient

    result = recompute_patient(int(payload["patient_id"])).as_dict()
    schedule_nightly()  # the first data to arrive start the nightly runs; idempotent
    return result


def next_nightly(now: datetime) -> datetime:
    local = timezone.localtime(now)
    run = local.replace(hour=NIGHTLY_AT.hour, minute=NIGHTLY_AT.minute, second=0, microsecond=0)
    return run if run > local else run + timedelta(days=1)


@job_handler(ALL_JOB)
def recompute_all_job(payload: dict[str, Any]) -> dict[str, Any]:
    from concord.web.alerts.signals import recompute_all

    result = recompute_all().as_dict()
    if payload.get("repeat", True):
        schedule_nightly()
    return result


def schedule_nightly(now: datetime | None = None) -> None:
    """Make sure the next nightly recomputation is queued (idempotent per night)."""
    from concord.web.jobs.queue import enqueue

    run = next_nightly(now or timezone.now())
    enqueue(ALL_JOB, {"repeat": True}, due_at=run, unique_key=f"{ALL_JOB}:{run:%Y-%m-%d}")


def queue_patient(patient_id: int, now: datetime | None = None) -> None:
    """Queue one recomputation of the patient at the end of the current debounce bucket:
    every change inside the bucket shares one job, and the job runs after all of them."""
    from concord.web.jobs.queue import enqueue

    now = now or timezone.now()
    step = int(DEBOUNCE.total_seconds())
    bucket_end = datetime.fromtimestamp((int(now.timestamp()) // step + 1) * step, tz=now.tzinfo)
    enqueue(
        PATIENT_JOB,
        {"patient_id": patient_id},
        due_at=bucket_end,
        unique_key=f"{PATIENT_JOB}:{patient_id}:{bucket_end:%Y-%m-%dT%H:%M}",
    )
