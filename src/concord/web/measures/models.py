"""Measurement plans, administrations of instruments, signed links, safety alerts and the
clinic's crisis text.

Read and written only through :mod:`concord.web.measures.services` and
:mod:`concord.web.measures.submission`; scores come from :mod:`concord.analytics.instruments`.
Foreign keys to episodes and sessions cascade: the clinic protects those from deletion, so a
cascade runs only when a whole (demo or test) record goes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.analytics.instruments import UnknownInstrumentError, get_instrument, normalise_code
from concord.web.clinic.models import CareEpisode, CareSession, Clinic, Patient


class Rater(models.TextChoices):
    PATIENT = "patient", _("Patient")
    CLINICIAN = "clinician", _("Clinician")
    OBSERVER = "observer", _("Observer")
    SUPPORTER_PROXY = "supporter_proxy", _("Supporter, for the patient")


# Which plan raters may use an instrument written for a given rater.
RATERS_FOR_INSTRUMENT = {
    "patient": {Rater.PATIENT, Rater.SUPPORTER_PROXY},
    "clinician": {Rater.CLINICIAN},
    "observer": {Rater.OBSERVER},
    "supporter": {Rater.SUPPORTER_PROXY},
}


class Schedule(models.TextChoices):
    AFTER_EVERY_SESSION = "after_session", _("After every attended session")
    EVERY_N_DAYS = "every_n_days", _("Every N days")
    MONTHLY = "monthly", _("Monthly")


def check_instrument_code(code: str) -> str:
    """The registry code of ``code``, or a ValidationError naming the problem."""
    key = normalise_code(code or "")
    try:
        return get_instrument(key).code
    except UnknownInstrumentError:
        raise ValidationError(_("Unknown instrument.")) from None


class MeasurementPlan(models.Model):
    """Which instrument one rater completes in a care episode, and how often."""

    episode = models.ForeignKey(
        CareEpisode, on_delete=models.CASCADE, related_name="measurement_plans"
    )
    instrument_code = models.CharField(_("instrument"), max_length=40)
    rater = models.CharField(_("rater"), max_length=20, choices=Rater.choices)
    schedule = models.CharField(_("schedule"), max_length=20, choices=Schedule.choices)
    interval_days = models.PositiveSmallIntegerField(
        _("every how many days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    starts_on = models.DateField(_("starts on"))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["episode", "instrument_code", "rater", "pk"]

    def __str__(self) -> str:
        return f"{self.instrument_code} by {self.rater} ({self.get_schedule_display()})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            self.instrument_code = check_instrument_code(self.instrument_code)
        except ValidationError as error:
            errors["instrument_code"] = error.messages[0]
        else:
            written_for = get_instrument(self.instrument_code).rater
            if self.rater and self.rater not in RATERS_FOR_INSTRUMENT[written_for]:
                errors["rater"] = str(
                    _("This instrument is written for the %(rater)s to complete.")
                    % {"rater": written_for}
                )
        if self.schedule == Schedule.EVERY_N_DAYS and not self.interval_days:
            errors["interval_days"] = str(_("Say every how many days."))
        if self.schedule != Schedule.EVERY_N_DAYS and self.interval_days:
            errors["interval_days"] = str(_("Only the 'every N days' schedule has an interval."))
        if errors:
            raise ValidationError(errors)


class AdministrationStatus(models.TextChoices):
    DUE = "due", _("Due")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    EXPIRED = "expired", _("Expired")


OPEN_STATUSES = (AdministrationStatus.DUE, AdministrationStatus.DRAFT)


class SubmittedVia(models.TextChoices):
    PORTAL = "portal", _("Patient portal")
    SIGNED_LINK = "signed_link", _("Signed link")
    STAFF = "staff", _("Staff page")
    API = "api", _("API")
    IMPORT = "import", _("Import")


class Administration(models.Model):
    """One due (or completed) completion of an instrument by one rater."""

    plan = models.ForeignKey(
        MeasurementPlan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="administrations",
    )
    # Which slot of the plan this is ("session:12", "session:12:observer:5",
    # "date:2026-11-21"): generating the due administrations twice creates nothing new.
    slot = models.CharField(max_length=60)
    episode = models.ForeignKey(
        CareEpisode, on_delete=models.CASCADE, related_name="administrations"
    )
    instrument_code = models.CharField(max_length=40)
    instrument_version = models.CharField(max_length=20)
    rater = models.CharField(max_length=20, choices=Rater.choices)
    session = models.ForeignKey(
        CareSession,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="administrations",
    )
    # For observer ratings: the observer assigned to rate (others may not see it).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=AdministrationStatus.choices, default=AdministrationStatus.DUE
    )
    answers = models.JSONField(default=dict, blank=True)
    scores = models.JSONField(null=True, blank=True)
    not_scorable_reason = models.CharField(max_length=40, blank=True)
    safety_flag = models.BooleanField(default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_via = models.CharField(max_length=20, choices=SubmittedVia.choices, blank=True)
    proxy = models.BooleanField(
        default=False, help_text=_("Completed by a supporter on the patient's behalf.")
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "slot"], name="administration_slot_unique")
        ]
        indexes = [
            models.Index(fields=["episode", "instrument_code", "status"]),
            models.Index(fields=["status", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.rater} {self.due_at:%Y-%m-%d} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    def total(self) -> float | None:
        """The total (or only) scale's score, if scored."""
        if not self.scores:
            return None
        scales = self.scores.get("scales", {})
        chosen = scales.get("total") or next(iter(scales.values()), None)
        return None if chosen is None else chosen.get("value")


class SignedLink(models.Model):
    """A single-use link to one administration; only the SHA-256 of its token is stored."""

    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="signed_links"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"link to administration {self.administration_id}"


class AlertKind(models.TextChoices):
    PHQ9_ITEM9 = "phq9_item9", _("PHQ-9 item 9 above 0: thoughts of self-harm")
    SAFETY_ITEM = "safety_item", _("Safety item answered")


class SafetyAlert(models.Model):
    """Raised at once when a safety item is answered above its threshold."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="safety_alerts")
    episode = models.ForeignKey(CareEpisode, on_delete=models.CASCADE, related_name="+")
    administration = models.OneToOneField(
        Administration, on_delete=models.CASCADE, related_name="safety_alert"
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action_taken = models.TextField(_("action taken"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-raised_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.raised_at:%Y-%m-%d})"


class ClinicCrisisText(models.Model):
    """What a patient reads when a safety item is raised, per clinic and language."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="crisis_texts")
    language = models.CharField(_("language"), max_length=10)
    text = models.TextField(_("crisis text"), max_length=2000)

    class Meta:
        ordering = ["clinic", "language"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "language"], name="crisis_text_unique")
        ]
        verbose_name = _("clinic crisis text")

    def __str__(self) -> str:
        return f"{self.clinic} ({self.language})"
