"""The output files of `concord adherence`: checked before computing, written all together.

Every output path (``--out``, ``--mapping-out``) is checked before any input is read: a
``.csv`` or ``.parquet`` name in an existing directory, and no two outputs on one file. The
tables are then written all together or not at all, with the umask's permissions
(:mod:`concord.cli.output_files`).

The CSV text is AdhereR's: its column names, ``NA`` for missing, ``TRUE`` / ``FALSE``, ISO
dates, ``NaN`` / ``Inf`` kept, numbers with R's 17 significant digits.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import polars as pl

from concord.cli.adherence_options import OptionError
from concord.cli.output_files import staged_outputs

__all__ = [
    "OUTPUT_SUFFIXES",
    "adherer_csv_frame",
    "check_output_paths",
    "group_output_path",
    "write_polars_table",
    "write_table",
]

OUTPUT_SUFFIXES = (".csv", ".parquet")


def check_output_paths(paths: dict[str, Path]) -> None:
    """Reject, before computing, an output path that could not be written.

    ``paths`` maps each option (``"--out"``) to its path. Each must end in ``.csv`` or
    ``.parquet``, lie in an existing directory and not be a directory; no two may be the
    same file.
    """
    seen: dict[Path, str] = {}
    for option, path in paths.items():
        if path.suffix.lower() not in OUTPUT_SUFFIXES:
            raise OptionError(f"{option} {str(path)!r} must end in .csv or .parquet", option)
        directory = path.parent
        if not directory.is_dir():
            raise OptionError(
                f"{option} {str(path)!r}: the directory {str(directory)!r} does not exist",
                option,
            )
        if path.is_dir():
            raise OptionError(f"{option} {str(path)!r} is a directory", option)
        resolved = path.resolve()
        if resolved in seen:
            raise OptionError(
                f"{option} and {seen[resolved]} name the same file {str(path)!r}",
                option,
                seen[resolved],
            )
        seen[resolved] = option


def group_output_path(out: Path, group: str) -> Path:
    """``cma.csv`` and group ``Vitamins`` -> ``cma.Vitamins.csv`` (one file per group).

    Characters other than letters, digits and ``_.-~`` are percent-encoded (``A/B`` ->
    ``A%2FB``), so every group gets its own file name inside the output's directory.
    """
    return out.with_name(f"{out.stem}.{quote(group, safe='')}{out.suffix}")


# ---------------------------------------------------------------- Polars tables


def adherer_csv_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as the text AdhereR writes: NA, TRUE/FALSE, ISO dates, Inf, NaN."""
    columns = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Boolean:
            # a missing flag stays missing (NA), it is not FALSE
            text: pl.Expr = pl.when(col).then(pl.lit("TRUE")).when(~col).then(pl.lit("FALSE"))
        elif dtype.is_float():
            whole = col.is_finite() & (col == col.floor()) & (col.abs() < 1e15)
            text = (
                pl.when(col.is_nan())
                .then(pl.lit("NaN"))
                .when(col == float("inf"))
                .then(pl.lit("Inf"))
                .when(col == float("-inf"))
                .then(pl.lit("-Inf"))
                .when(whole)
                .then(col.cast(pl.Int64).cast(pl.String))
                .otherwise(col.map_elements(_seventeen_digits, return_dtype=pl.String))
            )
        else:
            text = col.cast(pl.String)
        columns.append(text.fill_null("NA").alias(name))
    return frame.select(columns)


def _seventeen_digits(value: float) -> str:
    """R's full-precision text of a double: 17 significant digits (``0.90000000000000002``)."""
    return f"{value:.17g}"


def write_polars_table(frame: pl.DataFrame, temporary: Path, target: Path) -> int:
    """Write ``frame`` to ``temporary`` in the format of ``target``'s extension; return rows."""
    if target.suffix.lower() == ".parquet":
        frame.write_parquet(temporary)
    else:
        adherer_csv_frame(frame).write_csv(temporary, null_value="NA")
    return frame.height


def write_table(frame: pl.DataFrame, path: Path) -> None:
    """CSV (AdhereR's text conventions) or Parquet, chosen by the extension, atomically."""
    check_output_paths({"output": path})
    with staged_outputs() as staged:
        write_polars_table(frame, staged.add(path), path)
