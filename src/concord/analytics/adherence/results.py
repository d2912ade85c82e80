"""Result objects of the adherence functions (frozen dataclasses holding Polars tables)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

__all__ = [
    "CMAResult",
    "EventGapsResult",
    "PerEpisodeResult",
    "SlidingWindowResult",
    "TreatmentEpisodesResult",
]


@dataclass(frozen=True)
class CMAResult:
    """A simple CMA: one row per patient (and medication group), in AdhereR's order.

    Attributes
    ----------
    measure : str
        ``"CMA1"`` ... ``"CMA9"``.
    cma : polars.DataFrame
        Columns: the ID column, ``CMA`` (Float64; null = AdhereR's ``NA``, NaN and Inf kept),
        and ``.MED_GROUP_ID`` when medication groups were given.
    event_info : polars.DataFrame or None
        AdhereR's ``getEventInfo()`` table, when requested with ``event_info=True``.
    """

    measure: str
    cma: pl.DataFrame
    event_info: pl.DataFrame | None = None


@dataclass(frozen=True)
class EventGapsResult:
    """AdhereR's ``compute.event.int.gaps`` table (one row per follow-up event)."""

    events: pl.DataFrame


@dataclass(frozen=True)
class TreatmentEpisodesResult:
    """AdhereR's ``compute.treatment.episodes`` table and, optionally, its event mapping.

    Attributes
    ----------
    episodes : polars.DataFrame
        ``ID, episode.ID, episode.start, end.episode.gap.days, episode.duration, episode.end``.
    mapping : polars.DataFrame or None
        ``ID, episode.ID, event.index.in.data`` (row index after sorting by ID and date).
    """

    episodes: pl.DataFrame
    mapping: pl.DataFrame | None = None


@dataclass(frozen=True)
class PerEpisodeResult:
    """AdhereR's ``CMA_per_episode``: ``ID, episode.ID, episode.start,
    end.episode.gap.days, episode.duration, episode.end, CMA``."""

    measure: str
    cma: pl.DataFrame


@dataclass(frozen=True)
class SlidingWindowResult:
    """AdhereR's ``CMA_sliding_window``: ``ID, window.ID, window.start, window.end, CMA``."""

    measure: str
    cma: pl.DataFrame
