"""Benchmark: 32 concurrent clients writing sessions through the JSON API on SQLite.

Usage::

    python benchmarks/web_concurrent_writes.py [--clients 32] [--seconds 60]
                                               [--workers 4] [--threads 4]
                                               [--workdir DIR] [--json]

Builds a throwaway clinic (SQLite in a fresh data directory; ``DATABASE_URL`` is ignored):
one care team with 8 clinicians and 64 patients, one active episode each. Every client has its
own bearer token (``ApiToken.issue``, clinicians taken in turn) and its own pair of episodes.

gunicorn serves it on 127.0.0.1 with ``--workers`` processes of ``--threads`` threads each
(development mode, DEBUG off). For ``--seconds`` the clients POST
``/api/v1/episodes/{id}/sessions`` as fast as the server answers, each on its own keep-alive
connection (a thread per client in this process). Afterwards it counts:

* HTTP errors: every answer that is not 201, and every failed connection;
* lost rows: ids answered with 201 that are not in the database, and whether the number of
  new session rows equals the number of 201 answers;
* "database is locked" (and any traceback) in the server's log.

Goal (issue 2): 0 errors, 0 lost rows, no "database is locked".
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _web_support import (
    Client,
    gunicorn_server,
    load_average,
    machine,
    percentiles_ms,
    setup_django,
)

CLINICIANS = 8
PATIENTS = 64


def build_clinic(clients: int) -> tuple[list[tuple[str, list[int]]], dict[str, int]]:
    """(token, episode ids) for each client, and the data sizes."""
    from django.db import transaction
    from django.utils import timezone

    from concord.web.accounts.models import ApiToken, Role, User
    from concord.web.clinic.models import (
        CareEpisode,
        CareSession,
        CareTeam,
        Clinic,
        EpisodeStatus,
        Organisation,
        Patient,
        TeamMembership,
    )

    with transaction.atomic():
        organisation = Organisation.objects.create(name="Benchmark health")
        clinic = Clinic.objects.create(organisation=organisation, name="Benchmark clinic")
        team = CareTeam.objects.create(clinic=clinic, name="Write team")
        users = []
        for index in range(CLINICIANS):
            user = User.objects.create(
                username=f"writer{index}", role=Role.CLINICIAN, discipline="psychotherapy"
            )
            user.set_unusable_password()
            user.save()
            TeamMembership.objects.create(team=team, user=user)
            users.append(user)
        started = (timezone.now() - timedelta(weeks=10)).date()
        episodes = []
        for index in range(PATIENTS):
            patient = Patient.objects.create(
                clinic=clinic,
                given_name=f"Given{index}",
                family_name=f"Family{index}",
                date_of_birth=started.replace(year=1970 + index % 40),
            )
            episodes.append(
                CareEpisode.objects.create(
                    patient=patient,
                    team=team,
                    lead_clinician=users[index % CLINICIANS],
                    reason="Depression",
                    status=EpisodeStatus.ACTIVE,
                    started_on=started,
                )
            )
        plan = []
        for index in range(clients):
            _token, secret = ApiToken.issue(users[index % CLINICIANS], f"bench client {index}")
            mine = [episodes[(2 * index) % PATIENTS].pk, episodes[(2 * index + 1) % PATIENTS].pk]
            plan.append((secret, mine))
    sizes = {
        "clinicians": CLINICIANS,
        "patients": PATIENTS,
        "episodes": len(episodes),
        "tokens": clients,
        "sessions_before": CareSession.objects.count(),
    }
    return plan, sizes


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.created_ids: list[int] = []
        self.statuses: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.error_samples: list[str] = []

    def record(self, status: str, latency: float, created_id: int | None, detail: str = "") -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(latency)
            if created_id is not None:
                self.created_ids.append(created_id)
            elif len(self.error_samples) < 10:
                self.error_samples.append(f"{status}: {detail[:300]}")


def write_sessions(
    base: str, token: str, episodes: list[int], client_index: int, deadline: float, tally: Tally
) -> None:
    client = Client(base, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    sequence = 0
    while time.monotonic() < deadline:
        episode = episodes[sequence % len(episodes)]
        # Future sessions (scheduled), spread out so that no two requests look alike.
        minutes = 60 * 24 * (1 + client_index) + sequence
        when = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 60 * minutes))
        body = json.dumps(
            {
                "scheduled_at": when,
                "duration_minutes": 50,
                "modality": "telehealth",
                "status": "scheduled",
                "note": f"client {client_index} write {sequence}",
            }
        ).encode()
        began = time.perf_counter()
        try:
            status, data = client.request(
                "POST", f"/api/v1/episodes/{episode}/sessions", body, headers
            )
        except OSError as error:
            tally.record(
                f"connection error {type(error).__name__}",
                time.perf_counter() - began,
                None,
                str(error),
            )
            client.close()
            continue
        elapsed = time.perf_counter() - began
        if status == 201:
            tally.record("201", elapsed, int(json.loads(data)["id"]))
        else:
            tally.record(str(status), elapsed, None, data.decode("utf-8", "replace"))
        sequence += 1
    client.close()


def run(
    clients: int, seconds: float, workers: int, threads: int, workdir: Path
) -> dict[str, object]:
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(data_dir)
    plan, sizes = build_clinic(clients)
    from django.conf import settings

    from concord.web.audit.chain import verify
    from concord.web.clinic.models import CareSession

    log_path = workdir / "gunicorn.log"
    tally = Tally()
    with gunicorn_server(data_dir, log_path, workers=workers, threads=threads) as server:
        base = server.base
        load_before = load_average()
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        pool = [
            threading.Thread(
                target=write_sessions,
                args=(base, token, episodes, index, deadline, tally),
                daemon=True,
            )
            for index, (token, episodes) in enumerate(plan)
        ]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(timeout=seconds + 180)
        wall = time.monotonic() - started
        stuck = sum(thread.is_alive() for thread in pool)
        load_after = load_average()
    log = log_path.read_text(encoding="utf-8", errors="replace")

    created = set(tally.created_ids)
    present = (
        set(CareSession.objects.filter(pk__in=created).values_list("pk", flat=True))
        if created
        else set()
    )
    new_rows = CareSession.objects.count() - sizes["sessions_before"]
    ok = tally.statuses.get("201", 0)
    errors = sum(n for status, n in tally.statuses.items() if status != "201")
    chain = verify()
    result = {
        "benchmark": "web_concurrent_writes",
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "server": f"gunicorn gthread, {workers} workers x {threads} threads, DEBUG off",
        "clients": clients,
        "seconds": seconds,
        "wall_seconds": round(wall, 1),
        "data": sizes,
        "responses": dict(tally.statuses),
        "created_201": ok,
        "writes_per_second": round(ok / wall, 1),
        "http_errors": errors,
        "error_samples": tally.error_samples,
        "duplicate_ids": len(tally.created_ids) - len(created),
        "lost_rows": len(created - present),
        "new_rows_in_db": new_rows,
        "rows_equal_201s": new_rows == ok,
        "database_is_locked_in_log": log.count("database is locked"),
        "tracebacks_in_log": log.count("Traceback"),
        "audit_chain_rows": chain.rows_checked,
        "audit_chain_intact": chain.ok,
        "clients_still_running": stuck,
        "latency_ms": percentiles_ms(tally.latencies) if tally.latencies else {},
        "load_average_before_after": [load_before, load_after],
        "machine": machine(),
    }
    result["goal_met"] = (
        errors == 0
        and result["lost_rows"] == 0
        and new_rows == ok
        and ok > 0
        and result["database_is_locked_in_log"] == 0
        and stuck == 0
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the database and server log here (default: a temporary dir)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    if args.workdir is None:
        with tempfile.TemporaryDirectory(prefix="concord-bench-") as tmp:
            result = run(args.clients, args.seconds, args.workers, args.threads, Path(tmp))
    else:
        result = run(args.clients, args.seconds, args.workers, args.threads, args.workdir)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))
    print(
        "goal (0 errors, 0 lost, no 'database is locked'):",
        "met" if result["goal_met"] else "MISSED",
    )
    print(json.dumps(result["machine"]))


if __name__ == "__main__":
    main()
