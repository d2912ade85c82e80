"""Early-warning alerts raised from the analytics core's signals, and what was done about them.

Read and written only through :mod:`concord.web.alerts.services` (clinicians and supervisors)
and :mod:`concord.web.alerts.signals` (the worker). An alert is *live* until its signal stops
holding; then it is resolved. At most one live alert exists per (episode, kind, rule): a
partial unique constraint, so a second raise can only update the first.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import CareEpisode, Clinic, Patient


class AlertKind(models.TextChoices):
    RUPTURE = "rupture", _("Alliance rupture, not yet repaired")
    LOW_ALLIANCE = "low_alliance", _("Low alliance")
    ALLIANCE_DROP = "alliance_drop", _("Alliance dropped")
    DISAGREEMENT = (
        "patient_clinician_disagreement",
        _("Patient and clinician disagree about the alliance"),
    )
    NON_ADHERENCE = "non_adherence", _("Non-adherence")
    NOT_ON_TRACK = "outcome_not_on_track", _("Outcome not on track")
    MISSED_SESSIONS = "missed_sessions", _("Missed sessions")
    DROPOUT_RISK = "dropout_risk", _("Drop-out risk")
    COMBINED = "combined", _("Combined risk")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")


LIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.SNOOZED)


class Priority(models.TextChoices):
    """The core's priority codes (:data:`concord.analytics.risk.COMBINATION_RULES`)."""

    HIGHEST = "highest", _("Highest")
    HIGH = "high", _("High")
    MODERATE = "moderate", _("Moderate")
    LOW = "low", _("Low")


PRIORITY_RANK = {"highest": 1, "high": 2, "moderate": 3, "low": 4}
PRIORITY_CODES = {rank: code for code, rank in PRIORITY_RANK.items()}


class Alert(models.Model):
    """One early-warning signal on one care episode, raised, updated and resolved by the worker."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="risk_alerts")
    episode = models.ForeignKey(CareEpisode, on_delete=models.CASCADE, related_name="risk_alerts")
    kind = models.CharField(max_length=40, choices=AlertKind.choices)
    rule = models.CharField(max_length=80)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    priority_rank = models.PositiveSmallIntegerField()
    evidence = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    first_raised_at = models.DateTimeField(default=timezone.now)
    last_updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateField(null=True, blank=True)
    snooze_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["priority_rank", "-last_updated_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "kind", "rule"],
                condition=~Q(status="resolved"),
                name="alert_one_live_per_episode_kind_rule",
            )
        ]
        indexes = [models.Index(fields=["episode", "status", "priority_rank"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.rule}, {self.status})"


class Strategy(models.TextChoices):
    """Repair and adherence strategies (sources in docs/alerts.md)."""

    TALK_OPENLY = "talk_openly", _("Talked about the relationship openly")
    REVISIT_GOALS_TASKS = "revisit_goals_tasks", _("Revisited goals and tasks")
    EXPLORE_BARRIERS = "explore_barriers", _("Explored side effects and other barriers")
    ADJUST_PLAN = "adjust_plan", _("Adjusted the plan")
    INVOLVE_SUPPORTERS = "involve_supporters", _("Involved supporters, with consent")
    PLAN_FOLLOW_UP = "plan_follow_up", _("Planned follow-up")


#: Strategies suggested first for each kind (all stay available): the relationship for
#: alliance signals (metacommunication, Safran & Muran 2000; Eubanks, Muran & Safran 2018),
#: barriers and the plan for non-adherence, the areas of Lambert's clinical support tools
#: (alliance, motivation, social support) when the outcome is off track. Design choice.
SUGGESTED_STRATEGIES: dict[str, tuple[str, ...]] = {
    AlertKind.RUPTURE: (
        Strategy.TALK_OPENLY,
        Strategy.REVISIT_GOALS_TASKS,
        Strategy.PLAN_FOLLOW_UP,
    ),
    AlertKind.LOW_ALLIANCE: (Strategy.TALK_OPENLY, Strategy.REVISIT_GOALS_TASKS),
    AlertKind.ALLIANCE_DROP: (Strategy.TALK_OPENLY, Strategy.REVISIT_GOALS_TASKS),
    AlertKind.DISAGREEMENT: (Strategy.TALK_OPENLY, Strategy.REVISIT_GOALS_TASKS),
    AlertKind.NON_ADHERENCE: (
        Strategy.EXPLORE_BARRIERS,
        Strategy.ADJUST_PLAN,
        Strategy.INVOLVE_SUPPORTERS,
        Strategy.PLAN_FOLLOW_UP,
    ),
    AlertKind.NOT_ON_TRACK: (
        Strategy.REVISIT_GOALS_TASKS,
        Strategy.ADJUST_PLAN,
        Strategy.TALK_OPENLY,
        Strategy.PLAN_FOLLOW_UP,
    ),
    AlertKind.MISSED_SESSIONS: (Strategy.EXPLORE_BARRIERS, Strategy.PLAN_FOLLOW_UP),
    AlertKind.DROPOUT_RISK: (
        Strategy.TALK_OPENLY,
        Strategy.EXPLORE_BARRIERS,
        Strategy.INVOLVE_SUPPORTERS,
        Strategy.PLAN_FOLLOW_UP,
    ),
    AlertKind.COMBINED: tuple(Strategy.values),
}


class ActionKind(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SNOOZED = "snoozed", _("Snoozed")


class AlertAction(models.Model):
    """What a clinician did about an alert: strategies ticked and their own words."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    strategies = models.JSONField(default=list, blank=True)
    note = models.TextField(_("what was done"), blank=True, max_length=2000)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.by_id} at {self.at:%Y-%m-%d %H:%M}"

    def strategy_labels(self) -> list[str]:
        labels = dict(Strategy.choices)
        return [str(labels.get(code, code)) for code in self.strategies]


class RecoveryCurveFit(models.Model):
    """One fit of a clinic's expected recovery curves (the not-on-track mixed model).

    Written by the worker (:mod:`concord.web.alerts.recovery_curves`): the nightly run fits
    the model when the clinic's scores or the settings changed, otherwise it records that
    the latest fit is still current (``checked_at``); the per-patient jobs use the latest
    fit while it is current. Each fit is a new *version*; older ones are kept. A fit that
    could not be made (too few patients, no convergence) is kept too, with the reason, so
    that the jobs do not try again until the data change.

    The clinic's reliable patient-clinician differences (pooled SD of its WAI-SR and
    WAI-SRT ratings, :func:`concord.web.measures.alliance.reliable_differences`) are read
    at the same time and kept with the fit (a change makes a new version with the same
    curves), so that a patient's job reads nothing clinic-wide.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    instrument_code = models.CharField(max_length=40)
    version = models.PositiveIntegerField()
    fitted_at = models.DateTimeField()
    checked_at = models.DateTimeField()
    data_until = models.DateTimeField()
    settings = models.JSONField()
    data_sha256 = models.CharField(max_length=64)
    data_episodes = models.PositiveIntegerField()
    data_scores = models.PositiveIntegerField()
    fitted = models.BooleanField()
    failure = models.TextField(blank=True)
    parameters = models.JSONField(null=True, blank=True)
    reliable_differences = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["clinic", "instrument_code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "instrument_code", "version"],
                name="recovery_curve_fit_one_version",
            )
        ]

    def __str__(self) -> str:
        state = "fitted" if self.fitted else "not fitted"
        return f"{self.instrument_code} curves v{self.version} of clinic {self.clinic_id} ({state})"
