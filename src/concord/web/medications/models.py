"""Medication regimens, dispensing (refill) events and dose confirmations of a patient.

Read and written only through :mod:`concord.web.medications.services`; adherence is computed
from these rows by :mod:`concord.analytics.adherence` (see ``docs/medications.md``).

Foreign keys to the patient and the care episode cascade: the clinic protects patients and
episodes from deletion, so a cascade runs only when a whole (demo or test) record goes.
"""

from __future__ import annotations

from datetime import date, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import CareEpisode, Patient


class MedicationRegimen(models.Model):
    """What the patient is prescribed in one care episode, and when each dose is due."""

    episode = models.ForeignKey(
        CareEpisode, on_delete=models.CASCADE, related_name="medication_regimens"
    )
    medication_name = models.CharField(_("medication"), max_length=200)
    atc_code = models.CharField(_("ATC code"), max_length=10, blank=True)
    medication_class = models.CharField(
        _("medication class"),
        max_length=100,
        help_text=_("As it appears in dispensing data (for example the ATC code or 'SSRI')."),
    )
    daily_dose = models.DecimalField(
        _("daily dose"),
        max_digits=9,
        decimal_places=3,
        validators=[MinValueValidator(0.001)],
    )
    unit = models.CharField(_("unit"), max_length=20, default="mg")
    dose_times = models.JSONField(
        _("scheduled dose times"),
        default=list,
        help_text=_("Local clock times of the daily doses, 'HH:MM'; one per dose."),
    )
    window_minutes = models.PositiveSmallIntegerField(
        _("dosing window (± minutes)"),
        default=60,
        validators=[MinValueValidator(0), MaxValueValidator(720)],
    )
    started_on = models.DateField(_("start"))
    ended_on = models.DateField(_("end"), null=True, blank=True)
    antiretroviral = models.BooleanField(
        _("antiretroviral"),
        default=False,
        help_text=_("Antiretrovirals are held to a PDC of 0.90 instead of 0.80 (PQA)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "medication_name", "pk"]

    def __str__(self) -> str:
        return f"{self.medication_name} {self.daily_dose:g} {self.unit}/day"

    @property
    def doses_per_day(self) -> int:
        return len(self.dose_times)

    def scheduled_times(self) -> tuple[time, ...]:
        return tuple(sorted(time.fromisoformat(t) for t in self.dose_times))

    def is_active_on(self, day: date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)

    def clean(self) -> None:
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The regimen cannot end before it starts.")})


class DispensingSource(models.TextChoices):
    UPLOAD = "upload", _("CSV upload")
    FHIR = "fhir", _("FHIR MedicationDispense")
    MANUAL = "manual", _("Entered by hand or through the API")


class UploadKind(models.TextChoices):
    DISPENSING = "dispensing", _("Dispensing events")
    DOSE_MONITOR = "dose_monitor", _("Electronic dose monitor export")


class DispensingUpload(models.Model):
    """One uploaded file: who, when, which file, how its columns were mapped, how many rows.

    Electronic dose-monitor exports are recorded the same way (``kind``).
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="uploads")
    kind = models.CharField(max_length=20, choices=UploadKind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    column_mapping = models.JSONField(default=dict)
    date_format = models.CharField(max_length=40, blank=True)
    row_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.row_count} rows)"


class DispensingEvent(models.Model):
    """One dispensing (refill): on this date, this many days' supply of this medication."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="dispensing_events")
    dispensed_on = models.DateField(_("date dispensed"))
    days_supply = models.DecimalField(
        _("days' supply"), max_digits=9, decimal_places=3, validators=[MinValueValidator(0.001)]
    )
    daily_dose = models.DecimalField(
        _("daily dose"),
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.001)],
    )
    medication_class = models.CharField(_("medication class"), max_length=100)
    medication_name = models.CharField(_("medication"), max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=DispensingSource.choices)
    upload = models.ForeignKey(
        DispensingUpload,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dispensing_events",
    )
    upload_row = models.PositiveIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dispensed_on", "pk"]
        indexes = [models.Index(fields=["patient", "dispensed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days_supply__gt=0), name="dispensing_supply_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(daily_dose__isnull=True) | models.Q(daily_dose__gt=0),
                name="dispensing_dose_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispensed_on:%Y-%m-%d} {self.medication_class} {self.days_supply:g} days"


class ConfirmationSource(models.TextChoices):
    PORTAL = "portal", _("Patient portal")
    MONITOR = "monitor", _("Electronic monitor")


class DoseConfirmation(models.Model):
    """A dose reported taken (``taken_at``) or not taken (``taken_at`` null).

    Portal confirmations name the scheduled dose they answer (one answer per dose, so a
    double submit writes nothing new); monitor events carry only the time the container
    was opened (one row per regimen and time, so overlapping exports add nothing twice).
    """

    regimen = models.ForeignKey(
        MedicationRegimen, on_delete=models.CASCADE, related_name="dose_confirmations"
    )
    scheduled_for = models.DateTimeField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=ConfirmationSource.choices)
    upload = models.ForeignKey(
        DispensingUpload,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dose_confirmations",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["regimen", "scheduled_for", "taken_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["regimen", "scheduled_for"],
                condition=models.Q(source="portal"),
                name="one_portal_answer_per_dose",
            ),
            models.UniqueConstraint(
                fields=["regimen", "taken_at"],
                condition=models.Q(source="monitor"),
                name="one_monitor_event_per_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regimen_id} {self.scheduled_for} {self.taken_at} ({self.source})"
