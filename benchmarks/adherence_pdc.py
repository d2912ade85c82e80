"""Benchmark: PQA proportion of days covered on 1 000 000 synthetic patients.

Usage::

    python benchmarks/adherence_pdc.py [--patients 1000000] [--seed 20231] [--workdir DIR]

Generates a seeded synthetic refill history (Parquet, in a temporary directory unless
``--workdir`` is given), then times :func:`proportion_of_days_covered` in a fresh child
process for each scenario and reports wall time, CPU time (user + system, all threads; less
sensitive than wall time to other work on a shared machine) and the child's peak resident memory
(Linux ``VmHWM``; it includes reading the Parquet file, the input table and Python itself).

Synthetic data (one measurement year, 2023): each patient has 1-24 fills (uniform), the first
on a day in [-30, 200) relative to 2023-01-01, days' supply 30 (60 %), 60 (20 %) or 90 (20 %),
each refill due when the supply runs out plus a delay uniform in [-10, 30) days (early
refills overlap and are shifted). Each fill has one of three classes (C10AA, C09AA, J05AR),
uniformly, and one of two drugs within its class.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

SCENARIOS = {
    "per_patient": {},
    "per_patient_and_class": {"class_col": "class", "antiretroviral": ["J05AR"]},
    "per_patient_class_and_drug": {
        "class_col": "class",
        "drug_col": "drug",
        "antiretroviral": ["J05AR"],
    },
}


def generate(patients: int, seed: int, path: Path) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    per_patient = rng.integers(1, 25, size=patients)
    total = int(per_patient.sum())
    ids = np.repeat(np.arange(1, patients + 1, dtype=np.int64), per_patient)
    supply = rng.choice(np.array([30, 60, 90], dtype=np.int32), size=total, p=[0.6, 0.2, 0.2])
    delay = rng.integers(-10, 30, size=total, dtype=np.int32)
    step = np.maximum(supply + delay, 1).astype(np.int64)
    # Day of each fill: patient's first day + sum of the previous steps of that patient.
    starts = np.cumsum(per_patient) - per_patient
    first_day = rng.integers(-30, 200, size=patients)
    steps_before = np.cumsum(step) - step
    offset = steps_before - np.repeat(steps_before[starts], per_patient)
    day = np.repeat(first_day, per_patient) + offset
    class_index = rng.integers(0, 3, size=total)
    classes = np.array(["C10AA", "C09AA", "J05AR"])[class_index]
    drugs = np.array(["a", "b"])[rng.integers(0, 2, size=total)]
    frame = pl.DataFrame(
        {
            "patient_id": ids,
            "date": pl.Series(
                day + (np.datetime64("2023-01-01") - np.datetime64("1970-01-01")).astype(np.int64),
                dtype=pl.Int32,
            ).cast(pl.Date),
            "days_supply": supply,
            "class": classes,
            "drug": np.char.add(classes, drugs),
        }
    )
    frame.write_parquet(path)
    return {"patients": patients, "events": total}


def run_one(path: Path, scenario: str) -> None:
    """Child process: load, time PDC, print JSON."""
    from concord.analytics.adherence.pdc import proportion_of_days_covered

    events = pl.read_parquet(path)
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    out = proportion_of_days_covered(
        events,
        id_col="patient_id",
        date_col="date",
        duration_col="days_supply",
        period_start="2023-01-01",
        period_end="2023-12-31",
        **SCENARIOS[scenario],  # type: ignore[arg-type]
    )
    seconds = time.perf_counter() - started
    cpu_seconds = _cpu_seconds() - cpu_before
    peak_mb = _peak_rss_mb()
    counts = dict(out.group_by("status").len().iter_rows())
    print(
        json.dumps(
            {
                "scenario": scenario,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu_seconds, 2),
                "peak_rss_mb": round(peak_mb),
                "rows_out": out.height,
                "status_counts": counts,
                "mean_pdc": out["pdc"].mean(),
                "load_avg_1min_before_after": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            }
        )
    )


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB.

    Linux's VmHWM belongs to the process image, so it restarts at exec; ``ru_maxrss`` would
    carry over the parent's peak into the child (the parent generated the data).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20231)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("PARQUET", "SCENARIO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(Path(args.child[0]), args.child[1])
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="concord-pdc-bench-"))
    path = workdir / f"fills_{args.patients}_{args.seed}.parquet"
    started = time.perf_counter()
    shape = generate(args.patients, args.seed, path)
    print(
        json.dumps(
            {
                **shape,
                "generate_seconds": round(time.perf_counter() - started, 1),
                "parquet_mb": round(path.stat().st_size / 2**20, 1),
                "python": platform.python_version(),
                "polars": pl.__version__,
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "processor": platform.processor() or "unknown",
            }
        ),
        flush=True,
    )
    for scenario in SCENARIOS:
        for _ in range(args.repeat):
            subprocess.run([sys.executable, __file__, "--child", str(path), scenario], check=True)


if __name__ == "__main__":
    main()
