"""Benchmark: Concord's adherence engine against AdhereR 0.8.1's published timings.

Runs, on the 10 000-patient synthetic dataset (shape of AdhereR's med.events, see
../shared/data/adherer/synthetic/README.md), the calls whose AdhereR timings the README gives:

* CMA1, CMA7, CMA9: follow-up 0 + 730 days, observation window 182 + 365 days, no carry-over
  restriction, no dosage change;
* CMA9 per episode: maximum permissible gap 180 days, medication change = new episode,
  observation window 0 + 730 days;
* CMA9 sliding windows: 90-day windows every 30 days over the 730-day observation window.

Data loading is excluded (as for AdhereR): the CSV is read into memory once; each timing
covers validation, sorting, the SQL plan on DuckDB and the result table. Each measure is run
``--repeat`` times and the best wall time is reported, with the process CPU time of that run.

Usage::

    python benchmarks/adherence_cma.py [--data synth_10000.csv.gz] [--repeat 5] [--threads 2]
    python benchmarks/adherence_cma.py --data synth_1000000.parquet --only CMA9 --repeat 1 \
        --memory-limit 3GB

``--only`` restricts the measures; peak memory (max RSS of this process) is printed at the end.

``--distributed`` runs the same calls on Spark end to end (``compute_cma_distributed`` and
its per-episode / sliding-window variants, Spark reading ``--data`` itself) in a local
session (``--spark-master``, default ``local[2]``); each timing then covers validation,
the Spark job and collecting the result to Polars.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from concord.analytics.adherence import (
    DuckDBEngine,
    cma_per_episode,
    cma_per_episode_distributed,
    cma_sliding_window,
    cma_sliding_window_distributed,
    compute_cma,
    compute_cma_distributed,
)

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared/data/adherer/synthetic/synth_10000.csv.gz"
)

#: AdhereR 0.8.1, R 4.2.2, one thread, 2-core machine (synthetic README), seconds.
ADHERER_SECONDS = {
    1_000: {"CMA1": 0.58, "CMA7": 1.27, "CMA9": 4.05, "CMA9 per episode": 17.7,
            "CMA9 sliding windows": 124.8},
    10_000: {"CMA1": 4.79, "CMA7": 11.1, "CMA9": 39.3, "CMA9 per episode": 199.6,
             "CMA9 sliding windows": 1175.0},
    100_000: {"CMA1": 56.1, "CMA7": 123.8},
}  # fmt: skip

COLUMNS: dict[str, Any] = {
    "id_colname": "PATIENT_ID",
    "event_date_colname": "DATE",
    "event_duration_colname": "DURATION",
    "event_daily_dose_colname": "PERDAY",
    "medication_class_colname": "CATEGORY",
    "date_format": "%Y-%m-%d",
    "carry_only_for_same_medication": False,
    "consider_dosage_change": False,
    "followup_window_start": 0,
    "followup_window_duration": 730,
}


def measures(engine: DuckDBEngine) -> dict[str, Callable[[pl.DataFrame], pl.DataFrame]]:
    simple = {"observation_window_start": 182, "observation_window_duration": 365}
    whole = {"observation_window_start": 0, "observation_window_duration": 730}
    return {
        "CMA1": lambda d: compute_cma("CMA1", d, **COLUMNS, **simple, engine=engine).cma,
        "CMA7": lambda d: compute_cma("CMA7", d, **COLUMNS, **simple, engine=engine).cma,
        "CMA9": lambda d: compute_cma("CMA9", d, **COLUMNS, **simple, engine=engine).cma,
        "CMA9 per episode": lambda d: (
            cma_per_episode(
                d,
                cma_to_apply="CMA9",
                **COLUMNS,
                **whole,
                maximum_permissible_gap=180,
                medication_change_means_new_treatment_episode=True,
                engine=engine,
            ).cma
        ),
        "CMA9 sliding windows": lambda d: (
            cma_sliding_window(
                d,
                cma_to_apply="CMA9",
                **COLUMNS,
                **whole,
                sliding_window_duration=90,
                sliding_window_step_duration=30,
                engine=engine,
            ).cma
        ),
    }


def distributed_measures(events: Any) -> dict[str, Callable[[Any], pl.DataFrame]]:
    """The same calls on Spark end to end (``events`` is a Spark DataFrame)."""
    simple = {"observation_window_start": 182, "observation_window_duration": 365}
    whole = {"observation_window_start": 0, "observation_window_duration": 730}

    def cma(measure: str) -> Callable[[Any], pl.DataFrame]:
        return lambda d: compute_cma_distributed(measure, events, **COLUMNS, **simple).to_polars()

    return {
        "CMA1": cma("CMA1"),
        "CMA7": cma("CMA7"),
        "CMA9": cma("CMA9"),
        "CMA9 per episode": lambda d: cma_per_episode_distributed(
            events,
            cma_to_apply="CMA9",
            **COLUMNS,
            **whole,
            maximum_permissible_gap=180,
            medication_change_means_new_treatment_episode=True,
        ).to_polars(),
        "CMA9 sliding windows": lambda d: cma_sliding_window_distributed(
            events,
            cma_to_apply="CMA9",
            **COLUMNS,
            **whole,
            sliding_window_duration=90,
            sliding_window_step_duration=30,
        ).to_polars(),
    }


def spark_events(path: Path, master: str) -> Any:
    from pyspark.sql import SparkSession

    from concord.analytics.adherence.distributed import read_spark_events

    session = (
        SparkSession.builder.master(master)
        .appName("concord-adherence-benchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return read_spark_events(path, session)


def read(path: Path) -> pl.DataFrame:
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 3GB")
    parser.add_argument("--only", action="append", help="measure name(s) to run")
    parser.add_argument("--distributed", action="store_true", help="Spark end to end")
    parser.add_argument("--spark-master", default="local[2]")
    args = parser.parse_args()

    data = read(args.data)
    patients = data.get_column("PATIENT_ID").n_unique()
    print(f"data: {args.data.name}: {patients} patients, {data.height} events")
    print(f"machine: {os.cpu_count()} CPUs; DuckDB threads: {args.threads or 'default'}")
    engine = DuckDBEngine(threads=args.threads, memory_limit=args.memory_limit)
    reference = ADHERER_SECONDS.get(patients, {})
    header = ("measure", "rows", "best wall s", "CPU s", "AdhereR s", "speed-up")
    print(
        f"{header[0]:<22}{header[1]:>9}{header[2]:>13}{header[3]:>8}{header[4]:>11}{header[5]:>10}"
    )
    runs = (
        distributed_measures(spark_events(args.data, args.spark_master))
        if args.distributed
        else measures(engine)
    )
    if args.distributed:
        print(f"engine: Spark end to end, master {args.spark_master}")
    for name, run in runs.items():
        if args.only and name not in args.only:
            continue
        best = (float("inf"), 0.0)
        rows = 0
        for _ in range(args.repeat):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            rows = run(data).height
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            best = min(best, (wall, cpu))
        adherer = reference.get(name)
        ratio = f"{adherer / best[0]:>9.0f}x" if adherer else f"{'':>10}"
        adherer_text = f"{adherer:>11.2f}" if adherer else f"{'':>11}"
        print(f"{name:<22}{rows:>9}{best[0]:>13.3f}{best[1]:>8.2f}{adherer_text}{ratio}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
