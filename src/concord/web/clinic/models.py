"""Organisation → clinics → care teams; patients, care episodes and sessions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class Clinic(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="clinics")
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="clinic_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class CareTeam(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="care_teams"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="team_name_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.clinic})"


class TeamMembership(models.Model):
    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"

    def clean(self) -> None:
        if self.user_id and self.user.role != "clinician":
            raise ValidationError({"user": _("Only clinicians are members of care teams.")})


class Supervision(models.Model):
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisions_given"
    )
    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisions_received"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supervisor", "supervisee"], name="supervision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} supervises {self.supervisee}"

    def clean(self) -> None:
        if self.supervisor_id and self.supervisor.role != "supervisor":
            raise ValidationError(
                {"supervisor": _("The supervisor must have the supervisor role.")}
            )
        if self.supervisee_id and self.supervisee.role != "clinician":
            raise ValidationError({"supervisee": _("Only clinicians are supervised.")})


class Channel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call")
    PORTAL = "portal", _("Portal message")
    POST = "post", _("Letter")


class Patient(models.Model):
    """A person in care. Patient data is read and written only through clinic.services."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient_record",
    )
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    preferred_language = models.CharField(_("preferred language"), max_length=10, default="en")
    channels = models.JSONField(_("communication channels"), default=list, blank=True)
    quiet_hours_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    cultural_preferences = models.TextField(
        _("cultural or religious preferences, in the patient's words"), blank=True, max_length=2000
    )
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "pk"]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def clean(self) -> None:
        unknown = [c for c in self.channels or [] if c not in Channel.values]
        if unknown:
            raise ValidationError(
                {"channels": _("Unknown channel(s): %s") % ", ".join(map(str, unknown))}
            )
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            raise ValidationError(
                {"quiet_hours_end": _("Give both ends of the quiet hours, or neither.")}
            )


class EpisodeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")
    DROPPED_OUT = "dropped_out", _("Dropped out")


class CareEpisode(models.Model):
    """One course of treatment of one patient by one care team."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    team = models.ForeignKey(CareTeam, on_delete=models.PROTECT, related_name="episodes")
    lead_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_episodes",
    )
    reason = models.CharField(_("reason for care"), max_length=200)
    status = models.CharField(
        max_length=20, choices=EpisodeStatus.choices, default=EpisodeStatus.ACTIVE
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.reason} ({self.started_on:%Y-%m-%d})"

    def clean(self) -> None:
        if self.status == EpisodeStatus.ACTIVE and self.ended_on:
            raise ValidationError({"ended_on": _("An active episode has no end date.")})
        if self.status != EpisodeStatus.ACTIVE and not self.ended_on:
            raise ValidationError({"ended_on": _("An ended episode needs its end date.")})
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The episode cannot end before it starts.")})


class Modality(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    TELEHEALTH = "telehealth", _("Telehealth")
    PHONE = "phone", _("Phone")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED_BY_PATIENT = "cancelled_by_patient", _("Cancelled by patient")
    CANCELLED_BY_CLINIC = "cancelled_by_clinic", _("Cancelled by clinic")


class CareSession(models.Model):
    """A session of a care episode (named to avoid confusion with web sessions)."""

    episode = models.ForeignKey(CareEpisode, on_delete=models.PROTECT, related_name="sessions")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="care_sessions",
    )
    scheduled_at = models.DateTimeField(_("scheduled time"))
    duration_minutes = models.PositiveSmallIntegerField(
        default=50, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    modality = models.CharField(max_length=20, choices=Modality.choices, default=Modality.IN_PERSON)
    status = models.CharField(
        max_length=30, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    note = models.TextField(_("clinician note"), blank=True, max_length=1000)
    observers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ObserverAssignment", related_name="observed_sessions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_at", "pk"]
        verbose_name = _("session")
        indexes = [models.Index(fields=["episode", "scheduled_at"])]

    def __str__(self) -> str:
        return f"{self.scheduled_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class ObserverAssignment(models.Model):
    """A trained observer assigned to rate one session."""

    session = models.ForeignKey(
        CareSession, on_delete=models.CASCADE, related_name="observer_assignments"
    )
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observer_assignments"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "observer"], name="observer_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.observer} rates session {self.session_id}"

    def clean(self) -> None:
        if self.observer_id and self.observer.role != "observer":
            raise ValidationError({"observer": _("Only observers are assigned to rate sessions.")})
