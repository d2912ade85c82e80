"""Benchmark: vectorised PHQ-9 scoring of 1,000,000 responses (target < 2 s).

Run:  .venv/bin/python benchmarks/score_phq9.py [--rows N] [--repeat R] [--seed S]

Generates N seeded responses (items q1..q10, answers 0-3, about 2 % of item answers missing so
that proration and "not scorable" paths run), then times
  1. score_table on an in-memory Polars DataFrame (median of R runs), and
  2. the `concord score` path end to end: read CSV (as text) -> score -> write CSV.
Results are written up in docs/benchmarks/scoring.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from concord.analytics.instruments import get_instrument, score_table


def make_responses(rows: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    answers = rng.integers(0, 4, size=(rows, 10)).astype(float)
    answers[rng.random((rows, 10)) < 0.02] = np.nan
    columns = {"administration": np.arange(rows)}
    columns.update({f"q{i + 1}": answers[:, i] for i in range(10)})
    return pl.DataFrame(columns).with_columns(
        [pl.col(f"q{i}").fill_nan(None).cast(pl.Int8) for i in range(1, 11)]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()

    phq9 = get_instrument("phq9")
    table = make_responses(args.rows, args.seed)
    score_table(phq9, table.head(1000), keep=["administration"])  # warm-up

    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        scores = score_table(phq9, table, keep=["administration"])
        timings.append(time.perf_counter() - start)
    status = scores["total_status"].value_counts().sort("total_status")

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "responses.csv"
        table.write_csv(source)
        start = time.perf_counter()
        items = {f"q{i}": pl.Float64 for i in range(1, 11)}
        text = pl.read_csv(
            source, null_values=["NA", ""], infer_schema=False, schema_overrides=items
        )  # what `concord score` does: ids stay text, items are read as numbers
        scored = score_table(phq9, text, keep=["administration"])
        scored.write_csv(Path(tmp) / "scores.csv")
        end_to_end = time.perf_counter() - start
        size_mb = source.stat().st_size / 1e6

    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} logical CPUs, Python {platform.python_version()}, "
        f"polars {pl.__version__}, numpy {np.__version__}"
    )
    print(f"rows: {args.rows:,} PHQ-9 responses (10 items, ~2 % missing answers), seed {args.seed}")
    print("status counts: " + ", ".join(f"{s}={c}" for s, c in status.iter_rows()))
    print(
        f"score_table in memory: median {statistics.median(timings):.3f} s, "
        f"min {min(timings):.3f} s, max {max(timings):.3f} s over {args.repeat} runs"
    )
    print(f"CSV end to end (read {size_mb:.1f} MB as text, score, write): {end_to_end:.3f} s")


if __name__ == "__main__":
    main()
