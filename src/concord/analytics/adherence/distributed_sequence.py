"""The numbered events of a distributed call: groups, per-key numbering, running sums.

Spark's twin of :func:`concord.analytics.adherence.plan.add_sequence_columns` and of
:meth:`concord.analytics.adherence.medgroups.MedicationGroups.long_events`, plus the one
counting pass over the result that checks every input row.
"""

# SQL text here is assembled only from internal identifiers; no user-supplied text reaches
# it (user columns are renamed to internal names first).
# ruff: noqa: S608

from __future__ import annotations

import uuid
from typing import Any

from concord.analytics.adherence.distributed_input import PARTITION_SHIFT

__all__ = ["count_rows", "group_events", "sequence_columns"]


def count_rows(
    functions: Any, ev: Any, generated: bool, original: Any, bad: list[Any], n_groups: int
) -> list[Any]:
    """One pass: input rows, failing rows per check and events per group, by partition.

    With medication groups an input row appears once per group that selects it; only its
    first appearance (``original``) counts as the input row.
    """
    part = (
        functions.shiftright(functions.col("row"), PARTITION_SHIFT)
        if generated
        else functions.lit(0)
    )
    aggregates = [functions.sum(functions.when(original, 1).otherwise(0)).alias("n")]
    aggregates += [
        functions.sum(functions.when(original & check, 1).otherwise(0)).alias(f"bad{i}")
        for i, check in enumerate(bad)
    ]
    group = functions.col("key").getField("g") if n_groups else None
    aggregates += [
        functions.sum(functions.when(group == g, 1).otherwise(0)).alias(f"grp{g}")
        for g in range(n_groups)
    ]
    rows: list[Any] = ev.groupBy(part.alias("part")).agg(*aggregates).collect()
    return rows


def group_events(functions: Any, data: Any, columns: list[Any], selections: list[Any]) -> Any:
    """Every event once per group that selects it (``__ALL_OTHERS__``: none does), keyed
    by ``(g, id)``; ``orig`` marks each input row's first appearance."""
    col = functions.col
    anything = functions.lit(False)
    for selection in selections:
        anything = anything | selection
    labels = [functions.when(s, functions.lit(g)) for g, s in enumerate(selections)]
    labels.append(functions.when(~anything, functions.lit(len(selections))))
    chosen = functions.filter(functions.array(*labels), lambda x: x.isNotNull())
    typed = data.select(*columns, chosen.alias("labels"))
    base = [c for c in typed.columns if c not in ("key", "labels")]
    exploded = typed.select(
        *base,
        col("key"),
        functions.explode(col("labels")).alias("g"),
        functions.element_at(col("labels"), 1).alias("first_g"),
    )
    return exploded.select(
        *base,
        functions.struct(col("g"), col("key").alias("id")).alias("key"),
        (col("g") == col("first_g")).alias("orig"),
    )


def sequence_columns(events: Any, extra: list[str]) -> Any:
    """Number each key's events and add the gap engine's sequence columns in Spark.

    The same columns as :func:`concord.analytics.adherence.plan.add_sequence_columns`:
    ``k`` / ``seq`` (event number within the key, by date then input row), ``dnext``,
    ``ncls`` (the next event's class), ``run`` (runs of the same class) and the exclusive
    running sums ``y0`` / ``y1`` of ``x = dur - (dnext - d)`` (without / with the dose),
    added in event order as the Polars path adds them, so the sums are the same
    floating-point numbers. ``extra`` columns are carried along.
    """
    view = f"adh_{uuid.uuid4().hex[:12]}_keyed"
    events.createOrReplaceTempView(view)
    carried = "".join(f", {c}" for c in extra)
    sql = f"""
WITH numbered AS (
  SELECT key, row, d, dur, dose, cls{carried},
         ROW_NUMBER() OVER (PARTITION BY key ORDER BY d, row) AS k
  FROM {view}
), nxt AS (
  SELECT *, LEAD(d) OVER (PARTITION BY key ORDER BY k) AS dnext,
         CASE WHEN k = 1 OR NOT (cls <=> LAG(cls) OVER (PARTITION BY key ORDER BY k))
              THEN 1 ELSE 0 END AS cls_change
  FROM numbered
), steps AS (
  SELECT *, COALESCE(dur - (dnext - d), CAST(0 AS DOUBLE)) AS x FROM nxt
)
SELECT key, row, k, k AS seq, CAST(d AS DOUBLE) AS d, dur, dose, cls{carried},
       CAST(dnext AS DOUBLE) AS dnext,
       LEAD(cls) OVER (PARTITION BY key ORDER BY k) AS ncls,
       SUM(cls_change) OVER (PARTITION BY key ORDER BY k
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run,
       COALESCE(SUM(x) OVER (PARTITION BY key ORDER BY k
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0.0) AS y0,
       COALESCE(SUM(x * dose) OVER (PARTITION BY key ORDER BY k
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0.0) AS y1
FROM steps
"""
    return events.sparkSession.sql(sql)
