"""SQL for the simple CMAs (spec section 4), computed per unit of a ``units`` relation.

Each ``add_cmaN`` adds the common table expressions that compute CMA N for every unit and
returns the name of a relation with columns ``key, uid, cma`` (units without a value are
absent; callers left-join them to their units, so they come out missing, as in AdhereR).
"""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are mapped to internal names first).
# ruff: noqa: S608

from __future__ import annotations

from concord.analytics.adherence.plan import CarryOver, Query, add_gaps

__all__ = ["CMA_CARRY_OVER", "add_cma"]

#: Carry-over within / into the observation window fixed by each CMA (spec section 4).
CMA_CARRY_OVER: dict[int, tuple[bool, bool]] = {
    1: (False, False),
    2: (False, False),
    3: (False, False),
    4: (False, False),
    5: (True, False),
    6: (True, False),
    7: (True, True),
    8: (True, True),
    9: (True, True),
}


def _ow_events(q: Query, prefix: str, units: str) -> str:
    return q.add(
        f"{prefix}_ow",
        "SELECT u.key, u.uid, u.os, u.oe, e.seq, e.d, e.dur "
        f"FROM {units} u JOIN ev e ON e.key = u.key "
        "WHERE e.d >= u.fs AND e.d <= u.fe AND e.d >= u.os AND e.d <= u.oe",
    )


def _add_cma1(q: Query, prefix: str, units: str, capped: bool) -> str:
    ow = _ow_events(q, prefix, units)
    value = "(sdur - ldur) / (dl - df)"
    if capped:
        value = f"LEAST(1, {value})"
    return q.add(
        f"{prefix}_cma",
        f"SELECT key, uid, CASE WHEN n >= 2 AND dl > df THEN {value} END AS cma FROM ("
        "SELECT key, uid, COUNT(*) AS n, MIN(d) AS df, MAX(d) AS dl, SUM(dur) AS sdur, "
        f"MAX_BY(dur, seq) AS ldur FROM {ow} GROUP BY key, uid) a",
    )


def _add_cma2(q: Query, prefix: str, units: str, capped: bool) -> str:
    ow = _ow_events(q, prefix, units)
    value = q.dialect.ieee_div("sdur", "oe - df")
    if capped:
        value = f"LEAST(1, {value})"
    return q.add(
        f"{prefix}_cma",
        f"SELECT key, uid, {value} AS cma FROM ("
        "SELECT key, uid, MAX(oe) AS oe, MIN(d) AS df, SUM(dur) AS sdur "
        f"FROM {ow} GROUP BY key, uid) a",
    )


def _add_cma5(q: Query, prefix: str, units: str, flags: CarryOver) -> str:
    g = add_gaps(q, prefix, units, flags)
    return q.add(
        f"{prefix}_cma",
        "SELECT key, uid, CASE WHEN n >= 2 AND dl > df THEN 1 - (sgap - lgap) / (dl - df) END "
        "AS cma FROM (SELECT key, uid, COUNT(*) AS n, MIN(d) AS df, MAX(d) AS dl, "
        f"SUM(gap) AS sgap, MAX_BY(gap, seq) AS lgap FROM {g} GROUP BY key, uid) a",
    )


def _add_cma6(q: Query, prefix: str, units: str, flags: CarryOver) -> str:
    g = add_gaps(q, prefix, units, flags)
    value = "1 - " + q.dialect.ieee_div("sgap", "oe - df")
    return q.add(
        f"{prefix}_cma",
        f"SELECT key, uid, {value} AS cma FROM (SELECT key, uid, MAX(oe) AS oe, "
        f"MIN(d) AS df, SUM(gap) AS sgap FROM {g} GROUP BY key, uid) a",
    )


def _add_cma7(q: Query, prefix: str, units: str, flags: CarryOver) -> str:
    d = q.dialect
    g = add_gaps(q, prefix, units, flags)
    # G0, the gap before the first OW event f: d_f - os, or min(G[f-1], d_f - os) where f-1
    # (the event before f) is the last selected event before the OW.
    g0 = "(CASE WHEN n_bef = 0 THEN lead_in ELSE LEAST(gb, lead_in) END)"
    q.add(
        f"{prefix}_agg",
        "SELECT key, uid, MAX(oe) - MAX(os) AS len, "
        "SUM(CASE WHEN bef THEN 0 ELSE 1 END) AS n_in, "
        "SUM(CASE WHEN bef THEN 1 ELSE 0 END) AS n_bef, "
        "SUM(CASE WHEN bef THEN 0 ELSE gap END) AS sgap, "
        "MIN(d) FILTER (WHERE NOT bef) - MAX(os) AS lead_in, "
        "MAX_BY(gap, seq) FILTER (WHERE bef) AS gb "
        f"FROM {g} GROUP BY key, uid",
    )
    return q.add(
        f"{prefix}_cma",
        "SELECT key, uid, CASE WHEN n_in = 0 THEN (CASE WHEN n_bef = 0 THEN NULL "
        f"WHEN gb <= len THEN 1 - {d.ieee_div('gb', 'len')} ELSE 0 END) "
        f"ELSE 1 - {d.ieee_div(f'sgap + {g0}', 'len')} END AS cma FROM {prefix}_agg",
    )


def _add_cma8(q: Query, prefix: str, units: str, flags: CarryOver) -> str:
    d = q.dialect
    g = add_gaps(q, f"{prefix}a", units, flags)
    q.add(
        f"{prefix}_lag",
        "SELECT key, uid, MAX(d + dur + cin) AS os2 "
        f"FROM {g} WHERE bef AND d + dur + cin > os GROUP BY key, uid",
    )
    q.add(
        f"{prefix}_u0",
        "SELECT u.key, u.uid, u.fs, u.fe, COALESCE(l.os2, u.os) AS os, u.oe AS oe0 "
        f"FROM {units} u LEFT JOIN {prefix}_lag l ON l.key = u.key AND l.uid = u.uid",
    )
    lagged = q.add(
        f"{prefix}_u",
        f"SELECT key, uid, fs, fe, os, os + {d.round_half_even('oe0 - os')} AS oe FROM {prefix}_u0",
    )
    return _add_cma7(q, f"{prefix}b", lagged, flags)


def _add_cma9(q: Query, prefix: str, units: str, flags: CarryOver) -> str:
    d = q.dialect
    g = add_gaps(q, prefix, units, flags, ow_is_fuw=True)
    term = (
        "CASE WHEN iv > 0 THEN (1 - gap / iv) * "
        "GREATEST(0, LEAST(d + iv, oe) - GREATEST(d, os)) ELSE 0 END"
    )
    return q.add(
        f"{prefix}_cma",
        f"SELECT key, uid, CASE WHEN n_in > 0 THEN {d.ieee_div('num', 'oe - os')} END AS cma "
        f"FROM (SELECT key, uid, MAX(os) AS os, MAX(oe) AS oe, SUM({term}) AS num, "
        f"SUM(CASE WHEN d <= oe THEN 1 ELSE 0 END) AS n_in FROM {g} GROUP BY key, uid) a",
    )


def add_cma(
    q: Query,
    measure: int,
    units: str,
    *,
    same_medication: bool = False,
    dosage_change: bool = False,
    prefix: str | None = None,
    from_first_event: bool = False,
) -> str:
    """Add CMA ``measure`` (1-9) for every unit of ``units``; return the result relation.

    ``from_first_event``: see :class:`~concord.analytics.adherence.plan.CarryOver`.
    """
    within, into = CMA_CARRY_OVER[measure]
    flags = CarryOver(within, into, same_medication, dosage_change, from_first_event)
    name = prefix or f"cma{measure}"
    if measure in (1, 3):
        return _add_cma1(q, name, units, capped=measure == 3)
    if measure in (2, 4):
        return _add_cma2(q, name, units, capped=measure == 4)
    builders = {5: _add_cma5, 6: _add_cma6, 7: _add_cma7, 8: _add_cma8, 9: _add_cma9}
    return builders[measure](q, name, units, flags)
