"""The job queue in one process: enqueue, claim, leases, retries, lost leases, the worker loop.

Worker *processes* (SIGTERM, SIGKILL mid-job, several at once) are in test_worker_processes.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from concord.web.jobs.models import Job, JobStatus
from concord.web.jobs.queue import UnknownJobKind, claim_next, enqueue, run_claimed
from concord.web.jobs.worker import run_worker

from .job_handlers_for_tests import EFFECT, FAIL, MARKER, markers

pytestmark = pytest.mark.django_db


def test_enqueue_with_a_unique_key_returns_the_existing_job() -> None:
    first = enqueue(EFFECT, {"n": 1}, unique_key="reminder:patient-7:2026-11-21")
    second = enqueue(EFFECT, {"n": 2}, unique_key="reminder:patient-7:2026-11-21")
    other = enqueue(EFFECT, {"n": 3}, unique_key="reminder:patient-8:2026-11-21")

    assert second.pk == first.pk
    assert other.pk != first.pk
    assert Job.objects.get(unique_key="reminder:patient-7:2026-11-21").payload == {"n": 1}
    assert Job.objects.filter(kind=EFFECT).count() == 2


def test_a_finished_job_keeps_its_unique_key_so_it_is_not_enqueued_again() -> None:
    job = enqueue(EFFECT, {"n": 1}, unique_key="once")
    claim = claim_next("w1")
    assert claim is not None
    assert run_claimed(claim) == "done"

    again = enqueue(EFFECT, {"n": 1}, unique_key="once")

    assert again.pk == job.pk
    assert again.status == JobStatus.DONE
    assert claim_next("w1") is None


def test_jobs_without_a_unique_key_are_never_merged() -> None:
    enqueue(EFFECT, {"n": 1})
    enqueue(EFFECT, {"n": 1})
    assert Job.objects.filter(kind=EFFECT).count() == 2


def test_enqueue_refuses_an_unknown_kind() -> None:
    with pytest.raises(UnknownJobKind, match=r"no handler for job kind 'no\.such\.kind'"):
        enqueue("no.such.kind", {})
    assert not Job.objects.exists()


def test_a_job_claimed_by_one_worker_is_not_claimed_by_another() -> None:
    now = timezone.now()
    job = enqueue(EFFECT, {"n": 1}, due_at=now - timedelta(seconds=1))

    claim = claim_next("worker-a", now=now)
    assert claim is not None
    assert claim_next("worker-b", now=now) is None
    assert (
        claim_next("worker-b", now=now + timedelta(seconds=settings.WORKER_LEASE_SECONDS - 1))
        is None
    )

    job.refresh_from_db()
    assert claim.job.pk == job.pk
    assert (job.status, job.claimed_by, job.claim_token, job.attempts) == (
        JobStatus.RUNNING,
        "worker-a",
        claim.token,
        1,
    )
    assert job.lease_until == now + timedelta(seconds=settings.WORKER_LEASE_SECONDS)


def test_two_workers_claim_two_different_jobs_in_due_order() -> None:
    now = timezone.now()
    later = enqueue(EFFECT, {"n": 2}, due_at=now - timedelta(minutes=1))
    earlier = enqueue(EFFECT, {"n": 1}, due_at=now - timedelta(minutes=2))

    claim_a = claim_next("worker-a", now=now)
    claim_b = claim_next("worker-b", now=now)

    assert claim_a is not None and claim_b is not None
    assert (claim_a.job.pk, claim_b.job.pk) == (earlier.pk, later.pk)
    assert claim_next("worker-c", now=now) is None


def test_a_job_is_not_claimed_before_it_is_due() -> None:
    now = timezone.now()
    job = enqueue(EFFECT, {"n": 1}, due_at=now + timedelta(minutes=5))

    assert claim_next("w", now=now) is None
    claim = claim_next("w", now=now + timedelta(minutes=5))
    assert claim is not None and claim.job.pk == job.pk


def test_an_expired_lease_lets_another_worker_take_the_job_over() -> None:
    now = timezone.now()
    job = enqueue(EFFECT, {"n": 7}, due_at=now)
    lease = timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    stalled = claim_next("worker-a", now=now)
    assert stalled is not None

    assert claim_next("worker-b", now=now + lease) is None  # the lease runs to its last instant
    takeover = claim_next("worker-b", now=now + lease + timedelta(seconds=1))

    assert takeover is not None and takeover.job.pk == job.pk
    assert takeover.token != stalled.token
    job.refresh_from_db()
    assert (job.claimed_by, job.attempts) == ("worker-b", 2)
    # The stalled worker wakes up and finishes: its work is refused and rolled back.
    assert run_claimed(stalled) == "lease_lost"
    assert markers() == []
    assert run_claimed(takeover) == "done"
    assert markers() == [7]
    job.refresh_from_db()
    assert (job.status, job.result, job.lease_until) == (JobStatus.DONE, {"n": 7}, None)


def test_a_lost_lease_rolls_back_everything_the_handler_wrote() -> None:
    enqueue(EFFECT, {"n": 3})
    claim = claim_next("worker-a")
    assert claim is not None
    Job.objects.filter(pk=claim.job.pk).update(claim_token="taken-over-by-b")

    assert run_claimed(claim) == "lease_lost"

    assert not Job.objects.filter(kind=MARKER).exists()
    job = Job.objects.get(pk=claim.job.pk)
    assert (job.status, job.claim_token, job.result, job.finished_at) == (
        JobStatus.RUNNING,
        "taken-over-by-b",
        None,
        None,
    )


def test_a_failing_handler_is_retried_with_backoff_then_fails_keeping_the_error() -> None:
    job = enqueue(FAIL, {"n": 5}, max_attempts=3)

    first = claim_next("w")
    assert first is not None
    before = timezone.now()
    assert run_claimed(first) == "retry"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.finished_at, job.lease_until) == (
        JobStatus.QUEUED,
        1,
        None,
        None,
    )
    assert "ValueError: boom 5" in job.last_error
    assert before + timedelta(seconds=30) <= job.due_at <= timezone.now() + timedelta(seconds=30)
    assert claim_next("w") is None  # backing off

    second = claim_next("w", now=job.due_at)
    assert second is not None
    before = timezone.now()
    assert run_claimed(second) == "retry"
    job.refresh_from_db()
    assert job.attempts == 2
    assert before + timedelta(seconds=60) <= job.due_at <= timezone.now() + timedelta(seconds=60)

    third = claim_next("w", now=job.due_at)
    assert third is not None
    assert run_claimed(third) == "failed"
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 3)
    assert job.finished_at is not None
    assert "ValueError: boom 5" in job.last_error
    assert claim_next("w", now=timezone.now() + timedelta(days=1)) is None
    assert markers() == []  # every attempt's writes rolled back


def test_a_job_whose_handler_is_gone_is_retried_and_says_why() -> None:
    Job.objects.create(kind="retired.kind", due_at=timezone.now(), max_attempts=1)
    claim = claim_next("w")
    assert claim is not None

    assert run_claimed(claim) == "failed"

    job = Job.objects.get(pk=claim.job.pk)
    assert job.status == JobStatus.FAILED
    assert "no handler for job kind 'retired.kind'" in job.last_error


# The worker closes stale connections between jobs, so it needs real transactions.
@pytest.mark.django_db(transaction=True)
def test_run_worker_once_runs_every_due_job_once_and_returns() -> None:
    for n in range(3):
        enqueue(EFFECT, {"n": n})
    enqueue(EFFECT, {"n": 99}, due_at=timezone.now() + timedelta(hours=1))
    enqueue(FAIL, {"n": 4})

    stats = run_worker(once=True, install_signal_handlers=False)

    assert (stats.done, stats.retried, stats.failed, stats.lost) == (3, 1, 0, 0)
    assert markers() == [0, 1, 2]
    assert Job.objects.filter(kind=EFFECT, status=JobStatus.QUEUED).count() == 1


# The worker closes stale connections between jobs, so it needs real transactions.
@pytest.mark.django_db(transaction=True)
def test_run_worker_stops_after_max_jobs() -> None:
    for n in range(3):
        enqueue(EFFECT, {"n": n})

    stats = run_worker(max_jobs=2, install_signal_handlers=False)

    assert stats.done == 2
    assert markers() == [0, 1]


def test_the_builtin_audit_job_reports_the_chain() -> None:
    from concord.web.audit.chain import AuditEntry, append

    append([AuditEntry(None, "system", "", "read", "patient", "1", (1,), "worker")])
    enqueue("audit.verify_chain")
    claim = claim_next("w")
    assert claim is not None

    assert run_claimed(claim) == "done"

    job = Job.objects.get(pk=claim.job.pk)
    assert job.result == {"ok": True, "rows_checked": 1, "first_broken_id": None, "reason": ""}


def test_a_job_whose_worker_dies_on_every_attempt_fails_instead_of_running_forever() -> None:
    now = timezone.now()
    lease = timedelta(seconds=settings.WORKER_LEASE_SECONDS + 1)
    job = enqueue(EFFECT, {"n": 1}, due_at=now, max_attempts=2)
    assert claim_next("worker-a", now=now) is not None  # and worker A dies mid-job
    assert claim_next("worker-b", now=now + lease) is not None  # and so does worker B

    assert claim_next("worker-c", now=now + 2 * lease) is None

    job.refresh_from_db()
    assert (job.status, job.attempts, job.lease_until) == (JobStatus.FAILED, 2, None)
    assert job.finished_at == now + 2 * lease
    assert job.last_error == "the lease expired on every attempt (2 of 2): its worker stopped"
    assert markers() == []


@pytest.mark.django_db(transaction=True)
def test_a_database_error_does_not_end_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    from concord.web.jobs import worker

    enqueue(EFFECT, {"n": 1})
    calls = {"n": 0}

    def claim_after_an_outage(worker_id: str) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("database is locked")
        return claim_next(worker_id)

    monkeypatch.setattr(worker, "claim_next", claim_after_an_outage)
    stats = run_worker(max_jobs=1, poll_seconds=0.01, install_signal_handlers=False)

    assert (stats.database_errors, stats.done) == (1, 1)
    assert markers() == [1]


def test_the_worker_refuses_to_start_on_a_database_without_its_tables() -> None:
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE jobs_job RENAME TO jobs_job_elsewhere")

    with pytest.raises(DatabaseError, match="jobs_job"):
        run_worker(install_signal_handlers=False)


@pytest.mark.django_db(transaction=True)
def test_with_once_a_database_error_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    from concord.web.jobs import worker

    def locked(worker_id: str) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(worker, "claim_next", locked)
    with pytest.raises(OperationalError, match="database is locked"):
        run_worker(once=True, install_signal_handlers=False)


@pytest.mark.django_db(transaction=True)
def test_eight_threads_claiming_at_once_each_win_different_jobs() -> None:
    import threading

    from django.db import connection

    jobs = {enqueue(EFFECT, {"n": n}).pk for n in range(20)}
    start = threading.Barrier(8)
    won: list[tuple[str, int]] = []
    errors: list[BaseException] = []

    def claim_all(name: str) -> None:
        try:
            start.wait(10)
            while (claim := claim_next(name)) is not None:
                won.append((name, claim.job.pk))
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim_all, args=(f"t{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(pk for _name, pk in won) == sorted(jobs)  # each job claimed once, none missed
    claimed_by = dict(Job.objects.filter(pk__in=jobs).values_list("pk", "claimed_by"))
    assert claimed_by == {pk: name for name, pk in won}
    assert set(Job.objects.filter(pk__in=jobs).values_list("attempts", flat=True)) == {1}
