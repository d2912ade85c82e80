"""Barriers a patient faces in following their treatment, and the actions opened on them.

A barrier belongs to the patient (optionally to one care episode and the medication regimen
it concerns). Its words are kept as given, never edited; its status changes are rows of
:class:`BarrierStatusChange` (who, when, why), so nothing is overwritten silently. An action
has an owner and a follow-up date; every follow-up, rescheduling or closing is a row of
:class:`ActionUpdate`.

Patients and episodes are protected from deletion by the clinic, so the cascades below run
only when a whole (demo or test) record goes.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import CareEpisode, Patient
from concord.web.medications.models import MedicationRegimen


class BarrierKind(models.TextChoices):
    FORGETFULNESS = "forgetfulness", _("Forgetfulness")
    SIDE_EFFECTS = "side_effects", _("Side effects")
    COST = "cost", _("Cost")
    TRANSPORT = "transport", _("Transport")
    LANGUAGE = "language", _("Language")
    CAREGIVING = "caregiving", _("Caregiving")
    BELIEFS = "beliefs", _("Beliefs or concerns about the medication")
    STIGMA = "stigma", _("Stigma")
    OTHER = "other", _("Other")


class BarrierStatus(models.TextChoices):
    OPEN = "open", _("Open")
    BEING_ADDRESSED = "being_addressed", _("Being addressed")
    RESOLVED = "resolved", _("Resolved")
    NO_LONGER_APPLIES = "no_longer_applies", _("No longer applies")


CURRENT_BARRIER_STATUSES = (BarrierStatus.OPEN, BarrierStatus.BEING_ADDRESSED)


class RaisedBy(models.TextChoices):
    """Whose concern it is, and (for ``words_of``) whose words the description is in."""

    PATIENT = "patient", _("The patient")
    CLINICIAN = "clinician", _("A clinician")
    SUPPORTER = "supporter", _("A supporter")


class StatusChange(models.Model):
    """One change of status: from, to, who (and in which role), when, why."""

    from_status = models.CharField(max_length=20, blank=True)  # blank: the record was created
    to_status = models.CharField(max_length=20)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by_role = models.CharField(max_length=20)
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        abstract = True
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status} ({self.changed_at:%Y-%m-%d %H:%M})"


class Barrier(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="barriers")
    episode = models.ForeignKey(
        CareEpisode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="barriers",
        verbose_name=_("care episode"),
    )
    regimen = models.ForeignKey(
        MedicationRegimen,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="barriers",
        verbose_name=_("medication"),
    )
    concerns = models.CharField(
        _("what it concerns"),
        max_length=200,
        blank=True,
        help_text=_("For example a home-exercise programme or the appointments."),
    )
    kind = models.CharField(_("barrier"), max_length=20, choices=BarrierKind.choices)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    words_of = models.CharField(
        _("whose words"), max_length=20, choices=RaisedBy.choices, default=RaisedBy.PATIENT
    )
    raised_by = models.CharField(_("raised by"), max_length=20, choices=RaisedBy.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=BarrierStatus.choices, default=BarrierStatus.OPEN
    )
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        indexes = [models.Index(fields=["patient", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_BARRIER_STATUSES


class BarrierStatusChange(StatusChange):
    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="history")

    class Meta(StatusChange.Meta):
        pass


class ActionKind(models.TextChoices):
    REMINDER_PLAN = "reminder_plan", _("Reminder plan")
    SIDE_EFFECT_REVIEW = "side_effect_review", _("Side-effect review")
    COST_HELP = "cost_help", _("Help with costs")
    TELEHEALTH = "telehealth", _("Telehealth")
    INTERPRETER = "interpreter_or_translation", _("Interpreter or translated material")
    SUPPORTER = "supporter_involvement", _("Supporter involvement (with consent)")
    INFORMATION = "information_discussion", _("Information and talking through concerns")
    REFERRAL = "community_referral", _("Community resource referral")
    OTHER = "other", _("Other")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    NOT_DONE = "not_done", _("Not done")
    CANCELLED = "cancelled", _("Cancelled")


class OwnerKind(models.TextChoices):
    CLINICIAN = "clinician", _("A clinician of the care team")
    PATIENT = "patient", _("The patient")
    OTHER_PERSON = "other_person", _("Another person (named)")


class BarrierAction(models.Model):
    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=30, choices=ActionKind.choices)
    description = models.TextField(_("what will be done"), max_length=1000)
    owner_kind = models.CharField(_("who does it"), max_length=20, choices=OwnerKind.choices)
    owner_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="barrier_actions",
        verbose_name=_("clinician"),
    )
    owner_name = models.CharField(_("name of the other person"), max_length=200, blank=True)
    follow_up_on = models.DateField(_("follow-up date"))
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    outcome_note = models.TextField(_("outcome"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["follow_up_on", "pk"]
        indexes = [models.Index(fields=["status", "follow_up_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(owner_kind="clinician")
                | models.Q(owner_clinician__isnull=False),
                name="barrier_action_clinician_owner_named",
            ),
            models.CheckConstraint(
                condition=~models.Q(owner_kind="other_person") | ~models.Q(owner_name=""),
                name="barrier_action_other_owner_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.follow_up_on:%Y-%m-%d}"

    @property
    def owner_label(self) -> str:
        if self.owner_kind == OwnerKind.CLINICIAN and self.owner_clinician is not None:
            return str(self.owner_clinician)
        if self.owner_kind == OwnerKind.OTHER_PERSON:
            return self.owner_name
        return str(_("The patient"))

    def is_overdue(self, today: date) -> bool:
        """Planned and its follow-up date has passed (the day itself is not overdue)."""
        return self.status == ActionStatus.PLANNED and self.follow_up_on < today

    def is_due(self, today: date) -> bool:
        return self.status == ActionStatus.PLANNED and self.follow_up_on == today


class ActionUpdate(StatusChange):
    """A follow-up of an action: its new status, and the follow-up date if it moved."""

    action = models.ForeignKey(BarrierAction, on_delete=models.CASCADE, related_name="history")
    follow_up_before = models.DateField(null=True, blank=True)
    follow_up_after = models.DateField(null=True, blank=True)

    class Meta(StatusChange.Meta):
        pass
