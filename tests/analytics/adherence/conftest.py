"""Shared fixtures of the adherence tests; makes ``_adherer_helpers`` importable."""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole test run (JVM start-up once).

    Skips the test with a reason when PySpark (optional group ``spark``) or Java is
    missing. Small data: one shuffle partition, interpreted expressions instead of
    generated code (compiling it costs more than running it on a thousand rows). ANSI mode
    stays at Spark's default (on in Spark 4): the engine's SQL must not depend on it.
    """
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="PySpark is not installed")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (PySpark needs a JVM)")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("concord-adherence-tests")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    # py4j logs "Closing down clientserver connection" from __del__ at interpreter exit,
    # after pytest has closed its streams.
    logging.getLogger("py4j").setLevel(logging.ERROR)
    yield session
    session.stop()
