"""The ``concord worker`` loop: claim due jobs, run them, stop cleanly on SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass, field
from types import FrameType

from django.conf import settings
from django.db import close_old_connections

from concord.web.jobs.queue import claim_next, run_claimed

log = logging.getLogger("concord.worker")


@dataclass
class WorkerStats:
    done: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0
    outcomes: list[str] = field(default_factory=list)


def run_worker(*, once: bool = False, max_jobs: int | None = None, poll_seconds: float | None = None,
               install_signal_handlers: bool = True) -> WorkerStats:
    """Process jobs until stopped (SIGTERM/SIGINT), or until none is due with ``once``.

    A stop request lets the current job finish, then the worker exits.
    """
    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    stop = threading.Event()
    poll = settings.WORKER_POLL_SECONDS if poll_seconds is None else poll_seconds

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("worker %s: signal %s, stopping after the current job", worker_id, signum)
        stop.set()

    if install_signal_handlers:
        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
    stats = WorkerStats()
    log.info("worker %s started", worker_id)
    while not stop.is_set():
        close_old_connections()
        claim = claim_next(worker_id)
        if claim is None:
            if once:
                break
            stop.wait(poll)
            continue
        outcome = run_claimed(claim)
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
    log.info("worker %s stopped: %s done, %s retried, %s failed", worker_id, stats.done,
             stats.retried, stats.failed)
    return stats
