"""`concord adherence ... --engine spark`: the distributed path end to end.

Spark reads the CSV / Parquet input, validates it (errors name the rows and the column, as
on the DuckDB path), computes the measure and writes the output as part files; the part
files are then joined, in row order, into the one output file (CSV text as AdhereR writes
it, or Parquet), written to a temporary name and renamed only when complete. The session is
the active one, or a local one (``local[*]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.progress import Progress

from concord.analytics.adherence import (
    AdherenceInputError,
    cma_per_episode_distributed,
    cma_sliding_window_distributed,
    compute_cma_distributed,
    event_intervals_and_gaps_distributed,
    treatment_episodes_distributed,
)
from concord.analytics.adherence.distributed_input import (
    parse_date_columns,
    quote,
    read_spark_events,
    spark_functions,
)
from concord.analytics.adherence.distributed_output import (
    write_single_csv,
    write_single_parquet,
)
from concord.analytics.adherence.engines import spark_session
from concord.cli.adherence import Backend, atomic_output, compute, mapping_path

__all__ = ["run_on_spark", "write_spark_table"]

BACKEND = Backend(
    compute_cma=compute_cma_distributed,
    event_intervals_and_gaps=event_intervals_and_gaps_distributed,
    treatment_episodes=treatment_episodes_distributed,
    cma_per_episode=cma_per_episode_distributed,
    cma_sliding_window=cma_sliding_window_distributed,
    window_dates=parse_date_columns,
    options={},
)


def _output_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise AdherenceInputError(f"output {str(path)!r} must end in .csv or .parquet")
    return suffix


def write_spark_table(frame: Any, path: Path) -> int:
    """Write a Spark result to one CSV or Parquet file, atomically; return the rows written."""
    kind = _output_kind(path)
    with atomic_output(path) as temporary:
        if kind == ".parquet":
            return write_single_parquet(frame, temporary)
        return write_single_csv(frame, temporary)


def run_on_spark(
    name: str, input_path: Path, out: Path, options: dict[str, Any], progress: Progress
) -> tuple[int, int, int]:
    """Compute ``name`` on Spark end to end; return (events, patients, rows written)."""
    if name == "pdc":
        raise AdherenceInputError("pdc is computed with Polars only: leave out --engine spark")
    _output_kind(out)
    if not input_path.exists():
        raise AdherenceInputError(f"input file {str(input_path)!r} does not exist")
    task = progress.add_task("starting Spark", total=3)
    session = spark_session()
    progress.update(task, advance=1, description=f"reading and checking input, {name} (Spark)")
    frame = read_spark_events(input_path, session)
    result, mapping = compute(name, frame, frame.columns, options, BACKEND)
    progress.update(task, advance=1, description=f"computing and writing {name} (Spark)")
    if mapping is not None:
        write_spark_table(mapping, mapping_path(options))
    rows = write_spark_table(result, out)
    progress.update(task, advance=1, description="counting events and patients (Spark)")
    functions = spark_functions()
    counts = frame.agg(
        functions.count(functions.lit(1)).alias("events"),
        functions.count_distinct(functions.col(quote(options["id_colname"]))).alias("patients"),
    ).first()
    return int(counts["events"]), int(counts["patients"]), rows
