"""Writing a distributed result as one CSV or Parquet file, the way the DuckDB path does.

Spark formats and writes the rows (in parallel, as part files in a temporary directory beside
the target); the driver then joins the part files, in partition order -- which is the
result's row order -- into the one file asked for, streaming bytes (CSV) or row groups
(Parquet), so its memory use does not grow with the result.

The CSV text follows AdhereR's conventions exactly as :func:`concord.cli.adherence.
adherer_csv_frame` writes them on the DuckDB path: ``NA`` for missing, ``TRUE`` / ``FALSE``,
ISO dates, ``NaN`` / ``Inf`` / ``-Inf``, whole numbers below 10^15 without a decimal point,
other numbers with 17 significant digits (C's ``%.17g``, as R writes full precision), and
fields quoted only when they hold a comma, a quote or a line break (or are empty strings).

17 significant digits in Spark SQL. Java's formatter pads the *shortest* decimal form of a
double with zeros (``0.90000000000000000``), while C rounds the exact binary value
(``0.90000000000000002``). So the digits are computed exactly: a double ``a`` is ``M * 2^E``
(``M`` a 53-bit integer, found with ``log2`` and exact power-of-two scaling), and the 17
digits are ``round_half_even(M * 5^k / 2^(-E-k))`` for ``k = 16 - floor(log10 a)``, done
in ``DECIMAL(38, 0)`` integer arithmetic (exact below 10^38, which holds for
``1e-15 <= a < 1e17``). Numbers outside that range -- not expected in adherence tables --
are written from Java's shortest round-trip form (the same double when read back, but not
always C's digits).
"""

# SQL text here is assembled only from internal identifiers, quoted column names and
# numeric literals.

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from concord.analytics.adherence.distributed_input import quote, spark_functions

__all__ = ["csv_field", "double_text_sql", "write_single_csv", "write_single_parquet"]

_POW5 = "array(" + ", ".join(f"CAST('{5**k}' AS DECIMAL(25, 0))" for k in range(36)) + ")"
_POW2 = "array(" + ", ".join(f"CAST('{2**k}' AS DECIMAL(30, 0))" for k in range(90)) + ")"


def _digits_at(m: str, e2: str, k: str) -> tuple[str, str]:
    """SQL for (floor, half-even rounding) of ``a * 10^k`` with ``a = m * 2^(e2 - 52)``.

    Every expression is safe for every row (indices clamped, no overflowing cast): Spark
    may evaluate a shared subexpression of both CASE branches for all rows.
    """
    shift = f"({e2} - 52 + {k})"
    power5 = f"element_at({_POW5}, least(greatest({k}, 0), 35) + 1)"
    product = f"(CAST({m} AS DECIMAL(16, 0)) * {power5})"
    denominator = f"element_at({_POW2}, greatest(-{shift}, 0) + 1)"
    quotient = f"({product} div {denominator})"
    remainder = f"({product} - CAST({quotient} AS DECIMAL(20, 0)) * {denominator})"
    up = (
        f"CASE WHEN 2 * {remainder} > {denominator} OR (2 * {remainder} = {denominator} "
        f"AND {quotient} % 2 = 1) THEN 1 ELSE 0 END"
    )
    whole = f"({product} * element_at({_POW2}, greatest({shift}, 0) + 1))"
    floor = f"(CASE WHEN {shift} >= 0 THEN {whole} ELSE {quotient} END)"
    rounded = f"(CASE WHEN {shift} >= 0 THEN {whole} ELSE {quotient} + {up} END)"
    return floor, rounded


def double_text_sql(frame: Any, column: str, alias: str) -> Any:
    """``frame`` with ``alias``: the %.17g-style text of the double ``column`` (see above).

    Missing stays missing; ``NaN``, ``Inf``, ``-Inf``; whole numbers below 10^15 as
    integers. Intermediate columns ``alias + "_..."`` are added and dropped.
    """
    functions = spark_functions()
    expr = functions.expr
    c = quote(column)
    p = alias
    exact = f"(abs({c}) >= 1e-15 AND abs({c}) < 1e17)"
    steps = [
        # the exact digits are computed for every row, on 1.0 where they are not used
        (f"{p}_a", f"CASE WHEN {exact} THEN abs({c}) ELSE CAST(1 AS DOUBLE) END"),
        (f"{p}_e0", f"CAST(floor(log2({p}_a)) AS INT)"),
        (
            f"{p}_e2",
            f"{p}_e0 - CASE WHEN power(2, {p}_e0) > {p}_a THEN 1 ELSE 0 END "
            f"+ CASE WHEN power(2, {p}_e0 + 1) <= {p}_a THEN 1 ELSE 0 END",
        ),
        (f"{p}_m", f"CAST({p}_a * power(2, 52 - {p}_e2) AS BIGINT)"),
        (f"{p}_l", f"CAST(floor(log10({p}_a)) AS INT)"),
        # log10 rounds up just below a power of ten (log10(1e17 - 16) is 17.0)
        (f"{p}_k0", f"16 - {p}_l + CASE WHEN {p}_a < power(10, {p}_l) THEN 1 ELSE 0 END"),
    ]
    q0, _ = _digits_at(f"{p}_m", f"{p}_e2", f"{p}_k0")
    steps += [
        # the exact a * 10^k0 must have 17 digits before rounding, else k0 was one off
        (f"{p}_q0", q0),
        (
            f"{p}_k1",
            f"{p}_k0 + CASE WHEN {p}_q0 >= 100000000000000000 THEN -1 "
            f"WHEN {p}_q0 < 10000000000000000 THEN 1 ELSE 0 END",
        ),
    ]
    _, n1 = _digits_at(f"{p}_m", f"{p}_e2", f"{p}_k1")
    steps += [
        (f"{p}_n1", n1),
        # a rounding carry to 10^17 moves the decimal point by one
        (f"{p}_carry", f"{p}_n1 >= 100000000000000000"),
        (
            f"{p}_digits",
            f"substr(CAST(CAST({p}_n1 AS DECIMAL(38, 0)) AS STRING), 1, 17)",
        ),
        (f"{p}_x", f"16 - {p}_k1 + CASE WHEN {p}_carry THEN 1 ELSE 0 END"),
    ]
    digits, x = f"{p}_digits", f"{p}_x"
    scientific = (
        f"concat(regexp_replace(regexp_replace(concat(substr({digits}, 1, 1), '.', "
        f"substr({digits}, 2)), '0+$', ''), '[.]$', ''), 'e', "
        f"CASE WHEN {x} < 0 THEN '-' ELSE '+' END, lpad(CAST(abs({x}) AS STRING), 2, '0'))"
    )
    fixed = (
        f"regexp_replace(regexp_replace(CASE WHEN {x} >= 0 THEN concat(substr({digits}, 1, "
        f"{x} + 1), '.', substr({digits}, {x} + 2)) ELSE concat('0.', repeat('0', -{x} - 1), "
        f"{digits}) END, '0+$', ''), '[.]$', '')"
    )
    java = (
        f"regexp_replace(regexp_replace(format_string('%.16e', abs({c})), '0+e', 'e'), '[.]e', 'e')"
    )
    magnitude = (
        f"CASE WHEN NOT {exact} THEN {java} WHEN {x} < -4 OR {x} >= 17 THEN {scientific} "
        f"ELSE {fixed} END"
    )
    small_whole = f"{c} = floor({c}) AND abs({c}) < 1e15"
    text = (
        f"CASE WHEN {c} IS NULL THEN NULL WHEN isnan({c}) THEN 'NaN' "
        f"WHEN {c} = double('Infinity') THEN 'Inf' WHEN {c} = double('-Infinity') THEN '-Inf' "
        f"WHEN {small_whole} THEN CAST(CAST(CASE WHEN {small_whole} THEN {c} ELSE 0 END "
        "AS BIGINT) AS STRING) "
        f"ELSE concat(CASE WHEN {c} < 0 THEN '-' ELSE '' END, {magnitude}) END"
    )
    for name, sql in steps:
        frame = frame.withColumn(name, expr(sql))
    frame = frame.withColumn(alias, expr(text))
    return frame.drop(*[name for name, _ in steps])


def csv_field(text: str) -> str:
    """A text value quoted as Polars' CSV writer quotes it (only when needed)."""
    if text == "" or any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_lines(frame: Any) -> Any:
    """One column ``value``: each row as an AdhereR-style CSV line."""
    functions = spark_functions()
    fields = []
    for i, field in enumerate(frame.schema.fields):
        name, kind = field.name, field.dataType.typeName()
        c = quote(name)
        alias = f"__text{i}"
        if kind in ("double", "float"):
            frame = double_text_sql(frame, name, alias)
            fields.append(f"coalesce({alias}, 'NA')")
            continue
        if kind == "boolean":
            text = f"CASE WHEN {c} THEN 'TRUE' WHEN NOT {c} THEN 'FALSE' END"
        elif kind == "string":
            text = (
                f"CASE WHEN {c} = '' OR {c} RLIKE '[,\"\\r\\n]' "
                f"THEN concat('\"', replace({c}, '\"', '\"\"'), '\"') ELSE {c} END"
            )
        else:
            text = f"CAST({c} AS STRING)"
        frame = frame.withColumn(alias, functions.expr(text))
        fields.append(f"coalesce({alias}, 'NA')")
    return frame.select(functions.expr(f"concat_ws(',', {', '.join(fields)})").alias("value"))


def _parts(directory: Path, suffix: str) -> list[Path]:
    parts = [p for p in directory.iterdir() if p.name.startswith("part-") and p.suffix == suffix]
    return sorted(parts)


class _RecordCounter:
    """Counts CSV records: line breaks outside quoted fields (a field may hold one)."""

    def __init__(self) -> None:
        self.rows = 0
        self.inside = False

    def add(self, chunk: bytes) -> None:
        # Splitting at quotes alternates outside / inside a quoted field; an escaped quote
        # ("") flips twice, so the parity stays right.
        for i, piece in enumerate(chunk.split(b'"')):
            if i:
                self.inside = not self.inside
            if not self.inside:
                self.rows += piece.count(b"\n")


def write_single_csv(frame: Any, path: Path) -> int:
    """Write ``frame`` (rows in order) to ``path`` as one CSV file; return the row count."""
    directory = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".parts", dir=path.parent))
    try:
        target = directory / "out"
        _csv_lines(frame).write.text(str(target))
        records = _RecordCounter()
        with path.open("wb") as output:
            header = ",".join(csv_field(f.name) for f in frame.schema.fields)
            output.write(header.encode("utf-8") + b"\n")
            for part in _parts(target, ".txt"):
                with part.open("rb") as source:
                    while chunk := source.read(1 << 20):
                        records.add(chunk)
                        output.write(chunk)
        return records.rows
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def write_single_parquet(frame: Any, path: Path) -> int:
    """Write ``frame`` (rows in order) to ``path`` as one Parquet file; return the row count."""
    import pyarrow.parquet as pq

    directory = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".parts", dir=path.parent))
    try:
        target = directory / "out"
        frame.write.parquet(str(target))
        parts = _parts(target, ".parquet")
        rows = 0
        writer = None
        try:
            for part in parts:
                source = pq.ParquetFile(part)
                if writer is None:
                    writer = pq.ParquetWriter(path, source.schema_arrow)
                for group in range(source.num_row_groups):
                    table = source.read_row_group(group)
                    rows += table.num_rows
                    writer.write_table(table)
            if writer is None:  # no part file: an empty result
                from pyspark.sql.pandas.types import to_arrow_schema

                writer = pq.ParquetWriter(path, to_arrow_schema(frame.schema))
        finally:
            if writer is not None:
                writer.close()
        return rows
    finally:
        shutil.rmtree(directory, ignore_errors=True)
