"""The clinic's expected PHQ-9 recovery curves, fitted once and kept (:class:`RecoveryCurveFit`).

Fitting the mixed model (:func:`concord.analytics.trajectories.not_on_track.
fit_recovery_curves`) reads every PHQ-9 of the clinic and takes seconds, so it is not done
per patient: the nightly run calls :func:`refresh` (fit again only when the clinic's
scores or the settings changed since the latest fit), the per-patient jobs call
:func:`current_fit` (the latest fit while it is *current*: checked within
:data:`MAX_AGE` with today's settings; otherwise a refresh). The fitted parameters are
stored as JSON numbers, which give back exactly the same floats, so a stored fit judges
scores exactly as the fit it came from.

The data fingerprint is the SHA-256 of the model's input table (episode, session
number, score, one line each, in order), so an unchanged clinic is recognised without
fitting.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, DateTimeField, F, When, Window

from concord.analytics.trajectories.not_on_track import (
    NotOnTrackModelError,
    RecoveryCurveModel,
    fit_recovery_curves,
)
from concord.web.alerts.inputs import OUTCOME_CODE, number_at
from concord.web.alerts.loading import TOTAL
from concord.web.alerts.models import RecoveryCurveFit
from concord.web.alerts.rule_settings import NOT_ON_TRACK_SETTINGS
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic.models import CareEpisode, CareSession
from concord.web.measures.alliance import reliable_differences
from concord.web.measures.models import Administration, AdministrationStatus

#: Layout of ``RecoveryCurveFit.parameters``; a new layout makes every stored fit stale.
FIT_FORMAT = 1
#: A fit not confirmed as current for this long is refreshed by the next job that needs it
#: (the nightly run confirms it every night).
MAX_AGE = timedelta(hours=36)


def outcome_table(clinic_id: int) -> pl.DataFrame:
    """The model's input: ``patient`` (episode), ``session`` number, PHQ-9 ``score``.

    Session numbers as in :mod:`concord.web.alerts.inputs`: a measure counts at the latest
    session held on or before its session's time (dated measures: their due time), i.e.
    the number of the episode's sessions up to then; the latest answer counts. The
    numbers of per-session measures are counted by the database (a window count), so
    only dated measures need their episodes' session times. Ordered by episode, session.
    """
    # Through the clinic's episodes (a subquery): SQLite then reads the (episode, instrument,
    # status) index instead of every submitted administration.
    episodes = CareEpisode.objects.filter(patient__clinic_id=clinic_id).values("pk")
    rows = list(
        Administration.objects.filter(
            episode__in=episodes,
            instrument_code=OUTCOME_CODE,
            status=AdministrationStatus.SUBMITTED,
        )
        .order_by("episode_id", "submitted_at", "pk")
        .values_list(
            "episode_id",
            "session_id",
            Case(When(session__isnull=True, then=F("due_at")), output_field=DateTimeField()),
            TOTAL,
        )
    )
    held = {
        session_id: count
        for session_id, count in CareSession.objects.filter(episode__in=episodes)
        .annotate(
            up_to=Window(Count("pk"), partition_by=[F("episode_id")], order_by="scheduled_at")
        )
        .order_by()
        .values_list("pk", "up_to")
    }
    dated = {episode_id for episode_id, session_id, _, _ in rows if session_id is None}
    times: dict[int, list[datetime]] = defaultdict(list)
    for episode_id, when in (
        CareSession.objects.filter(episode_id__in=list(dated))
        .order_by("episode_id", "scheduled_at", "pk")
        .values_list("episode_id", "scheduled_at")
        if dated
        else ()
    ):
        times[episode_id].append(when)
    scored: dict[tuple[int, int], float] = {}
    for episode_id, session_id, due_at, value in rows:
        number = held.get(session_id, 0) if due_at is None else number_at(times[episode_id], due_at)
        if value is not None and number:
            scored[(episode_id, number)] = float(value)  # the latest answer counts
    keys = sorted(scored)
    return pl.DataFrame(
        {
            "patient": [e for e, _ in keys],
            "session": [n for _, n in keys],
            "score": [scored[k] for k in keys],
        },
        schema={"patient": pl.Int64, "session": pl.Int64, "score": pl.Float64},
    )


def fingerprint(table: pl.DataFrame) -> str:
    digest = hashlib.sha256()
    for patient, session, score in table.iter_rows():
        digest.update(f"{patient},{session},{score!r}\n".encode())
    return digest.hexdigest()


def settings_json() -> dict[str, Any]:
    return {"format": FIT_FORMAT, **dataclasses.asdict(NOT_ON_TRACK_SETTINGS)}


def model_json(model: RecoveryCurveModel) -> dict[str, Any]:
    return {
        "time_shape": model.time_shape,
        "fixed_effect_names": list(model.fixed_effect_names),
        "fixed_effects": model.fixed_effects.tolist(),
        "fixed_effect_cov": model.fixed_effect_cov.tolist(),
        "random_effect_cov": model.random_effect_cov.tolist(),
        "residual_variance": model.residual_variance,
        "baseline_mean": model.baseline_mean,
        "n_patients": model.n_patients,
        "n_observations": model.n_observations,
        "notes": list(model.notes),
    }


def model_from_json(data: dict[str, Any]) -> RecoveryCurveModel:
    return RecoveryCurveModel(
        time_shape=data["time_shape"],
        fixed_effect_names=tuple(data["fixed_effect_names"]),
        fixed_effects=np.asarray(data["fixed_effects"], dtype=np.float64),
        fixed_effect_cov=np.asarray(data["fixed_effect_cov"], dtype=np.float64),
        random_effect_cov=np.asarray(data["random_effect_cov"], dtype=np.float64),
        residual_variance=float(data["residual_variance"]),
        baseline_mean=float(data["baseline_mean"]),
        n_patients=int(data["n_patients"]),
        n_observations=int(data["n_observations"]),
        notes=tuple(data["notes"]),
    )


def model_of(fit: RecoveryCurveFit | None) -> RecoveryCurveModel | None:
    if fit is None or not fit.fitted or fit.parameters is None:
        return None
    return model_from_json(fit.parameters)


def summary(fit: RecoveryCurveFit | None) -> dict[str, Any] | None:
    """Which fit judged a score: shown with a not-on-track alert's evidence."""
    if fit is None or not fit.fitted or fit.parameters is None:
        return None
    return {
        "version": fit.version,
        "fitted_at": fit.fitted_at.isoformat(),
        "patients": fit.parameters["n_patients"],
        "scores": fit.parameters["n_observations"],
    }


def latest(clinic_id: int) -> RecoveryCurveFit | None:
    return (
        RecoveryCurveFit.objects.filter(clinic_id=clinic_id, instrument_code=OUTCOME_CODE)
        .order_by("-version")
        .first()
    )


def is_current(fit: RecoveryCurveFit, now: datetime) -> bool:
    return fit.settings == settings_json() and fit.checked_at >= now - MAX_AGE


def refresh(clinic_id: int, now: datetime, actor: Actor) -> RecoveryCurveFit:
    """Read the clinic's scores (and reliable differences); store a new version unless the
    latest was made from the same scores with the same settings and has the same reliable
    differences (then only mark it checked). The curves are fitted again only when the
    scores or the settings changed."""
    table = outcome_table(clinic_id)
    digest = fingerprint(table)
    limits = reliable_differences(clinic_id)[0]
    previous = latest(clinic_id)
    same_curves = (
        previous is not None
        and previous.settings == settings_json()
        and previous.data_sha256 == digest
    )
    if previous is not None and same_curves and previous.reliable_differences == limits:
        RecoveryCurveFit.objects.filter(pk=previous.pk).update(checked_at=now)
        previous.checked_at = now
        return previous
    parameters: dict[str, Any] | None
    if previous is not None and same_curves:
        parameters, failure, fitted_at = previous.parameters, previous.failure, previous.fitted_at
    else:
        fitted, fitted_at = _fit(table), now
        parameters, failure = (None, fitted) if isinstance(fitted, str) else (fitted, "")
    try:
        with transaction.atomic():
            fit = RecoveryCurveFit.objects.create(
                clinic_id=clinic_id,
                instrument_code=OUTCOME_CODE,
                version=(previous.version if previous else 0) + 1,
                fitted_at=fitted_at,
                checked_at=now,
                data_until=now,
                settings=settings_json(),
                data_sha256=digest,
                data_episodes=table["patient"].n_unique(),
                data_scores=table.height,
                fitted=parameters is not None,
                failure=failure,
                parameters=parameters,
                reliable_differences=limits,
            )
            audit(
                actor,
                Action.CREATE,
                "recovery_curve_fit",
                fit.pk,
                [],
                {
                    "clinic": clinic_id,
                    "version": fit.version,
                    "fitted": fit.fitted,
                    "refitted": fitted_at == now,
                    "failure": failure,
                    "episodes": fit.data_episodes,
                    "scores": fit.data_scores,
                    "data_sha256": digest,
                    "reliable_differences": limits,
                },
            )
    except IntegrityError:
        # Another worker stored this version meanwhile: use theirs.
        newest = latest(clinic_id)
        if newest is None:  # pragma: no cover - the conflicting row exists
            raise
        return newest
    return fit


def _fit(table: pl.DataFrame) -> dict[str, Any] | str:
    """The fitted parameters, or why the curves cannot be fitted."""
    if table.height == 0:
        return "the clinic has no PHQ-9 scores"
    try:
        return model_json(fit_recovery_curves(table, NOT_ON_TRACK_SETTINGS))
    except NotOnTrackModelError as error:
        return str(error)


def current_fit(clinic_id: int, now: datetime, actor: Actor) -> RecoveryCurveFit:
    """The latest fit while it is current, else a refreshed one (see the module doc)."""
    fit = latest(clinic_id)
    if fit is not None and is_current(fit, now):
        return fit
    return refresh(clinic_id, now, actor)
