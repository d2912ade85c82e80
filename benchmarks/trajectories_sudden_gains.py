"""Benchmark: sudden gains on 1 000 000 persons x 12 sessions (goal < 10 s).

Seeded synthetic data: a person-level start score, weekly improvement with noise,
a sudden drop for a fifth of the persons, integer BDI-like scores clipped to
0..63, and 10 % of the cells missing at random. Runs each step ``--repeat``
times and prints the minimum and median wall-clock time.

Usage::

    .venv/bin/python benchmarks/trajectories_sudden_gains.py [--persons 1000000]
        [--sessions 12] [--repeat 3] [--alliance-patients 10000]

Results are recorded in docs/benchmarks/trajectories.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
import polars as pl

from concord.analytics.trajectories import (
    AllianceSignalSettings,
    SuddenChangeOptions,
    detect_alliance_signals,
    identify_sudden_gains,
    sudden_gains_by_gain,
    sudden_gains_by_person,
)
from concord.analytics.trajectories.criteria import evaluate_intervals


def synthetic_wide(persons: int, sessions: int, seed: int = 20241121) -> pl.DataFrame:
    """BDI-like wide table: id, s1 .. s<sessions>."""
    rng = np.random.default_rng(seed)
    start = rng.normal(30, 7, size=(persons, 1))
    slope = rng.normal(1.0, 0.6, size=(persons, 1))
    weeks = np.arange(sessions)[None, :]
    scores = start - slope * weeks + rng.normal(0, 3, size=(persons, sessions))
    jumpers = rng.random(persons) < 0.2
    at = rng.integers(2, sessions - 2, size=persons)
    drop = np.where(jumpers, rng.normal(10, 3, size=persons), 0.0)
    scores -= (weeks >= at[:, None]) * drop[:, None]
    scores = np.clip(np.round(scores), 0, 63)
    scores[rng.random((persons, sessions)) < 0.10] = np.nan
    columns = {f"s{i + 1}": scores[:, i] for i in range(sessions)}
    return pl.DataFrame({"id": np.arange(1, persons + 1), **columns})


def synthetic_alliance(patients: int, sessions: int, seed: int = 7) -> pl.DataFrame:
    """SRS-like long table (0..40): patient, session, score; 10 % unrated."""
    rng = np.random.default_rng(seed)
    base = np.clip(rng.normal(36, 3, size=(patients, 1)), 10, 40)
    scores = np.clip(np.round(base + rng.normal(0, 2, size=(patients, sessions)), 1), 0, 40)
    dips = rng.random((patients, sessions)) < 0.05
    scores = np.where(dips, np.clip(scores - rng.normal(8, 2, size=scores.shape), 0, 40), scores)
    scores[rng.random((patients, sessions)) < 0.10] = np.nan
    return pl.DataFrame(
        {
            "patient": np.repeat(np.arange(patients), sessions),
            "session": np.tile(np.arange(1, sessions + 1), patients),
            "score": scores.ravel(),
        }
    )


def timed(label: str, repeat: int, step: Callable[[], object]) -> object:
    """Wall-clock min / median and the process CPU time of the fastest run."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = step()
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    fastest = times.index(min(times))
    print(
        f"{label:<56} wall min {min(times):6.2f} s  median {statistics.median(times):6.2f} s"
        f"  (CPU {cpu[fastest]:6.2f} s)"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--alliance-patients", type=int, default=10_000)
    parser.add_argument("--alliance-sessions", type=int, default=20)
    args = parser.parse_args()

    print(f"python {platform.python_version()}, numpy {np.__version__}, polars {pl.__version__}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"load average at start: {os.getloadavg()}")
    data = synthetic_wide(args.persons, args.sessions)
    columns = [f"s{i + 1}" for i in range(args.sessions)]
    scores = data.select(columns).to_numpy().astype(np.float64)
    print(f"data: {args.persons:,} persons x {args.sessions} sessions, 10 % missing\n")

    criteria = SuddenChangeOptions(identify="sg", sg_crit1_cutoff=7).criteria()
    result = timed(
        "criteria only (numpy matrix -> flags)",
        args.repeat,
        lambda: evaluate_intervals(scores, criteria),
    )
    gains = int(np.count_nonzero(result.crit123_met))  # type: ignore[attr-defined]
    print(f"  {gains:,} sudden gains")
    timed(
        "identify_sudden_gains (Polars in, wide Polars table out)",
        args.repeat,
        lambda: identify_sudden_gains(data, "id", columns, sg_crit1_cutoff=7),
    )
    timed(
        "identify_sudden_gains, crit123_details=True",
        args.repeat,
        lambda: identify_sudden_gains(data, "id", columns, sg_crit1_cutoff=7, crit123_details=True),
    )
    common = {
        "id_var_name": "id",
        "sg_var_list": columns,
        "tx_start_var_name": columns[0],
        "tx_end_var_name": columns[-1],
        "sg_measure_name": "bdi",
        "sg_crit1_cutoff": 7,
    }
    bysg = timed(
        "sudden_gains_by_gain (bysg, reversals)",
        args.repeat,
        lambda: sudden_gains_by_gain(data, **common),  # type: ignore[arg-type]
    )
    print(f"  {bysg.height:,} rows")  # type: ignore[attr-defined]
    timed(
        "sudden_gains_by_person (byperson, largest)",
        args.repeat,
        lambda: sudden_gains_by_person(data, multiple_sg_select="largest", **common),  # type: ignore[arg-type]
    )

    if args.alliance_patients:
        ratings = synthetic_alliance(args.alliance_patients, args.alliance_sessions)
        settings = AllianceSignalSettings(
            concern_threshold=36, scale_maximum=40, min_sd=1.0, sudden_crit1_cutoff=5
        )
        print(
            f"\nalliance: {args.alliance_patients:,} patients x {args.alliance_sessions} sessions"
        )
        signals = timed(
            "detect_alliance_signals (all rules)",
            args.repeat,
            lambda: detect_alliance_signals(ratings, settings),
        )
        print(f"  {len(signals.events):,} events")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
