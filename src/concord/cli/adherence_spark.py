"""`concord adherence ... --engine spark`: the distributed path end to end.

Spark reads the CSV / Parquet input, validates it (errors name the rows and the column, as
on the DuckDB path), computes the measure and writes each output as part files; the part
files are then joined, in row order, into the one output file (CSV text as AdhereR writes
it, or Parquet). As on the DuckDB path, the options and output paths are checked before
Spark starts, and every output (result, episode mapping, one file per medication group) is
written to a temporary name and renamed only when all of them are complete. The session is
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
from concord.cli.adherence import Backend, RunSummary, compute
from concord.cli.adherence_output import check_output_paths
from concord.cli.output_files import staged_outputs

__all__ = ["run_on_spark", "write_spark_table"]


def _rename(frame: Any, names: dict[str, str]) -> Any:
    for old, new in names.items():
        frame = frame.withColumnRenamed(old, new)
    return frame


def _split_groups(frame: Any, column: str) -> list[tuple[str, Any]]:
    """One DataFrame per group, in the order the groups first appear (definition order)."""
    functions = spark_functions()
    first = (
        frame.select(quote(column))
        .withColumn("__row", functions.monotonically_increasing_id())
        .groupBy(quote(column))
        .agg(functions.min("__row").alias("__row"))
        .orderBy("__row")
        .collect()
    )
    return [
        (row[0], frame.where(functions.col(quote(column)) == row[0]).drop(column)) for row in first
    ]


def _keep_ids(frame: Any, ids: Any, id_column: str) -> Any:
    """The rows of ``frame`` whose ID is in ``ids``, ordered by ID as before."""
    functions = spark_functions()
    keep = ids.select(functions.col(quote(id_column)).alias("__keep_id")).distinct()
    condition = functions.col(quote(id_column)) == functions.col("__keep_id")
    return frame.join(keep, condition, "left_semi").orderBy(quote(id_column))


BACKEND = Backend(
    compute_cma=compute_cma_distributed,
    event_intervals_and_gaps=event_intervals_and_gaps_distributed,
    treatment_episodes=treatment_episodes_distributed,
    cma_per_episode=cma_per_episode_distributed,
    cma_sliding_window=cma_sliding_window_distributed,
    window_dates=parse_date_columns,
    rename=_rename,
    split_groups=_split_groups,
    keep_ids=_keep_ids,
    options={},
)


def _write_spark_frame(frame: Any, temporary: Path, target: Path) -> int:
    if target.suffix.lower() == ".parquet":
        return write_single_parquet(frame, temporary)
    return write_single_csv(frame, temporary)


def write_spark_table(frame: Any, path: Path) -> int:
    """Write a Spark result to one CSV or Parquet file, atomically; return the rows written."""
    check_output_paths({"output": path})
    with staged_outputs() as staged:
        return _write_spark_frame(frame, staged.add(path), path)


def run_on_spark(
    name: str, input_path: Path, out: Path, options: dict[str, Any], progress: Progress
) -> RunSummary:
    """Compute ``name`` on Spark end to end; return what was read and written."""
    if not input_path.exists():
        raise AdherenceInputError(f"input file {str(input_path)!r} does not exist")
    task = progress.add_task("starting Spark", total=3)
    session = spark_session()
    progress.update(task, advance=1, description=f"reading and checking input, {name} (Spark)")
    frame = read_spark_events(input_path, session)
    tables = compute(name, frame, frame.columns, options, BACKEND, out)
    progress.update(task, advance=1, description=f"computing and writing {name} (Spark)")
    written = []
    with staged_outputs() as staged:
        for path, table in tables:
            written.append((path, _write_spark_frame(table, staged.add(path), path)))
    progress.update(task, advance=1, description="counting events and patients (Spark)")
    functions = spark_functions()
    counts = frame.agg(
        functions.count(functions.lit(1)).alias("events"),
        functions.count_distinct(functions.col(quote(options["id_colname"]))).alias("patients"),
    ).first()
    return RunSummary(int(counts["events"]), int(counts["patients"]), written)
