"""Generate synthetic dispensing events shaped like AdhereR's med.events, at any size.

Same shape as ../shared/data/adherer/synthetic/synth_10000.csv.gz (see its README):

* per patient 10-40 events (uniform), the first at day 0 and the others uniform over a span
  of 730-1095 days (uniform), from a first event between 2030-01-01 and 2033-12-31;
* 2 or 3 medication classes per patient (from medA, medB, medC); the first event's class is
  random among them and each later event switches to another of them with probability 0.15;
* a base daily dose 1-4 per patient, redrawn (1-4) at 10 % of events and kept afterwards;
* durations 30 / 60 / 90 days with probabilities 0.60 / 0.25 / 0.15.

Columns: ``PATIENT_ID`` (int), ``DATE`` (a Parquet ``date``; ``YYYY-MM-DD`` text in CSV),
``PERDAY`` (int), ``CATEGORY``, ``DURATION`` (int); rows sorted by patient and date.
Synthetic: no real patients.

Usage::

    python benchmarks/generate_synthetic_events.py --patients 1000000 --seed 1 \
        --out /tmp/synth_1000000.parquet        # ~25 M events; .csv / .csv.gz also work
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

CLASSES = np.array(["medA", "medB", "medC"])
FIRST_DAY = (dt.date(2030, 1, 1) - dt.date(1970, 1, 1)).days
LAST_DAY = (dt.date(2033, 12, 31) - dt.date(1970, 1, 1)).days


def generate(patients: int, seed: int) -> pl.DataFrame:
    """The events of ``patients`` synthetic patients (vectorised; ~25 events each)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(10, 41, size=patients)
    total = int(counts.sum())
    patient = np.repeat(np.arange(1, patients + 1), counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    first = np.zeros(total, dtype=bool)
    first[starts] = True

    span = rng.integers(730, 1096, size=patients)
    offsets = rng.random(total) * np.repeat(span, counts)
    offsets[first] = 0.0
    day = np.floor(offsets).astype(np.int64) + np.repeat(
        rng.integers(FIRST_DAY, LAST_DAY + 1, size=patients), counts
    )
    order = np.lexsort((day, patient))
    day = day[order]

    n_classes = np.repeat(rng.integers(2, 4, size=patients), counts)
    class_set = np.repeat(rng.permuted(np.tile([0, 1, 2], (patients, 1)), axis=1), counts, axis=0)
    step = np.where(rng.random(total) < 0.15, rng.integers(1, 3, size=total), 0)
    step[first] = rng.integers(0, 3, size=patients)
    position = _cumsum_by_patient(step, starts, counts) % n_classes
    category = CLASSES[class_set[np.arange(total), position]]

    redraw = rng.random(total) < 0.10
    redraw[first] = True
    dose = np.where(redraw, rng.integers(1, 5, size=total), 0)
    dose = _forward_fill_nonzero(dose)

    duration = rng.choice([30, 60, 90], size=total, p=[0.60, 0.25, 0.15])
    return pl.DataFrame(
        {
            "PATIENT_ID": patient,
            "DATE": pl.Series(day.astype("int32")).cast(pl.Date),
            "PERDAY": dose,
            "CATEGORY": category,
            "DURATION": duration,
        }
    )


def _cumsum_by_patient(values: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    before = total[starts] - values[starts]
    return total - np.repeat(before, counts)


def _forward_fill_nonzero(values: np.ndarray) -> np.ndarray:
    index = np.where(values != 0, np.arange(values.size), 0)
    np.maximum.accumulate(index, out=index)
    return values[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    frame = generate(args.patients, args.seed)
    if args.out.suffix == ".parquet":
        frame.write_parquet(args.out)
    else:
        frame.write_csv(args.out)
    print(f"{args.out}: {args.patients} patients, {frame.height} events")


if __name__ == "__main__":
    main()
