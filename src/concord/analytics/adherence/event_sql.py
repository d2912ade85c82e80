"""Per-event tables: AdhereR's ``compute.event.int.gaps`` and ``getEventInfo``.

Both are the gap engine's output for every follow-up event of each patient, plus the window
dates and flags AdhereR adds with ``keep.window.start.end.dates = TRUE`` (spec section 3.4).
"""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are mapped to internal names first).
# ruff: noqa: S608

from __future__ import annotations

import polars as pl

from concord.analytics.adherence.core import Call
from concord.analytics.adherence.plan import CarryOver, Query, add_gaps

__all__ = ["WINDOW_DATE_COLUMNS", "event_rows", "event_rows_sql"]

WINDOW_DATE_COLUMNS = (
    ".DATE.as.Date",
    ".FU.START.DATE",
    ".FU.END.DATE",
    ".OBS.START.DATE",
    ".OBS.END.DATE",
)

_USED = {
    "CMA1": "NOT bef AND NOT aft AND has_next_ow",
    "CMA2": "NOT bef AND NOT aft",
    "CMA3": "NOT bef AND NOT aft AND has_next_ow",
    "CMA4": "NOT bef AND NOT aft",
    "CMA5": "NOT bef AND NOT aft AND has_next_ow",
    "CMA6": "NOT bef AND NOT aft",
    "CMA7": "NOT bef AND NOT aft",
    "CMA8": "NOT bef AND NOT aft",
    "CMA9": "d <= oe",
}


def event_rows(
    call: Call,
    flags: CarryOver,
    *,
    keep_all_intervals: bool,
    keep_outside_followup: bool = False,
    used_by: str | None = None,
) -> pl.DataFrame:
    """One row per event (follow-up events only unless ``keep_outside_followup``).

    Columns (day numbers, floats): ``key, seq, iv, gap, cin, fs, fe, os, oe, bef, aft,
    infu, tdiff1, tdiff2`` and ``used`` when ``used_by`` names a CMA.
    """
    q = Query(call.engine.dialect)
    sql = event_rows_sql(
        q,
        flags,
        keep_all_intervals=keep_all_intervals,
        keep_outside_followup=keep_outside_followup,
        used_by=used_by,
    )
    return call.run(q.sql(sql)).sort("seq")


def event_rows_sql(
    q: Query,
    flags: CarryOver,
    *,
    keep_all_intervals: bool,
    keep_outside_followup: bool = False,
    used_by: str | None = None,
    extra: tuple[str, ...] = (),
) -> str:
    """Add the per-event CTEs (over ``pw`` and ``ev``) to ``q``; return the final select.

    The select gives the columns of :func:`event_rows` plus the ``ev`` columns ``extra``.
    """
    units = q.add("units", "SELECT key, p, 1 AS uid, fs, fe, os, oe FROM pw")
    g = add_gaps(q, "eg", units, flags)
    window = "" if keep_outside_followup else "WHERE e.d >= u.fs AND e.d <= u.fe"
    carried = "".join(f", e.{c}" for c in extra)
    q.add(
        "fu",
        # .TDIFF2: days to the key's next event, whether or not it is in the FUW.
        "SELECT u.key, u.fs, u.fe, u.os, u.oe, e.seq, e.d, e.dur, e.dnext - e.d AS tdiff2, "
        "e.d < u.os AS bef, e.d > u.oe AS aft, (e.d >= u.fs AND e.d <= u.fe) AS infu, "
        f"COALESCE(e.dnext <= u.oe, FALSE) AS has_next_ow{carried} "
        f"FROM {units} u JOIN ev e ON e.key = u.key {window}",
    )
    interval = "g.iv" if keep_all_intervals else "CASE WHEN f.bef OR f.aft THEN NULL ELSE g.iv END"
    carried = "".join(f", f.{c}" for c in extra)
    q.add(
        "ev_out",
        f"SELECT f.key, f.seq, {interval} AS iv, g.gap, g.cin, f.fs, f.fe, f.os, f.oe, "
        "f.bef, f.aft, f.infu, f.dur - (f.os - f.d) AS tdiff1, f.tdiff2, f.d, "
        f"f.has_next_ow{carried} "
        f"FROM fu f LEFT JOIN {g} g ON g.key = f.key AND g.seq = f.seq",
    )
    used = "" if used_by is None else f", ({_USED[used_by]}) AS used"
    return f"SELECT *{used} FROM ev_out"
