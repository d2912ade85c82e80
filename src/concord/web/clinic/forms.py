"""Forms shared by the pages and the JSON API, so both validate the same way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import (
    CareEpisode,
    CareSession,
    CareTeam,
    Channel,
    Patient,
    SessionStatus,
)

LANGUAGE_CHOICES = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("pt", "Português"),
    ("ar", "العربية"),
    ("zh", "中文"),
    ("pl", "Polski"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
    ("ur", "اردو"),
    ("so", "Soomaali"),
]


class PatientForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Communication channels"),
    )
    preferred_language = forms.ChoiceField(choices=LANGUAGE_CHOICES, label=_("Preferred language"))

    class Meta:
        model = Patient
        fields = [
            "given_name",
            "family_name",
            "date_of_birth",
            "preferred_language",
            "channels",
            "quiet_hours_start",
            "quiet_hours_end",
            "cultural_preferences",
            "interpreter_needed",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}),
            "cultural_preferences": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_date_of_birth(self) -> Any:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if born.year < today.year - 125:
            raise forms.ValidationError(_("The date of birth is more than 125 years ago."))
        return born


class NewEpisodeForm(forms.ModelForm):
    """The first episode, opened with a new patient, in one of the clinician's teams."""

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = cast(forms.ModelChoiceField, self.fields["team"])
        team_field.queryset = teams if teams is not None else CareTeam.objects.none()

    class Meta:
        model = CareEpisode
        fields = ["team", "reason", "started_on"]
        widgets = {"started_on": forms.DateInput(attrs={"type": "date"})}


class SessionForm(forms.ModelForm):
    """Schedule a session or record what happened in it."""

    class Meta:
        model = CareSession
        fields = ["scheduled_at", "duration_minutes", "modality", "status", "note"]
        widgets = {
            "scheduled_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "note": forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.DateTimeField, self.fields["scheduled_at"]).input_formats = [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        when = data.get("scheduled_at")
        status = data.get("status")
        grace = timedelta(minutes=settings.SESSION_RECORD_GRACE_MINUTES)
        if (
            when
            and status
            and status not in ("scheduled", "cancelled_by_clinic", "cancelled_by_patient")
            and when > timezone.now() + grace
        ):
            self.add_error(
                "status",
                _("A session in the future cannot be marked as %(status)s.")
                % {"status": SessionStatus(status).label},
            )
        return data
