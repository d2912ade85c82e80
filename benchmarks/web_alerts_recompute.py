"""Benchmark: the web app's alert recomputation for a clinic of 10 000 patients.

Issue 4 goal: all signals of a clinic of 10 000 patients recomputed in < 60 s. This runs
what the worker's jobs run (``alerts.recompute_all`` -> ``recompute_all``,
``alerts.recompute_patient`` -> ``recompute_patient``; the handlers add only the booking
of the next night) in-process against a database, on a fixed clock, not the analytics core
alone (that is ``benchmarks/risk_signals.py``).

Data: ``benchmarks/_alerts_clinic.py`` writes ``simulate_clinic(patients, seed)`` into the
database (12 sessions, SRS after attended sessions, a PHQ-9 due at each session, a year of
refills, 14 days of dose confirmations, a BARS per patient). The build is not timed.

Timed, in order:

The data end on day D (yesterday); the nightly runs are at D+1 02:30, the patient jobs at
D+1 10:00.

1. **first nightly run** on the fresh clinic: fits the clinic's expected recovery curves
   (no fit stored yet) and raises every alert (one transaction and one audit row per
   episode with alerts);
2. **nightly run after new data**: a new PHQ-9 for 2 % of the patients (so the curves are
   fitted again) and a new SRS for another 2 % (some alerts change);
3. **nightly run, nothing new**: the steady state (the stored fit is confirmed, nothing
   is written);
4. **patient jobs**: ``alerts.recompute_patient`` for ``--patient-jobs`` patients chosen
   at random (seeded), one after another, each after a new SRS for that patient; must
   not fit the curves again.

Usage::

    python benchmarks/web_alerts_recompute.py [--patients 10000] [--seed 1]
        [--patient-jobs 200] [--workdir DIR] [--database-url postgres://.../EMPTY_DB] [--json]

Without ``--database-url`` the database is SQLite in a fresh data directory (a temporary
one unless ``--workdir`` is given; ``DATABASE_URL`` of the environment is ignored). With
it, the named PostgreSQL database must exist and be empty (the script migrates it and
leaves the data there). Reports wall and process CPU time, the load average and
``uptime`` before and after, because the benchmark machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _web_support import machine


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def setup(data_dir: Path, database_url: str | None) -> None:
    """Django on a fresh SQLite file in ``data_dir``, or on an empty PostgreSQL database."""
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        CONCORD_DATA_DIR=str(data_dir),
        CONCORD_MODE="development",
        CONCORD_DEBUG="false",
        CONCORD_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="concord.web.settings",
    )
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    elif (data_dir / "concord.sqlite3").exists():
        raise SystemExit(f"{data_dir} already holds a database: give an empty --workdir")
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if database_url and connection.introspection.table_names():
        raise SystemExit("the PostgreSQL database is not empty: give an empty one")
    call_command("migrate", interactive=False, verbosity=0)


def timed(work: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = work()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def _new_scores(patient_ids: list[int], code: str, now: datetime) -> None:
    """A submitted administration of ``code`` at a new session an hour before ``now``."""
    from concord.analytics.instruments import get_instrument, score_response
    from concord.web.clinic.models import CareEpisode, CareSession
    from concord.web.measures.models import Administration, AdministrationStatus, Rater
    from concord.web.measures.submission import scores_as_json

    answers = (
        {k: 9.0 for k in ("relationship", "goals_topics", "approach", "overall")}
        if code == "srs"
        else {**{f"q{n}": 2.0 for n in range(1, 10)}, "q9": 0.0, "q10": 1.0}
    )
    scores = scores_as_json(score_response(get_instrument(code), answers))
    episodes = {e.patient_id: e for e in CareEpisode.objects.filter(patient_id__in=patient_ids)}
    when = now - timedelta(hours=1)
    for patient_id in patient_ids:
        episode = episodes[patient_id]
        session = CareSession.objects.create(
            episode=episode, clinician=episode.lead_clinician, scheduled_at=when, status="attended"
        )
        Administration.objects.create(
            slot=f"bench-new-{code}:{session.pk}",
            episode=episode,
            instrument_code=code,
            instrument_version="1.0",
            rater=Rater.PATIENT,
            session=session,
            due_at=when,
            status=AdministrationStatus.SUBMITTED,
            answers=answers,
            scores=scores,
            submitted_at=when,
        )


def run(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    setup(data_dir, args.database_url)
    # A worker process imports these once; keep the imports out of the timings.
    import statsmodels.regression.mixed_linear_model  # noqa: F401
    from _alerts_clinic import build_clinic
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from concord.web.alerts.models import Alert, RecoveryCurveFit
    from concord.web.alerts.signals import recompute_all, recompute_patient
    from concord.web.audit.models import AuditEvent
    from concord.web.clinic.models import Patient

    # The simulated data end on day D; the nightly runs are at 02:30 the next day and the
    # patient jobs at 10:00, on a fixed clock (as the worker's jobs with their "now"), so
    # that every run sees the same data whatever the time the benchmark runs.
    day = timezone.localdate() - timedelta(days=1)
    built = build_clinic(args.patients, seed=args.seed, today=day)
    zone = timezone.get_current_timezone()
    after = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    nightly_at, new_data_at = after + timedelta(hours=2, minutes=30), after + timedelta(hours=1)
    jobs_at = after + timedelta(hours=10)
    result: dict[str, Any] = {
        "benchmark": "web_alerts_recompute",
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "data": built,
        "data_day": day.isoformat(),
        "machine": machine(),
        "uptime_before": uptime(),
        "runs": [],
    }
    connection.close()

    def nightly(name: str) -> None:
        fits_before = RecoveryCurveFit.objects.count()
        audit_before = AuditEvent.objects.count()
        counts, wall, cpu = timed(lambda: recompute_all(now=nightly_at).as_dict())
        result["runs"].append(
            {
                "run": name,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "result": counts,
                "new_fits": RecoveryCurveFit.objects.count() - fits_before,
                "audit_rows": AuditEvent.objects.count() - audit_before,
                "live_alerts": Alert.objects.exclude(status="resolved").count(),
                "load_after": [round(x, 2) for x in os.getloadavg()],
            }
        )
        print(json.dumps(result["runs"][-1]), flush=True)

    rng = random.Random(args.seed)
    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    nightly("first nightly run (fit + raise everything)")
    changed = rng.sample(ids, 2 * max(1, len(ids) // 50))
    half = len(changed) // 2
    _new_scores(changed[:half], "phq9", new_data_at)
    _new_scores(changed[half:], "srs", new_data_at)
    nightly("nightly run after new data (refit, some alerts change)")
    nightly("nightly run, nothing new (steady state)")

    sample = rng.sample(ids, min(args.patient_jobs, len(ids)))
    _new_scores(sample, "srs", jobs_at - timedelta(hours=1))
    fits_before = RecoveryCurveFit.objects.count()
    timings = []
    cpu0 = time.process_time()
    for patient_id in sample:
        _counts, wall, _cpu = timed(lambda p=patient_id: recompute_patient(p, now=jobs_at))
        timings.append(wall)
    cpu = time.process_time() - cpu0
    timings.sort()
    result["patient_jobs"] = {
        "jobs": len(timings),
        "p50_ms": round(1000 * timings[len(timings) // 2], 1),
        "p95_ms": round(1000 * timings[int(len(timings) * 0.95) - 1], 1),
        "max_ms": round(1000 * timings[-1], 1),
        "mean_ms": round(1000 * sum(timings) / len(timings), 1),
        "cpu_ms_per_job": round(1000 * cpu / len(timings), 1),
        "new_fits": RecoveryCurveFit.objects.count() - fits_before,
    }
    print(json.dumps(result["patient_jobs"]), flush=True)
    result["uptime_after"] = uptime()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--patient-jobs", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--database-url", default=None, help="an EMPTY PostgreSQL database (default: SQLite)"
    )
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = parser.parse_args()
    print(f"uptime before: {uptime()}", flush=True)
    if args.workdir is None:
        with tempfile.TemporaryDirectory(prefix="concord-bench-alerts-") as tmp:
            result = run(args, Path(tmp))
    else:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = run(args, args.workdir)
    print(f"uptime after: {result['uptime_after']}", flush=True)
    if args.json:
        print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
