"""Recompute the alerts of a patient (or a whole clinic) from the database: raise, update,
reopen and resolve them as the core's signals change. Run by the worker (channel
``worker``) and by the demo builder; nothing here is reachable from a request.

* a finding without a live alert of the same (episode, kind, rule) raises one (``open``);
* a live alert whose finding is still there gets the new evidence and priority; an
  ``acknowledged`` one whose evidence *key* changed (a new drop, a new rupture, another
  refill gap) is opened again; a ``snoozed`` one whose date has come is opened again;
* a live alert without a finding is resolved;
* episodes that are no longer active have their live alerts resolved.

Episodes are handled in batches of :data:`BATCH` (a fixed number of queries and one call
of each core rule per batch, :mod:`concord.web.alerts.loading` and
:mod:`concord.web.alerts.evaluation`); only episodes whose alerts change are written,
:data:`WRITE_GROUP` per transaction, with their live alerts locked and compared again
inside it, and one audit row per episode. The clinic's expected recovery curves and
reliable differences come from :mod:`concord.web.alerts.recovery_curves` (fitted nightly,
stored, reused by the patient jobs).

The partial unique constraint on (episode, kind, rule) among live alerts makes a duplicate
impossible even with two workers; the loser's transaction fails and its job is retried.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.utils import timezone

from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.errors import AnalyticsInputError
from concord.web.accounts.models import User
from concord.web.alerts import recovery_curves
from concord.web.alerts.evaluation import EpisodeSignals, evaluate
from concord.web.alerts.evidence import Finding
from concord.web.alerts.inputs import EpisodeInputs
from concord.web.alerts.loading import load_episodes
from concord.web.alerts.models import LIVE_STATUSES, Alert, AlertStatus, RecoveryCurveFit
from concord.web.alerts.rules import findings_for
from concord.web.audit.models import Action, Channel
from concord.web.audit.service import Actor, AuditRow, audit_many
from concord.web.clinic.models import CareEpisode, EpisodeStatus


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
BATCH = 500
WRITE_GROUP = 50  # episodes whose alert changes are written in one transaction
INPUT_ERRORS = (AnalyticsInputError, AdherenceInputError)


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


@dataclass(frozen=True)
class ClinicReference:
    """What every episode of a clinic is judged against in one run."""

    fit: RecoveryCurveFit | None
    thresholds: dict[str, float]


@dataclass(frozen=True, slots=True)
class LiveAlert:
    """What :func:`needs_writing` compares of a live alert (read without model instances)."""

    kind: str
    rule: str
    priority: str
    status: str
    snoozed_until: date | None
    evidence: dict[str, Any]


def _reopens(alert: Alert | LiveAlert, finding: Finding, today: date) -> bool:
    return (
        alert.status == AlertStatus.ACKNOWLEDGED
        and alert.evidence.get("key") != finding.evidence.get("key")
    ) or (
        alert.status == AlertStatus.SNOOZED
        and alert.snoozed_until is not None
        and alert.snoozed_until <= today
    )


def needs_writing(live: Iterable[Alert | LiveAlert], findings: list[Finding], today: date) -> bool:
    """Whether :func:`_plan` would change anything (read without locks, to skip episodes
    whose alerts stay as they are)."""
    by_key = {(a.kind, a.rule): a for a in live}
    wanted = {(f.kind, f.rule) for f in findings}
    if set(by_key) - wanted:
        return True
    for f in findings:
        alert = by_key.get((f.kind, f.rule))
        if alert is None or _reopens(alert, f, today):
            return True
        if alert.evidence != f.evidence or alert.priority != f.priority:
            return True
    return False


@dataclass
class _Changes:
    """What one episode's findings do to its live alerts (not yet written)."""

    created: list[Alert]
    log: list[tuple[str, Alert]]  # (what happened, alert) in order, for the audit row
    result: RecomputeResult


def _plan(
    episode: CareEpisode, live: dict[tuple[str, str], Alert], findings: list[Finding], now: datetime
) -> _Changes:
    today = timezone.localdate(now)
    plan = _Changes([], [], RecomputeResult())
    raised = updated = reopened = resolved = 0
    seen = set()
    for f in findings:
        seen.add((f.kind, f.rule))
        alert = live.get((f.kind, f.rule))
        if alert is None:
            alert = Alert(
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
            plan.created.append(alert)
            plan.log.append(("raised", alert))
            raised += 1
            continue
        reopen = _reopens(alert, f, today)
        if alert.evidence == f.evidence and alert.priority == f.priority and not reopen:
            continue
        alert.evidence, alert.priority, alert.priority_rank = f.evidence, f.priority, f.rank
        alert.last_updated_at = now
        if reopen:
            alert.status, alert.snoozed_until = AlertStatus.OPEN, None
            plan.log.append(("reopened", alert))
            reopened += 1
        else:
            plan.log.append(("updated", alert))
            updated += 1
    for key, alert in live.items():
        if key in seen:
            continue
        alert.status, alert.resolved_at, alert.last_updated_at = AlertStatus.RESOLVED, now, now
        plan.log.append(("resolved", alert))
        resolved += 1
    plan.result = RecomputeResult(raised, updated, reopened, resolved)
    return plan


def _update(log: list[tuple[str, Alert]], now: datetime) -> None:
    """Write the planned changes of existing alerts: one UPDATE per kind of change (new
    evidence in one bulk update of just the fields that differ per alert)."""
    refreshed = [a for what, a in log if what in ("updated", "reopened")]
    if refreshed:
        Alert.objects.bulk_update(refreshed, ["evidence", "priority", "priority_rank"])
        Alert.objects.filter(pk__in=[a.pk for a in refreshed]).update(last_updated_at=now)
    reopened = [a.pk for what, a in log if what == "reopened"]
    if reopened:
        Alert.objects.filter(pk__in=reopened).update(status=AlertStatus.OPEN, snoozed_until=None)
    resolved = [a.pk for what, a in log if what == "resolved"]
    if resolved:
        Alert.objects.filter(pk__in=resolved).update(
            status=AlertStatus.RESOLVED, resolved_at=now, last_updated_at=now
        )


def _write(
    items: list[tuple[CareEpisode, list[Finding]]], now: datetime, actor: Actor
) -> RecomputeResult:
    """Apply the findings of these episodes in one transaction, their live alerts locked
    and compared again inside it; one audit row per episode whose alerts change."""
    total = RecomputeResult()
    with transaction.atomic():
        live: dict[int, dict[tuple[str, str], Alert]] = defaultdict(dict)
        for alert in Alert.objects.select_for_update().filter(
            episode_id__in=[e.pk for e, _ in items], status__in=LIVE_STATUSES
        ):
            live[alert.episode_id][(alert.kind, alert.rule)] = alert
        plans = [(episode, _plan(episode, live[episode.pk], f, now)) for episode, f in items]
        Alert.objects.bulk_create([a for _, plan in plans for a in plan.created])
        _update([change for _, plan in plans for change in plan.log], now)
        rows = []
        for episode, plan in plans:
            total += plan.result
            if plan.log:
                changes = [{"alert": a.pk, what: a.kind, "rule": a.rule} for what, a in plan.log]
                rows.append(
                    AuditRow(
                        Action.UPDATE, "alert", "", (episode.patient_id,), {"changes": changes}
                    )
                )
        audit_many(actor, rows)
    return total


def _apply(
    items: list[tuple[CareEpisode, list[Finding]]], now: datetime, actor: Actor
) -> RecomputeResult:
    """:func:`_write` in groups of :data:`WRITE_GROUP` episodes. When a group conflicts
    with another worker's writes (the live-alert constraint), its episodes are written one
    by one; a conflict then fails the job, which the worker retries."""
    total = RecomputeResult()
    for start in range(0, len(items), WRITE_GROUP):
        group = items[start : start + WRITE_GROUP]
        try:
            total += _write(group, now, actor)
        except IntegrityError:
            if len(group) == 1:
                raise
            for item in group:
                total += _write([item], now, actor)
    return total


def _evaluated(
    inputs: list[EpisodeInputs], as_of: date, references: dict[int, ClinicReference]
) -> tuple[dict[int, EpisodeSignals], set[int]]:
    """The core's signals per episode, one core call per clinic in the batch. When the core
    refuses the batch's data, the episodes are evaluated one by one: the one at fault is
    logged and counted as failed (its alerts stay as they were), the others go on."""
    by_clinic: dict[int, list[EpisodeInputs]] = defaultdict(list)
    for one in inputs:
        by_clinic[one.episode.patient.clinic_id].append(one)
    signals: dict[int, EpisodeSignals] = {}
    failed: set[int] = set()
    for clinic_id, group in by_clinic.items():
        model = recovery_curves.model_of(references[clinic_id].fit)
        try:
            signals.update(evaluate(group, as_of, model))
        except INPUT_ERRORS:
            for one in group:
                try:
                    signals.update(evaluate([one], as_of, model))
                except INPUT_ERRORS as error:
                    logger.warning("alerts: episode %s not recomputed: %s", one.key, error)
                    failed.add(one.key)
    return signals, failed


def _loaded(
    active: list[CareEpisode], now: datetime, carriers: set[int]
) -> tuple[dict[int, EpisodeInputs], set[int]]:
    """The batch's inputs; when the medications' engine refuses the batch's data, each
    episode alone (the one at fault is counted as failed)."""
    try:
        return load_episodes(active, now=now, carriers=carriers), set()
    except INPUT_ERRORS:
        loaded: dict[int, EpisodeInputs] = {}
        failed: set[int] = set()
        for episode in active:
            try:
                loaded.update(load_episodes([episode], now=now, carriers=carriers))
            except INPUT_ERRORS as error:
                logger.warning("alerts: episode %s not recomputed: %s", episode.pk, error)
                failed.add(episode.pk)
        return loaded, failed


def _recompute_batch(
    batch: list[CareEpisode],
    now: datetime,
    actor: Actor,
    references: dict[int, ClinicReference],
    carriers: set[int],
) -> RecomputeResult:
    today = timezone.localdate(now)
    active = [e for e in batch if e.status == EpisodeStatus.ACTIVE]
    inputs, failed = _loaded(active, now, carriers)
    signals, refused = _evaluated(list(inputs.values()), today, references)
    failed |= refused
    live: dict[int, list[LiveAlert]] = defaultdict(list)
    for row in Alert.objects.filter(
        episode_id__in=[e.pk for e in batch], status__in=LIVE_STATUSES
    ).values_list("episode_id", "kind", "rule", "priority", "status", "snoozed_until", "evidence"):
        live[row[0]].append(LiveAlert(*row[1:]))
    to_write: list[tuple[CareEpisode, list[Finding]]] = []
    for episode in batch:
        if episode.pk in failed:
            continue
        findings: list[Finding] = []
        if episode.status == EpisodeStatus.ACTIVE:
            reference = references[episode.patient.clinic_id]
            findings = findings_for(
                inputs[episode.pk],
                signals[episode.pk],
                today,
                thresholds=reference.thresholds,
                model=recovery_curves.summary(reference.fit),
            )
        if needs_writing(live[episode.pk], findings, today):
            to_write.append((episode, findings))
    return RecomputeResult(failed=len(failed)) + _apply(to_write, now, actor)


def recompute_episodes(
    episodes: list[CareEpisode],
    *,
    now: datetime,
    actor: Actor,
    nightly: bool,
) -> RecomputeResult:
    """Recompute the alerts of these episodes (with their patients loaded), in batches.

    ``nightly``: refresh each clinic's expected recovery curves and reliable differences
    (fit again if its scores changed); otherwise use the stored ones while current.
    """
    references: dict[int, ClinicReference] = {}
    for clinic_id in sorted(
        {e.patient.clinic_id for e in episodes if e.status == EpisodeStatus.ACTIVE}
    ):
        fit = (
            recovery_curves.refresh(clinic_id, now, actor)
            if nightly
            else recovery_curves.current_fit(clinic_id, now, actor)
        )
        references[clinic_id] = ClinicReference(fit, dict(fit.reliable_differences))
    # Patient-level data (dispensing) go to the patient's most recent active episode.
    carrier: dict[int, int] = {}
    for e in sorted(episodes, key=lambda e: (e.started_on, e.pk)):
        if e.status == EpisodeStatus.ACTIVE:
            carrier[e.patient_id] = e.pk
    carriers = set(carrier.values())
    total = RecomputeResult()
    for start in range(0, len(episodes), BATCH):
        total += _recompute_batch(episodes[start : start + BATCH], now, actor, references, carriers)
    return total


def recompute_patient(
    patient_id: int, *, now: datetime | None = None, actor: Actor = WORKER
) -> RecomputeResult:
    """Recompute every episode of one patient (the stored recovery curves, if current)."""
    episodes = list(
        CareEpisode.objects.filter(patient_id=patient_id).select_related("patient").order_by("pk")
    )
    return recompute_episodes(episodes, now=now or timezone.now(), actor=actor, nightly=False)


def recompute_all(*, now: datetime | None = None, actor: Actor = WORKER) -> RecomputeResult:
    """Recompute every episode with an active status or a live alert (the nightly run)."""
    with_live = Alert.objects.filter(status__in=LIVE_STATUSES).values("episode_id")
    episodes = list(
        CareEpisode.objects.filter(status=EpisodeStatus.ACTIVE).select_related("patient")
        | CareEpisode.objects.filter(pk__in=with_live).select_related("patient")
    )
    unique = sorted({e.pk: e for e in episodes}.values(), key=lambda e: e.pk)
    return recompute_episodes(unique, now=now or timezone.now(), actor=actor, nightly=True)
