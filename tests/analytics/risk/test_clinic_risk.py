"""All signals of a simulated clinic in one call: the highest priority finds the patients
whose simulated alliance fell while they were non-adherent or deteriorating."""

from __future__ import annotations

import polars as pl

from concord.analytics.risk import clinic_risk, priorities_table
from concord.analytics.risk.simulation import simulate_clinic


def test_simulated_clinic_triage():
    clinic = simulate_clinic(400, seed=5)
    risk = clinic_risk(
        clinic.as_of,
        sessions=clinic.sessions,
        alliance=clinic.alliance,
        outcome=clinic.outcome,
        measures=clinic.measures,
        fills=clinic.fills,
        confirmations=clinic.confirmations,
        bars=clinic.bars,
    )
    table = priorities_table(risk.priorities).join(
        clinic.truth, on="patient", maintain_order="left"
    )
    ranks = table["rank"].to_list()
    assert ranks == sorted(ranks)  # a triage list
    highest = table.filter(pl.col("priority") == "highest")
    # truth: the alliance fell (simulated) and the patient was non-adherent or deteriorating
    truly = highest.filter(
        pl.col("alliance_fell") & (pl.col("non_adherent") | pl.col("deteriorating"))
    )
    # measured (seed 5): 39 patients at highest priority, 31 of them truly so (0.79)
    assert (highest.height, truly.height) == (39, 31)
    # every highest-priority patient has a falling alliance among its evidence
    for priority in risk.priorities:
        if priority.priority == "highest":
            assert "alliance_falling" in priority.rules
    assert risk.not_on_track is not None
    assert risk.not_on_track.model.n_patients == 400
