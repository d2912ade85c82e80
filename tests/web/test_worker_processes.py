"""Real ``concord worker`` processes on the test database: SIGTERM, SIGKILL mid-job, three at once.

The same tests run on SQLite and, when ``DATABASE_URL`` names PostgreSQL, on PostgreSQL.
Each job of kind ``test.effect`` writes an effect marker in its own transaction (see
job_handlers_for_tests), so "exactly once" is checked on committed data: one marker per job.
Leases are 5 s and workers poll every second; every wait below is bounded.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from concord.web.jobs.models import Job, JobStatus
from concord.web.jobs.queue import enqueue

from .job_handlers_for_tests import EFFECT, MARKER, markers, worker_environment

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


class Worker:
    """One ``concord worker`` subprocess, its output kept in a log file."""

    def __init__(self, name: str, log_dir: Path) -> None:
        self.log = log_dir / f"worker-{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "concord.cli.main", "worker"],
                env=worker_environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_started(self, timeout: float = 30) -> None:
        wait_until(
            lambda: f":{self.pid} started" in self.output(),
            timeout,
            f"worker {self.pid} to start",
            self,
        )

    def stop(self, sig: signal.Signals, timeout: float = 15) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"worker {self.pid} still running {timeout} s after {sig.name}:\n{self.output()}"
            ) from None


def wait_until(condition: Callable[[], bool], timeout: float, what: str, *workers: Worker) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.log.name}\n{w.output()}" for w in workers)
            raise AssertionError(f"gave up after {timeout} s waiting for {what}\n{logs}")
        for worker in workers:
            if worker.process.poll() is not None and "started" not in worker.output():
                raise AssertionError(f"worker {worker.pid} died at start:\n{worker.output()}")
        time.sleep(0.05)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[str], Worker]]:
    started: list[Worker] = []

    def start(name: str) -> Worker:
        worker = Worker(name, tmp_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:  # no process may outlive its test (and hold the test database)
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(10)


def done_count(jobs: list[Job]) -> int:
    return Job.objects.filter(pk__in=[j.pk for j in jobs], status=JobStatus.DONE).count()


def test_sigterm_lets_the_current_job_finish_then_the_worker_exits_0(
    tmp_path: Path, start_worker: Callable[[str], Worker]
) -> None:
    long_job = enqueue(EFFECT, {"n": 0, "sleep": 1.5, "signal_dir": str(tmp_path)})
    next_job = enqueue(EFFECT, {"n": 1})
    worker = start_worker("a")
    wait_until((tmp_path / "started-0").exists, 30, "the job to start", worker)

    began = time.monotonic()
    assert worker.stop(signal.SIGTERM) == 0
    assert time.monotonic() - began < 8

    long_job.refresh_from_db()
    next_job.refresh_from_db()
    assert (long_job.status, long_job.result) == (JobStatus.DONE, {"n": 0})
    assert (next_job.status, next_job.attempts) == (JobStatus.QUEUED, 0)
    assert markers() == [0]
    assert "worker stopped: 1 done, 0 to retry, 0 failed" in worker.output()


def test_a_worker_killed_mid_job_loses_no_job_and_repeats_none(
    tmp_path: Path, start_worker: Callable[[str], Worker]
) -> None:
    jobs = [enqueue(EFFECT, {"n": n, "sleep": 0.5, "signal_dir": str(tmp_path)}) for n in range(4)]
    first = start_worker("first")
    wait_until(
        (tmp_path / "started-1").exists, 30, "the first worker to start its second job", first
    )

    first.stop(signal.SIGKILL)
    killed_job = Job.objects.get(pk=jobs[1].pk)
    assert killed_job.status == JobStatus.RUNNING
    assert killed_job.claimed_by.endswith(f":{first.pid}")
    assert markers() == [0]  # job 1 had written its marker, uncommitted: gone with the process

    second = start_worker("second")
    wait_until(lambda: done_count(jobs) == 4, 40, "every job to be done", second)
    assert second.stop(signal.SIGTERM) == 0

    assert markers() == [0, 1, 2, 3]
    killed_job.refresh_from_db()
    assert killed_job.claimed_by.endswith(f":{second.pid}")
    assert killed_job.attempts == 2  # once by the killed worker, once after its lease expired
    marker_of_killed = Job.objects.get(kind=MARKER, payload__of=1)
    assert marker_of_killed.claimed_by == killed_job.claimed_by


def test_three_workers_share_sixty_jobs_exactly_once_even_when_one_is_killed(
    start_worker: Callable[[str], Worker],
) -> None:
    jobs = [enqueue(EFFECT, {"n": n, "sleep": 0.05}) for n in range(60)]
    workers = [start_worker(name) for name in ("a", "b", "c")]
    wait_until(lambda: done_count(jobs) >= 15, 40, "15 jobs to be done", *workers)

    workers[0].stop(signal.SIGKILL)  # perhaps mid-job: the survivors take it over
    survivors = workers[1:]
    wait_until(lambda: done_count(jobs) == 60, 40, "all 60 jobs to be done", *survivors)
    for worker in survivors:
        worker.wait_started()
    # Idle now: SIGTERM ends each of them promptly and cleanly.
    began = time.monotonic()
    assert [worker.stop(signal.SIGTERM) for worker in survivors] == [0, 0]
    assert time.monotonic() - began < 5

    assert markers() == list(range(60))
    assert Job.objects.filter(pk__in=[j.pk for j in jobs], status=JobStatus.DONE).count() == 60
    by_worker = Counter(Job.objects.filter(kind=MARKER).values_list("claimed_by", flat=True))
    assert set(by_worker) <= {f"{socket.gethostname()}:{w.pid}" for w in workers}
    assert len(by_worker) >= 2, by_worker  # the work was shared
