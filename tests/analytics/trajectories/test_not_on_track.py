"""Outcome not on track: expected recovery curves validated on simulated data with known truth.

Simulation (seed 7): 240 patients, baseline at session 1 ~ N(18, 4^2), then 10 sessions
(u = 1..10 sessions since baseline) from the model the code fits::

    y = 16 - 3 log(u) + 0.8 (b - 18) - 0.1 (b - 18) log(u) + a_i + c_i log(u) + e
    a_i ~ N(0, 2^2), c_i ~ N(0, 1), e ~ N(0, 2^2)

30 patients (12.5 %) deteriorate from u = 6: + 2 (u - 5) points (10 points at u = 10).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from concord.analytics.trajectories.errors import TrajectoryInputError
from concord.analytics.trajectories.not_on_track import (
    NotOnTrackModelError,
    NotOnTrackResult,
    NotOnTrackSettings,
    RecoveryCurveModel,
    fit_recovery_curves,
    flag_not_on_track,
    model_table,
)

TRUE_BETA = (16.0, -3.0, 0.8, -0.1)


def simulate(
    n: int = 240, k: int = 10, seed: int = 7, deteriorating: int = 30, slope: float = 2.0
) -> tuple[pl.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    baseline = rng.normal(18.0, 4.0, n)
    intercepts = rng.normal(0.0, 2.0, n)
    slopes = rng.normal(0.0, 1.0, n)
    worse = np.zeros(n, dtype=bool)
    worse[rng.choice(n, deteriorating, replace=False)] = True
    patient, session, score = [], [], []
    for i in range(n):
        patient.append(i)
        session.append(1)
        score.append(baseline[i])
        for u in range(1, k + 1):
            g, c = math.log(u), baseline[i] - 18.0
            b0, b1, b2, b3 = TRUE_BETA
            y = b0 + b1 * g + b2 * c + b3 * c * g + intercepts[i] + slopes[i] * g
            y += rng.normal(0.0, 2.0)
            if worse[i] and u > 5:
                y += slope * (u - 5)
            patient.append(i)
            session.append(1 + u)
            score.append(y)
    return pl.DataFrame({"patient": patient, "session": session, "score": score}), worse


@pytest.fixture(scope="module")
def simulated() -> tuple[pl.DataFrame, np.ndarray, NotOnTrackResult]:
    data, worse = simulate()
    return data, worse, flag_not_on_track(data)


def test_flag_finds_injected_deterioration_with_stated_sensitivity_and_specificity(simulated):
    _, worse, result = simulated
    flags = result.patients.sort("patient")["not_on_track"].to_numpy()
    sensitivity = flags[worse].mean()
    specificity = 1.0 - flags[~worse].mean()
    # measured with seed 7: sensitivity 26/30 = 0.867, specificity 204/210 = 0.971
    assert sensitivity == pytest.approx(26 / 30)
    assert specificity == pytest.approx(204 / 210)
    # stated bounds (docs/analytics/risk.md): sensitivity >= 0.80, specificity >= 0.85
    assert sensitivity >= 0.80
    assert specificity >= 0.85
    assert {e.patient for e in result.events} == set(
        result.patients.filter(pl.col("status") == "not_on_track")["patient"].to_list()
    )


def test_fixed_effects_recover_the_simulated_truth(simulated):
    _, _, result = simulated
    table = model_table(result.model)
    assert table["parameter"].to_list()[:4] == ["intercept", "log_u", "baseline", "baseline:log_u"]
    # the 30 deteriorating patients are in the fit, so intercept and slope are pulled
    # towards worse scores; baseline terms stay within 3 standard errors of the truth
    estimates = dict(zip(table["parameter"], table["estimate"], strict=False))
    errors = dict(zip(table["parameter"], table["standard_error"], strict=False))
    assert abs(estimates["baseline"] - 0.8) < 3 * errors["baseline"]
    assert abs(estimates["baseline:log_u"] + 0.1) < 3 * errors["baseline:log_u"]
    assert -3.0 < estimates["log_u"] < -2.0
    assert result.model.n_patients == 240
    assert result.model.n_observations == 2400


def test_healthy_scores_are_flagged_at_most_at_the_nominal_rate(simulated):
    _, worse, result = simulated
    healthy = result.scores.filter(~pl.col("patient").is_in(np.flatnonzero(worse).tolist()))
    rate = healthy["not_on_track"].mean()
    # nominal 10 % (percentile 90); the deteriorating patients inflate the fitted
    # random-slope variance, so the observed rate is lower
    assert 0.04 < rate <= 0.10


def test_fitting_without_the_deteriorating_patients_gives_nominal_coverage():
    data, _ = simulate(deteriorating=0, seed=11)
    result = flag_not_on_track(data)
    rate = result.scores["not_on_track"].mean()
    assert 0.08 < rate < 0.12  # nominal 0.10; measured 0.0925 (seed 11)


def test_higher_is_better_is_the_mirror_image(simulated):
    data, _, lower = simulated
    reflected = data.with_columns((40.0 - pl.col("score")).alias("score"))
    higher = flag_not_on_track(reflected, NotOnTrackSettings(direction="higher_is_better"))
    np.testing.assert_allclose(
        higher.scores["z"].to_numpy(), lower.scores["z"].to_numpy(), atol=1e-6
    )
    assert higher.patients["status"].to_list() == lower.patients["status"].to_list()
    np.testing.assert_allclose(
        higher.scores["boundary"].to_numpy(), 40.0 - lower.scores["boundary"].to_numpy(), atol=1e-6
    )


def test_prediction_variance_formula_by_hand():
    model = RecoveryCurveModel(
        time_shape="log",
        fixed_effect_names=("intercept", "log_u", "baseline", "baseline:log_u"),
        fixed_effects=np.array([10.0, -2.0, 0.5, 0.1]),
        fixed_effect_cov=np.diag([0.1, 0.1, 0.01, 0.01]),
        random_effect_cov=np.array([[4.0, 1.0], [1.0, 2.0]]),
        residual_variance=3.0,
        baseline_mean=15.0,
        n_patients=0,
        n_observations=0,
    )
    # baseline 20 (c = 5), u = e (log u = 1): x = (1, 1, 5, 5), z = (1, 1)
    mean, variance = model.predict(np.array([20.0]), np.array([math.e]))
    assert mean[0] == pytest.approx(10 - 2 + 2.5 + 0.5)  # 11
    # z'Gz = 4 + 1 + 1 + 2 = 8; sigma^2 = 3; x'Cx = 0.1 + 0.1 + 0.25 + 0.25 = 0.7
    assert variance[0] == pytest.approx(11.7)


def test_flag_uses_the_stated_percentile_boundary():
    model = RecoveryCurveModel(
        time_shape="linear",
        fixed_effect_names=("intercept", "u", "baseline", "baseline:u"),
        fixed_effects=np.array([10.0, 0.0, 0.0, 0.0]),
        fixed_effect_cov=np.zeros((4, 4)),
        random_effect_cov=np.zeros((2, 2)),
        residual_variance=4.0,  # prediction SD 2
        baseline_mean=10.0,
        n_patients=0,
        n_observations=0,
    )
    # percentile 90: boundary 10 + 1.2816 * 2 = 12.563
    data = pl.DataFrame(
        {
            "patient": ["a", "a", "b", "b", "c"],
            "session": [1, 2, 1, 2, 1],
            "score": [10.0, 12.6, 10.0, 12.5, 9.0],
        }
    )
    result = flag_not_on_track(data, model=model)
    by_patient = dict(zip(result.patients["patient"], result.patients["status"], strict=True))
    assert by_patient == {"a": "not_on_track", "b": "on_track", "c": "baseline_only"}
    assert result.scores["boundary"][0] == pytest.approx(10 + 2 * 1.2815515655446004)
    (event,) = result.events
    assert event.patient == "a"
    assert event.percentile_of_score == pytest.approx(90.32, abs=0.01)  # 100 Phi(1.3)
    strict = flag_not_on_track(data, NotOnTrackSettings(percentile=95), model=model)
    assert strict.events == ()  # boundary 13.29


def test_too_few_patients_is_a_clear_error():
    data, _ = simulate(n=12, deteriorating=0)
    with pytest.raises(NotOnTrackModelError, match=r"12 patients .* at least 20"):
        fit_recovery_curves(data)


def test_too_few_session_offsets_is_a_clear_error():
    data, _ = simulate(n=30, k=2, deteriorating=0)
    with pytest.raises(NotOnTrackModelError, match="2 distinct session offsets"):
        fit_recovery_curves(data)


def test_constant_scores_are_a_clear_error():
    data = pl.DataFrame(
        {
            "patient": np.repeat(np.arange(25), 5),
            "session": np.tile(np.arange(1, 6), 25),
            "score": 10.0,
        }
    )
    with pytest.raises(NotOnTrackModelError, match="every score after baseline is the same"):
        fit_recovery_curves(data)


def test_bad_score_names_row_and_column():
    data = pl.DataFrame({"patient": ["a", "a"], "session": ["1", "2"], "score": ["10", "ten"]})
    with pytest.raises(TrajectoryInputError) as caught:
        fit_recovery_curves(data)
    assert caught.value.row == 2
    assert caught.value.column == "score"


@pytest.mark.parametrize("percentile", [50, 100, 30])
def test_percentile_must_be_between_50_and_100(percentile):
    with pytest.raises(TrajectoryInputError, match="percentile"):
        NotOnTrackSettings(percentile=percentile)


def test_sampled_fit_uses_the_stated_number_of_patients():
    data, _ = simulate(n=60, deteriorating=0, seed=3)
    model = fit_recovery_curves(data, NotOnTrackSettings(max_fit_patients=40, seed=1))
    assert model.n_patients == 40
    again = fit_recovery_curves(data, NotOnTrackSettings(max_fit_patients=40, seed=1))
    np.testing.assert_array_equal(model.fixed_effects, again.fixed_effects)


# ---------------------------------------------------------------- command line


def _run(*args: str):
    from typer.testing import CliRunner

    from concord.cli.main import app

    return CliRunner().invoke(app, ["trajectories", "not-on-track", *args])


def test_cli_writes_one_row_per_patient(tmp_path):
    data, _ = simulate(n=40, deteriorating=6, seed=5)
    source = tmp_path / "phq9.csv"
    data.rename({"patient": "id", "session": "visit", "score": "phq9"}).write_csv(source)
    out, model_out = tmp_path / "flags.csv", tmp_path / "model.csv"
    result = _run(
        str(source),
        "--out",
        str(out),
        "--patient-column",
        "id",
        "--session-column",
        "visit",
        "--score-column",
        "phq9",
        "--percentile",
        "95",
        "--model-out",
        str(model_out),
    )
    assert result.exit_code == 0, result.output
    table = pl.read_csv(out, null_values="NA")
    assert table.height == 40
    assert table.columns[:3] == ["id", "status", "session"]  # the input's id column name
    assert table["id"].to_list() == list(range(40))  # integer ids sort numerically
    direct = flag_not_on_track(data, NotOnTrackSettings(percentile=95))
    assert table["status"].to_list() == direct.patients["status"].to_list()
    np.testing.assert_allclose(table["expected"].to_numpy(), direct.patients["expected"].to_numpy())
    assert pl.read_csv(model_out)["parameter"][0] == "intercept"


def test_cli_bad_score_names_row_and_column_and_writes_nothing(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("patient,session,score\n1,1,10\n1,2,x\n")
    out = tmp_path / "flags.csv"
    result = _run(str(source), "--out", str(out))
    assert result.exit_code == 1
    assert "row 2, column 'score'" in result.output
    assert "CSV line 3" in result.output
    assert not out.exists()


def test_cli_model_error_exits_non_zero_and_writes_nothing(tmp_path):
    data, _ = simulate(n=8, deteriorating=0)
    source = tmp_path / "few.csv"
    data.write_csv(source)
    out = tmp_path / "flags.csv"
    result = _run(str(source), "--out", str(out))
    assert result.exit_code == 1
    assert "8 patients have a baseline and a later score; at least 20" in result.output
    assert not out.exists()


def test_cli_rejects_a_bad_direction(tmp_path):
    data, _ = simulate(n=8, deteriorating=0)
    source = tmp_path / "few.csv"
    data.write_csv(source)
    out = tmp_path / "flags.csv"
    result = _run(str(source), "--out", str(out), "--direction", "up")
    assert result.exit_code == 1
    assert "direction must be lower_is_better or higher_is_better" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("shape", "names"),
    [
        ("linear", ("intercept", "u", "baseline", "baseline:u")),
        ("quadratic", ("intercept", "u", "u2", "baseline", "baseline:u", "baseline:u2")),
    ],
)
def test_other_time_shapes_fit(shape, names):
    data, _ = simulate(n=60, deteriorating=0, seed=9)
    model = fit_recovery_curves(data, NotOnTrackSettings(time_shape=shape))
    assert model.fixed_effect_names == names
    assert model.fixed_effect_cov.shape == (len(names), len(names))
    # the simulated curve falls: expected score after 10 sessions below that after 1
    mean, _ = model.predict(np.array([18.0, 18.0]), np.array([1.0, 10.0]))
    assert mean[1] < mean[0] - 3


def test_optimiser_failure_and_non_convergence_are_clear_errors(monkeypatch):
    from statsmodels.regression.mixed_linear_model import MixedLM

    data, _ = simulate(n=30, deteriorating=0, seed=4)

    def singular(self, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(MixedLM, "fit", singular)
    with pytest.raises(NotOnTrackModelError, match="could not be fitted: Singular matrix"):
        fit_recovery_curves(data)

    class NotConverged:
        converged = False
        fe_params = np.zeros(4)
        cov_re = np.eye(2)
        scale = 1.0

    monkeypatch.setattr(MixedLM, "fit", lambda self, **kwargs: NotConverged())
    with pytest.raises(NotOnTrackModelError, match="did not converge"):
        fit_recovery_curves(data)
