"""Recompute the alerts of a patient (or a whole clinic) from the database: raise, update,
reopen and resolve them as the core's signals change. Run by the worker (channel
``worker``) and by the demo builder; nothing here is reachable from a request.

* a finding without a live alert of the same (episode, kind, rule) raises one (``open``);
* a live alert whose finding is still there gets the new evidence and priority; an
  ``acknowledged`` one whose evidence *key* changed (a new drop, a new rupture, another
  refill gap) is opened again; a ``snoozed`` one whose date has come is opened again;
* a live alert without a finding is resolved;
* episodes that are no longer active have their live alerts resolved.

The partial unique constraint on (episode, kind, rule) among live alerts makes a duplicate
impossible even with two workers; the loser's transaction fails and its job is retried.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import polars as pl
from django.db import transaction
from django.utils import timezone

from concord.analytics.errors import AnalyticsInputError
from concord.analytics.trajectories.not_on_track import (
    NotOnTrackModelError,
    RecoveryCurveModel,
    fit_recovery_curves,
)
from concord.web.accounts.models import User
from concord.web.alerts import inputs as alert_inputs
from concord.web.alerts.models import LIVE_STATUSES, Alert, AlertStatus
from concord.web.alerts.rules import NOT_ON_TRACK_SETTINGS, Finding, findings_for
from concord.web.audit.models import Action, Channel
from concord.web.audit.service import Actor, audit
from concord.web.clinic.models import CareEpisode, CareSession, EpisodeStatus
from concord.web.measures.alliance import reliable_differences
from concord.web.measures.models import Administration, AdministrationStatus


class _Worker:
    """The worker as an audit actor: no account, a recognisable name."""

    pk = None
    role = ""
    is_authenticated = True
    is_active = True

    def get_username(self) -> str:
        return "concord worker"


logger = logging.getLogger(__name__)

WORKER = Actor(user=cast(User, _Worker()), channel=Channel.WORKER)


@dataclass(frozen=True)
class RecomputeResult:
    raised: int = 0
    updated: int = 0
    reopened: int = 0
    resolved: int = 0
    failed: int = 0  # episodes whose data the core refused (their alerts left as they were)

    def __add__(self, other: RecomputeResult) -> RecomputeResult:
        return RecomputeResult(
            self.raised + other.raised,
            self.updated + other.updated,
            self.reopened + other.reopened,
            self.resolved + other.resolved,
            self.failed + other.failed,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "raised": self.raised,
            "updated": self.updated,
            "reopened": self.reopened,
            "resolved": self.resolved,
            "failed": self.failed,
        }


def outcome_model(clinic_id: int) -> RecoveryCurveModel | None:
    """The clinic's expected PHQ-9 recovery curves, or None when they cannot be fitted.

    Session numbers as in :mod:`concord.web.alerts.inputs`: per-session measures take their
    session's number, dated ones the number of the latest session on or before their day.
    """
    rows = (
        Administration.objects.filter(
            episode__patient__clinic_id=clinic_id,
            instrument_code=alert_inputs.OUTCOME_CODE,
            status=AdministrationStatus.SUBMITTED,
        )
        .order_by("episode_id", "submitted_at", "pk")
        .values_list("episode_id", "session__scheduled_at", "due_at", "scores")
    )
    per_episode: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for episode_id, session_at, due_at, scores in rows:
        value = (scores or {}).get("scales", {}).get("total", {}).get("value")
        if value is not None:
            per_episode[episode_id].append((session_at or due_at, float(value)))
    if not per_episode:
        return None
    times: dict[int, list[datetime]] = defaultdict(list)
    for episode_id, when in (
        CareSession.objects.filter(episode_id__in=list(per_episode))
        .order_by("episode_id", "scheduled_at", "pk")
        .values_list("episode_id", "scheduled_at")
    ):
        times[episode_id].append(when)
    scored: dict[tuple[int, int], float] = {}
    for episode_id, values in per_episode.items():
        for moment, value in values:
            number = alert_inputs.number_at(times[episode_id], moment)
            if number:
                scored[(episode_id, number)] = value  # the latest answer counts
    table = pl.DataFrame(
        {
            "patient": [e for e, _ in scored],
            "session": [n for _, n in scored],
            "score": list(scored.values()),
        },
        schema={"patient": pl.Int64, "session": pl.Int64, "score": pl.Float64},
    )
    try:
        return fit_recovery_curves(table, NOT_ON_TRACK_SETTINGS)
    except NotOnTrackModelError:
        return None


def _apply(
    episode: CareEpisode, findings: list[Finding], now: datetime, actor: Actor
) -> RecomputeResult:
    today = timezone.localdate(now)
    live = {
        (a.kind, a.rule): a
        for a in Alert.objects.select_for_update().filter(episode=episode, status__in=LIVE_STATUSES)
    }
    raised = updated = reopened = resolved = 0
    changes: list[dict[str, Any]] = []
    seen = set()
    for f in findings:
        seen.add((f.kind, f.rule))
        alert = live.get((f.kind, f.rule))
        if alert is None:
            alert = Alert.objects.create(
                patient_id=episode.patient_id,
                episode=episode,
                kind=f.kind,
                rule=f.rule,
                priority=f.priority,
                priority_rank=f.rank,
                evidence=f.evidence,
                first_raised_at=now,
                last_updated_at=now,
            )
            raised += 1
            changes.append({"alert": alert.pk, "raised": f.kind, "rule": f.rule})
            continue
        reopen = (
            alert.status == AlertStatus.ACKNOWLEDGED
            and alert.evidence.get("key") != f.evidence.get("key")
        ) or (
            alert.status == AlertStatus.SNOOZED
            and alert.snoozed_until is not None
            and alert.snoozed_until <= today
        )
        if alert.evidence == f.evidence and alert.priority == f.priority and not reopen:
            continue
        alert.evidence, alert.priority, alert.priority_rank = f.evidence, f.priority, f.rank
        alert.last_updated_at = now
        fields = ["evidence", "priority", "priority_rank", "last_updated_at"]
        if reopen:
            alert.status = AlertStatus.OPEN
            alert.snoozed_until = None
            fields += ["status", "snoozed_until"]
            reopened += 1
            changes.append({"alert": alert.pk, "reopened": f.kind, "rule": f.rule})
        else:
            updated += 1
            changes.append({"alert": alert.pk, "updated": f.kind, "rule": f.rule})
        alert.save(update_fields=fields)
    for key, alert in live.items():
        if key in seen:
            continue
        alert.status, alert.resolved_at, alert.last_updated_at = AlertStatus.RESOLVED, now, now
        alert.save(update_fields=["status", "resolved_at", "last_updated_at"])
        resolved += 1
        changes.append({"alert": alert.pk, "resolved": alert.kind, "rule": alert.rule})
    if changes:
        audit(actor, Action.UPDATE, "alert", "", [episode.patient_id], {"changes": changes})
    return RecomputeResult(raised, updated, reopened, resolved)


def _recompute_one(
    episode: CareEpisode,
    now: datetime,
    actor: Actor,
    models: dict[int, RecoveryCurveModel | None],
    thresholds: dict[int, dict[str, float]],
    main: dict[int, int],
) -> RecomputeResult:
    if episode.status != EpisodeStatus.ACTIVE:
        return _apply(episode, [], now, actor)
    clinic_id = episode.patient.clinic_id
    if clinic_id not in models:
        models[clinic_id] = outcome_model(clinic_id)
    if clinic_id not in thresholds:
        thresholds[clinic_id] = reliable_differences(clinic_id)[0]
    loaded = alert_inputs.load_inputs(
        episode, now=now, with_medication=main.get(episode.patient_id) == episode.pk
    )
    findings = findings_for(
        loaded,
        timezone.localdate(now),
        thresholds=thresholds[clinic_id],
        outcome_model=models[clinic_id],
    )
    return _apply(episode, findings, now, actor)


def recompute_episodes(
    episodes: list[CareEpisode],
    *,
    now: datetime | None = None,
    actor: Actor = WORKER,
    models: dict[int, RecoveryCurveModel | None] | None = None,
    thresholds: dict[int, dict[str, float]] | None = None,
) -> RecomputeResult:
    """Recompute the alerts of these episodes, one transaction per episode."""
    now = now or timezone.now()
    models = {} if models is None else models
    thresholds = {} if thresholds is None else thresholds
    total = RecomputeResult()
    # Patient-level data (dispensing) go to the patient's most recent active episode.
    main: dict[int, int] = {}
    for e in sorted(episodes, key=lambda e: (e.started_on, e.pk)):
        if e.status == EpisodeStatus.ACTIVE:
            main[e.patient_id] = e.pk
    for episode in episodes:
        try:
            with transaction.atomic():
                total += _recompute_one(episode, now, actor, models, thresholds, main)
        except AnalyticsInputError as error:
            # One episode's unusable data must not stop the clinic's run: keep its alerts,
            # say which episode and why in the log and the job's result.
            logger.warning("alerts: episode %s not recomputed: %s", episode.pk, error)
            total += RecomputeResult(failed=1)
    return total


def recompute_patient(
    patient_id: int, *, now: datetime | None = None, actor: Actor = WORKER
) -> RecomputeResult:
    """Recompute every episode of one patient."""
    episodes = list(
        CareEpisode.objects.filter(patient_id=patient_id).select_related("patient").order_by("pk")
    )
    return recompute_episodes(episodes, now=now, actor=actor)


def recompute_all(*, now: datetime | None = None, actor: Actor = WORKER) -> RecomputeResult:
    """Recompute every episode with an active status or a live alert (the nightly run)."""
    episodes = list(
        CareEpisode.objects.filter(status=EpisodeStatus.ACTIVE).select_related("patient")
        | CareEpisode.objects.filter(risk_alerts__status__in=LIVE_STATUSES).select_related(
            "patient"
        )
    )
    unique = list({e.pk: e for e in episodes}.values())
    unique.sort(key=lambda e: e.pk)
    return recompute_episodes(unique, now=now, actor=actor, models={}, thresholds={})
