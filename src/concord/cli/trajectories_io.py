"""Reading and writing the tables of `concord trajectories ...`.

Input: CSV (all cells read as text and checked by the analytics core; ``NA`` or empty =
missing) or Parquet. Output: CSV as R's ``readr::write_csv`` writes it (``NA``,
``TRUE``/``FALSE``, ``23`` not ``23.0``, ``Inf``) or Parquet, by suffix, written to a
temporary file and renamed only on success (all the outputs of a command together).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import typer
from rich.console import Console

from concord.analytics.trajectories import NoSuddenChangesError, TrajectoryInputError
from concord.cli.output_files import StagedOutputs, staged_outputs


def read_table(path: Path, *, text_columns: bool = True) -> pl.DataFrame:
    """Read CSV (all cells as text, parsed and checked by the core) or Parquet."""
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path)
    try:
        table = pl.read_csv(
            path, infer_schema=not text_columns, null_values=["NA", ""], truncate_ragged_lines=False
        )
    except pl.exceptions.PolarsError as error:
        raise TrajectoryInputError(f"{path.name}: cannot read CSV: {error}") from error
    return table


def numeric_ids(table: pl.DataFrame, id_var_name: str) -> pl.DataFrame:
    """Integer ids when every id is written as a plain integer, so that 2 sorts before 10.

    Ids such as ``007`` or ``A12`` stay text, so that they are written back unchanged.
    """
    if id_var_name not in table.columns or table.schema[id_var_name] != pl.String:
        return table
    text = table.get_column(id_var_name)
    as_int = text.cast(pl.Int64, strict=False)
    same = (as_int.cast(pl.String) == text).fill_null(False)
    if bool(same.all()) and as_int.null_count() == text.null_count():
        return table.with_columns(as_int.alias(id_var_name))
    return table


def _csv_ready(table: pl.DataFrame) -> pl.DataFrame:
    """R-like text as readr writes it: TRUE/FALSE, ``23`` not ``23.0``, Inf/-Inf."""
    converted = []
    for name, dtype in table.schema.items():
        column = pl.col(name)
        if dtype == pl.Boolean:
            converted.append(
                pl.when(column.is_null())
                .then(pl.lit(None, dtype=pl.String))
                .when(column)
                .then(pl.lit("TRUE"))
                .otherwise(pl.lit("FALSE"))
                .alias(name)
            )
        elif dtype.is_float():
            whole = column.is_finite() & (column == column.round(0)) & (column.abs() < 2**53)
            converted.append(
                pl.when(column.is_null() | column.is_nan())
                .then(pl.lit(None, dtype=pl.String))
                .when(column == float("inf"))
                .then(pl.lit("Inf"))
                .when(column == float("-inf"))
                .then(pl.lit("-Inf"))
                .when(whole)
                .then(column.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(column.cast(pl.String))
                .alias(name)
            )
        else:
            converted.append(column)
    return table.select(converted)


def write_table(table: pl.DataFrame, out: Path, staged: StagedOutputs | None = None) -> None:
    """Write ``table`` to ``out`` through a temporary file; with ``staged``, renamed when
    the command's other outputs are written too (:mod:`concord.cli.output_files`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if staged is None:  # a single output: renamed when this block ends
            staged = stack.enter_context(staged_outputs())
        temporary = staged.add(out)
        if out.suffix.lower() == ".parquet":
            table.write_parquet(temporary)
        else:
            _csv_ready(table).write_csv(temporary, null_value="NA")


@contextlib.contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner on stderr while the work runs (silent when stderr is not a terminal)."""
    with Console(stderr=True).status(message):
        yield


@contextlib.contextmanager
def reported_errors() -> Iterator[None]:
    """Turn input errors and unwritable outputs into a one-line message and exit code 1."""
    try:
        yield
    except (TrajectoryInputError, NoSuddenChangesError) as error:
        row = getattr(error, "row", None)
        # data rows are counted without the header; in a CSV file row N is line N + 1
        where = f" (CSV line {row + 1})" if row is not None else ""
        typer.echo(f"Error: {error}{where}", err=True)
        raise typer.Exit(code=1) from None
    except OSError as error:  # an output that cannot be written (nothing was left behind)
        target = error.filename2 or error.filename  # a rename names the target second
        where = f" {target}" if target else ""
        typer.echo(f"Error: cannot write{where}: {error.strerror or error}", err=True)
        raise typer.Exit(code=1) from None
