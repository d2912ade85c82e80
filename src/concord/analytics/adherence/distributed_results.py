"""Result objects of the distributed (Spark end to end) adherence functions.

Each holds lazy Spark DataFrames with the columns, column order and row order of the
matching Polars result; nothing is computed until an action (``write``, ``collect``,
``to_polars``) runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

__all__ = [
    "DistributedCMAResult",
    "DistributedEventGapsResult",
    "DistributedTreatmentEpisodesResult",
    "spark_to_polars",
]


def spark_to_polars(frame: Any) -> pl.DataFrame:
    """Collect a (small) Spark DataFrame to the driver as a Polars frame, through Arrow."""
    result = pl.from_arrow(frame.toArrow())
    if not isinstance(result, pl.DataFrame):  # pragma: no cover - tables give frames
        raise TypeError("Spark returned no table")
    return result


@dataclass(frozen=True)
class DistributedCMAResult:
    """A CMA computed on Spark: ``cma`` (and ``event_info``) are lazy Spark DataFrames.

    ``cma`` has the columns of the matching Polars result (``<ID>, CMA`` for CMA1-CMA9, then
    ``.MED_GROUP_ID`` with medication groups; see
    :class:`~concord.analytics.adherence.PerEpisodeResult` and
    :class:`~concord.analytics.adherence.SlidingWindowResult`), in AdhereR's row order.
    ``event_info`` is AdhereR's ``getEventInfo()`` table when it was asked for.
    """

    measure: str
    cma: Any  # pyspark.sql.DataFrame
    event_info: Any = None  # pyspark.sql.DataFrame or None

    def to_polars(self) -> pl.DataFrame:
        """Collect ``cma`` to the driver as a Polars frame (for small results)."""
        return spark_to_polars(self.cma)


@dataclass(frozen=True)
class DistributedEventGapsResult:
    """AdhereR's ``compute.event.int.gaps`` table, computed on Spark (lazy ``events``)."""

    events: Any  # pyspark.sql.DataFrame

    def to_polars(self) -> pl.DataFrame:
        """Collect ``events`` to the driver as a Polars frame (for small results)."""
        return spark_to_polars(self.events)


@dataclass(frozen=True)
class DistributedTreatmentEpisodesResult:
    """AdhereR's ``compute.treatment.episodes`` on Spark: lazy ``episodes`` and ``mapping``.

    ``mapping`` (``ID, episode.ID, event.index.in.data``) only when it was asked for.
    """

    episodes: Any  # pyspark.sql.DataFrame
    mapping: Any = None  # pyspark.sql.DataFrame or None

    def to_polars(self) -> pl.DataFrame:
        """Collect ``episodes`` to the driver as a Polars frame (for small results)."""
        return spark_to_polars(self.episodes)
