"""The vectorised criteria against a plain per-person loop written from the specification."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from concord.analytics.trajectories import criteria as criteria_module
from concord.analytics.trajectories.criteria import CriteriaSettings, evaluate_intervals


def naive(scores: np.ndarray, s: CriteriaSettings) -> list[list[int | None]]:
    """One person and one interval at a time (spec section 1.2); None = NA."""
    k = scores.shape[1]
    out: list[list[int | None]] = []
    for row in scores:
        flags: list[int | None] = []
        for j in range(2, k - 1):  # 0-based post-gain column
            a, b = row[j - 1], row[j]
            d = (a - b) if s.kind == "decrease" else (b - a)
            checks: list[bool | None] = []
            if s.crit1_cutoff is not None:
                checks.append(None if math.isnan(d) else d >= s.crit1_cutoff)
            if s.crit2_pct is not None:
                checks.append(None if math.isnan(d) else d >= s.crit2_pct * (a - s.crit2_floor))
            if s.crit3:
                pre = [v for v in row[max(0, j - 3) : j] if not math.isnan(v)]
                post = [v for v in row[j : j + 3] if not math.isnan(v)]
                if len(pre) < 2 or len(post) < 2:
                    checks.append(None)
                else:
                    df = len(pre) + len(post) - 2
                    t = (
                        stats.t.isf(s.crit3_alpha / 2, df)
                        if s.crit3_adjust
                        else s.crit3_critical_value
                    )
                    pooled = math.sqrt(
                        (
                            (len(pre) - 1) * np.var(pre, ddof=1)
                            + (len(post) - 1) * np.var(post, ddof=1)
                        )
                        / df
                    )
                    shift = np.mean(pre) - np.mean(post)
                    if s.kind == "increase":
                        shift = -shift
                    checks.append(bool(shift > t * pooled))
            if any(c is None for c in checks):
                flags.append(None)
            else:
                flags.append(int(all(checks)))
        out.append(flags)
    return out


def flags_of(result: object) -> list[list[int | None]]:
    met = result.crit123_met  # type: ignore[attr-defined]
    available = result.crit123_available  # type: ignore[attr-defined]
    return [
        [int(m) if a else None for m, a in zip(mr, ar, strict=True)]
        for mr, ar in zip(met.tolist(), available.tolist(), strict=True)
    ]


@pytest.mark.parametrize(
    "settings",
    [
        CriteriaSettings(kind="decrease", crit1_cutoff=5, crit2_pct=0.25),
        CriteriaSettings(kind="increase", crit1_cutoff=4, crit2_pct=0.1, crit2_floor=10),
        CriteriaSettings(kind="decrease", crit1_cutoff=None, crit2_pct=None, crit3_adjust=False),
        CriteriaSettings(kind="decrease", crit1_cutoff=3, crit2_pct=None, crit3=False),
        CriteriaSettings(kind="increase", crit1_cutoff=2, crit2_pct=0.2, crit3_alpha=0.01),
    ],
)
def test_vectorised_equals_per_person_loop_in_blocks(
    settings: CriteriaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(42)
    scores = np.round(rng.normal(25, 6, size=(300, 10)) - np.arange(10) * rng.random((300, 1)) * 2)
    scores[rng.random(scores.shape) < 0.2] = np.nan
    expected = naive(scores, settings)
    assert any(1 in row for row in expected)  # the data do contain events
    assert any(None in row for row in expected)  # and NA intervals
    whole = evaluate_intervals(scores, settings)
    assert flags_of(whole) == expected
    # the same through the block path (blocks of 7 persons, last block partial)
    monkeypatch.setattr(criteria_module, "_BLOCK_PERSONS", 7)
    blocked = evaluate_intervals(scores, settings, keep_statistics=True)
    assert flags_of(blocked) == expected
    if settings.crit3:
        assert blocked.n_pre is not None and blocked.n_pre.shape == (300, 7)
