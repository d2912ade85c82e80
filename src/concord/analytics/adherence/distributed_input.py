"""Reading event data with Spark: files, date patterns and 1-based row numbers.

Row numbers. Errors name 1-based input rows. With ``row_number_colname`` they are that
column's values. Otherwise each row gets ``monotonically_increasing_id()`` (the partition
index in the upper bits, the position within the partition below) when it is read; the
rows of each partition are counted, and row ``i`` is the ``i``-th row in partition order.
For a single CSV / Parquet file, and for a DataFrame built from rows in order, this is the
input order; for many files Spark's read order is its own (largest splits first), so supply
a row-number column if the numbers must refer to the files. The engine itself orders
same-day events by these identifiers, which follow the same order as the row numbers.
"""

# SQL text here is assembled only from internal identifiers, quoted column names and
# numeric literals.

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from concord.analytics.adherence.errors import AdherenceInputError

__all__ = [
    "MAX_ERROR_ROWS",
    "RowNumbers",
    "date_days",
    "parse_date_columns",
    "quote",
    "read_spark_events",
    "spark_date_pattern",
    "spark_functions",
]

#: At most this many failing rows are collected to the driver for an error message.
MAX_ERROR_ROWS = 10_000

#: Bits of ``monotonically_increasing_id()`` below the partition index.
PARTITION_SHIFT = 33

# R's as.Date codes -> Java DateTimeFormatter letters (Spark's parser); %y is left out on
# purpose: R and Spark read two-digit years into different centuries.
_JAVA = {"Y": "yyyy", "m": "M", "d": "d", "b": "MMM", "h": "MMM", "B": "MMMM", "j": "D"}
_PADDED = {"m": "MM", "d": "dd", "j": "DDD"}


def spark_functions() -> Any:
    """``pyspark.sql.functions``, or a named error when PySpark is not installed."""
    try:
        from pyspark.sql import functions
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise AdherenceInputError(
            "the distributed Spark path needs PySpark: install concord-care[spark]"
        ) from exc
    return functions


def quote(name: str) -> str:
    """A column name quoted for Spark SQL and ``functions.col`` (dots, spaces, backticks)."""
    return "`" + name.replace("`", "``") + "`"


def spark_date_pattern(date_format: str) -> str:
    """Translate an R ``as.Date`` format (``"%m/%d/%Y"``) to Spark's pattern (``"M/d/yyyy"``).

    Single letters accept one or two digits, as R does; a number directly next to another
    code must be zero-padded (``%Y%m%d`` becomes ``yyyyMMdd``). Literal text is quoted.

    Raises
    ------
    AdherenceInputError
        For a code the Spark path does not read the way R does.
    """
    out: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            text = "".join(literal).replace("'", "''")
            out.append(f"'{text}'")
            literal.clear()

    i = 0
    while i < len(date_format):
        char = date_format[i]
        if char != "%":
            literal.append(char)
            i += 1
            continue
        code = date_format[i + 1] if i + 1 < len(date_format) else ""
        if code == "%":
            literal.append("%")
            i += 2
            continue
        if code not in _JAVA:
            raise AdherenceInputError(
                f"date format code %{code} is not supported on the distributed Spark path",
                column="date.format",
            )
        after_code = not literal and i > 0
        flush()
        adjacent = after_code or date_format[i + 2 : i + 3] == "%"
        out.append(_PADDED[code] if adjacent and code in _PADDED else _JAVA[code])
        i += 2
    flush()
    return "".join(out)


def read_spark_events(source: str | os.PathLike[str], session: Any) -> Any:
    """Read a CSV (header line; ``NA`` and empty cells missing) or Parquet file with Spark.

    CSV columns are typed as Polars types them on the DuckDB path (one counting pass): a
    column whose every value is a whole number becomes a 64-bit integer, else a number a
    double, else ``true`` / ``false`` a boolean; everything else, dates included, stays
    text (read later with the call's ``date_format``).
    """
    path = str(source)
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".parquet":
        return session.read.parquet(path)
    if ".csv" not in suffixes:
        raise AdherenceInputError(f"input file {path!r} must end in .csv, .csv.gz or .parquet")
    functions = spark_functions()
    raw = session.read.option("header", "true").option("inferSchema", "false").csv(path)
    names = [field.name for field in raw.schema.fields]
    # the same missing values as the Polars path: NA and empty cells
    text = {n: f"nullif(nullif({quote(n)}, ''), 'NA')" for n in names}
    readers = {
        "long": "try_cast({} AS BIGINT)",
        "double": "try_cast({} AS DOUBLE)",
        "boolean": "CASE WHEN lower({0}) = 'true' THEN TRUE "
        "WHEN lower({0}) = 'false' THEN FALSE END",
    }

    def count(condition: str, alias: str) -> Any:
        return functions.expr(f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)").alias(alias)

    counts = raw.agg(
        *[count(f"{text[n]} IS NOT NULL", f"values{i}") for i, n in enumerate(names)],
        *[
            count(f"{text[n]} IS NOT NULL AND {reader.format(text[n])} IS NULL", f"{kind}{i}")
            for i, n in enumerate(names)
            for kind, reader in readers.items()
        ],
    ).first()
    columns = []
    for i, name in enumerate(names):
        kinds = [k for k in readers if not int(counts[f"{k}{i}"] or 0)]
        # a column without any value stays text, as Polars reads it
        reader = readers[kinds[0]] if kinds and int(counts[f"values{i}"] or 0) else "{}"
        columns.append(functions.expr(reader.format(text[name])).alias(name))
    return raw.select(*columns)


def date_days(functions: Any, column: str, data_type: Any, date_format: str) -> Any:
    """A Spark column of day numbers (days since 1970-01-01) from a date or text column.

    Text is read with ``date_format`` (R codes; surrounding blanks ignored, as R does);
    an unreadable value becomes missing.
    """
    name = data_type.typeName()
    col = functions.col(quote(column))
    if name == "date":
        parsed = col
    elif name in ("timestamp", "timestamp_ntz"):
        parsed = functions.to_date(col)
    elif name == "string":
        pattern = spark_date_pattern(date_format).replace("\\", "\\\\").replace('"', '\\"')
        parsed = functions.to_date(
            functions.expr(f'try_to_timestamp(trim({quote(column)}), "{pattern}")')
        )
    else:
        raise AdherenceInputError(
            f"column {column!r} must hold dates or date strings, not {data_type.simpleString()}",
            column=column,
        )
    return functions.datediff(parsed, functions.lit(dt.date(1970, 1, 1)))


def parse_date_columns(frame: Any, names: list[str], date_format: str) -> Any:
    """Text columns among ``names`` whose every value reads as a date become dates.

    A CSV has no Date type; the command line reads a window column of dates this way (one
    counting pass over the named columns). Other columns are left as they are.
    """
    functions = spark_functions()
    schema = {field.name: field.dataType for field in frame.schema.fields}
    text = [n for n in dict.fromkeys(names) if schema[n].typeName() == "string"]
    if not text:
        return frame
    epoch = functions.lit(dt.date(1970, 1, 1))
    parsed = {
        n: functions.date_add(epoch, date_days(functions, n, schema[n], date_format)) for n in text
    }
    counts = frame.agg(
        *[
            functions.sum(
                functions.when(functions.col(quote(n)).isNotNull() & p.isNull(), 1).otherwise(0)
            ).alias(f"bad{i}")
            for i, (n, p) in enumerate(parsed.items())
        ]
    ).first()
    dates = {n for i, n in enumerate(text) if not int(counts[f"bad{i}"] or 0)}
    return frame.select(
        *[
            parsed[f.name].alias(f.name) if f.name in dates else functions.col(quote(f.name))
            for f in frame.schema.fields
        ]
    )


@dataclass(frozen=True)
class RowNumbers:
    """How the engine's row identifiers map to 1-based input rows.

    ``offsets`` (partition index, rows in earlier partitions) when the identifiers are
    ``monotonically_increasing_id()`` values; ``None`` when they are the caller's own row
    numbers.
    """

    offsets: tuple[tuple[int, int], ...] | None

    def rows(self, identifiers: list[int]) -> list[int]:
        """The 1-based rows of some identifiers (on the driver)."""
        if self.offsets is None:
            return [int(i) for i in identifiers]
        offset = dict(self.offsets)
        return [
            int(i)
            - (int(i) >> PARTITION_SHIFT << PARTITION_SHIFT)
            + offset[int(i) >> PARTITION_SHIFT]
            + 1
            for i in identifiers
        ]

    def sql(self, identifier: str, view: str) -> tuple[str, str]:
        """SQL for the row of ``identifier``: (expression, join clause on the offsets view)."""
        if self.offsets is None:
            return f"CAST({identifier} AS BIGINT)", ""
        part = f"shiftright({identifier}, {PARTITION_SHIFT})"
        expression = f"({identifier} - shiftleft({part}, {PARTITION_SHIFT}) + rn_off.offset + 1)"
        return expression, f" LEFT JOIN {view} rn_off ON rn_off.part = {part}"

    def register(self, session: Any, view: str) -> None:
        """Register the offsets as a (tiny) view for :meth:`sql`."""
        if self.offsets is not None:
            session.createDataFrame(list(self.offsets), "part long, offset long").hint(
                "broadcast"
            ).createOrReplaceTempView(view)


def partition_offsets(counts: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """(partition, rows) counts -> (partition, rows in earlier partitions)."""
    offsets: list[tuple[int, int]] = []
    total = 0
    for part, n in sorted(counts):
        offsets.append((part, total))
        total += n
    return tuple(offsets)
