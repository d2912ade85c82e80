"""ICC tests against Shrout & Fleiss (1979) and R's psych::ICC on the same table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from concord.analytics.psychometrics import (
    ICC_NAMES,
    PsychometricsInputError,
    cronbach_alpha,
    intraclass_correlation,
)

# Shrout & Fleiss (1979), Psychological Bulletin 86(2):420-428, Table 2: 6 targets x 4 judges.
SHROUT_FLEISS_1979_TABLE_2 = np.array(
    [
        [9, 2, 5, 8],
        [6, 1, 3, 2],
        [8, 4, 6, 8],
        [7, 1, 2, 6],
        [10, 5, 6, 9],
        [6, 2, 4, 7],
    ],
    dtype=float,
)


def test_icc_shrout_fleiss_1979_table_4_point_estimates() -> None:
    # Published (two decimals): ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71,
    # ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91.
    result = intraclass_correlation(SHROUT_FLEISS_1979_TABLE_2)
    published = {
        "ICC1": 0.17,
        "ICC2": 0.29,
        "ICC3": 0.71,
        "ICC1k": 0.44,
        "ICC2k": 0.62,
        "ICC3k": 0.91,
    }
    assert tuple(f.name for f in result.forms) == ICC_NAMES
    for name, value in published.items():
        assert round(result.form(name).value, 2) == value, name


def test_icc_shrout_fleiss_1979_table_3_anova_mean_squares() -> None:
    # Published ANOVA: between targets 11.24 (df 5), within target 6.26 (df 18),
    # between judges 32.49 (df 3), residual 1.02 (df 15).
    result = intraclass_correlation(SHROUT_FLEISS_1979_TABLE_2)
    assert result.ms_targets == pytest.approx(11.24, abs=0.005)
    assert result.ms_within == pytest.approx(6.26, abs=0.005)
    assert result.ms_raters == pytest.approx(32.49, abs=0.005)
    assert result.ms_residual == pytest.approx(1.02, abs=0.005)
    assert (result.n_targets, result.n_raters) == (6, 4)


def test_icc_exact_values_hand_computed_shrout_fleiss_1979() -> None:
    # BMS = 11.2417, JMS = 32.4861, EMS = 1.01944, WMS = 6.26389, n = 6, k = 4
    # ICC(3,1) = (11.2417 - 1.01944) / (11.2417 + 3 * 1.01944) = 10.2222 / 14.3000 = 0.714841
    # ICC(2,1) = 10.2222 / (14.3000 + 4 * (32.4861 - 1.01944) / 6) = 10.2222 / 35.2778 = 0.289764
    result = intraclass_correlation(SHROUT_FLEISS_1979_TABLE_2)
    assert result.form("ICC3").value == pytest.approx(0.714841, abs=1e-6)
    assert result.form("ICC2").value == pytest.approx(0.289764, abs=1e-6)


def test_icc_intervals_match_r_psych_icc_on_shrout_fleiss_1979() -> None:
    # psych::ICC(sf) on the same table prints these bounds (psych manual example).
    expected = {
        "ICC1": (-0.133, 0.72),
        "ICC2": (0.019, 0.76),
        "ICC3": (0.342, 0.95),
        "ICC1k": (-0.884, 0.91),
        "ICC2k": (0.071, 0.93),
        "ICC3k": (0.676, 0.99),
    }
    result = intraclass_correlation(SHROUT_FLEISS_1979_TABLE_2)
    for name, (lower, upper) in expected.items():
        form = result.form(name)
        assert form.lower == pytest.approx(lower, abs=0.0015), name
        assert form.upper == pytest.approx(upper, abs=0.006), name
    assert result.form("ICC1").f_value == pytest.approx(1.79, abs=0.005)
    assert result.form("ICC3").f_value == pytest.approx(11.03, abs=0.005)
    assert (result.form("ICC2").df1, result.form("ICC2").df2) == (5, 15)


def test_icc3k_equals_cronbach_alpha() -> None:
    # Known identity: ICC(3,k) is Cronbach's alpha with raters as items.
    result = intraclass_correlation(SHROUT_FLEISS_1979_TABLE_2)
    alpha = cronbach_alpha(SHROUT_FLEISS_1979_TABLE_2)
    assert result.form("ICC3k").value == pytest.approx(alpha.alpha, rel=1e-12)
    assert result.form("ICC3k").lower == pytest.approx(alpha.lower, rel=1e-9)


def test_icc_drops_incomplete_targets() -> None:
    with_missing = np.vstack([SHROUT_FLEISS_1979_TABLE_2, [3, np.nan, 4, 5]])
    result = intraclass_correlation(with_missing)
    assert result.n_targets == 6
    assert round(result.form("ICC2").value, 2) == 0.29


def test_icc_perfect_agreement_gives_one_without_warnings() -> None:
    result = intraclass_correlation([[1, 1], [2, 2], [5, 5]])
    assert result.form("ICC1").value == 1.0
    assert math.isnan(result.form("ICC1").lower)


def test_icc_rejects_bad_shapes() -> None:
    with pytest.raises(PsychometricsInputError, match="2-D"):
        intraclass_correlation([1, 2, 3])
    with pytest.raises(PsychometricsInputError, match="at least 2 columns"):
        intraclass_correlation([[1], [2], [3]])
    with pytest.raises(PsychometricsInputError, match="do not differ"):
        intraclass_correlation([[1, 2], [1, 2], [1, 2]])
    with pytest.raises(KeyError, match="ICC4"):
        intraclass_correlation(SHROUT_FLEISS_1979_TABLE_2).form("ICC4")
