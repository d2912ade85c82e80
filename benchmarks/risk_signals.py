"""Benchmark: every risk signal of a 10 000-patient clinic recomputed (issue 4 goal: < 60 s).

Data: :func:`concord.analytics.risk.simulation.simulate_clinic` (seeded; 12 weekly sessions
per patient with alliance and PHQ-9-like scores and a due measure each, about 11 thirty-day
fills per patient over a year, 14 daily dose confirmations, one BARS estimate). Timed stages,
in the order the worker would run them:

1. CMA7 in sliding windows (90-day windows every 30 days over a 360-day observation window
   from the first fill; AdhereR's ``CMA_sliding_window``, DuckDB engine);
2. :func:`concord.analytics.risk.clinic_risk`: alliance signals and falling alliance, the
   not-on-track mixed model (fitted on a seeded sample of 1 000 patients, applied to all),
   non-adherence signals from the windows, fills, confirmations and BARS, engagement risk,
   and the combined triage list.

Simulation is reported separately and is not part of the total. Wall and process CPU time;
the machine's load average is printed because the benchmark machine is shared.

Usage::

    python benchmarks/risk_signals.py [--patients 10000] [--seed 1] [--repeat 1] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from collections import Counter

import polars as pl

from concord.analytics.adherence import DuckDBEngine, cma_sliding_window
from concord.analytics.risk import (
    ClinicRiskSettings,
    adherence_signals,
    clinic_risk,
    combined_risk,
    engagement_risk,
    falling_alliance_from_ratings,
    priorities_table,
)
from concord.analytics.risk.simulation import SimulatedClinic, simulate_clinic
from concord.analytics.trajectories.not_on_track import NotOnTrackSettings, flag_not_on_track


def _windows(fills: pl.DataFrame, threads: int) -> pl.DataFrame:
    result = cma_sliding_window(
        fills,
        cma_to_apply="CMA7",
        id_colname="patient",
        event_date_colname="date",
        event_duration_colname="days_supply",
        followup_window_duration=360,
        observation_window_duration=360,
        sliding_window_duration=90,
        sliding_window_step_duration=30,
        engine=DuckDBEngine(threads=threads),
    )
    return result.cma.select(
        pl.col("patient"),
        pl.col("window.start").alias("window_start"),
        pl.col("window.end").alias("window_end"),
        pl.col("CMA").alias("value"),
    )


def _stages(clinic: SimulatedClinic, windows: pl.DataFrame, settings: ClinicRiskSettings) -> None:
    """The same work as ``clinic_risk``, stage by stage (one run)."""
    timings: list[tuple[str, float, float]] = []

    def timed(name: str, work):  # type: ignore[no-untyped-def]
        wall, cpu = time.perf_counter(), time.process_time()
        value = work()
        timings.append((name, time.perf_counter() - wall, time.process_time() - cpu))
        return value

    falling = timed(
        "alliance signals + falling alliance",
        lambda: falling_alliance_from_ratings(clinic.alliance, settings.alliance),
    )
    off_track = timed(
        "not on track (fit + flag)",
        lambda: flag_not_on_track(clinic.outcome, settings.not_on_track),
    )
    adherence = timed(
        "non-adherence signals",
        lambda: adherence_signals(
            clinic.as_of,
            settings.adherence,
            windows=windows,
            fills=clinic.fills,
            confirmations=clinic.confirmations,
            bars=clinic.bars,
        ),
    )
    engagement = timed(
        "engagement risk",
        lambda: engagement_risk(
            clinic.sessions,
            clinic.as_of,
            settings.engagement,
            measures=clinic.measures,
            alliance_falling=[f.patient for f in falling],
        ),
    )
    timed("combined risk", lambda: combined_risk(falling, adherence, off_track.events, engagement))
    for name, wall, cpu in timings:
        print(f"  {name}: {wall:.2f} s (CPU {cpu:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--max-fit-patients", type=int, default=1000, help="not-on-track fit sample (0 = all)"
    )
    args = parser.parse_args()
    settings = ClinicRiskSettings(
        not_on_track=NotOnTrackSettings(max_fit_patients=args.max_fit_patients or None)
    )

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"load average before: {os.getloadavg()}")
    started = time.perf_counter()
    clinic = simulate_clinic(args.patients, seed=args.seed)
    print(f"simulate {args.patients} patients: {time.perf_counter() - started:.2f} s")
    rows = {
        name: getattr(clinic, name).height
        for name in (
            "sessions",
            "alliance",
            "outcome",
            "measures",
            "fills",
            "confirmations",
            "bars",
        )
    }
    print("rows:", ", ".join(f"{k} {v}" for k, v in rows.items()))

    for run in range(1, args.repeat + 1):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        windows = _windows(clinic.fills, args.threads)
        wall1, cpu1 = time.perf_counter(), time.process_time()
        risk = clinic_risk(
            clinic.as_of,
            settings,
            sessions=clinic.sessions,
            alliance=clinic.alliance,
            outcome=clinic.outcome,
            measures=clinic.measures,
            windows=windows,
            measure="CMA7",
            fills=clinic.fills,
            confirmations=clinic.confirmations,
            bars=clinic.bars,
        )
        table = priorities_table(risk.priorities)
        wall2, cpu2 = time.perf_counter(), time.process_time()
        print(
            f"run {run}: CMA7 sliding windows {wall1 - wall0:.2f} s (CPU {cpu1 - cpu0:.2f} s, "
            f"{windows.height} windows); clinic_risk {wall2 - wall1:.2f} s "
            f"(CPU {cpu2 - cpu1:.2f} s); total {wall2 - wall0:.2f} s (CPU {cpu2 - cpu0:.2f} s)"
        )
    print("stages (separately, one run):")
    _stages(clinic, windows, settings)
    assert risk.not_on_track is not None
    signals = Counter(e.rule for e in risk.adherence)
    signals["alliance_falling"] = len(risk.alliance_falling)
    signals["outcome_not_on_track"] = len(risk.not_on_track.events)
    signals["engagement_risk"] = len(risk.engagement)
    print("signals:", dict(sorted(signals.items())))
    print("priorities:", dict(table["priority"].value_counts().sort("priority").iter_rows()))
    print(f"not-on-track model fitted on {risk.not_on_track.model.n_patients} patients")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MB; load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
