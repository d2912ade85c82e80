"""Shared-decision records: a decision and its versions, each version complete and immutable.

A :class:`SharedDecision` belongs to one care episode (so the care team's access rules apply).
Everything that was discussed lives in its :class:`DecisionVersion` rows: the question, the
options with their benefits, risks and burdens, what matters to the patient, the patient's
preference, the decision, who took part and the revisit date. A change — by a clinician or by
the patient from the portal — adds a new version with the next number; no version, option or
participant row is ever updated (``save()`` on an existing row and queryset ``update()`` are
refused). The current version is the one with the highest number.

Read and written only through :mod:`concord.web.decisions.services`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import CareEpisode


class VersionChangeError(RuntimeError):
    """Raised on an attempt to change a recorded version (versions are never overwritten)."""


# The one change allowed: when an account is deleted, Django's SET_NULL unlinks it (through
# ``update()``); the version keeps the person's name as text.
ACCOUNT_LINKS = frozenset({"recorded_by", "user"})


class ImmutableQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        if kwargs and all(k in ACCOUNT_LINKS and v is None for k, v in kwargs.items()):
            return super().update(**kwargs)
        raise VersionChangeError("Decision versions are never changed; record a new version.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise VersionChangeError("Decision versions are never changed; record a new version.")


class ImmutableRow(models.Model):
    """A row that is written once."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise VersionChangeError("Decision versions are never changed; record a new version.")
        super().save(*args, **kwargs)


class DecisionStatus(models.TextChoices):
    DECIDED = "decided", _("Decided")
    DEFERRED = "deferred", _("Not decided yet")


class ParticipantRole(models.TextChoices):
    PATIENT = "patient", _("Patient")
    CLINICIAN = "clinician", _("Clinician")
    SUPPORTER = "supporter", _("Family member or supporter")
    INTERPRETER = "interpreter", _("Interpreter")
    OTHER = "other", _("Other")


class SharedDecision(models.Model):
    """One decision the patient and the care team face together; see its versions."""

    episode = models.ForeignKey(
        CareEpisode, on_delete=models.CASCADE, related_name="shared_decisions"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Shared decision {self.pk} (episode {self.episode_id})"


class DecisionVersion(ImmutableRow):
    """Everything recorded about a decision at one moment. Never changed once written."""

    decision = models.ForeignKey(SharedDecision, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too, so the history still says who recorded a version if the account goes.
    recorded_by_name = models.CharField(max_length=300)
    recorded_by_role = models.CharField(max_length=20)
    # Team talk: the choice in plain words, and why it needs making now.
    question = models.CharField(_("the question, in plain words"), max_length=300)
    context = models.TextField(_("why a decision is needed now"), blank=True, max_length=2000)
    # Decision talk: the patient's values and preference, in their words.
    what_matters = models.TextField(
        _("what matters most to the patient, in their words"), blank=True, max_length=2000
    )
    preferred_option = models.PositiveSmallIntegerField(
        _("the option the patient prefers"), null=True, blank=True
    )
    preference_words = models.TextField(
        _("the patient's preference, in their words"), blank=True, max_length=2000
    )
    status = models.CharField(_("decision"), max_length=20, choices=DecisionStatus.choices)
    chosen_option = models.PositiveSmallIntegerField(_("option chosen"), null=True, blank=True)
    revisit_on = models.DateField(_("revisit on"))
    change_note = models.CharField(_("what changed and why"), max_length=500, blank=True)

    class Meta:
        ordering = ["decision", "number"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "number"], name="decision_version_unique"),
            models.CheckConstraint(
                condition=(models.Q(status="decided") & models.Q(chosen_option__isnull=False))
                | (models.Q(status="deferred") & models.Q(chosen_option__isnull=True)),
                name="decision_version_chosen_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["revisit_on"])]

    def __str__(self) -> str:
        return f"Decision {self.decision_id} version {self.number}"

    def option_at(self, position: int | None) -> DecisionOption | None:
        if position is None:
            return None
        return next((o for o in self.options.all() if o.position == position), None)

    @property
    def chosen(self) -> DecisionOption | None:
        return self.option_at(self.chosen_option)

    @property
    def preferred(self) -> DecisionOption | None:
        return self.option_at(self.preferred_option)


class DecisionOption(ImmutableRow):
    """One option of a version, as it was explained to the patient (option talk)."""

    version = models.ForeignKey(DecisionVersion, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("option"), max_length=200)
    benefits = models.TextField(_("benefits"), max_length=2000)
    risks = models.TextField(_("risks and side effects"), blank=True, max_length=2000)
    burdens = models.TextField(
        _("burdens (time, effort, cost, practical)"), blank=True, max_length=2000
    )
    source = models.CharField(_("source or decision aid used"), max_length=300, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="decision_option_unique")
        ]

    def __str__(self) -> str:
        return self.label


class DecisionParticipant(ImmutableRow):
    """Someone who took part in the conversation recorded by a version."""

    version = models.ForeignKey(
        DecisionVersion, on_delete=models.CASCADE, related_name="participants"
    )
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="decision_participant_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"
