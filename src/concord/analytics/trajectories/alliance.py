"""Alliance signals from session-by-session ratings (long format).

Rules (codes in :mod:`concord.analytics.trajectories.alliance_events`):

* ``alliance_below_threshold`` - level below an instrument concern threshold;
* ``alliance_drop`` - a fall of at least ``min_drop`` points (feedback-system rule),
  within the session when a pre-session rating exists;
* ``rupture_repair`` - V-episodes 1 SD (lenient) / 2 SD (strict) below the
  patient's reference level, with depth, length and repair;
* ``sudden_alliance_gain`` / ``sudden_alliance_loss`` - Tang & DeRubeis criteria
  on a higher-is-better scale (vectorised over patients);
* ``guard`` - single session, too few ratings, zero variance, ceiling.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from concord.analytics.trajectories._long import check_long
from concord.analytics.trajectories.alliance_events import (
    AllianceDrop,
    AllianceEvent,
    AllianceSignals,
    DetectionGuard,
    GuardCode,
    LowAlliance,
    PatientId,
    RuptureCriterion,
    RuptureRepairEpisode,
    SdSource,
    SessionChange,
    SuddenAllianceChange,
)
from concord.analytics.trajectories.criteria import CriteriaSettings, evaluate_intervals

# Ratings are compared with cut-offs after subtraction; this absorbs binary
# floating-point representation error (e.g. 36.7 - 35.7) and nothing more.
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class AllianceSignalSettings:
    """Thresholds of the alliance rules (instrument-specific values come in here).

    Attributes
    ----------
    concern_threshold
        Level rule: e.g. 36 for the SRS (0-40). ``None`` switches the rule off.
    threshold_inclusive
        ``score <= threshold`` instead of ``score < threshold`` (PCOMS guides
        differ; "below 36" is the commonly quoted form).
    min_drop
        Drop rule: fall of at least this many points; ``None`` switches it off.
    lenient_sd, strict_sd
        SD multipliers of the two rupture criteria (Gumz et al. 2012).
    sample_sd, min_sd
        The rupture SD is ``max(person SD, sample_sd, min_sd)``: the stricter of
        within- and between-person variability, with a floor against
        near-constant series at the ceiling.
    min_ratings_for_ruptures
        Fewer ratings -> a ``too_few_sessions`` guard and no rupture search.
    scale_maximum, ceiling_share
        A ``ceiling`` guard when at least ``ceiling_share`` of the ratings equal
        the scale maximum.
    sudden_crit1_cutoff, sudden_crit2_pct, sudden_crit3_alpha, scale_minimum
        Sudden alliance gains and losses; off unless ``sudden_crit1_cutoff``
        is given (e.g. the RCI of the measure). Criterion 2 uses
        ``score - scale_minimum``.
    """

    concern_threshold: float | None = None
    threshold_inclusive: bool = False
    min_drop: float | None = 1.0
    lenient_sd: float = 1.0
    strict_sd: float = 2.0
    sample_sd: float | None = None
    min_sd: float = 0.0
    min_ratings_for_ruptures: int = 3
    scale_maximum: float | None = None
    ceiling_share: float = 0.5
    sudden_crit1_cutoff: float | None = None
    sudden_crit2_pct: float | None = None
    sudden_crit3_alpha: float = 0.05
    scale_minimum: float = 0.0


@dataclass(frozen=True)
class _Series:
    patient: PatientId
    sessions: NDArray[np.int64]
    dates: list[str | None]
    post: NDArray[np.float64]
    pre: NDArray[np.float64] | None


def _series(table: pl.DataFrame, with_pre: bool) -> Iterator[_Series]:
    patients = table.get_column("patient").to_list()
    sessions = table.get_column("session").to_numpy()
    post = table.get_column("post").to_numpy().astype(np.float64)
    pre = table.get_column("pre").to_numpy().astype(np.float64)
    dates = table.get_column("date").to_list()
    start = 0
    for end in range(1, len(patients) + 1):
        if end == len(patients) or patients[end] != patients[start]:
            yield _Series(
                patient=patients[start],
                sessions=sessions[start:end],
                dates=dates[start:end],
                post=post[start:end],
                pre=pre[start:end] if with_pre else None,
            )
            start = end


def _low_levels(series: _Series, settings: AllianceSignalSettings) -> list[AllianceEvent]:
    threshold = settings.concern_threshold
    if threshold is None:
        return []
    events: list[AllianceEvent] = []
    for i, score in enumerate(series.post):
        if np.isnan(score):
            continue
        low = score <= threshold if settings.threshold_inclusive else score < threshold
        if low:
            events.append(
                LowAlliance(
                    patient=series.patient,
                    session=int(series.sessions[i]),
                    date=series.dates[i],
                    score=float(score),
                    threshold=float(threshold),
                    inclusive=settings.threshold_inclusive,
                )
            )
    return events


def _drops_and_changes(
    series: _Series, settings: AllianceSignalSettings
) -> tuple[list[AllianceEvent], list[SessionChange]]:
    events: list[AllianceEvent] = []
    changes: list[SessionChange] = []
    previous: int | None = None  # index of the previous session with a post rating
    for i, post in enumerate(series.post):
        pre = series.pre[i] if series.pre is not None else np.nan
        has_pre, has_post = not np.isnan(pre), not np.isnan(post)
        between = float(pre - series.post[previous]) if has_pre and previous is not None else None
        within = float(post - pre) if has_pre and has_post else None
        if series.pre is not None and (has_pre or has_post):
            changes.append(
                SessionChange(
                    patient=series.patient,
                    session=int(series.sessions[i]),
                    pre_score=float(pre) if has_pre else None,
                    post_score=float(post) if has_post else None,
                    within_change=within,
                    between_change=between,
                )
            )
        if settings.min_drop is not None and has_post:
            threshold = -settings.min_drop + _TOLERANCE
            if within is not None:
                if within <= threshold:
                    events.append(
                        AllianceDrop(
                            patient=series.patient,
                            session=int(series.sessions[i]),
                            date=series.dates[i],
                            score=float(post),
                            previous_session=int(series.sessions[i]),
                            previous_score=float(pre),
                            change=within,
                            basis="within_session",
                            min_drop=float(settings.min_drop),
                            between_change=between,
                        )
                    )
            elif previous is not None:
                change = float(post - series.post[previous])
                if change <= threshold:
                    events.append(
                        AllianceDrop(
                            patient=series.patient,
                            session=int(series.sessions[i]),
                            date=series.dates[i],
                            score=float(post),
                            previous_session=int(series.sessions[previous]),
                            previous_score=float(series.post[previous]),
                            change=change,
                            basis="post_to_post",
                            min_drop=float(settings.min_drop),
                        )
                    )
        if has_post:
            previous = i
    return events, changes


def _rupture_sd(person_sd: float, settings: AllianceSignalSettings) -> tuple[float, SdSource]:
    candidates: list[tuple[float, SdSource]] = [(person_sd, "person")]
    if settings.sample_sd is not None:
        candidates.append((settings.sample_sd, "sample"))
    candidates.append((settings.min_sd, "minimum"))
    return max(candidates, key=lambda item: item[0])  # ties keep the first (person)


def _ruptures(series: _Series, settings: AllianceSignalSettings) -> list[AllianceEvent]:
    rated = ~np.isnan(series.post)
    values = series.post[rated]
    sessions = series.sessions[rated]
    dates = [d for d, keep in zip(series.dates, rated, strict=True) if keep]
    n = values.size
    events: list[AllianceEvent] = []
    person_sd = float(np.std(values, ddof=1)) if n >= 2 else None
    share_at_max = None
    if settings.scale_maximum is not None and n:
        share_at_max = float(np.mean(values >= settings.scale_maximum - _TOLERANCE))
        if share_at_max >= settings.ceiling_share:
            events.append(DetectionGuard(series.patient, "ceiling", n, person_sd, share_at_max))
    if n < max(2, settings.min_ratings_for_ruptures):
        code: GuardCode = "single_session" if n == 1 else "too_few_sessions"
        events.append(DetectionGuard(series.patient, code, n, person_sd, share_at_max))
        return events
    reference = float(np.mean(values))
    sd, source = _rupture_sd(person_sd or 0.0, settings)
    if sd <= 0.0:
        events.append(DetectionGuard(series.patient, "zero_variance", n, person_sd, share_at_max))
        return events
    criteria: tuple[tuple[RuptureCriterion, float], ...] = (
        ("lenient", settings.lenient_sd),
        ("strict", settings.strict_sd),
    )
    for criterion, multiplier in criteria:
        cut = reference - multiplier * sd
        i = 1  # a rupture needs an earlier rating to fall from
        while i < n:
            if values[i] > cut + _TOLERANCE:
                i += 1
                continue
            end = i
            while end + 1 < n and values[end + 1] < reference - _TOLERANCE:
                end += 1
            lowest = i + int(np.argmin(values[i : end + 1]))
            repaired = end + 1 < n
            events.append(
                RuptureRepairEpisode(
                    patient=series.patient,
                    criterion=criterion,
                    sd_multiplier=multiplier,
                    reference_level=reference,
                    sd=sd,
                    sd_source=source,
                    cut_off=cut,
                    start_session=int(sessions[i]),
                    start_date=dates[i],
                    end_session=int(sessions[end]),
                    lowest_session=int(sessions[lowest]),
                    lowest_score=float(values[lowest]),
                    depth=reference - float(values[lowest]),
                    rated_sessions=end - i + 1,
                    session_span=int(sessions[end] - sessions[i]) + 1,
                    repaired=repaired,
                    repair_session=int(sessions[end + 1]) if repaired else None,
                    repair_date=dates[end + 1] if repaired else None,
                    repair_score=float(values[end + 1]) if repaired else None,
                )
            )
            i = end + 2
    return events


def _sudden_changes(
    table: pl.DataFrame, settings: AllianceSignalSettings
) -> list[SuddenAllianceChange]:
    """Sudden alliance gains and losses, vectorised over a patients x sessions matrix."""
    if settings.sudden_crit1_cutoff is None or table.height == 0:
        return []
    patients = table.get_column("patient").unique(maintain_order=True)
    first = int(table["session"].min())  # type: ignore[arg-type]
    last = int(table["session"].max())  # type: ignore[arg-type]
    if last - first + 1 < 4:
        return []
    row = (
        table.get_column("patient")
        .to_frame()
        .join(
            patients.to_frame().with_row_index("row"),
            on="patient",
            how="left",
            maintain_order="left",
        )["row"]
        .to_numpy()
    )
    matrix = np.full((patients.len(), last - first + 1), np.nan)
    matrix[row, table["session"].to_numpy() - first] = table["post"].to_numpy()
    events: list[SuddenAllianceChange] = []
    for kind, direction in (("gain", "increase"), ("loss", "decrease")):
        criteria = evaluate_intervals(
            matrix,
            CriteriaSettings(
                kind=direction,  # type: ignore[arg-type]
                crit1_cutoff=abs(settings.sudden_crit1_cutoff),
                crit2_pct=(
                    None if settings.sudden_crit2_pct is None else abs(settings.sudden_crit2_pct)
                ),
                crit2_floor=settings.scale_minimum,
                crit3_alpha=settings.sudden_crit3_alpha,
            ),
            keep_statistics=True,
        )
        person, interval = np.nonzero(criteria.crit123_met)
        critical = criteria.critical_value
        pooled = criteria.pooled_sd
        for p, j in zip(person.tolist(), interval.tolist(), strict=True):
            pre_pos = int(criteria.pre_position[j])
            pre, post = float(matrix[p, pre_pos]), float(matrix[p, pre_pos + 1])
            events.append(
                SuddenAllianceChange(
                    patient=patients[p],
                    kind=kind,  # type: ignore[arg-type]
                    pre_session=first + pre_pos,
                    post_session=first + pre_pos + 1,
                    pre_score=pre,
                    post_score=post,
                    magnitude=post - pre,
                    crit1_cutoff=settings.sudden_crit1_cutoff,
                    crit2_pct=settings.sudden_crit2_pct,
                    critical_value=float(critical[p, j]) if critical is not None else np.nan,
                    pooled_sd=float(pooled[p, j]) if pooled is not None else np.nan,
                    rule=f"sudden_alliance_{kind}",
                )
            )
    return events


def _sort_key(event: AllianceEvent) -> int:
    if isinstance(event, LowAlliance | AllianceDrop):
        return event.session
    if isinstance(event, RuptureRepairEpisode):
        return event.start_session
    if isinstance(event, SuddenAllianceChange):
        return event.post_session
    return -1  # guards first


def detect_alliance_signals(
    ratings: pl.DataFrame,
    settings: AllianceSignalSettings,
    *,
    patient: str = "patient",
    session: str = "session",
    score: str = "score",
    date: str | None = None,
    pre_score: str | None = None,
) -> AllianceSignals:
    """All alliance signals of every patient in a long table of ratings.

    Parameters
    ----------
    ratings
        One row per patient and session: patient id, session number (whole
        number), the (post-session) alliance score, optionally the date and a
        pre-session score. Null scores are unrated sessions.
    settings
        Instrument thresholds and rule options.
    patient, session, score, date, pre_score
        Column names.

    Returns
    -------
    AllianceSignals
        Events ordered by patient, then session (guards first), and, when
        ``pre_score`` is given, the within/between session changes.

    References
    ----------
    Duncan et al. (2003) J Brief Ther 3(1) 3-12 (SRS, 36 cut-off); Stiles et al.
    (2004) J Couns Psychol 51(1) 81-92 and Gumz et al. (2012) BMC Med Res
    Methodol 12:10 (V-episodes, 1 vs 2 SD); Eubanks, Muran & Safran (2018)
    Psychotherapy 55(4) 508-519 (repair and outcome); Huppert et al. (2020)
    doi:10.1037/ccp0000598 and Weiss, Kivity & Huppert (2014) Psychother Res
    24(3) 407-418 (between- vs within-session change, sawtooth).

    Notes
    -----
    No R package implements these rules; the sudden-change part equals
    ``suddengains::identify_sl(..., sg_crit1_cutoff = -c)`` (gains) and
    ``identify_sg(..., sg_crit1_cutoff = c)`` (losses) on a wide pivot with
    ``sg_crit2_pct = NULL``.
    """
    table = check_long(ratings, patient, session, score, date, pre_score)
    events: list[AllianceEvent] = []
    changes: list[SessionChange] = []
    order: dict[Any, int] = {}
    for series in _series(table, with_pre=pre_score is not None):
        order[series.patient] = len(order)
        events.extend(_low_levels(series, settings))
        drops, session_changes = _drops_and_changes(series, settings)
        events.extend(drops)
        changes.extend(session_changes)
        events.extend(_ruptures(series, settings))
    events.extend(_sudden_changes(table, settings))
    events.sort(key=lambda e: (order[e.patient], _sort_key(e)))
    return AllianceSignals(events=tuple(events), session_changes=tuple(changes))


_EVENT_COLUMNS = (
    "patient",
    "rule",
    "code",
    "kind",
    "criterion",
    "basis",
    "session",
    "date",
    "score",
    "threshold",
    "inclusive",
    "previous_session",
    "previous_score",
    "change",
    "between_change",
    "min_drop",
    "reference_level",
    "sd",
    "sd_source",
    "sd_multiplier",
    "cut_off",
    "start_session",
    "start_date",
    "end_session",
    "lowest_session",
    "lowest_score",
    "depth",
    "rated_sessions",
    "session_span",
    "repaired",
    "repair_session",
    "repair_date",
    "repair_score",
    "pre_session",
    "post_session",
    "pre_score",
    "post_score",
    "magnitude",
    "crit1_cutoff",
    "crit2_pct",
    "critical_value",
    "pooled_sd",
    "n_ratings",
    "share_at_maximum",
)


def alliance_events_table(signals: AllianceSignals) -> pl.DataFrame:
    """One row per event; columns that do not apply to a rule are null."""
    rows = [dataclasses.asdict(event) for event in signals.events]
    data = {name: [row.get(name) for row in rows] for name in _EVENT_COLUMNS}
    return pl.DataFrame(data, strict=False, infer_schema_length=None)


def session_changes_table(signals: AllianceSignals) -> pl.DataFrame:
    """Within- and between-session change per patient and session."""
    columns = [f.name for f in dataclasses.fields(SessionChange)]
    rows = [dataclasses.asdict(change) for change in signals.session_changes]
    return pl.DataFrame(
        {name: [row[name] for row in rows] for name in columns},
        strict=False,
        infer_schema_length=None,
    )
