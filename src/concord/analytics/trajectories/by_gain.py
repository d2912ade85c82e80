"""One row per sudden gain (bysg) and one row per person (byperson)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from concord.analytics.trajectories._input import check_columns, format_id, numeric_column
from concord.analytics.trajectories.criteria import FloatArray
from concord.analytics.trajectories.errors import NoSuddenChangesError, TrajectoryInputError
from concord.analytics.trajectories.identify import SuddenChangeSearch, find_sudden_changes
from concord.analytics.trajectories.settings import Direction, Identify, SuddenChangeOptions

MultipleSelect = Literal["first", "last", "smallest", "largest"]
MULTIPLE_SELECT = ("first", "last", "smallest", "largest")

_OFFSETS = (("2n", -2), ("1n", -1), ("n", 0), ("n1", 1), ("n2", 2), ("n3", 3))


def _suffix_extreme(scores: FloatArray, *, largest: bool) -> FloatArray:
    """``out[p, t]`` = max (or min) of ``scores[p, t:]`` ignoring NaN; NaN if none.

    A trailing all-NaN column is appended so that position ``k`` (past the
    end) is valid and empty.
    """
    padded = np.concatenate([scores, np.full((scores.shape[0], 1), np.nan)], axis=1)
    reducer = np.fmax if largest else np.fmin
    return reducer.accumulate(padded[:, ::-1], axis=1)[:, ::-1]


def _bysg_arrays(
    search: SuddenChangeSearch, tx_start: FloatArray, tx_end: FloatArray
) -> dict[str, np.ndarray]:
    """Vectorised per-gain quantities (persons sorted by id, gains by session)."""
    options = search.options
    crit = search.criteria
    person, interval = np.nonzero(crit.crit123_met)
    pre = crit.pre_position[interval]
    scores = search.scores
    n_occasions = scores.shape[1]
    padded = np.concatenate(
        [np.full((scores.shape[0], 2), np.nan), scores, np.full((scores.shape[0], 3), np.nan)],
        axis=1,
    )
    extracted = {name: padded[person, pre + offset + 2] for name, offset in _OFFSETS}
    x_n, x_n1 = extracted["n"], extracted["n1"]
    higher_better = options.direction == "higher_is_better"
    magnitude = (x_n1 - x_n) if higher_better else (x_n - x_n1)
    start, end = tx_start[person], tx_end[person]
    tx_change = (end - start) if higher_better else (start - end)
    with np.errstate(divide="ignore", invalid="ignore"):
        if options.is_compat and options.identify == "sl":
            proportion = np.abs(magnitude) / tx_change
        else:
            proportion = magnitude / tx_change
    if options.is_compat:
        # suddengains turns only -Inf into NA; +Inf stays (NaN = 0/0 is NA in R)
        proportion = np.where(np.isneginf(proportion), np.nan, proportion)
    else:
        proportion = np.where(np.isfinite(proportion), proportion, np.nan)
    reversal_value = (x_n + x_n1) / 2.0
    # first occasion searched for a reversal (0-based column)
    post = pre + 1
    # compat quirk: without identify_sg_1to2 the package skips the session right
    # after the post-gain session
    skip = 2 if options.is_compat and not options.identify_sg_1to2 else 1
    search_from = post + skip
    search_from = np.minimum(search_from, n_occasions)
    if options.kind == "decrease":
        later = _suffix_extreme(scores, largest=True)[person, search_from]
        with np.errstate(invalid="ignore"):
            reversal = later > reversal_value
    else:
        later = _suffix_extreme(scores, largest=False)[person, search_from]
        with np.errstate(invalid="ignore"):
            reversal = later < reversal_value
    freq = np.bincount(person, minlength=scores.shape[0])[person]
    # pre-gain session number: 0-based column + 1, or the column itself with a baseline
    sessions = pre.astype(np.int64) + (0 if options.identify_sg_1to2 else 1)
    return {
        "person": person,
        "session": sessions,
        "freq": freq,
        "magnitude": magnitude,
        "tx_change": tx_change,
        "proportion": proportion,
        "reversal_value": reversal_value,
        "reversal": reversal.astype(np.int64),
        **{f"x_{name}": values for name, values in extracted.items()},
    }


def _float_series(name: str, values: np.ndarray) -> pl.Series:
    return pl.Series(name, values, dtype=pl.Float64, nan_to_null=True)


def _no_changes(options: SuddenChangeOptions) -> NoSuddenChangesError:
    noun = "gains" if options.identify == "sg" else "losses"
    return NoSuddenChangesError(f"No sudden {noun} were identified.")


def sudden_gains_by_gain(
    data: pl.DataFrame,
    *,
    id_var_name: str,
    sg_var_list: Sequence[str],
    tx_start_var_name: str,
    tx_end_var_name: str,
    sg_measure_name: str,
    sg_crit1_cutoff: float | None,
    sg_crit2_pct: float | None = 0.25,
    sg_crit3: bool = True,
    sg_crit3_alpha: float = 0.05,
    sg_crit3_adjust: bool = True,
    sg_crit3_critical_value: float = 2.776,
    identify: Identify = "sg",
    identify_sg_1to2: bool = False,
    direction: Direction = "lower_is_better",
    crit2_scale_minimum: float = 0.0,
    compat: str | None = None,
) -> pl.DataFrame:
    r"""One row per sudden gain (or loss) with the scores around it and reversal.

    For a gain with pre-gain session :math:`n`:

    * ``id_sg = "<id>_sg_<n>"`` (also for losses), ``sg_session_n = n``;
    * ``sg_<m>_2n .. sg_<m>_n3`` = scores at sessions :math:`n-2 .. n+3`
      (null outside the series);
    * ``sg_magnitude`` = :math:`x_n - x_{n+1}` (improvement; negative for losses;
      :math:`x_{n+1} - x_n` for higher-is-better scales);
    * ``sg_<m>_tx_change`` = start - end (end - start when higher is better);
    * ``sg_change_proportion`` = magnitude / tx_change (compat, losses:
      :math:`|magnitude|` / tx_change; compat keeps +Inf, default nulls every
      non-finite value);
    * ``sg_reversal_value`` = :math:`(x_n + x_{n+1}) / 2`;
    * ``sg_reversal`` = 1 if a later score in ``sg_var_list`` is strictly worse
      than the midpoint (more than half of the gain lost). Default mode searches
      from :math:`x_{n+2}`; compat mode from :math:`x_{n+3}` unless
      ``identify_sg_1to2`` (suddengains' window quirk).

    Rows are ordered by id, then session. Columns: ``id``, ``id_sg``,
    ``sg_crit123``, ``sg_session_n``, ``sg_freq_byperson``, the start variable
    (if not in ``sg_var_list``), the scores, the end variable (if not in the
    list), the six extracted scores and the descriptives above.

    Raises
    ------
    NoSuddenChangesError
        In compat mode when nothing was found (the package stops); the default
        mode returns an empty table.

    References
    ----------
    Tang & DeRubeis (1999); reversal rule as in suddengains (Wiedemann et al. 2020).

    Notes
    -----
    R equivalent: ``suddengains::create_bysg(sgdata, sg_crit1_cutoff = 7, id_var_name = "id",
    tx_start_var_name = "bdi_s1", tx_end_var_name = "bdi_s12", sg_var_list = bdi_1_12,
    sg_measure_name = "bdi", identify = "sg")``.
    """
    options = SuddenChangeOptions(
        identify=identify,
        sg_crit1_cutoff=sg_crit1_cutoff,
        sg_crit2_pct=sg_crit2_pct,
        sg_crit3=sg_crit3,
        sg_crit3_alpha=sg_crit3_alpha,
        sg_crit3_adjust=sg_crit3_adjust,
        sg_crit3_critical_value=sg_crit3_critical_value,
        identify_sg_1to2=identify_sg_1to2,
        direction=direction,
        crit2_scale_minimum=crit2_scale_minimum,
        compat=compat,
    )
    options.validate()
    check_columns(data, id_var_name, [*sg_var_list])
    for name in (tx_start_var_name, tx_end_var_name):
        if name not in data.columns:
            raise TrajectoryInputError("column not found in the data", column=name)
        numeric_column(data, name)  # errors name the row as given, before sorting
    search = find_sudden_changes(data, id_var_name, sg_var_list, options)
    return _bysg_table(search, tx_start_var_name, tx_end_var_name, sg_measure_name)


def _bysg_table(
    search: SuddenChangeSearch, tx_start_var_name: str, tx_end_var_name: str, measure: str
) -> pl.DataFrame:
    options = search.options
    if options.is_compat and not search.criteria.crit123_met.any():
        raise _no_changes(options)
    ordered = search.data
    tx_start = numeric_column(ordered, tx_start_var_name).to_numpy().astype(np.float64)
    tx_end = numeric_column(ordered, tx_end_var_name).to_numpy().astype(np.float64)
    arrays = _bysg_arrays(search, tx_start, tx_end)
    person = arrays["person"]
    id_name = search.id_var_name
    ids = ordered.get_column(id_name)[person]
    id_text = format_id(ids)
    score_names = list(search.sg_var_list)
    if tx_start_var_name not in score_names:
        score_names = [tx_start_var_name, *score_names]
    if tx_end_var_name not in score_names:
        score_names = [*score_names, tx_end_var_name]
    scores = ordered.select(score_names)[person]
    head = pl.DataFrame(
        [
            ids.alias(id_name),
            (id_text + "_sg_" + pl.Series(arrays["session"]).cast(pl.String)).alias("id_sg"),
            pl.Series("sg_crit123", np.ones(person.size, dtype=np.int64)),
            pl.Series("sg_session_n", arrays["session"]),
            pl.Series("sg_freq_byperson", arrays["freq"].astype(np.int64)),
        ]
    )
    tail = pl.DataFrame(
        [
            *(_float_series(f"sg_{measure}_{name}", arrays[f"x_{name}"]) for name, _ in _OFFSETS),
            _float_series("sg_magnitude", arrays["magnitude"]),
            _float_series(f"sg_{measure}_tx_change", arrays["tx_change"]),
            _float_series("sg_change_proportion", arrays["proportion"]),
            _float_series("sg_reversal_value", arrays["reversal_value"]),
            pl.Series("sg_reversal", arrays["reversal"]),
        ]
    )
    return pl.concat([head, scores, tail], how="horizontal")


def sudden_gains_by_person(
    data: pl.DataFrame,
    *,
    id_var_name: str,
    sg_var_list: Sequence[str],
    tx_start_var_name: str,
    tx_end_var_name: str,
    sg_measure_name: str,
    sg_crit1_cutoff: float | None,
    multiple_sg_select: MultipleSelect = "first",
    sg_crit2_pct: float | None = 0.25,
    sg_crit3: bool = True,
    sg_crit3_alpha: float = 0.05,
    sg_crit3_adjust: bool = True,
    sg_crit3_critical_value: float = 2.776,
    identify: Identify = "sg",
    identify_sg_1to2: bool = False,
    direction: Direction = "lower_is_better",
    crit2_scale_minimum: float = 0.0,
    compat: str | None = None,
) -> pl.DataFrame:
    """One row per person: one selected gain (or loss) and all input columns.

    ``multiple_sg_select`` picks the gain of persons with several:

    * ``first`` / ``last``: lowest / highest pre-gain session;
    * ``smallest`` / ``largest``: smallest / largest ``sg_magnitude``, ties to the
      earliest session. Compat mode compares the signed magnitude, which for
      losses (negative magnitudes) returns the *smallest* loss for ``largest``;
      the default mode compares absolute sizes.

    Persons without a gain keep a row with ``sg_crit123 = 0``,
    ``sg_freq_byperson = 0`` and nulls. Columns: ``id``, the bysg columns
    without the score columns, then every other input column. Rows by id.

    Notes
    -----
    R equivalent: ``suddengains::create_byperson(sgdata, sg_crit1_cutoff = 7,
    id_var_name = "id", tx_start_var_name = "bdi_s1", tx_end_var_name = "bdi_s12",
    sg_var_list = bdi_1_12, sg_measure_name = "bdi", identify = "sg",
    multiple_sg_select = "first")``.
    """
    if multiple_sg_select not in MULTIPLE_SELECT:
        raise TrajectoryInputError(
            f"multiple_sg_select must be one of {', '.join(MULTIPLE_SELECT)}, "
            f"got {multiple_sg_select!r}"
        )
    bysg = sudden_gains_by_gain(
        data,
        id_var_name=id_var_name,
        sg_var_list=sg_var_list,
        tx_start_var_name=tx_start_var_name,
        tx_end_var_name=tx_end_var_name,
        sg_measure_name=sg_measure_name,
        sg_crit1_cutoff=sg_crit1_cutoff,
        sg_crit2_pct=sg_crit2_pct,
        sg_crit3=sg_crit3,
        sg_crit3_alpha=sg_crit3_alpha,
        sg_crit3_adjust=sg_crit3_adjust,
        sg_crit3_critical_value=sg_crit3_critical_value,
        identify=identify,
        identify_sg_1to2=identify_sg_1to2,
        direction=direction,
        crit2_scale_minimum=crit2_scale_minimum,
        compat=compat,
    )
    score_names = {*sg_var_list, tx_start_var_name, tx_end_var_name}
    per_gain = bysg.select([c for c in bysg.columns if c not in score_names])
    size = pl.col("sg_magnitude")
    if compat is None:
        size = size.abs()
    if multiple_sg_select == "first":
        keys, descending = ["sg_session_n"], [False]
    elif multiple_sg_select == "last":
        keys, descending = ["sg_session_n"], [True]
    elif multiple_sg_select == "smallest":
        keys, descending = ["_size", "sg_session_n"], [False, False]
    else:
        keys, descending = ["_size", "sg_session_n"], [True, False]
    chosen = (
        per_gain.with_columns(size.alias("_size"))
        .sort([id_var_name, *keys], descending=[False, *descending], nulls_last=True)
        .unique(subset=[id_var_name], keep="first", maintain_order=True)
        .drop("_size")
    )
    joined = data.select(id_var_name).join(
        chosen, on=id_var_name, how="left", maintain_order="left"
    )
    joined = joined.with_columns(
        pl.col("sg_crit123").fill_null(0),
        pl.col("sg_freq_byperson").fill_null(0),
    )
    result = pl.concat([joined, data.drop(id_var_name)], how="horizontal")
    return result.sort(id_var_name, maintain_order=True)
