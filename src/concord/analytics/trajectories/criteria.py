"""The three Tang & DeRubeis (1999) criteria, vectorised over persons.

Everything here works on a persons x occasions matrix (NaN = missing) and
loops only over the handful of examined intervals, never over persons.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from concord.analytics.trajectories.errors import TrajectoryInputError

ChangeKind = Literal["decrease", "increase"]

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]

# persons per block in evaluate_intervals (temporaries of 32 768 doubles = 256 KiB)
_BLOCK_PERSONS = 32_768


@dataclass(frozen=True)
class Crit1Cutoff:
    """Reliable-change value used as criterion-1 cut-off.

    Attributes
    ----------
    sd, reliability
        Inputs: standard deviation of the (pre-treatment) sample and the
        reliability of the measure.
    standard_error_measurement
        ``sd * sqrt(1 - reliability)``.
    standard_error_difference
        ``sqrt(2 * standard_error_measurement**2)``.
    reliable_change_value
        ``1.96 * standard_error_difference``.
    """

    sd: float
    reliability: float
    standard_error_measurement: float
    standard_error_difference: float
    reliable_change_value: float


def define_crit1_cutoff(
    *,
    reliability: float,
    sd: float | None = None,
    data_sd: Sequence[float] | NDArray[np.float64] | None = None,
) -> Crit1Cutoff:
    r"""Criterion-1 cut-off from the reliable change index (Jacobson & Truax 1991).

    .. math::

        SE_m = SD\sqrt{1 - r_{xx}}, \quad
        S_{diff} = \sqrt{2 SE_m^2}, \quad
        \text{cut-off} = 1.96\, S_{diff}

    Parameters
    ----------
    reliability
        Reliability of the measure, 0 < r < 1 (e.g. test-retest or alpha).
    sd
        Standard deviation given directly (e.g. from a normative sample).
    data_sd
        Pre-treatment scores; their sample SD (n - 1 denominator, missing
        values ignored) is used. Give exactly one of ``sd`` and ``data_sd``.

    Returns
    -------
    Crit1Cutoff

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). J Consult Clin Psychol 59(1), 12-19.
    Stiles et al. (2003) proposed the RCI as criterion 1 for sudden gains.

    Notes
    -----
    R equivalent: ``suddengains::define_crit1_cutoff(sd = 10.5, reliability = 0.931)``
    or ``define_crit1_cutoff(data_sd = sgdata$bdi_s0, reliability = 0.931)``
    (4.657 for sgdata).
    """
    if (sd is None) == (data_sd is None):
        raise TrajectoryInputError("give exactly one of sd and data_sd")
    if not 0.0 <= reliability <= 1.0:
        raise TrajectoryInputError(f"reliability must be between 0 and 1, got {reliability}")
    if data_sd is not None:
        values = np.asarray(data_sd, dtype=np.float64)
        values = values[~np.isnan(values)]
        if values.size < 2:
            raise TrajectoryInputError("data_sd needs at least two non-missing values")
        sd_value = float(np.std(values, ddof=1))
    else:
        sd_value = float(sd) if sd is not None else math.nan
    if not math.isfinite(sd_value) or sd_value < 0:
        raise TrajectoryInputError(f"sd must be a finite non-negative number, got {sd_value}")
    sem = sd_value * math.sqrt(1.0 - reliability)
    sdiff = math.sqrt(2.0 * sem**2)
    return Crit1Cutoff(
        sd=sd_value,
        reliability=reliability,
        standard_error_measurement=sem,
        standard_error_difference=sdiff,
        reliable_change_value=1.96 * sdiff,
    )


def crit3_critical_value(alpha: float, df: int) -> float:
    """Two-tailed Student t critical value ``|qt(alpha / 2, df)|``.

    R equivalent: ``abs(qt(alpha / 2, df = n_pre + n_post - 2))``;
    df 4 -> 2.776, 3 -> 3.182, 2 -> 4.303 for alpha = .05 (Lutz et al. 2013).
    """
    if not 0.0 < alpha < 1.0:
        raise TrajectoryInputError(f"sg_crit3_alpha must be between 0 and 1, got {alpha}")
    return float(stats.t.isf(alpha / 2.0, df))


@dataclass(frozen=True)
class CriteriaSettings:
    """Criteria of one sudden-change search, in internal (direction-free) form.

    ``kind`` says whether the event is a decrease (``a - b``) or an increase
    (``b - a``) of the raw score; ``crit1_cutoff`` and ``crit2_pct`` apply to
    that signed change ``d``: criterion 1 is ``d >= crit1_cutoff``, criterion 2
    is ``d >= crit2_pct * (a - crit2_floor)``. ``None`` switches a criterion off.
    """

    kind: ChangeKind
    crit1_cutoff: float | None
    crit2_pct: float | None
    crit2_floor: float = 0.0
    crit3: bool = True
    crit3_alpha: float = 0.05
    crit3_adjust: bool = True
    crit3_critical_value: float = 2.776


@dataclass(frozen=True)
class IntervalCriteria:
    """Criteria for every person x examined interval.

    Arrays have shape ``(n_persons, n_intervals)``. A criterion's ``*_met``
    array is False where it is not available (see ``*_available``); a criterion
    switched off is ``None``.

    Attributes
    ----------
    pre_position
        0-based column of the pre-gain occasion of each interval.
    crit123_met, crit123_available
        Combined flag: available only when every enabled criterion is
        available (suddengains multiplies the flags, so NA wins over FALSE).
    n_pre, n_post, mean_pre, mean_post, sd_pre, sd_post, pooled_sd, critical_value
        Criterion-3 intermediates (NaN where not computable); ``None`` when
        criterion 3 is off.
    """

    pre_position: NDArray[np.intp]
    crit1_met: BoolArray | None
    crit1_available: BoolArray | None
    crit2_met: BoolArray | None
    crit2_available: BoolArray | None
    crit3_met: BoolArray | None
    crit3_available: BoolArray | None
    crit123_met: BoolArray
    crit123_available: BoolArray
    n_pre: NDArray[np.int8] | None
    n_post: NDArray[np.int8] | None
    mean_pre: FloatArray | None
    mean_post: FloatArray | None
    sd_pre: FloatArray | None
    sd_post: FloatArray | None
    pooled_sd: FloatArray | None
    critical_value: FloatArray | None


def _window_stats(
    values: FloatArray, present: BoolArray, filled: FloatArray
) -> tuple[NDArray[np.int8], FloatArray, FloatArray]:
    """Count, mean and sample variance over the rows of a (window, persons) block.

    Missing values are dropped; two-pass variance as R's ``var``; the mean is
    NaN without values and the variance NaN with fewer than two. The block is
    occasion-major so the reductions add whole contiguous rows (fast, and in
    the same left-to-right order as R's ``sum``).
    """
    count = present.sum(axis=0, dtype=np.int8)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=0) / count
        deviations = np.where(present, values - mean, 0.0)
        variance = (deviations * deviations).sum(axis=0) / (count - 1)
    variance = np.where(count >= 2, variance, np.nan)
    return count, mean, variance


def evaluate_intervals(
    scores: FloatArray, settings: CriteriaSettings, *, keep_statistics: bool = False
) -> IntervalCriteria:
    """Apply the sudden-change criteria to every examinable interval.

    Intervals between 0-based columns ``j - 1`` and ``j`` for
    ``j = 2 .. k - 2`` are examined (the first and the last interval never
    are: criterion 3 needs two values on each side).

    Criterion 3 compares the pre window (up to three values ending with the
    pre-gain value) with the post window (up to three values starting with the
    post-gain value), missing values dropped::

        M_pre - M_post > t_crit * S_pool      (decrease)
        M_post - M_pre > t_crit * S_pool      (increase)
        S_pool = sqrt(((n_pre - 1) S_pre^2 + (n_post - 1) S_post^2) / (n_pre + n_post - 2))

    with ``t_crit = |qt(alpha / 2, n_pre + n_post - 2)|`` when adjusting for
    missing values, otherwise the fixed critical value; NA when a window has
    fewer than two values.

    Everything is computed occasion-major (one contiguous row per occasion) and
    loops only over the few intervals; ``keep_statistics`` also keeps the
    criterion-3 intermediates (n, means, SDs, pooled SD, critical value).
    """
    if scores.ndim != 2:
        raise TrajectoryInputError("scores must be a persons x occasions matrix")
    n_occasions = scores.shape[1]
    if n_occasions < 4:
        raise TrajectoryInputError(
            f"at least 4 measurement occasions are needed, got {n_occasions}"
        )
    if settings.crit1_cutoff is None and settings.crit2_pct is None and not settings.crit3:
        raise TrajectoryInputError("at least one of the three criteria must be applied")
    n_persons = scores.shape[0]
    if n_persons <= _BLOCK_PERSONS:
        return _evaluate_block(scores, settings, keep_statistics)
    # Blocks of persons keep every temporary in cache and out of the page-fault
    # path of large allocations; each block is still fully vectorised.
    blocks = [
        _evaluate_block(scores[start : start + _BLOCK_PERSONS], settings, keep_statistics)
        for start in range(0, n_persons, _BLOCK_PERSONS)
    ]
    merged: dict[str, Any] = {"pre_position": blocks[0].pre_position}
    for item in dataclasses.fields(IntervalCriteria):
        if item.name == "pre_position":
            continue
        parts = [getattr(block, item.name) for block in blocks]
        merged[item.name] = None if parts[0] is None else np.concatenate(parts, axis=0)
    return IntervalCriteria(**merged)


def _evaluate_block(
    scores: FloatArray, settings: CriteriaSettings, keep_statistics: bool
) -> IntervalCriteria:
    """:func:`evaluate_intervals` on one block of persons (inputs already checked)."""
    n_occasions = scores.shape[1]
    by_occasion = np.ascontiguousarray(scores.T)
    present = ~np.isnan(by_occasion)
    positions = np.arange(2, n_occasions - 1)
    pre_value = by_occasion[positions - 1]
    post_value = by_occasion[positions]
    # change in the direction of the event: a - b for decreases, b - a for increases
    both = present[positions - 1] & present[positions]
    with np.errstate(invalid="ignore"):
        change = pre_value - post_value if settings.kind == "decrease" else post_value - pre_value
        c1_met = c1_ok = c2_met = c2_ok = None
        if settings.crit1_cutoff is not None:
            c1_ok = both
            c1_met = both & (change >= settings.crit1_cutoff)
        if settings.crit2_pct is not None:
            base = pre_value if settings.crit2_floor == 0.0 else pre_value - settings.crit2_floor
            c2_ok = both
            c2_met = both & (change >= settings.crit2_pct * base)
    c3 = (
        _criterion3(by_occasion, present, positions, settings, keep_statistics)
        if settings.crit3
        else None
    )

    available = np.ones(both.shape, dtype=np.bool_)
    met = np.ones(both.shape, dtype=np.bool_)
    for m, a in ((c1_met, c1_ok), (c2_met, c2_ok)):
        if m is not None and a is not None:
            available &= a
            met &= m
    if c3 is not None:
        available &= c3.available
        met &= c3.met
    met &= available

    def persons_first(values: np.ndarray | None) -> np.ndarray | None:
        # stored interval-major; expose as (persons, intervals) without copying
        return None if values is None else values.T

    return IntervalCriteria(
        pre_position=(positions - 1).astype(np.intp),
        crit1_met=persons_first(c1_met),
        crit1_available=persons_first(c1_ok),
        crit2_met=persons_first(c2_met),
        crit2_available=persons_first(c2_ok),
        crit3_met=None if c3 is None else c3.met.T,
        crit3_available=None if c3 is None else c3.available.T,
        crit123_met=met.T,
        crit123_available=available.T,
        n_pre=None if c3 is None else persons_first(c3.n_pre),
        n_post=None if c3 is None else persons_first(c3.n_post),
        mean_pre=None if c3 is None else persons_first(c3.mean_pre),
        mean_post=None if c3 is None else persons_first(c3.mean_post),
        sd_pre=None if c3 is None else persons_first(c3.sd_pre),
        sd_post=None if c3 is None else persons_first(c3.sd_post),
        pooled_sd=None if c3 is None else persons_first(c3.pooled_sd),
        critical_value=None if c3 is None else persons_first(c3.critical_value),
    )


@dataclass(frozen=True)
class _Criterion3:
    """Interval-major (intervals, persons) criterion-3 arrays."""

    met: BoolArray
    available: BoolArray
    n_pre: NDArray[np.int8] | None
    n_post: NDArray[np.int8] | None
    mean_pre: FloatArray | None
    mean_post: FloatArray | None
    sd_pre: FloatArray | None
    sd_post: FloatArray | None
    pooled_sd: FloatArray | None
    critical_value: FloatArray | None


def _criterion3(
    by_occasion: FloatArray,
    present: BoolArray,
    positions: NDArray[np.int64],
    settings: CriteriaSettings,
    keep_statistics: bool,
) -> _Criterion3:
    """Criterion 3 for every interval; loops over intervals, not persons.

    The pre window of interval ``j`` (columns ``j-3 .. j-1``) is the post
    window of interval ``j - 3``, so each window's statistics are computed once.
    """
    n_occasions, n_persons = by_occasion.shape
    shape = (positions.size, n_persons)
    filled = np.where(present, by_occasion, 0.0)
    critical_by_df = {
        df: (
            crit3_critical_value(settings.crit3_alpha, df)
            if settings.crit3_adjust
            else settings.crit3_critical_value
        )
        for df in (2, 3, 4)
    }
    windows: dict[int, tuple[NDArray[np.int8], FloatArray, FloatArray]] = {}

    def window(start: int) -> tuple[NDArray[np.int8], FloatArray, FloatArray]:
        if start not in windows:
            lo, hi = max(0, start), min(n_occasions, start + 3)
            windows[start] = _window_stats(by_occasion[lo:hi], present[lo:hi], filled[lo:hi])
        return windows[start]

    met = np.zeros(shape, dtype=np.bool_)
    available = np.zeros(shape, dtype=np.bool_)
    stats: dict[str, np.ndarray] = {}
    if keep_statistics:
        stats = {
            "n_pre": np.zeros(shape, dtype=np.int8),
            "n_post": np.zeros(shape, dtype=np.int8),
            **{
                name: np.full(shape, np.nan)
                for name in (
                    "mean_pre",
                    "mean_post",
                    "sd_pre",
                    "sd_post",
                    "pooled_sd",
                    "critical_value",
                )
            },
        }
    for i, j in enumerate(positions):
        count_p, m_p, var_p = window(int(j) - 3)
        count_q, m_q, var_q = window(int(j))
        ok = (count_p >= 2) & (count_q >= 2)
        sd_p = np.sqrt(var_p)
        sd_q = np.sqrt(var_q)
        df = count_p + count_q - 2
        with np.errstate(invalid="ignore", divide="ignore"):
            # R squares the SDs it got from sd(); keep that order of operations
            pooled_sd = np.sqrt(((count_p - 1) * sd_p**2 + (count_q - 1) * sd_q**2) / df)
            t_crit = np.full(n_persons, np.nan)
            for df_value, value in critical_by_df.items():
                t_crit[ok & (df == df_value)] = value
            shift = m_p - m_q if settings.kind == "decrease" else m_q - m_p
            passed = shift > t_crit * pooled_sd
        available[i] = ok
        met[i] = ok & passed
        if keep_statistics:
            stats["n_pre"][i] = count_p
            stats["n_post"][i] = count_q
            stats["mean_pre"][i] = m_p
            stats["mean_post"][i] = m_q
            stats["sd_pre"][i] = sd_p
            stats["sd_post"][i] = sd_q
            stats["pooled_sd"][i] = np.where(ok, pooled_sd, np.nan)
            stats["critical_value"][i] = t_crit
    return _Criterion3(
        met=met,
        available=available,
        n_pre=stats.get("n_pre"),
        n_post=stats.get("n_post"),
        mean_pre=stats.get("mean_pre"),
        mean_post=stats.get("mean_post"),
        sd_pre=stats.get("sd_pre"),
        sd_post=stats.get("sd_post"),
        pooled_sd=stats.get("pooled_sd"),
        critical_value=stats.get("critical_value"),
    )
