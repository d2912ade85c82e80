"""The few SQL spellings that differ between DuckDB and Spark SQL.

The adherence plan is written once as standard SQL with window functions (see ``plan.py``);
everything engine-specific goes through a :class:`Dialect`.
"""

from __future__ import annotations

__all__ = ["DUCKDB", "SPARK", "Dialect"]


class Dialect:
    """SQL spellings for one engine (the defaults are DuckDB's)."""

    name = "duckdb"

    def round_half_even(self, expr: str) -> str:
        """R's ``round(x)`` (half to even) of a DOUBLE expression."""
        return f"round_even(CAST({expr} AS DOUBLE), 0)"

    def inf(self) -> str:
        return "CAST('Infinity' AS DOUBLE)"

    def nan(self) -> str:
        return "CAST('NaN' AS DOUBLE)"

    def to_date(self, day_expr: str) -> str:
        """A day number (whole part) as a SQL DATE."""
        return f"(DATE '1970-01-01' + CAST(floor({day_expr}) AS INTEGER))"

    def from_date(self, date_expr: str) -> str:
        """A SQL DATE as a day number (DOUBLE)."""
        return f"CAST(({date_expr} - DATE '1970-01-01') AS DOUBLE)"

    def add_days(self, date_expr: str, days_expr: str) -> str:
        return f"({date_expr} + CAST({days_expr} AS INTEGER))"

    def explode_range(self, count_expr: str) -> str:
        """A select-list expression giving one row per integer 1..count (count >= 1)."""
        return f"unnest(range(1, CAST({count_expr} AS BIGINT) + 1))"

    def explode_between(self, low: str, high: str) -> str:
        """A select-list expression giving one row per integer low..high (low <= high)."""
        return f"unnest(range(CAST({low} AS BIGINT), CAST({high} AS BIGINT) + 1))"

    def ieee_div(self, num: str, den: str) -> str:
        """``num / den`` with IEEE results for a zero denominator (Inf, -Inf, NaN), as in R."""
        return (
            f"(CASE WHEN ({den}) = 0 THEN (CASE WHEN ({num}) > 0 THEN {self.inf()} "
            f"WHEN ({num}) < 0 THEN -{self.inf()} ELSE {self.nan()} END) "
            f"ELSE ({num}) / ({den}) END)"
        )

    def add_months(self, day_expr: str, months_expr: str) -> str:
        """Calendar add of a whole number of months to a day number, AdhereR's roll rule.

        A target day that does not exist rolls forward to the 1st of the next month. The
        fraction of a fractional day number is kept.
        """
        date = self.to_date(day_expr)
        total = f"(year({date}) * 12 + month({date}) - 1 + CAST({months_expr} AS BIGINT))"
        year = f"CAST(floor({total} / 12.0) AS INTEGER)"
        month = f"CAST({total} - floor({total} / 12.0) * 12 + 1 AS INTEGER)"
        first = f"make_date({year}, {month}, 1)"
        last_day = f"last_day({first})"
        target = (
            f"(CASE WHEN day({date}) <= day({last_day}) "
            f"THEN {self.add_days(first, f'day({date}) - 1')} "
            f"ELSE {self.add_days(last_day, '1')} END)"
        )
        return f"({self.from_date(target)} + (({day_expr}) - floor({day_expr})))"


class SparkDialect(Dialect):
    """Spark SQL (3.5 / 4.x)."""

    name = "spark"

    def round_half_even(self, expr: str) -> str:
        return f"bround(CAST({expr} AS DOUBLE), 0)"

    def inf(self) -> str:
        return "CAST('Infinity' AS DOUBLE)"

    def nan(self) -> str:
        return "CAST('NaN' AS DOUBLE)"

    def to_date(self, day_expr: str) -> str:
        return f"date_add(DATE '1970-01-01', CAST(floor({day_expr}) AS INT))"

    def from_date(self, date_expr: str) -> str:
        return f"CAST(datediff({date_expr}, DATE '1970-01-01') AS DOUBLE)"

    def add_days(self, date_expr: str, days_expr: str) -> str:
        return f"date_add({date_expr}, CAST({days_expr} AS INT))"

    def explode_range(self, count_expr: str) -> str:
        return f"explode(sequence(1, CAST({count_expr} AS INT)))"

    def explode_between(self, low: str, high: str) -> str:
        return f"explode(sequence(CAST({low} AS INT), CAST({high} AS INT)))"


DUCKDB = Dialect()
SPARK = SparkDialect()
