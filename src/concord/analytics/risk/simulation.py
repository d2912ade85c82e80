"""A seeded synthetic clinic with known truth, for evaluating the risk rules and benchmarks.

What is simulated (per patient; every draw from ``numpy.random.default_rng(seed)``):

* latent classes: ``disengaging`` (share ``p_disengaging`` = 0.20), ``non_adherent``
  (0.50 of the disengaging, 0.125 of the others: 0.20 overall), ``deteriorating`` (0.10);
* 12 weekly sessions, the last between 0 and 6 days before ``as_of``; status of each:
  sessions 1-8 no-show 0.07, patient cancellation 0.05, clinic cancellation 0.03;
  sessions 9-12 the same, except disengaging patients: no-show 0.30, cancellation 0.15;
* SRS-like alliance (0-40) after each session: person level N(35, 2^2), noise N(0, 1),
  capped at 40; 60 % of disengaging patients fall 3, 5 and 7 points in sessions 10-12;
* a PHQ-9-like outcome (0-27, whole numbers) at every session from the log-time mixed
  model of the not-on-track tests (baseline N(16, 4^2)); deteriorating patients worsen
  by 2 points per session after session 6;
* a PHQ-9 due at each session: returned with probability 0.9, in sessions 9-12 of
  disengaging patients 0.6;
* 30-day fills from ``as_of - 365`` days: refill delay U(0, 4) days, non-adherent
  U(5, 25) days and, with probability 0.5, no refill in the last 90 days;
* daily dose confirmations for the last 14 days: confirmed 0.95, non-adherent 0.70;
* one BARS estimate in the last 30 days: N(90, 8^2), non-adherent N(62, 12^2), in 0-100;
* ``dropout`` (the outcome the engagement score should predict): probability 0.60 for
  disengaging patients, 0.08 for the others.

The rules never see the latent classes; they are returned as ``truth`` for evaluation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

__all__ = ["SimulatedClinic", "simulate_clinic"]

SESSIONS = 12


@dataclass(frozen=True)
class SimulatedClinic:
    """Input tables (default column names of the risk rules) and the hidden truth."""

    as_of: dt.date
    sessions: pl.DataFrame  # patient, session, date, status
    alliance: pl.DataFrame  # patient, session, score
    outcome: pl.DataFrame  # patient, session, score
    measures: pl.DataFrame  # patient, due, returned
    fills: pl.DataFrame  # patient, date, days_supply
    confirmations: pl.DataFrame  # patient, scheduled, confirmed
    bars: pl.DataFrame  # patient, date, score
    truth: pl.DataFrame  # patient, disengaging, non_adherent, deteriorating, dropout


def _statuses(rng: np.random.Generator, n: int, late_risky: np.ndarray) -> np.ndarray:
    u = rng.random((n, SESSIONS))
    no_show = np.full((n, SESSIONS), 0.07)
    cancel = np.full((n, SESSIONS), 0.05)
    no_show[late_risky, 8:] = 0.30
    cancel[late_risky, 8:] = 0.15
    clinic = 0.03
    status = np.full((n, SESSIONS), "attended", dtype=object)
    status[u < no_show + cancel + clinic] = "cancelled_by_clinic"
    status[u < no_show + cancel] = "cancelled_by_patient"
    status[u < no_show] = "no_show"
    return status


def simulate_clinic(
    n_patients: int, seed: int = 0, as_of: dt.date = dt.date(2024, 6, 30)
) -> SimulatedClinic:
    """Simulate ``n_patients`` patients (module docstring); deterministic for a seed."""
    rng = np.random.default_rng(seed)
    n = n_patients
    ids = np.arange(1, n + 1)
    disengaging = rng.random(n) < 0.20
    non_adherent = rng.random(n) < np.where(disengaging, 0.50, 0.125)
    deteriorating = rng.random(n) < 0.10
    dropout = rng.random(n) < np.where(disengaging, 0.60, 0.08)

    # sessions
    last_day = np.datetime64(as_of, "D") - rng.integers(0, 7, n)
    offsets = np.arange(SESSIONS - 1, -1, -1) * 7
    dates = last_day[:, None] - offsets[None, :]
    status = _statuses(rng, n, disengaging)
    patient = np.repeat(ids, SESSIONS)
    session = np.tile(np.arange(1, SESSIONS + 1), n)
    sessions = pl.DataFrame(
        {
            "patient": patient,
            "session": session,
            "date": dates.ravel(),
            "status": status.ravel().astype(str),
        }
    ).with_columns(pl.col("date").cast(pl.Date))

    # alliance (SRS-like, 0-40)
    level = rng.normal(35.0, 2.0, n)
    alliance = level[:, None] + rng.normal(0.0, 1.0, (n, SESSIONS))
    falls = disengaging & (rng.random(n) < 0.60)
    alliance[falls, 9:] -= np.array([3.0, 5.0, 7.0])
    alliance = np.clip(alliance, 0.0, 40.0)
    alliance_table = pl.DataFrame(
        {"patient": patient, "session": session, "score": alliance.ravel()}
    )

    # outcome (PHQ-9-like, 0-27)
    baseline = rng.normal(16.0, 4.0, n)
    u = np.arange(1, SESSIONS)  # sessions since baseline
    g = np.log(u)[None, :]
    c = (baseline - 16.0)[:, None]
    later = (
        14.0
        - 3.0 * g
        + 0.8 * c
        - 0.1 * c * g
        + rng.normal(0.0, 2.0, (n, 1))
        + rng.normal(0.0, 1.0, (n, 1)) * g
        + rng.normal(0.0, 2.0, (n, SESSIONS - 1))
    )
    later += np.where(deteriorating[:, None], 2.0 * np.clip(u - 5, 0, None)[None, :], 0.0)
    outcome = np.clip(np.rint(np.column_stack([baseline, later])), 0, 27)
    outcome_table = pl.DataFrame({"patient": patient, "session": session, "score": outcome.ravel()})

    # measures: one PHQ-9 due per session date
    p_return = np.full((n, SESSIONS), 0.9)
    p_return[disengaging, 8:] = 0.6
    measures = pl.DataFrame(
        {
            "patient": patient,
            "due": dates.ravel(),
            "returned": (rng.random((n, SESSIONS)) < p_return).ravel(),
        }
    ).with_columns(pl.col("due").cast(pl.Date))

    # fills every ~30 days over the last year
    start = np.datetime64(as_of) - 365
    fill_patient, fill_date = [], []
    delay_low = np.where(non_adherent, 5, 0)
    delay_high = np.where(non_adherent, 26, 5)
    stops = non_adherent & (rng.random(n) < 0.5)
    day = np.full(n, start) + rng.integers(0, 10, n)
    active = np.ones(n, dtype=bool)
    stop_day = np.datetime64(as_of) - 90
    while active.any():
        fill_patient.append(ids[active])
        fill_date.append(day[active])
        day = day + 30 + rng.integers(delay_low, delay_high)
        active &= day <= np.datetime64(as_of)
        active &= ~(stops & (day > stop_day))
    fills = pl.DataFrame(
        {
            "patient": np.concatenate(fill_patient),
            "date": np.concatenate(fill_date).astype("datetime64[D]"),
            "days_supply": 30,
        }
    ).with_columns(pl.col("date").cast(pl.Date))

    # daily dose confirmations, last 14 days
    days = np.datetime64(as_of) - np.arange(13, -1, -1)
    p_confirm = np.where(non_adherent, 0.70, 0.95)
    confirmations = pl.DataFrame(
        {
            "patient": np.repeat(ids, 14),
            "scheduled": np.tile(days, n),
            "confirmed": (rng.random((n, 14)) < p_confirm[:, None]).ravel(),
        }
    ).with_columns(pl.col("scheduled").cast(pl.Date))

    bars_score = np.clip(
        np.where(non_adherent, rng.normal(62.0, 12.0, n), rng.normal(90.0, 8.0, n)), 0, 100
    )
    bars = pl.DataFrame(
        {
            "patient": ids,
            "date": np.datetime64(as_of) - rng.integers(0, 30, n),
            "score": bars_score,
        }
    ).with_columns(pl.col("date").cast(pl.Date))

    truth = pl.DataFrame(
        {
            "patient": ids,
            "disengaging": disengaging,
            "non_adherent": non_adherent,
            "deteriorating": deteriorating,
            "alliance_fell": falls,
            "dropout": dropout,
        }
    )
    return SimulatedClinic(
        as_of=as_of,
        sessions=sessions,
        alliance=alliance_table,
        outcome=outcome_table,
        measures=measures,
        fills=fills,
        confirmations=confirmations,
        bars=bars,
        truth=truth,
    )
