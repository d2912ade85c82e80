"""Intraclass correlations in the six Shrout & Fleiss (1979) forms, with F-based intervals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from concord.analytics.psychometrics._common import (
    Estimate,
    PsychometricsInputError,
    as_complete_matrix,
    check_confidence,
)

ICC_NAMES = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")


@dataclass(frozen=True)
class IccForm:
    """One ICC form: ``name`` as in R's psych::ICC, the Shrout & Fleiss label, value and CI.

    ``f_value``/``df1``/``df2``/``p_value`` are the F test of ICC = 0 for this form.
    """

    name: str
    shrout_fleiss: str
    value: float
    lower: float
    upper: float
    f_value: float
    df1: int
    df2: int
    p_value: float


@dataclass(frozen=True)
class IccResult:
    """All six ICC forms plus the two-way ANOVA mean squares they come from."""

    forms: tuple[IccForm, ...]
    n_targets: int
    n_raters: int
    confidence: float
    ms_targets: float
    ms_raters: float
    ms_residual: float
    ms_within: float

    def form(self, name: str) -> IccForm:
        """The form named ``name`` (``ICC1`` ... ``ICC3k``)."""
        for form in self.forms:
            if form.name == name:
                return form
        raise KeyError(f"no ICC form named {name!r}; choose from {', '.join(ICC_NAMES)}")

    def estimates(self) -> tuple[Estimate, ...]:
        """The six forms as named estimates, in psych::ICC order."""
        return tuple(Estimate(f.name, f.value, f.lower, f.upper) for f in self.forms)


def intraclass_correlation(data: ArrayLike, *, confidence: float = 0.95) -> IccResult:
    r"""Shrout & Fleiss (1979) intraclass correlations of a targets x raters table.

    From the two-way ANOVA of ``n`` targets (rows) by ``k`` raters (columns) with mean squares
    for targets (BMS), raters (JMS), residual (EMS) and within targets (WMS):

    ========  ==========  ===========================================================
    psych     S & F       formula
    ========  ==========  ===========================================================
    ICC1      ICC(1,1)    (BMS - WMS) / (BMS + (k-1) WMS)
    ICC2      ICC(2,1)    (BMS - EMS) / (BMS + (k-1) EMS + k (JMS - EMS) / n)
    ICC3      ICC(3,1)    (BMS - EMS) / (BMS + (k-1) EMS)
    ICC1k     ICC(1,k)    (BMS - WMS) / BMS
    ICC2k     ICC(2,k)    (BMS - EMS) / (BMS + (JMS - EMS) / n)
    ICC3k     ICC(3,k)    (BMS - EMS) / BMS
    ========  ==========  ===========================================================

    Intervals: F-based, as in Shrout & Fleiss (1979) Table 4 and R's ``psych::ICC``; ICC(2,1)
    uses Satterthwaite's approximate degrees of freedom and ICC(2,k) its Spearman-Brown step-up.

    Parameters
    ----------
    data
        2-D array, one row per target (patient, session), one column per rater; rows with a
        missing rating are dropped.
    confidence
        Confidence level (default 0.95).

    Returns
    -------
    IccResult
        ``result.form("ICC2").value`` etc.

    Notes
    -----
    R equivalent: ``psych::ICC(x, lmer = FALSE)``. Shrout, P. E., & Fleiss, J. L. (1979).
    Intraclass correlations: uses in assessing rater reliability. Psychological Bulletin,
    86(2), 420-428. doi:10.1037/0033-2909.86.2.420
    """
    level = check_confidence(confidence)
    x = as_complete_matrix(data, what="intraclass_correlation", min_rows=2, min_cols=2)
    # Perfect agreement (zero residual) makes some F ratios infinite; the affected bounds
    # become nan instead of raising a warning.
    with np.errstate(divide="ignore", invalid="ignore"):
        return _icc(x, level)


def _icc(x: NDArray, level: float) -> IccResult:
    n, k = x.shape
    grand = x.mean()
    ss_targets = k * np.sum((x.mean(axis=1) - grand) ** 2)
    ss_raters = n * np.sum((x.mean(axis=0) - grand) ** 2)
    ss_total = np.sum((x - grand) ** 2)
    ss_residual = ss_total - ss_targets - ss_raters
    bms = ss_targets / (n - 1)
    jms = ss_raters / (k - 1)
    ems = ss_residual / ((n - 1) * (k - 1))
    wms = (ss_raters + ss_residual) / (n * (k - 1))
    if bms == 0:
        raise PsychometricsInputError("intraclass_correlation: the targets do not differ at all")
    alpha = 1.0 - level
    df_b, df_w, df_e = n - 1, n * (k - 1), (n - 1) * (k - 1)

    def fq(dfn: float, dfd: float) -> float:
        return float(stats.f.ppf(1.0 - alpha / 2, dfn, dfd))

    # One-way model (ICC1, ICC1k)
    f1 = bms / wms if wms > 0 else np.inf
    f1_low, f1_up = f1 / fq(df_b, df_w), f1 * fq(df_w, df_b)
    p1 = float(stats.f.sf(f1, df_b, df_w))
    icc1 = (bms - wms) / (bms + (k - 1) * wms)
    icc1k = (bms - wms) / bms
    ci1 = ((f1_low - 1) / (f1_low + k - 1), (f1_up - 1) / (f1_up + k - 1))
    ci1k = (1 - 1 / f1_low, 1 - 1 / f1_up)

    # Two-way models (ICC2, ICC3 and their k-rater forms)
    f3 = bms / ems if ems > 0 else np.inf
    f3_low, f3_up = f3 / fq(df_b, df_e), f3 * fq(df_e, df_b)
    p3 = float(stats.f.sf(f3, df_b, df_e))
    icc3 = (bms - ems) / (bms + (k - 1) * ems)
    icc3k = (bms - ems) / bms
    ci3 = ((f3_low - 1) / (f3_low + k - 1), (f3_up - 1) / (f3_up + k - 1))
    ci3k = (1 - 1 / f3_low, 1 - 1 / f3_up)

    icc2 = (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)
    icc2k = (bms - ems) / (bms + (jms - ems) / n)
    fj = jms / ems if ems > 0 else np.inf
    v_num = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v_den = (n - 1) * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = v_num / v_den
    f_up, f_low = fq(n - 1, v), fq(v, n - 1)
    denom = k * jms + (k * n - k - n) * ems
    low2 = n * (bms - f_up * ems) / (f_up * denom + n * bms)
    up2 = n * (f_low * bms - ems) / (denom + n * f_low * bms)
    ci2 = (low2, up2)
    ci2k = (low2 * k / (1 + low2 * (k - 1)), up2 * k / (1 + up2 * (k - 1)))

    rows = (
        ("ICC1", "ICC(1,1)", icc1, ci1, f1, df_b, df_w, p1),
        ("ICC2", "ICC(2,1)", icc2, ci2, f3, df_b, df_e, p3),
        ("ICC3", "ICC(3,1)", icc3, ci3, f3, df_b, df_e, p3),
        ("ICC1k", f"ICC(1,{k})", icc1k, ci1k, f1, df_b, df_w, p1),
        ("ICC2k", f"ICC(2,{k})", icc2k, ci2k, f3, df_b, df_e, p3),
        ("ICC3k", f"ICC(3,{k})", icc3k, ci3k, f3, df_b, df_e, p3),
    )
    forms = tuple(
        IccForm(name, sf, float(val), _finite(ci[0]), _finite(ci[1]), float(fv), d1, d2, pv)
        for name, sf, val, ci, fv, d1, d2, pv in rows
    )
    return IccResult(forms, n, k, level, float(bms), float(jms), float(ems), float(wms))


def _finite(value: float) -> float:
    return float(value) if np.isfinite(value) else float("nan")
