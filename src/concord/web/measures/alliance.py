"""The three-perspective alliance view of an episode, the observer's unblinded comparison,
and observer inter-rater agreement (ICC) for supervisors.

Patient (WAI-SR), clinician (WAI-SRT) and observer (WAI-O-S) ratings of the same session are
lined up by Goal, Task and Bond. Patient and clinician disagree *reliably* on a scale when
``|patient - clinician| > 1.96 * S_diff`` with ``S_diff = sqrt(SEM_p**2 + SEM_c**2)`` and
``SEM = SD * sqrt(1 - r)`` (Jacobson & Truax 1991, the same arithmetic as the reliable change
index, docs/analytics/trajectories.md). Both forms share the 1-5 item-mean metric,
the SD is the site's pooled SD of that scale over its patient and clinician ratings (as JT
use the clinical sample's SD) and ``r = .80`` (Munder et al. 2010: alpha > .80 for the
WAI-SR, Clin Psychol Psychother 17(3) 231-239); with one SD and one r for both,
``S_diff = sqrt(2) * SEM`` and the threshold is the core's
:func:`reliable_change_criterion` ``reliable_change_value``. Fewer than
:data:`MIN_RATINGS_FOR_SD` ratings: no SD, no flags (said on the page).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations

import numpy as np
from django.utils.translation import gettext as _

from concord.analytics.instruments import get_instrument
from concord.analytics.psychometrics import (
    PsychometricsInputError,
    intraclass_correlation,
    reliable_change_criterion,
)
from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access as clinic_access
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import CareEpisode, CareSession
from concord.web.measures.charts import (
    AlliancePoint,
    OutcomePoint,
    alliance_chart_svg,
    outcome_chart_svg,
)
from concord.web.measures.models import Administration, AdministrationStatus, Rater

PERSPECTIVES = {"patient": "waisr", "clinician": "waisrt", "observer": "waios"}
SUBSCALES = ("goal", "task", "bond")
RELIABILITY = 0.80
MIN_RATINGS_FOR_SD = 10
MIN_SESSIONS_FOR_ICC = 5
OUTCOME_CODE = "phq9"


def _range(code: str) -> tuple[float, float]:
    instrument = get_instrument(code)
    values = [v for item in instrument.items for v in item.permitted_values] or [
        v for item in instrument.items for v in (item.minimum, item.maximum)
    ]
    return min(values), max(values)


def percent_of_range(code: str, value: float) -> float:
    """Percent of the scale's range (POMP), so 1-5 and 1-7 forms share one axis."""
    low, high = _range(code)
    return 100.0 * (value - low) / (high - low)


def _scale_value(administration: Administration, scale: str) -> float | None:
    scales = (administration.scores or {}).get("scales", {})
    value = scales.get(scale, {}).get("value")
    return None if value is None else float(value)


@dataclass(frozen=True)
class Disagreement:
    session_id: int
    when: datetime
    scale: str
    patient: float
    clinician: float
    threshold: float


@dataclass(frozen=True)
class SessionRow:
    session_id: int
    when: datetime
    values: dict[str, dict[str, float | None]]  # perspective -> scale -> value
    flags: list[str]
    flag_details: list[Disagreement] = field(default_factory=list)


@dataclass
class AllianceView:
    chart_svg: str
    outcome_svg: str
    rows: list[SessionRow]
    disagreements: list[Disagreement]
    thresholds: dict[str, float]  # scale -> reliable difference (points)
    missing_sd: list[str] = field(default_factory=list)
    outcome: list[OutcomePoint] = field(default_factory=list)


def reliable_differences(clinic_id: int) -> tuple[dict[str, float], list[str]]:
    """Reliable patient-clinician difference per scale at this clinic (see module doc)."""
    thresholds: dict[str, float] = {}
    missing: list[str] = []
    # Through the clinic's episodes, in episode order: SQLite then reads the (episode,
    # instrument, status) index instead of every submitted administration (40 ms instead of
    # 1.2 s at 10 000 patients). Pooled in id order, so the SD is the same to the last bit
    # whatever order the database returns.
    ratings = sorted(
        Administration.objects.filter(
            episode__in=CareEpisode.objects.filter(patient__clinic_id=clinic_id).values("pk"),
            status=AdministrationStatus.SUBMITTED,
            instrument_code__in=[PERSPECTIVES["patient"], PERSPECTIVES["clinician"]],
        )
        .order_by("episode_id")
        .values_list("pk", "scores")
    )
    pooled: dict[str, list[float]] = defaultdict(list)
    for _pk, scores in ratings:
        for scale in (*SUBSCALES, "total"):
            value = (scores or {}).get("scales", {}).get(scale, {}).get("value")
            if value is not None:
                pooled[scale].append(float(value))
    for scale in (*SUBSCALES, "total"):
        values = pooled.get(scale, [])
        sd = float(np.std(values, ddof=1)) if len(values) >= MIN_RATINGS_FOR_SD else 0.0
        if sd <= 0:
            missing.append(scale)
            continue
        thresholds[scale] = reliable_change_criterion(sd, RELIABILITY).reliable_change_value
    return thresholds, missing


def episode_alliance(actor: Actor, episode: CareEpisode) -> AllianceView:
    """The chart, table and flags of one episode (clinical staff who may see it)."""
    if actor.user.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        raise NotFound
    episode = clinic_access.get_or_not_found(
        clinic_access.episodes_for(actor.user).select_related("patient"), episode.pk
    )
    submitted = list(
        Administration.objects.filter(
            episode=episode,
            status=AdministrationStatus.SUBMITTED,
            instrument_code__in=[*PERSPECTIVES.values(), OUTCOME_CODE],
        )
        .select_related("session")
        .order_by("submitted_at", "pk")
    )
    by_session: dict[int, dict[str, list[Administration]]] = defaultdict(lambda: defaultdict(list))
    sessions: dict[int, CareSession] = {}
    outcome: list[OutcomePoint] = []
    for a in submitted:
        if a.instrument_code == OUTCOME_CODE:
            total = _scale_value(a, "total")
            if total is not None and a.submitted_at:
                outcome.append(
                    OutcomePoint(a.session.scheduled_at if a.session else a.due_at, total)
                )
            continue
        if a.session is None:
            continue
        perspective = next(p for p, c in PERSPECTIVES.items() if c == a.instrument_code)
        by_session[a.session.pk][perspective].append(a)
        sessions[a.session.pk] = a.session
    thresholds, missing = reliable_differences(episode.patient.clinic_id)
    rows: list[SessionRow] = []
    disagreements: list[Disagreement] = []
    points: list[AlliancePoint] = []
    ordered = sorted(sessions.values(), key=lambda s: (s.scheduled_at, s.pk))
    for index, session in enumerate(ordered):
        values: dict[str, dict[str, float | None]] = {}
        for perspective, code in PERSPECTIVES.items():
            rated = by_session[session.pk].get(perspective, [])
            values[perspective] = {}
            for scale in (*SUBSCALES, "total"):
                found = [v for a in rated if (v := _scale_value(a, scale)) is not None]
                values[perspective][scale] = float(np.mean(found)) if found else None
                if found and scale in SUBSCALES:
                    points.append(
                        AlliancePoint(
                            index=index,
                            when=session.scheduled_at,
                            scale=scale,
                            perspective=perspective,
                            value=values[perspective][scale] or 0.0,
                            percent=percent_of_range(code, float(np.mean(found))),
                        )
                    )
        flags, details = [], []
        for scale in (*SUBSCALES, "total"):
            p, c = values["patient"][scale], values["clinician"][scale]
            if p is None or c is None or scale not in thresholds:
                continue
            if abs(p - c) > thresholds[scale]:
                flags.append(scale)
                details.append(
                    Disagreement(session.pk, session.scheduled_at, scale, p, c, thresholds[scale])
                )
        disagreements.extend(details)
        rows.append(SessionRow(session.pk, session.scheduled_at, values, flags, details))
    flagged = {(d.session_id, d.scale) for d in disagreements}
    chart = alliance_chart_svg(
        points,
        [(i, s.scheduled_at) for i, s in enumerate(ordered)],
        flagged={
            (i, scale) for i, s in enumerate(ordered) for (sid, scale) in flagged if sid == s.pk
        },
    )
    audit(
        actor,
        Action.READ,
        "alliance_view",
        episode.pk,
        [episode.patient_id],
        {"sessions": len(rows), "disagreements": len(disagreements)},
    )
    return AllianceView(
        chart_svg=chart,
        outcome_svg=outcome_chart_svg(outcome),
        rows=rows,
        disagreements=disagreements,
        thresholds=thresholds,
        missing_sd=missing,
        outcome=outcome,
    )


@dataclass(frozen=True)
class Comparison:
    scales: list[str]
    rows: list[tuple[str, list[float | None]]]  # perspective name, value per scale


def session_comparison_for_observer(
    actor: Actor, administration: Administration
) -> Comparison | None:
    """The patient's and clinician's ratings of the session, for the observer who rated it.

    Observers are blind: until their own rating of this session is submitted this returns
    ``None`` and reads nothing.
    """
    user = actor.user
    if (
        user.role != Role.OBSERVER
        or administration.rater != Rater.OBSERVER
        or administration.assigned_to_id != user.pk
        or administration.status != AdministrationStatus.SUBMITTED
        or administration.session_id is None
        or not clinic_access.sessions_for(user).filter(pk=administration.session_id).exists()
    ):
        return None
    others = Administration.objects.filter(
        session_id=administration.session_id,
        status=AdministrationStatus.SUBMITTED,
        instrument_code__in=[PERSPECTIVES["patient"], PERSPECTIVES["clinician"]],
    )
    scales = [*SUBSCALES, "total"]
    rows: list[tuple[str, list[float | None]]] = [
        (_("Your rating (1-7)"), [_scale_value(administration, s) for s in scales])
    ]
    for other in others:
        label = _("Patient (1-5)") if other.instrument_code == "waisr" else _("Clinician (1-5)")
        rows.append((label, [_scale_value(other, s) for s in scales]))
    audit(
        actor,
        Action.READ,
        "session_ratings",
        administration.session_id,
        [administration.episode.patient_id],
        {"unblinded_after": administration.pk},
    )
    return Comparison(scales, rows)


@dataclass(frozen=True)
class AgreementRow:
    instrument: str
    scale: str
    n_sessions: int
    raters: str
    icc2: float | None = None
    lower: float | None = None
    upper: float | None = None
    icc3: float | None = None
    note: str = ""


def observer_agreement(actor: Actor) -> list[AgreementRow]:
    """ICC of observer ratings per observer-rated instrument and scale (supervisors).

    Sessions the supervisor may see that two observers rated; the pair of observers with the
    most shared sessions gives the targets x 2 table. ICC2 = Shrout & Fleiss ICC(2,1)
    (two-way random, absolute agreement, single rater), with its 95 % interval.
    """
    if actor.user.role != Role.SUPERVISOR:
        raise NotFound
    sessions = clinic_access.sessions_for(actor.user)
    rows: list[AgreementRow] = []
    patient_ids: set[int] = set()
    observer_codes = sorted(_observer_instruments())
    for code in observer_codes:
        rated = list(
            Administration.objects.filter(
                instrument_code=code,
                rater=Rater.OBSERVER,
                status=AdministrationStatus.SUBMITTED,
                session__in=sessions,
            ).select_related("episode", "assigned_to")
        )
        patient_ids.update(a.episode.patient_id for a in rated)
        by_session: dict[int, dict[int, Administration]] = defaultdict(dict)
        names: dict[int, str] = {}
        for a in rated:
            rater_id = a.assigned_to_id or a.submitted_by_id or 0
            by_session[a.session_id or 0][rater_id] = a
            names[rater_id] = str(a.assigned_to or a.submitted_by or "?")
        pairs: Counter[tuple[int, int]] = Counter()
        for ratings in by_session.values():
            pairs.update(combinations(sorted(ratings), 2))
        instrument = get_instrument(code)
        for scale in [s.code for s in instrument.scales]:
            if not pairs:
                rows.append(AgreementRow(instrument.name, scale, 0, "", note="no double ratings"))
                continue
            (first, second), _count = pairs.most_common(1)[0]
            table = [
                [_scale_value(r[first], scale), _scale_value(r[second], scale)]
                for r in by_session.values()
                if first in r and second in r
            ]
            table = [row for row in table if None not in row]
            raters = f"{names[first]} and {names[second]}"
            if len(table) < MIN_SESSIONS_FOR_ICC:
                rows.append(
                    AgreementRow(
                        instrument.name,
                        scale,
                        len(table),
                        raters,
                        note=f"needs at least {MIN_SESSIONS_FOR_ICC} double-rated sessions",
                    )
                )
                continue
            try:
                result = intraclass_correlation(np.array(table, dtype=float))
            except PsychometricsInputError as error:
                rows.append(
                    AgreementRow(instrument.name, scale, len(table), raters, note=str(error))
                )
                continue
            icc2, icc3 = result.form("ICC2"), result.form("ICC3")
            rows.append(
                AgreementRow(
                    instrument.name,
                    scale,
                    len(table),
                    raters,
                    _finite(icc2.value),
                    _finite(icc2.lower),
                    _finite(icc2.upper),
                    _finite(icc3.value),
                )
            )
    audit(actor, Action.READ, "observer_agreement", "", patient_ids, {"rows": len(rows)})
    return rows


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _observer_instruments() -> list[str]:
    from concord.analytics.instruments import all_instruments

    return [i.code for i in all_instruments() if i.rater == "observer"]
