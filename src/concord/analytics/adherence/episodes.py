"""Treatment episodes (``compute.treatment.episodes``) and CMA per episode (``CMA_per_episode``).

Spec sections 7 and 8. An episode ends after an event whose gap (to the next event, or to
the follow-up end) exceeds the maximum permissible gap ``M``, or -- when a medication change
means a new episode -- after the last event before a change of class. Durations follow
AdhereR exactly, including its quirks (kept on purpose, see the module functions).
"""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are mapped to internal names first).
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import polars as pl

from concord.analytics.adherence.cma import measure_number
from concord.analytics.adherence.cma_sql import CMA_CARRY_OVER, add_cma
from concord.analytics.adherence.core import MED_GROUP_COLUMN, make_call
from concord.analytics.adherence.dates import FIXED_UNIT_DAYS
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.inputs import EventSource
from concord.analytics.adherence.plan import CarryOver, Query, add_gaps, add_to_day
from concord.analytics.adherence.results import PerEpisodeResult, TreatmentEpisodesResult

__all__ = ["add_episodes", "cma_per_episode", "per_episode_sql", "treatment_episodes"]

GAP_UNITS = (*FIXED_UNIT_DAYS, "percent")


def _gap_limit(maximum_permissible_gap: float, unit: str) -> str:
    """SQL for ``M_i`` (spec 7.2): days, or a percentage of each event's duration."""
    if unit not in GAP_UNITS:
        raise AdherenceInputError(
            f"maximum.permissible.gap.unit must be one of {', '.join(GAP_UNITS)}, not {unit!r}",
            column="maximum.permissible.gap.unit",
        )
    gap = max(0.0, float(maximum_permissible_gap))
    if unit == "percent":
        return f"(CAST({gap!r} AS DOUBLE) / 100 * dur)"
    return f"CAST({gap * FIXED_UNIT_DAYS[unit]!r} AS DOUBLE)"


def add_episodes(
    q: Query,
    units: str,
    flags: CarryOver,
    *,
    medication_change_means_new_episode: bool,
    maximum_permissible_gap: float,
    maximum_permissible_gap_unit: str,
    append_gap: bool,
    event_mapping: bool = False,
) -> tuple[str, str | None]:
    """Add the episode CTEs; return (episodes relation, event-to-episode relation).

    Episodes: ``key, uid, ep, start, endgap, duration, ends`` (day numbers); events (only
    with ``event_mapping``): ``key, ep, seq``.

    Without the mapping the episodes are found from their first events alone: an event
    starts an episode when it is the unit's first or the previous event ends one, which the
    gap engine's window pass can tell (the previous event's gap and class); the episode's
    end gap is then read on the next start (or on the last event). When carry-over is only
    for the same medication, the carry-over restarts at every class change (another window
    partition), so the episodes are numbered event by event instead.
    """
    limit = _gap_limit(maximum_permissible_gap, maximum_permissible_gap_unit)
    flags = replace(flags, into=False)
    if not event_mapping and not (flags.same_medication and flags.within):
        return _add_episodes_from_starts(
            q,
            units,
            flags,
            limit,
            medication_change_means_new_episode=medication_change_means_new_episode,
            append_gap=append_gap,
        ), None
    g = add_gaps(q, "te", units, flags, ow_is_fuw=True, next_class=True)
    win = "PARTITION BY key, uid ORDER BY seq"
    change = "FALSE"
    if medication_change_means_new_episode:
        change = "(NOT is_last AND ncls IS DISTINCT FROM cls)"
    q.add("te_m", f"SELECT *, {limit} AS lim FROM {g}")
    q.add(
        "te_k",
        f"SELECT *, (gap > lim OR is_last OR {change}) AS mark FROM te_m",
    )
    events = q.add(
        "te_e",
        "SELECT *, 1 + COALESCE(SUM(CASE WHEN mark AND NOT is_last THEN 1 ELSE 0 END) "
        f"OVER ({win} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ep FROM te_k",
    )
    q.add(
        "te_ep",
        "SELECT key, uid, ep, MIN(d) AS start, MAX_BY(gap, seq) AS endgap, "
        "MAX_BY(lim, seq) AS mlast, MAX(fe) AS fe FROM te_e GROUP BY key, uid, ep",
    )
    q.add(
        "te_ep2",
        "SELECT *, LEAD(start) OVER (PARTITION BY key, uid ORDER BY ep) AS nstart, "
        "COUNT(*) OVER (PARTITION BY key, uid) AS neps FROM te_ep",
    )
    return _add_durations(q, "te_ep2", append_gap), events


def _add_episodes_from_starts(
    q: Query,
    units: str,
    flags: CarryOver,
    limit: str,
    *,
    medication_change_means_new_episode: bool,
    append_gap: bool,
) -> str:
    g = add_gaps(
        q,
        "te",
        units,
        flags,
        ow_is_fuw=True,
        next_class=medication_change_means_new_episode,
        previous=True,
    )
    change = "pcls IS DISTINCT FROM cls" if medication_change_means_new_episode else "FALSE"
    previous_limit = limit.replace("dur)", "pdur)")
    q.add(
        "te_r",
        "SELECT * FROM (SELECT *, "
        f"(pd IS NULL OR pgap > {previous_limit} OR {change}) AS is_start, "
        f"{limit} AS lim, {previous_limit} AS plim FROM {g}) t WHERE is_start OR is_last",
    )
    r = "PARTITION BY key, uid ORDER BY seq"
    q.add(
        "te_n",
        f"SELECT *, LEAD(is_start) OVER ({r}) AS n_start, LEAD(d) OVER ({r}) AS n_d, "
        f"LEAD(pgap) OVER ({r}) AS n_pgap, LEAD(plim) OVER ({r}) AS n_plim, "
        f"LEAD(gap) OVER ({r}) AS n_gap, LEAD(lim) OVER ({r}) AS n_lim FROM te_r",
    )
    q.add(
        "te_s",
        "SELECT key, uid, fe, d AS start, "
        "CASE WHEN n_start THEN n_d END AS nstart, "
        "CASE WHEN n_start THEN n_pgap WHEN n_d IS NOT NULL THEN n_gap ELSE gap END AS endgap, "
        "CASE WHEN n_start THEN n_plim WHEN n_d IS NOT NULL THEN n_lim ELSE lim END AS mlast, "
        f"ROW_NUMBER() OVER ({r}) AS ep, COUNT(*) OVER (PARTITION BY key, uid) AS neps "
        "FROM te_n WHERE is_start",
    )
    return _add_durations(q, "te_s", append_gap)


def _add_durations(q: Query, source: str, append_gap: bool) -> str:
    """Episode durations (spec 7.4) from ``start, nstart, endgap, mlast, neps, fe``."""
    if append_gap:
        inner = "nstart - start - CASE WHEN endgap <= mlast THEN 0 ELSE endgap - mlast END"
        final = "(fe - start) - CASE WHEN endgap <= mlast THEN 0 ELSE endgap - mlast END"
        single = "(fe - start) - CASE WHEN endgap < mlast THEN 0 ELSE endgap + mlast END"
    else:
        inner = "nstart - start - endgap"
        final = "(fe - start) - CASE WHEN endgap < mlast THEN 0 ELSE endgap END"
        single = final
    q.add(
        "te_ep3",
        f"SELECT *, CASE WHEN nstart IS NOT NULL THEN {inner} WHEN neps = 1 THEN {single} "
        f"ELSE {final} END AS duration FROM {source}",
    )
    return q.add(
        "te_out",
        "SELECT key, uid, ep, start, endgap, duration, start + duration AS ends FROM te_ep3",
    )


def treatment_episodes(
    data: EventSource,
    *,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None = None,
    medication_class_colname: str | None = None,
    carryover_within_obs_window: bool = True,
    carry_only_for_same_medication: bool = True,
    consider_dosage_change: bool = True,
    medication_change_means_new_treatment_episode: bool = True,
    dosage_change_means_new_treatment_episode: bool = False,
    maximum_permissible_gap: float = 90,
    maximum_permissible_gap_unit: str = "days",
    maximum_permissible_gap_append_to_episode: bool = False,
    followup_window_start: Any = 0,
    followup_window_start_unit: str = "days",
    followup_window_duration: Any = 730,
    followup_window_duration_unit: str = "days",
    date_format: str = "%m/%d/%Y",
    return_mapping_events_episodes: bool = False,
    engine: Any = None,
) -> TreatmentEpisodesResult:
    """Treatment episodes: runs of supply without a gap longer than the permissible gap.

    Gaps come from the event-interval engine with the observation window set to the
    follow-up window (the last gap runs to ``fe``). Event ``i`` ends an episode when
    ``gap_i > M_i`` (``M`` in days, or ``percent`` of the event's duration), at a change of
    medication class (``medication_change_means_new_treatment_episode``), and always for the
    last event. Episode ``k`` lasts ``start_(k+1) - start_k - endgap_k`` (with
    ``maximum_permissible_gap_append_to_episode``: the gap beyond ``M`` only); the last one
    ``(fe - start) - (0 if endgap < M else endgap)`` (spec section 7).

    AdhereR quirks kept: the defaults are carry-over within, same medication only and dosage
    change all True; ``dosage_change_means_new_treatment_episode`` has no effect; with
    ``append`` a single-episode patient has ``M`` *subtracted* (possibly a negative
    duration); ``end.episode.gap.days`` is truncated to an integer.

    Parameters
    ----------
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    id_colname, event_date_colname, event_duration_colname : str
        As in :func:`~concord.analytics.adherence.compute_cma`, like the other shared
        options: ``event_daily_dose_colname``, ``medication_class_colname``,
        ``date_format``, the follow-up window (``followup_window_*``) and ``engine``.
    carryover_within_obs_window : bool, default True
        Carry surplus supply forward between events (AdhereR's default for this function).
    carry_only_for_same_medication, consider_dosage_change : bool, default True
        Reset the carry-over at a change of class / rescale it by the ratio of the daily
        doses (AdhereR's defaults for this function).
    medication_change_means_new_treatment_episode : bool, default True
        A change of class ends the episode.
    dosage_change_means_new_treatment_episode : bool, default False
        Accepted; no effect, as in AdhereR 0.8.1.
    maximum_permissible_gap : float, default 90
        ``M``; negative values count as 0.
    maximum_permissible_gap_unit : str, default "days"
        ``"days"``, ``"weeks"`` (7), ``"months"`` (30), ``"years"`` (365) or ``"percent"``
        (of each event's duration).
    maximum_permissible_gap_append_to_episode : bool, default False
        Append ``M`` to an episode ended by a gap.
    return_mapping_events_episodes : bool, default False
        Also return which events belong to which episode.

    Returns
    -------
    TreatmentEpisodesResult
        ``episodes``: ``ID, episode.ID, episode.start, end.episode.gap.days,
        episode.duration, episode.end``; ``mapping``: ``ID, episode.ID,
        event.index.in.data`` (row index after sorting by ID and date), when asked for.

    Notes
    -----
    AdhereR equivalent (``te_default.csv``, ``te_default_mapping.csv``)::

        compute.treatment.episodes(data, ID.colname, event.date.colname,
            event.duration.colname, event.daily.dose.colname, medication.class.colname,
            carryover.within.obs.window, carry.only.for.same.medication,
            consider.dosage.change, medication.change.means.new.treatment.episode,
            dosage.change.means.new.treatment.episode, maximum.permissible.gap,
            maximum.permissible.gap.unit, maximum.permissible.gap.append.to.episode,
            followup.window.start, ..., date.format, return.mapping.events.episodes)

    References
    ----------
    Dima & Dediu 2017, *PLoS ONE* 12(4):e0174426 (full reference in
    :mod:`concord.analytics.adherence.cma`).
    """
    del dosage_change_means_new_treatment_episode  # no effect in AdhereR 0.8.1 (spec 7.3)
    call = make_call(
        data,
        id_colname=id_colname,
        event_date_colname=event_date_colname,
        event_duration_colname=event_duration_colname,
        event_daily_dose_colname=event_daily_dose_colname,
        medication_class_colname=medication_class_colname,
        date_format=date_format,
        followup_window_start=followup_window_start,
        followup_window_start_unit=followup_window_start_unit,
        followup_window_duration=followup_window_duration,
        followup_window_duration_unit=followup_window_duration_unit,
        observation_window_start=0,
        observation_window_start_unit="days",
        observation_window_duration=followup_window_duration,
        observation_window_duration_unit=followup_window_duration_unit,
        engine=engine,
        doses=consider_dosage_change,
    )
    call.dosage_change = consider_dosage_change
    call.patient_windows()
    q = Query(call.engine.dialect)
    units = q.add("units", "SELECT key, p, 1 AS uid, fs, fe, os, oe FROM pw")
    flags = CarryOver(
        carryover_within_obs_window, False, carry_only_for_same_medication, consider_dosage_change
    )
    episodes, events = add_episodes(
        q,
        units,
        flags,
        medication_change_means_new_episode=medication_change_means_new_treatment_episode,
        maximum_permissible_gap=maximum_permissible_gap,
        maximum_permissible_gap_unit=maximum_permissible_gap_unit,
        append_gap=maximum_permissible_gap_append_to_episode,
        event_mapping=return_mapping_events_episodes,
    )
    mapping = None
    if return_mapping_events_episodes and events is not None:
        sql = Query.sql(q, f"SELECT key, ep, seq FROM {events}")
        mapping = (
            call.finish(call.run(sql).sort("key", "seq"))
            .sort("seq")
            .select(
                call.patient_id_column(),
                pl.col("ep").cast(pl.Int64).alias("episode.ID"),
                pl.col("seq").alias("event.index.in.data"),
            )
        )
    table = call.run(
        q.sql(
            f"SELECT key, ep AS uid, start, floor(endgap) AS endgap, duration, ends FROM {episodes}"
        )
    )
    out = call.finish(table, date_columns=("start", "ends"))
    return TreatmentEpisodesResult(
        episodes=out.select(
            call.patient_id_column(),
            pl.col("uid").cast(pl.Int64).alias("episode.ID"),
            pl.col("start").alias("episode.start"),
            pl.col("endgap").cast(pl.Float64).alias("end.episode.gap.days"),
            pl.col("duration").alias("episode.duration"),
            pl.col("ends").alias("episode.end"),
        ),
        mapping=mapping,
    )


def cma_per_episode(
    data: EventSource,
    *,
    cma_to_apply: str,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None = None,
    medication_class_colname: str | None = None,
    carry_only_for_same_medication: bool = False,
    consider_dosage_change: bool = False,
    medication_change_means_new_treatment_episode: bool = True,
    dosage_change_means_new_treatment_episode: bool = False,
    maximum_permissible_gap: float = 180,
    maximum_permissible_gap_unit: str = "days",
    maximum_permissible_gap_append_to_episode: bool = False,
    followup_window_start: Any = 0,
    followup_window_start_unit: str = "days",
    followup_window_duration: Any = 730,
    followup_window_duration_unit: str = "days",
    observation_window_start: Any = 0,
    observation_window_start_unit: str = "days",
    observation_window_duration: Any = 730,
    observation_window_duration_unit: str = "days",
    date_format: str = "%m/%d/%Y",
    medication_groups: str | Mapping[str, str] | None = None,
    engine: Any = None,
) -> PerEpisodeResult:
    """A simple CMA computed within each treatment episode (``CMA_per_episode``).

    Episodes are built as in :func:`treatment_episodes` with the carry-over of the CMA
    (none for CMA1-4, within for CMA5-6, within and into for CMA7-9) and the caller's
    options (gap default 180 days). Each episode is intersected with the observation window
    ``[max(start, os), min(end, oe)]`` and dropped unless that is non-empty; the CMA is then
    computed on all the patient's events with FUW = ``[start, start + (end - start)]`` (in
    the caller's FUW unit -- an AdhereR quirk, exact for days) and OW = the intersection
    (spec section 8).

    AdhereR quirks kept: events dated exactly on the episode end (often the next episode's
    first event) count in this episode; ``episode.duration`` is the full episode length
    while ``episode.start`` / ``episode.end`` are the intersected bounds.

    Parameters
    ----------
    cma_to_apply : {"CMA1", ..., "CMA9"}
        The CMA computed in each episode.
    data : polars.DataFrame, polars.LazyFrame, pyarrow.Table or path (CSV / Parquet)
        One row per medication event.
    id_colname, event_date_colname, event_duration_colname : str
        As in :func:`~concord.analytics.adherence.compute_cma`, like the other shared
        options: ``event_daily_dose_colname``, ``medication_class_colname``,
        ``date_format``, the follow-up window (``followup_window_*``) and ``engine``.
    observation_window_start, observation_window_duration : default 0, 730
        With their units, as in :func:`~concord.analytics.adherence.compute_cma`.
    carry_only_for_same_medication, consider_dosage_change : bool, default False
        CMA5-CMA9, for the episodes and the CMA alike; ignored by CMA1-CMA4.
    medication_change_means_new_treatment_episode : bool, default True
        As in :func:`treatment_episodes`.
    dosage_change_means_new_treatment_episode, maximum_permissible_gap_append_to_episode : bool
        As in :func:`treatment_episodes` (default False).
    maximum_permissible_gap_unit : str, default "days"
        As in :func:`treatment_episodes`.
    maximum_permissible_gap : float, default 180
        AdhereR's default for this function (90 for :func:`treatment_episodes`).
    medication_groups : mapping or str, optional
        As in :func:`~concord.analytics.adherence.compute_cma` (windows per patient).

    Returns
    -------
    PerEpisodeResult
        ``cma``: ``ID, episode.ID, episode.start, end.episode.gap.days, episode.duration,
        episode.end, CMA`` (and ``.MED_GROUP_ID``); patients without an episode in the
        observation window have no row.

    Notes
    -----
    AdhereR equivalent (``cma9_per_episode.csv`` of the reference data)::

        getCMA(CMA_per_episode(CMA.to.apply = "CMA9", data, ID.colname, ...,
            carry.only.for.same.medication, consider.dosage.change,
            medication.change.means.new.treatment.episode, maximum.permissible.gap,
            maximum.permissible.gap.unit, followup.window.start, ...,
            observation.window.start, ..., date.format))

    References
    ----------
    Dima & Dediu 2017, *PLoS ONE* 12(4):e0174426 (full reference in
    :mod:`concord.analytics.adherence.cma`).
    """
    del dosage_change_means_new_treatment_episode  # no effect in AdhereR 0.8.1 (spec 7.3)
    number = measure_number(cma_to_apply)
    if number <= 4:
        carry_only_for_same_medication = consider_dosage_change = False
    call = make_call(
        data,
        id_colname=id_colname,
        event_date_colname=event_date_colname,
        event_duration_colname=event_duration_colname,
        event_daily_dose_colname=event_daily_dose_colname,
        medication_class_colname=medication_class_colname,
        date_format=date_format,
        followup_window_start=followup_window_start,
        followup_window_start_unit=followup_window_start_unit,
        followup_window_duration=followup_window_duration,
        followup_window_duration_unit=followup_window_duration_unit,
        observation_window_start=observation_window_start,
        observation_window_start_unit=observation_window_start_unit,
        observation_window_duration=observation_window_duration,
        observation_window_duration_unit=observation_window_duration_unit,
        medication_groups=medication_groups,
        engine=engine,
        doses=consider_dosage_change,
    )
    call.dosage_change = consider_dosage_change
    from_first_event = call.starts_at_first_event()
    call.key_stats = call.previous_stats = from_first_event
    call.patient_windows()
    q = Query(call.engine.dialect)
    final = per_episode_sql(
        q,
        number,
        same_medication=carry_only_for_same_medication,
        dosage_change=consider_dosage_change,
        medication_change_means_new_episode=medication_change_means_new_treatment_episode,
        maximum_permissible_gap=maximum_permissible_gap,
        maximum_permissible_gap_unit=maximum_permissible_gap_unit,
        append_gap=maximum_permissible_gap_append_to_episode,
        followup_window_duration_unit=followup_window_duration_unit,
        from_first_event=from_first_event,
    )
    table = call.run(q.sql(final))
    out = call.finish(table, date_columns=("istart", "iend"))
    columns = [
        call.patient_id_column(),
        pl.col("uid").cast(pl.Int64).alias("episode.ID"),
        pl.col("istart").alias("episode.start"),
        pl.col("endgap").cast(pl.Float64).alias("end.episode.gap.days"),
        pl.col("duration").alias("episode.duration"),
        pl.col("iend").alias("episode.end"),
        pl.col("cma").alias("CMA"),
    ]
    if call.groups is not None:
        columns.append(pl.col(MED_GROUP_COLUMN))
    return PerEpisodeResult(measure=f"CMA{number}", cma=out.select(columns))


def per_episode_sql(
    q: Query,
    number: int,
    *,
    same_medication: bool,
    dosage_change: bool,
    medication_change_means_new_episode: bool,
    maximum_permissible_gap: float,
    maximum_permissible_gap_unit: str,
    append_gap: bool,
    followup_window_duration_unit: str,
    from_first_event: bool = False,
) -> str:
    """Add the per-episode CTEs (over ``pw`` and ``ev``) to ``q``; return the final select.

    The select gives ``key, uid, istart, endgap, duration, iend, cma`` (day numbers) for
    every episode that overlaps the observation window.
    """
    d = q.dialect
    units = q.add("units", "SELECT key, p, 1 AS uid, fs, fe, os, oe FROM pw")
    within, _ = CMA_CARRY_OVER[number]
    flags = CarryOver(within, False, same_medication, dosage_change, from_first_event)
    episodes, _events = add_episodes(
        q,
        units,
        flags,
        medication_change_means_new_episode=medication_change_means_new_episode,
        maximum_permissible_gap=maximum_permissible_gap,
        maximum_permissible_gap_unit=maximum_permissible_gap_unit,
        append_gap=append_gap,
    )
    q.add(
        "pe_0",
        "SELECT e.key, e.ep AS uid, e.start, e.ends, e.endgap, e.duration, "
        "GREATEST(e.start, w.os) AS istart, LEAST(e.ends, w.oe) AS iend "
        f"FROM {episodes} e JOIN pw w ON w.key = e.key",
    )
    fuw_end = add_to_day(
        d, "start", "(ends - start)", followup_window_duration_unit, constant=False
    )
    ep_units = q.add(
        "pe_units",
        f"SELECT key, uid, start AS fs, {fuw_end} AS fe, istart AS os, "
        f"istart + {d.round_half_even('iend - istart')} AS oe, istart, iend, endgap, duration "
        "FROM pe_0 WHERE istart < iend",
    )
    result = add_cma(
        q,
        number,
        ep_units,
        same_medication=same_medication,
        dosage_change=dosage_change,
    )
    return (
        "SELECT u.key, u.uid, u.istart, floor(u.endgap) AS endgap, u.duration, u.iend, "
        f"r.cma FROM {ep_units} u LEFT JOIN {result} r ON r.key = u.key AND r.uid = u.uid"
    )
