"""The clinic's directory of community resources, and patients' referrals to them.

A resource holds no patient data. It is never deleted while a referral names it
(``on_delete=PROTECT``): it is archived instead, and archived resources are offered for no new
referral. A referral's status changes are rows of :class:`ReferralStatusChange`.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.web.barriers.models.barriers import BarrierAction, StatusChange
from concord.web.clinic.models import CareEpisode, Clinic, Patient


class ResourceCategory(models.TextChoices):
    FINANCIAL = "financial", _("Cost and financial help")
    TRANSPORT = "transport", _("Transport")
    FOOD = "food", _("Food")
    HOUSING = "housing", _("Housing")
    CARERS = "carers", _("Carers' support")
    PEER_SUPPORT = "peer_support", _("Peer support")
    INTERPRETING = "interpreting", _("Interpreting and translation")
    HELPLINE = "helpline", _("Mental-health helplines")
    EXERCISE = "exercise_rehab", _("Exercise and rehabilitation groups")
    OTHER = "other", _("Other")


def twelve_months_before(day: date) -> date:
    """The same calendar day a year earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


class CommunityResource(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="community_resources")
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=ResourceCategory.choices)
    description = models.TextField(_("what they offer"), max_length=2000)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("web address"), max_length=300, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    area = models.CharField(_("area served"), max_length=100, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=300, blank=True)
    # ",en,es," so that one language is found with contains=",es," on every database.
    languages = models.CharField(_("languages served"), max_length=200, blank=True)
    eligibility = models.TextField(_("who can use it"), max_length=1000, blank=True)
    active = models.BooleanField(_("listed"), default=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    last_verified_on = models.DateField(_("details last checked on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["clinic", "active", "category"])]

    def __str__(self) -> str:
        return self.name

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    def needs_verification(self, today: date) -> bool:
        """Never checked, or last checked more than 12 months before ``today``."""
        return self.last_verified_on is None or self.last_verified_on < twelve_months_before(today)


class ReferralStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    REFERRED = "referred", _("Referred")
    CONTACTED = "contacted", _("Contacted")
    ATTENDED = "attended", _("Attended")
    DECLINED = "declined", _("Declined")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")


class Referral(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="referrals")
    resource = models.ForeignKey(
        CommunityResource,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("community resource"),
    )
    episode = models.ForeignKey(
        CareEpisode, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    action = models.ForeignKey(
        BarrierAction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("barrier action"),
    )
    reason = models.TextField(_("what it is for"), max_length=1000, blank=True)
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SUGGESTED
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.resource} ({self.get_status_display()})"


class ReferralStatusChange(StatusChange):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="history")

    class Meta(StatusChange.Meta):
        pass
