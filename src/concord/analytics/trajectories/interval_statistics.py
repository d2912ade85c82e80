"""Long table of every examined interval's intermediate quantities (evidence)."""

from __future__ import annotations

import numpy as np
import polars as pl

from concord.analytics.trajectories.criteria import BoolArray, FloatArray, evaluate_intervals
from concord.analytics.trajectories.identify import SuddenChangeSearch


def _flat_float(name: str, values: FloatArray) -> pl.Series:
    return pl.Series(name, values.ravel(), dtype=pl.Float64, nan_to_null=True)


def _need(values: FloatArray | None) -> FloatArray:
    if values is None:
        raise ValueError("interval_statistics needs criterion 3 (sg_crit3=True)")
    return values


def _flat_tristate(
    name: str, met: BoolArray | None, available: BoolArray | None, size: int
) -> pl.Series:
    if met is None or available is None:
        return pl.Series(name, [None] * size, dtype=pl.Boolean)
    values = pl.Series(name, met.ravel())
    return values.zip_with(pl.Series(available.ravel()), pl.Series([None], dtype=pl.Boolean))


def interval_statistics(search: SuddenChangeSearch) -> pl.DataFrame:
    """One row per person x examined interval with criterion-3 intermediates.

    Columns: ``id``, ``interval``, ``pregain_var``, ``postgain_var``,
    ``pregain``, ``postgain``, ``change`` (pre - post), ``pre_window``,
    ``post_window`` (column names joined by ``;``), ``n_pre``, ``n_post``,
    ``mean_pre``, ``mean_post``, ``sd_pre``, ``sd_post``, ``df``,
    ``critical_value``, ``pooled_sd``, ``crit3_threshold``
    (= critical value x pooled SD), ``crit1``, ``crit2``, ``crit3``, ``crit123``.

    Needs criterion 3 switched on. Rows ordered by id, then interval. This is
    the audit trail behind each flag; suddengains has no equivalent output.
    """
    crit = search.criteria
    if crit.n_pre is None and search.options.sg_crit3:
        # the search did not keep the intermediates: compute them once more
        crit = evaluate_intervals(search.scores, search.options.criteria(), keep_statistics=True)
    if crit.n_pre is None or crit.n_post is None:
        raise ValueError("interval_statistics needs criterion 3 (sg_crit3=True)")
    n_persons = search.scores.shape[0]
    n_intervals = len(search.labels)
    columns = search.sg_var_list
    k = len(columns)
    pre_pos = crit.pre_position
    repeat = np.repeat(np.arange(n_persons), n_intervals)
    tile = np.tile(np.arange(n_intervals), n_persons)

    def names(index: np.ndarray) -> pl.Series:
        return pl.Series([columns[int(p)] for p in index])[tile]

    def window(start: int, stop: int) -> str:
        return ";".join(columns[max(0, start) : min(k, stop)])

    pre_windows = [window(int(p) - 2, int(p) + 1) for p in pre_pos]
    post_windows = [window(int(p) + 1, int(p) + 4) for p in pre_pos]
    pregain = search.scores[:, pre_pos]
    postgain = search.scores[:, pre_pos + 1]
    n_pre = crit.n_pre.astype(np.int64)
    n_post = crit.n_post.astype(np.int64)
    enough = (n_pre >= 2) & (n_post >= 2)
    df = np.where(enough, n_pre + n_post - 2, -1).ravel()
    size = n_persons * n_intervals
    combined = pl.Series("crit123", crit.crit123_met.ravel().astype(np.int8)).zip_with(
        pl.Series(crit.crit123_available.ravel()), pl.Series([None], dtype=pl.Int8)
    )
    table = pl.DataFrame(
        [
            search.data.get_column(search.id_var_name)[repeat],
            pl.Series("interval", list(search.labels))[tile],
            names(pre_pos).alias("pregain_var"),
            names(pre_pos + 1).alias("postgain_var"),
            _flat_float("pregain", pregain),
            _flat_float("postgain", postgain),
            _flat_float("change", pregain - postgain),
            pl.Series("pre_window", pre_windows)[tile],
            pl.Series("post_window", post_windows)[tile],
            pl.Series("n_pre", n_pre.ravel()),
            pl.Series("n_post", n_post.ravel()),
            _flat_float("mean_pre", _need(crit.mean_pre)),
            _flat_float("mean_post", _need(crit.mean_post)),
            _flat_float("sd_pre", _need(crit.sd_pre)),
            _flat_float("sd_post", _need(crit.sd_post)),
            pl.Series("df", df).replace(-1, None),
            _flat_float("critical_value", _need(crit.critical_value)),
            _flat_float("pooled_sd", _need(crit.pooled_sd)),
            _flat_float("crit3_threshold", _need(crit.critical_value) * _need(crit.pooled_sd)),
            _flat_tristate("crit1", crit.crit1_met, crit.crit1_available, size),
            _flat_tristate("crit2", crit.crit2_met, crit.crit2_available, size),
            _flat_tristate("crit3", crit.crit3_met, crit.crit3_available, size),
            combined,
        ]
    )
    return table
