"""Spark writes the same bytes as the DuckDB path: AdhereR's text, 17 significant digits.

The 17-digit text is computed exactly in Spark SQL (``distributed_output``); it is compared
here with the DuckDB path's writer (Python's ``%.17g``, C's rounding of the exact binary
value) on thousands of doubles: random magnitudes from 1e-15 to 1e17, neighbours of powers of
ten (where ``log10`` rounds), values that round up to the next power of ten, and specials.
Skipped without PySpark or Java.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import struct
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from concord.analytics.adherence.distributed_output import (
    double_text_sql,
    write_single_csv,
    write_single_parquet,
)
from concord.analytics.adherence.distributed_results import spark_to_polars
from concord.cli.adherence import adherer_csv_frame, write_table

pytestmark = pytest.mark.spark


def _doubles() -> list[float | None]:
    rng = random.Random(20261203)
    values: list[float | None] = [
        None, math.nan, math.inf, -math.inf, 0.0, -0.0, 0.9, 0.5, 1 / 3, 0.1 + 0.2,
        1e-5, 1.5e-5, 2.5e-10, 123.456, -45.5, 1e15 + 0.5, 1e16, 2.0**53 - 1, 2.0**52 + 0.5,
        99999.99999999999, 0.99999999999999989, 1e-15, 2.0**-49,
        12345678901234567.0,  # whole, above 1e15: 17 digits, no point
    ]  # fmt: skip
    for k in range(-15, 17):
        power = 10.0**k
        values += [power, math.nextafter(power, math.inf), math.nextafter(power, -math.inf)]
    values += [10.0**k * (1 - 2.0**-53) for k in range(-14, 16)]  # rounds up to 10^k
    values += [rng.choice((1, -1)) * 10 ** rng.uniform(-15, 17) for _ in range(2000)]
    # exact from 1e-15 up (below, see the next test)
    return [v for v in values if v is None or not 0 < abs(v) < 1e-15]


def test_spark_writes_17_significant_digits_exactly_as_the_duckdb_path(spark: Any) -> None:
    values = _doubles()
    frame = spark.createDataFrame(list(enumerate(values)), "i long, v double")
    spark_text = [r["t"] for r in double_text_sql(frame, "v", "t").orderBy("i").collect()]
    expected = adherer_csv_frame(pl.DataFrame({"v": values}, schema={"v": pl.Float64}))
    assert spark_text[:5] == [None, "NaN", "Inf", "-Inf", "0"]
    assert spark_text[6:8] == ["0.90000000000000002", "0.5"]  # not Java's 0.90000000000000000
    mismatches = [
        (v, ours, theirs)
        for v, ours, theirs in zip(values, spark_text, expected["v"].to_list(), strict=True)
        if (ours or "NA") != theirs
    ]
    assert not mismatches, mismatches[:5]


def test_doubles_outside_the_exact_range_read_back_as_the_same_number(spark: Any) -> None:
    # below 1e-15 and from 1e17 the text comes from Java's shortest round-trip form
    rng = random.Random(7)
    values = [1e-300, 5e-324, 1.5e-16, 2.5e17 + 0.0, -3.1e200]
    values += [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(300)]
    values = [v for v in values if math.isfinite(v) and not 1e-15 <= abs(v) < 1e17]
    frame = spark.createDataFrame(list(enumerate(values)), "i long, v double")
    text = [r["t"] for r in double_text_sql(frame, "v", "t").orderBy("i").collect()]
    assert [float(t) for t in text] == values
    assert text[0] == "1e-300"


def test_single_csv_and_parquet_files_equal_the_duckdb_path(tmp_path: Path, spark: Any) -> None:
    # quoting as Polars quotes: only fields with a comma, a quote or a line break, and
    # empty strings; NA for missing; TRUE / FALSE; ISO dates; column names quoted alike
    table = pl.DataFrame(
        {
            "ID": [3, 1, 2, 4],
            "text": ["a,b", 'say "hi"', "", None],
            "line\nbreak": ["x\ny", " lead", "NA", "plain"],
            "flag": [True, False, None, True],
            "day": [dt.date(2033, 4, 26), None, dt.date(1999, 12, 31), dt.date(2040, 2, 29)],
            "value": [0.1, 2.0, None, math.nan],
        }
    )
    frame = spark.createDataFrame(
        table.rows(),
        "ID long, text string, `line\nbreak` string, flag boolean, day date, value double",
    ).orderBy("ID")
    ordered = table.sort("ID")
    write_table(ordered, tmp_path / "duck.csv")
    rows = write_single_csv(frame, tmp_path / "spark.csv")
    assert rows == 4
    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "duck.csv").read_bytes()
    assert write_single_parquet(frame, tmp_path / "spark.parquet") == 4
    assert pl.read_parquet(tmp_path / "spark.parquet").equals(ordered, null_equal=True)
    # an empty result is a header line, or a Parquet file with the schema and no rows
    assert write_single_csv(frame.limit(0), tmp_path / "empty.csv") == 0
    assert (tmp_path / "empty.csv").read_text() == 'ID,text,"line\nbreak",flag,day,value\n'
    assert write_single_parquet(frame.limit(0), tmp_path / "empty.parquet") == 0
    assert pl.read_parquet(tmp_path / "empty.parquet").columns == table.columns
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "duck.csv", "empty.csv", "empty.parquet", "spark.csv", "spark.parquet",
    ]  # fmt: skip


def test_spark_reads_a_csv_with_the_types_polars_gives(tmp_path: Path, spark: Any) -> None:
    # whole numbers -> 64-bit integers, numbers -> doubles, true/false -> booleans, dates
    # and text -> text, NA and empty cells missing, an empty column -> text
    from concord.analytics.adherence.distributed import read_spark_events

    source = tmp_path / "events.csv"
    source.write_text(
        "a,b,c,d,e,f\n1,1.5,true,x,,2020-01-01\nNA,2,FALSE,,,2020-01-02\n3,NA,NA,z,,NA\n"
    )
    spark_frame = read_spark_events(source, spark)
    polars_frame = pl.read_csv(source, null_values=["NA", ""], infer_schema_length=None)
    assert spark_to_polars(spark_frame).equals(polars_frame, null_equal=True)
    assert dict(spark_frame.dtypes) == {
        "a": "bigint", "b": "double", "c": "boolean", "d": "string", "e": "string",
        "f": "string",
    }  # fmt: skip
