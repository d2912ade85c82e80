"""Medication adherence from dispensing / prescription events, reproducing AdhereR exactly.

Measures (Vollmer et al. 2012; Dima & Dediu 2017): CMA1-CMA9, per-event intervals and gaps,
treatment episodes, CMA per episode and in sliding windows, medication groups -- with every
AdhereR option and quirk (see ``docs/analytics/adherence.md``) -- plus PDC, MPR, dose-timing
adherence and a per-patient SVG plot.

The computation is one relational plan (SQL window functions) run by DuckDB (default) or by
Spark SQL (``engine="spark"``) with identical results; :func:`compute_cma_distributed` (with
medication groups and ``event_info``), its per-episode and sliding-window variants,
:func:`event_intervals_and_gaps_distributed` and :func:`treatment_episodes_distributed` run
on Spark end to end (Spark DataFrame in, Spark DataFrame out). Inputs: Polars, Arrow, CSV or
Parquet; outputs: frozen result objects holding Polars tables. Bad input raises
:class:`AdherenceInputError` naming the row(s) and the column.
"""

from __future__ import annotations

from concord.analytics.adherence.cma import (
    cma1,
    cma2,
    cma3,
    cma4,
    cma5,
    cma6,
    cma7,
    cma8,
    cma9,
    compute_cma,
)
from concord.analytics.adherence.distributed import (
    cma_per_episode_distributed,
    cma_sliding_window_distributed,
    compute_cma_distributed,
)
from concord.analytics.adherence.distributed_events import (
    event_intervals_and_gaps_distributed,
    treatment_episodes_distributed,
)
from concord.analytics.adherence.distributed_results import (
    DistributedCMAResult,
    DistributedEventGapsResult,
    DistributedTreatmentEpisodesResult,
)
from concord.analytics.adherence.dose_timing import (
    DoseTimingResult,
    DosingRegimen,
    dose_timing_adherence,
)
from concord.analytics.adherence.engines import DuckDBEngine, SparkEngine
from concord.analytics.adherence.episodes import cma_per_episode, treatment_episodes
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.event_gaps import event_intervals_and_gaps
from concord.analytics.adherence.mpr import medication_possession_ratio
from concord.analytics.adherence.pdc import proportion_of_days_covered
from concord.analytics.adherence.plot import adherence_plot_svg
from concord.analytics.adherence.results import (
    CMAResult,
    EventGapsResult,
    PerEpisodeResult,
    SlidingWindowResult,
    TreatmentEpisodesResult,
)
from concord.analytics.adherence.sliding import cma_sliding_window

__all__ = [
    "AdherenceInputError",
    "CMAResult",
    "DistributedCMAResult",
    "DistributedEventGapsResult",
    "DistributedTreatmentEpisodesResult",
    "DoseTimingResult",
    "DosingRegimen",
    "DuckDBEngine",
    "EventGapsResult",
    "PerEpisodeResult",
    "SlidingWindowResult",
    "SparkEngine",
    "TreatmentEpisodesResult",
    "adherence_plot_svg",
    "cma1",
    "cma2",
    "cma3",
    "cma4",
    "cma5",
    "cma6",
    "cma7",
    "cma8",
    "cma9",
    "cma_per_episode",
    "cma_per_episode_distributed",
    "cma_sliding_window",
    "cma_sliding_window_distributed",
    "compute_cma",
    "compute_cma_distributed",
    "dose_timing_adherence",
    "event_intervals_and_gaps",
    "event_intervals_and_gaps_distributed",
    "medication_possession_ratio",
    "proportion_of_days_covered",
    "treatment_episodes",
    "treatment_episodes_distributed",
]
