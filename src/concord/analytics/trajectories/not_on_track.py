"""Outcome not on track: expected recovery curves estimated from the clinic's own data.

A linear mixed model (statsmodels ``MixedLM``, REML) of the outcome score after the
baseline session, conditioned on the baseline score::

    y_ij = x_ij' beta + z_ij' b_i + e_ij,    b_i ~ N(0, G),   e_ij ~ N(0, sigma^2)

with ``u_ij`` = sessions since the patient's baseline (first scored) session (u >= 1),
``c_i`` = baseline score minus the mean baseline of the patients the model was fitted on,
and the time term ``g(u)``:

* ``time_shape="log"`` (default): ``g = log(u)``; fixed effects
  ``1, g, c, c*g``; random intercept and random slope on ``g``;
* ``"linear"``: ``g = u``; same terms;
* ``"quadratic"``: ``u`` and ``u^2``; fixed effects ``1, u, u^2, c, c*u, c*u^2``; random
  intercept and random slope on ``u``.

Prediction distribution of a patient's score at ``u`` given the baseline (population level:
the patient's own random effects are not estimated from the scores being judged)::

    mean     m = x' beta_hat
    variance v = z' G_hat z + sigma_hat^2 + x' Cov(beta_hat) x

``Cov(beta_hat) = (sum_i X_i' V_i^-1 X_i)^-1`` with ``V_i = Z_i G_hat Z_i' + sigma_hat^2 I``
(generalised least squares at the REML estimates). A score is **not on track** when it is
worse than the ``percentile``-th percentile of that normal distribution:
``y > m + q sqrt(v)`` (lower is better) or ``y < m - q sqrt(v)`` (higher is better), with
``q = Phi^-1(percentile / 100)``; e.g. percentile 90 -> q = 1.2816. The patient's status is
the status of the latest scored session.

R equivalent: ``lme4::lmer(y ~ g * c + (1 + g | patient), REML = TRUE)`` with the
prediction variance assembled as above.

References
----------
Whipple JL, Lambert MJ, Vermeersch DA, Smart DW, Nielsen SL, Hawkins EJ (2003) Improving the
effects of psychotherapy: the use of early identification of treatment failure and
problem-solving strategies in routine practice. J Couns Psychol 50(1) 59-68. Lambert MJ et
al. (2003) Is it time for clinicians to routinely track patient outcome? A meta-analysis.
Clin Psychol Sci Pract 10. Finch AE, Lambert MJ, Schaalje BG (2001) Psychotherapy quality
control: the statistical generation of expected recovery curves for integration into an
early warning system. Clin Psychol Psychother 8(4) 231-242 [UNVERIFIED: from memory]. The
OQ-Analyst boundaries are proprietary; the percentile rule here is a documented choice.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import stats

from concord.analytics.trajectories._long import check_long
from concord.analytics.trajectories.alliance_events import PatientId
from concord.analytics.trajectories.errors import TrajectoryInputError

Direction = Literal["lower_is_better", "higher_is_better"]
TimeShape = Literal["log", "linear", "quadratic"]
PatientStatus = Literal["not_on_track", "on_track", "baseline_only", "no_scores"]

__all__ = [
    "NotOnTrackModelError",
    "NotOnTrackResult",
    "NotOnTrackSettings",
    "OutcomeNotOnTrack",
    "RecoveryCurveModel",
    "fit_recovery_curves",
    "flag_not_on_track",
]


class NotOnTrackModelError(ValueError):
    """The expected-recovery model cannot be fitted (too little data, no convergence)."""


@dataclass(frozen=True)
class NotOnTrackSettings:
    """Options of the expected-recovery model and the flag.

    Attributes
    ----------
    direction
        ``lower_is_better`` (PHQ-9, GAD-7) or ``higher_is_better`` (ORS, well-being).
    percentile
        Flag a score worse than this percentile of the prediction distribution
        (50 < percentile < 100; default 90: worse than 90 % of patients expected to be
        at that session with that baseline).
    time_shape
        ``log`` (default), ``linear`` or ``quadratic`` (see the module docstring).
    min_patients
        Patients with a baseline and at least one later score needed to fit (default 20).
    min_patients_with_slope
        Of those, patients with at least two later scores, needed for the random slope
        (default 10).
    max_fit_patients, seed
        Fit on a seeded random sample of at most this many eligible patients (``None`` =
        all). MixedLM's cost grows with the patients fitted (1.4 ms CPU per patient measured);
        the curve is a population estimate, so 1 000-2 000 patients suffice.
    """

    direction: Direction = "lower_is_better"
    percentile: float = 90.0
    time_shape: TimeShape = "log"
    min_patients: int = 20
    min_patients_with_slope: int = 10
    max_fit_patients: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.direction not in ("lower_is_better", "higher_is_better"):
            raise TrajectoryInputError(
                f"direction must be lower_is_better or higher_is_better, not {self.direction!r}"
            )
        if not 50.0 < self.percentile < 100.0:
            raise TrajectoryInputError(
                f"percentile must be above 50 and below 100, got {self.percentile}"
            )
        if self.time_shape not in ("log", "linear", "quadratic"):
            raise TrajectoryInputError(
                f"time_shape must be log, linear or quadratic, not {self.time_shape!r}"
            )
        if self.min_patients < 2 or self.min_patients_with_slope < 2:
            raise TrajectoryInputError("min_patients and min_patients_with_slope must be >= 2")
        if self.max_fit_patients is not None and self.max_fit_patients < self.min_patients:
            raise TrajectoryInputError("max_fit_patients must be at least min_patients")


@dataclass(frozen=True, eq=False)
class RecoveryCurveModel:
    """A fitted expected-recovery model (REML estimates).

    Attributes
    ----------
    fixed_effect_names, fixed_effects
        Names (``intercept``, ``g``/``u``/``u2``, ``baseline``, ``baseline:g`` ...) and
        estimates of ``beta``.
    fixed_effect_cov
        ``Cov(beta_hat)`` (GLS formula at the REML estimates).
    random_effect_cov
        ``G``: 2 x 2 covariance of the random intercept and slope.
    residual_variance
        ``sigma^2``.
    baseline_mean
        Mean baseline of the fitted patients (the baseline covariate is centred on it).
    n_patients, n_observations
        Patients and post-baseline scores the model was fitted on.
    notes
        Warnings from the optimiser (e.g. a variance on the boundary), as text.
    """

    time_shape: TimeShape
    fixed_effect_names: tuple[str, ...]
    fixed_effects: NDArray[np.float64]
    fixed_effect_cov: NDArray[np.float64]
    random_effect_cov: NDArray[np.float64]
    residual_variance: float
    baseline_mean: float
    n_patients: int
    n_observations: int
    notes: tuple[str, ...] = ()

    def design(
        self, baseline: NDArray[np.float64], since_baseline: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Fixed-effect rows ``X`` and random-effect rows ``Z`` for the given points."""
        return _design(self.time_shape, baseline - self.baseline_mean, since_baseline)

    def predict(
        self, baseline: NDArray[np.float64], since_baseline: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Expected score ``m`` and prediction variance ``v`` (module docstring)."""
        x, z = self.design(np.asarray(baseline, float), np.asarray(since_baseline, float))
        mean = x @ self.fixed_effects
        variance = (
            np.einsum("ij,jk,ik->i", z, self.random_effect_cov, z)
            + self.residual_variance
            + np.einsum("ij,jk,ik->i", x, self.fixed_effect_cov, x)
        )
        return mean, variance


@dataclass(frozen=True)
class OutcomeNotOnTrack:
    """The latest score of a patient is worse than expected (rule ``outcome_not_on_track``).

    ``percentile_of_score`` is ``100 Phi(z)`` with ``z`` the standardised distance in the
    bad direction; the flag needs ``percentile_of_score > threshold_percentile``.
    """

    patient: PatientId
    session: int
    sessions_since_baseline: int
    baseline_session: int
    baseline_score: float
    score: float
    expected: float
    prediction_sd: float
    boundary: float
    z: float
    percentile_of_score: float
    threshold_percentile: float
    direction: Direction
    rule: str = field(default="outcome_not_on_track", init=False)


@dataclass(frozen=True, eq=False)
class NotOnTrackResult:
    """Model, one row per post-baseline score, one row per patient, and the events.

    ``scores`` columns: ``patient, session, baseline_session, baseline_score,
    sessions_since_baseline, score, expected, prediction_sd, boundary, z,
    percentile_of_score, not_on_track``. ``patients`` columns: ``patient, status`` (a
    :data:`PatientStatus` code) and the latest session's values.
    """

    model: RecoveryCurveModel
    settings: NotOnTrackSettings
    scores: pl.DataFrame
    patients: pl.DataFrame
    events: tuple[OutcomeNotOnTrack, ...]


def _design(
    shape: TimeShape, centred_baseline: NDArray[np.float64], u: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    one = np.ones_like(u)
    times = [u, u * u] if shape == "quadratic" else [np.log(u) if shape == "log" else u]
    x = np.column_stack([one, *times, centred_baseline, *(centred_baseline * t for t in times)])
    z = np.column_stack([one, times[0]])
    return x, z


def _names(shape: TimeShape) -> tuple[str, ...]:
    times = ["u", "u2"] if shape == "quadratic" else ["log_u" if shape == "log" else "u"]
    return ("intercept", *times, "baseline", *(f"baseline:{t}" for t in times))


def _post_baseline(table: pl.DataFrame) -> pl.DataFrame:
    """Scored rows with each patient's baseline (first scored session) attached."""
    scored = table.filter(pl.col("post").is_not_null() & pl.col("post").is_not_nan())
    first = scored.group_by("patient", maintain_order=True).agg(
        pl.col("session").first().alias("baseline_session"),
        pl.col("post").first().alias("baseline_score"),
    )
    return (
        scored.join(first, on="patient", how="left", maintain_order="left")
        .with_columns((pl.col("session") - pl.col("baseline_session")).alias("since"))
        .rename({"post": "score"})
        .select("patient", "session", "baseline_session", "baseline_score", "since", "score")
    )


def _checked(
    data: pl.DataFrame, patient: str, session: str, score: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    table = check_long(data, patient, session, score, None, None)
    return table, _post_baseline(table)


def _gls_cov(
    x: NDArray[np.float64],
    z: NDArray[np.float64],
    groups: NDArray[np.int64],
    g: NDArray[np.float64],
    sigma2: float,
) -> NDArray[np.float64]:
    info = np.zeros((x.shape[1], x.shape[1]))
    bounds = np.flatnonzero(np.diff(groups)) + 1
    for xi, zi in zip(np.split(x, bounds), np.split(z, bounds), strict=True):
        v = zi @ g @ zi.T + sigma2 * np.eye(len(zi))
        info += xi.T @ np.linalg.solve(v, xi)
    return np.asarray(np.linalg.inv(info))


def fit_recovery_curves(
    data: pl.DataFrame,
    settings: NotOnTrackSettings | None = None,
    *,
    patient: str = "patient",
    session: str = "session",
    score: str = "score",
) -> RecoveryCurveModel:
    """Fit the expected-recovery mixed model on long-format scores.

    Parameters
    ----------
    data
        One row per patient and session (whole session numbers); null scores are skipped.
        The first scored session of each patient is the baseline.
    settings
        Time shape, minimum data and sampling (see :class:`NotOnTrackSettings`).
    patient, session, score
        Column names.

    Raises
    ------
    TrajectoryInputError
        Bad input (names the row and column).
    NotOnTrackModelError
        Too few patients, too few distinct session offsets, or the optimiser failed.
    """
    settings = settings or NotOnTrackSettings()
    _, scores = _checked(data, patient, session, score)
    later = scores.filter(pl.col("since") > 0)
    counts = later.group_by("patient").len()
    eligible = counts.height
    with_slope = int((counts["len"] >= 2).sum())
    if eligible < settings.min_patients:
        raise NotOnTrackModelError(
            f"{eligible} patients have a baseline and a later score; at least "
            f"{settings.min_patients} are needed to estimate expected recovery curves"
        )
    if with_slope < settings.min_patients_with_slope:
        raise NotOnTrackModelError(
            f"{with_slope} patients have two or more scores after baseline; at least "
            f"{settings.min_patients_with_slope} are needed for the random slope"
        )
    if settings.max_fit_patients is not None and eligible > settings.max_fit_patients:
        ids = counts.sort("patient")["patient"]
        chosen = np.random.default_rng(settings.seed).choice(
            eligible, settings.max_fit_patients, replace=False
        )
        later = later.filter(pl.col("patient").is_in(ids.gather(np.sort(chosen)).implode()))
    later = later.sort(["patient", "session"])
    needed_offsets = 4 if settings.time_shape == "quadratic" else 3
    offsets = later["since"].n_unique()
    if offsets < needed_offsets:
        raise NotOnTrackModelError(
            f"scores after baseline come from {offsets} distinct session offsets; "
            f"the {settings.time_shape} curve needs at least {needed_offsets}"
        )
    baseline = later["baseline_score"].to_numpy().astype(float)
    per_patient = later.group_by("patient").agg(pl.col("baseline_score").first())
    baseline_mean = float(per_patient["baseline_score"].to_numpy().mean())
    u = later["since"].to_numpy().astype(float)
    x, z = _design(settings.time_shape, baseline - baseline_mean, u)
    groups = later["patient"].rank("dense").to_numpy().astype(np.int64)
    y = later["score"].to_numpy().astype(float)
    if float(np.var(y)) == 0.0:
        raise NotOnTrackModelError("every score after baseline is the same; nothing to model")
    from statsmodels.regression.mixed_linear_model import MixedLM  # slow import, used here only

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = MixedLM(y, x, groups=groups, exog_re=z).fit(
                reml=True, method=["lbfgs", "bfgs", "cg"]
            )
        except (np.linalg.LinAlgError, ValueError) as error:
            raise NotOnTrackModelError(f"the mixed model could not be fitted: {error}") from error
    notes = tuple(dict.fromkeys(str(w.message) for w in caught))
    beta = np.asarray(fit.fe_params, dtype=float)
    g = np.asarray(fit.cov_re, dtype=float)
    sigma2 = float(fit.scale)
    if not fit.converged or not (np.all(np.isfinite(beta)) and np.all(np.isfinite(g))):
        raise NotOnTrackModelError(
            "the mixed model did not converge" + (f" ({'; '.join(notes)})" if notes else "")
        )
    if not np.isfinite(sigma2) or sigma2 <= 0.0:
        raise NotOnTrackModelError("the residual variance estimate is zero or not finite")
    try:
        cov = _gls_cov(x, z, groups, g, sigma2)
    except np.linalg.LinAlgError as error:
        raise NotOnTrackModelError(
            "the fixed effects are not identifiable (singular information matrix); "
            "baseline scores or session offsets may be constant"
        ) from error
    return RecoveryCurveModel(
        time_shape=settings.time_shape,
        fixed_effect_names=_names(settings.time_shape),
        fixed_effects=beta,
        fixed_effect_cov=cov,
        random_effect_cov=g,
        residual_variance=sigma2,
        baseline_mean=baseline_mean,
        n_patients=int(later["patient"].n_unique()),
        n_observations=later.height,
        notes=notes,
    )


def flag_not_on_track(
    data: pl.DataFrame,
    settings: NotOnTrackSettings | None = None,
    *,
    model: RecoveryCurveModel | None = None,
    patient: str = "patient",
    session: str = "session",
    score: str = "score",
) -> NotOnTrackResult:
    """Compare every post-baseline score with its expected recovery curve.

    Fits :func:`fit_recovery_curves` on ``data`` unless a ``model`` (e.g. fitted on the
    clinic's reference data) is given. Formula and rule: module docstring. Every score is
    judged; a patient is ``not_on_track`` when the latest scored session is, and then an
    :class:`OutcomeNotOnTrack` event carries the evidence.
    """
    settings = settings or NotOnTrackSettings()
    table, scores = _checked(data, patient, session, score)
    if model is None:
        model = fit_recovery_curves(data, settings, patient=patient, session=session, score=score)
    later = scores.filter(pl.col("since") > 0)
    mean, variance = model.predict(
        later["baseline_score"].to_numpy().astype(float), later["since"].to_numpy().astype(float)
    )
    sd = np.sqrt(variance)
    sign = 1.0 if settings.direction == "lower_is_better" else -1.0
    q = float(stats.norm.ppf(settings.percentile / 100.0))
    observed = later["score"].to_numpy().astype(float)
    z = sign * (observed - mean) / sd
    judged = later.with_columns(
        pl.Series("expected", mean),
        pl.Series("prediction_sd", sd),
        pl.Series("boundary", mean + sign * q * sd),
        pl.Series("z", z),
        pl.Series("percentile_of_score", 100.0 * stats.norm.cdf(z)),
        pl.Series("not_on_track", z > q),
    ).rename({"since": "sessions_since_baseline"})
    latest = judged.group_by("patient", maintain_order=True).last()
    everyone = table.select("patient").unique(maintain_order=True)
    has_baseline = scores.select("patient").unique()
    patients = (
        everyone.join(latest, on="patient", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("not_on_track"))
            .then(pl.lit("not_on_track"))
            .when(pl.col("not_on_track").not_())
            .then(pl.lit("on_track"))
            .when(pl.col("patient").is_in(has_baseline["patient"].implode()))
            .then(pl.lit("baseline_only"))
            .otherwise(pl.lit("no_scores"))
            .alias("status")
        )
        .select("patient", "status", *[c for c in judged.columns if c != "patient"])
    )
    events = tuple(
        OutcomeNotOnTrack(
            patient=row["patient"],
            session=int(row["session"]),
            sessions_since_baseline=int(row["sessions_since_baseline"]),
            baseline_session=int(row["baseline_session"]),
            baseline_score=float(row["baseline_score"]),
            score=float(row["score"]),
            expected=float(row["expected"]),
            prediction_sd=float(row["prediction_sd"]),
            boundary=float(row["boundary"]),
            z=float(row["z"]),
            percentile_of_score=float(row["percentile_of_score"]),
            threshold_percentile=settings.percentile,
            direction=settings.direction,
        )
        for row in patients.filter(pl.col("status") == "not_on_track").iter_rows(named=True)
    )
    return NotOnTrackResult(
        model=model, settings=settings, scores=judged, patients=patients, events=events
    )


def model_table(model: RecoveryCurveModel) -> pl.DataFrame:
    """The fitted parameters as a table (``parameter, estimate, standard_error``)."""
    names = [*model.fixed_effect_names, "re_var_intercept", "re_cov", "re_var_slope", "residual"]
    estimates = [
        *model.fixed_effects.tolist(),
        float(model.random_effect_cov[0, 0]),
        float(model.random_effect_cov[0, 1]),
        float(model.random_effect_cov[1, 1]),
        model.residual_variance,
    ]
    errors = [*np.sqrt(np.diag(model.fixed_effect_cov)).tolist(), None, None, None, None]
    return pl.DataFrame(
        {"parameter": names, "estimate": estimates, "standard_error": errors},
        strict=False,
    )
