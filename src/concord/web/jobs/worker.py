"""The ``concord worker`` loop: claim due jobs, run them, stop cleanly on SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from dataclasses import dataclass, field
from types import FrameType

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

from concord.web.jobs.models import Job
from concord.web.jobs.queue import claim_next, run_claimed

log = logging.getLogger("concord.worker")


@dataclass
class WorkerStats:
    done: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0
    database_errors: int = 0
    outcomes: list[str] = field(default_factory=list)


class StopRequest:
    """Set by SIGTERM/SIGINT.

    Only sets plain attributes. A handler that takes a lock can deadlock: the handler runs
    in the main thread, which may hold that very lock (``threading.Event.set`` takes the
    lock its ``wait`` holds while starting to wait).
    """

    def __init__(self) -> None:
        self.requested = False
        self.signal = 0

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        self.signal = signum
        self.requested = True

    def wait(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking within 0.1 s of a stop request."""
        deadline = time.monotonic() + seconds
        while not self.requested and (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(remaining, 0.1))


def run_worker(
    *,
    once: bool = False,
    max_jobs: int | None = None,
    poll_seconds: float | None = None,
    install_signal_handlers: bool = True,
) -> WorkerStats:
    """Process jobs until stopped (SIGTERM/SIGINT), or until none is due with ``once``.

    A stop request lets the current job finish, then the worker exits. The worker refuses
    to start on a database it cannot use. Later, a database error (the database restarting,
    a lock timeout) is logged and the worker tries again after ``poll_seconds`` (with
    ``once``, it is raised); a job it was running is taken up again when its lease expires.
    """
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    stop = StopRequest()
    poll = settings.WORKER_POLL_SECONDS if poll_seconds is None else poll_seconds
    if install_signal_handlers:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    # Fail loudly at start when the database is unreachable or not migrated; later
    # database errors are taken as passing (a restart, a lock timeout) and retried.
    Job.objects.filter(pk=0).exists()
    stats = WorkerStats()
    log.info("worker %s started", worker_id)
    while not stop.requested:
        close_old_connections()
        try:
            claim = claim_next(worker_id)
            if claim is None:
                if once:
                    break
                stop.wait(poll)
                continue
            outcome = run_claimed(claim)
        except DatabaseError:
            if once:
                raise
            log.exception("worker %s: database error; trying again in %s s", worker_id, poll)
            stats.database_errors += 1
            connection.close()
            stop.wait(poll)
            continue
        stats.outcomes.append(outcome)
        if outcome == "done":
            stats.done += 1
        elif outcome == "retry":
            stats.retried += 1
        elif outcome == "failed":
            stats.failed += 1
        else:
            stats.lost += 1
        log.info("worker %s: job %s (%s) %s", worker_id, claim.job.pk, claim.job.kind, outcome)
        if max_jobs is not None and len(stats.outcomes) >= max_jobs:
            break
    if stop.requested:
        log.info("worker %s: signal %s, stopped after the current job", worker_id, stop.signal)
    log.info(
        "worker %s stopped: %s done, %s retried, %s failed",
        worker_id,
        stats.done,
        stats.retried,
        stats.failed,
    )
    return stats
