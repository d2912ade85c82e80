"""Job handlers for the worker tests.

The tests import this module directly; ``concord worker`` subprocesses import it through
``CONCORD_JOB_MODULES`` (see :func:`worker_environment`).

``test.effect`` writes one *effect marker* per run: a finished Job row of kind
``test.effect_marker`` whose payload names the job it belongs to and whose ``claimed_by``
names the process that wrote it. The markers have no unique key on purpose, so a job whose
effects committed twice shows up as two markers instead of being absorbed by a constraint.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from concord.web.jobs.models import Job, JobStatus
from concord.web.jobs.registry import job_handler

EFFECT = "test.effect"
FAIL = "test.fail"
MARKER = "test.effect_marker"


@job_handler(EFFECT)
def record_effect(payload: dict[str, Any]) -> dict[str, Any]:
    """Write an effect marker, say so in ``signal_dir`` (outside the database), then sleep."""
    number = payload["n"]
    now = timezone.now()
    Job.objects.create(
        kind=MARKER,
        payload={"of": number},
        due_at=now,
        status=JobStatus.DONE,
        claimed_by=f"{socket.gethostname()}:{os.getpid()}",
        finished_at=now,
    )
    if payload.get("signal_dir"):
        Path(payload["signal_dir"], f"started-{number}").touch()
    time.sleep(float(payload.get("sleep", 0)))
    return {"n": number}


@job_handler(FAIL)
def always_fail(payload: dict[str, Any]) -> None:
    """Write an effect marker, then fail: the marker must roll back with the attempt."""
    Job.objects.create(
        kind=MARKER, payload={"of": payload.get("n")}, due_at=timezone.now(), status=JobStatus.DONE
    )
    raise ValueError(f"boom {payload.get('n')}")


def markers() -> list[int]:
    """The job numbers of every committed effect marker (one entry per marker)."""
    return sorted(
        p["of"] for p in Job.objects.filter(kind=MARKER).values_list("payload", flat=True)
    )


def database_url() -> str:
    """A ``DATABASE_URL`` naming the database the tests run on (the test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_environment(lease_seconds: int = 5) -> dict[str, str]:
    """Environment for a ``concord worker`` subprocess on the test database with these handlers."""
    package_root = Path(__file__).resolve().parents[len(__name__.split(".")) - 1]
    python_path = os.pathsep.join(
        p for p in (str(package_root), os.environ.get("PYTHONPATH", "")) if p
    )
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CONCORD_JOB_MODULES": __name__,
        "PYTHONPATH": python_path,
        "CONCORD_WORKER_LEASE_SECONDS": str(lease_seconds),
        "CONCORD_WORKER_POLL_SECONDS": "1",
        "CONCORD_LOG_LEVEL": "INFO",
    }
