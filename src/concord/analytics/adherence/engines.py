"""Execution engines for the adherence SQL plan: DuckDB (embedded default) and Spark SQL.

An engine takes Arrow tables, registers them under the names the plan uses, runs one SQL
query and returns an Arrow table. The plan itself is the same text for both engines, apart
from the few spellings in :mod:`concord.analytics.adherence.dialect`.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from concord.analytics.adherence.dialect import DUCKDB, SPARK, Dialect
from concord.analytics.adherence.errors import AdherenceInputError

__all__ = ["DuckDBEngine", "Engine", "SparkEngine", "resolve_engine", "spark_session"]


class Engine(Protocol):
    """Runs the adherence plan's SQL on registered Arrow tables."""

    dialect: Dialect

    def run(self, sql: str, tables: dict[str, pa.Table]) -> pa.Table:
        """Register ``tables`` under their names, run ``sql`` and return the result."""
        ...  # pragma: no cover


class DuckDBEngine:
    """In-process DuckDB (the default). ``threads`` defaults to DuckDB's own choice."""

    dialect: Dialect = DUCKDB

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.threads = threads
        self.memory_limit = memory_limit
        self._database: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        # One in-memory database per engine (opening one costs ~10 ms); each run gets its
        # own cursor, so registered tables never leak between runs or threads.
        with self._lock:
            if self._database is None:
                database = duckdb.connect(":memory:")
                if self.threads is not None:
                    database.execute(f"SET threads = {int(self.threads)}")
                if self.memory_limit is not None:
                    database.execute("SET memory_limit = ?", [self.memory_limit])
                database.execute("SET preserve_insertion_order = false")
                self._database = database
            return self._database.cursor()

    def run(self, sql: str, tables: dict[str, pa.Table]) -> pa.Table:
        con = self._connection()
        try:
            for name, table in tables.items():
                con.register(name, table)
            return con.sql(sql).to_arrow_table()
        finally:
            con.close()


class SparkEngine:
    """Spark SQL through PySpark (optional dependency group ``spark``).

    Parameters
    ----------
    session : pyspark.sql.SparkSession, optional
        The session to use; by default a local session (``local[*]``) is created or reused.
    """

    dialect: Dialect = SPARK

    def __init__(self, session: Any = None) -> None:
        if session is None:
            session = spark_session()
        self.session = session

    def run(self, sql: str, tables: dict[str, pa.Table]) -> pa.Table:
        for name, table in tables.items():
            self.session.createDataFrame(table).createOrReplaceTempView(name)
        result: pa.Table = self.session.sql(sql).toArrow()
        return result


def spark_session() -> Any:
    """The active Spark session, or a new local one (``local[*]``, UTC, ANSI mode off)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise AdherenceInputError(
            "the Spark engine needs PySpark: install concord-care[spark]"
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    session = (
        SparkSession.builder.master("local[*]")
        .appName("concord-adherence")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


_DEFAULT_DUCKDB = DuckDBEngine()


def resolve_engine(engine: str | Engine | None) -> Engine:
    """``"duckdb"`` (default), ``"spark"`` or an engine object."""
    if engine is None or engine == "duckdb":
        return _DEFAULT_DUCKDB
    if engine == "spark":
        return SparkEngine()
    if isinstance(engine, str):
        raise AdherenceInputError(f"unknown engine {engine!r}: use 'duckdb' or 'spark'")
    return engine
