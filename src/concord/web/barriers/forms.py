"""Forms for barriers and their actions, shared by the pages, the portal and the JSON API so
that all of them check input the same way. Each form is built with the choices the signed-in
person may use (the patient's episodes, the care team's clinicians), so a value outside them
is refused with the field named.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from concord.web.accounts.models import User
from concord.web.barriers.models import (
    ActionKind,
    ActionStatus,
    Barrier,
    BarrierAction,
    BarrierKind,
    BarrierStatus,
    OwnerKind,
    RaisedBy,
)
from concord.web.barriers.suggestions import PORTAL_BARRIER_LABELS, suggestion_for
from concord.web.clinic.models import CareEpisode
from concord.web.medications.models import MedicationRegimen

MAX_FOLLOW_UP_DAYS = 366


class ClinicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        discipline = obj.get_discipline_display() if obj.discipline else ""
        return f"{obj} ({discipline})" if discipline else str(obj)


class BarrierForm(forms.ModelForm):
    """A barrier recorded by a clinician."""

    class Meta:
        model = Barrier
        fields = ["kind", "raised_by", "description", "words_of", "episode", "regimen", "concerns"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "description": _(
                "What makes it hard, as the patient put it if you can. "
                "The patient sees this in the portal. Needed for “Other”."
            ),
        }

    def __init__(
        self,
        *args: Any,
        episodes: QuerySet[CareEpisode],
        regimens: QuerySet[MedicationRegimen],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["episode"].queryset = episodes  # type: ignore[attr-defined]
        self.fields["regimen"].queryset = regimens  # type: ignore[attr-defined]
        self.fields["episode"].error_messages["invalid_choice"] = _(
            "Choose one of this patient's care episodes."
        )
        self.fields["regimen"].error_messages["invalid_choice"] = _(
            "Choose one of this patient's medicines."
        )
        self.fields["raised_by"].choices = [  # type: ignore[attr-defined]
            (RaisedBy.PATIENT, _("The patient")),
            (RaisedBy.CLINICIAN, _("Me (what I noticed)")),
        ]
        self.fields["words_of"].choices = [  # type: ignore[attr-defined]
            (RaisedBy.PATIENT, _("The patient's own words")),
            (RaisedBy.CLINICIAN, _("My summary")),
        ]
        self.fields["words_of"].required = False  # then: the words of whoever raised it

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("words_of") and data.get("raised_by"):
            data["words_of"] = data["raised_by"]
        if data.get("kind") == BarrierKind.OTHER and not (data.get("description") or "").strip():
            self.add_error("description", _("Describe the barrier when it is “Other”."))
        episode, regimen = data.get("episode"), data.get("regimen")
        if regimen is not None and episode is not None and regimen.episode_id != episode.pk:
            self.add_error("regimen", _("This medicine belongs to another care episode."))
        return data


class PortalBarrierForm(forms.Form):
    """What a patient ticks in the portal, in plain words."""

    kinds = forms.MultipleChoiceField(
        label=_("Tick all that are true for you"),
        choices=[(kind, PORTAL_BARRIER_LABELS[kind]) for kind in BarrierKind.values],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one box.")},
    )
    words = forms.CharField(
        label=_("Tell us more in your own words (you can leave this empty)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if BarrierKind.OTHER in (data.get("kinds") or []) and not data.get("words", "").strip():
            self.add_error("words", _("You ticked “Something else”: please tell us what it is."))
        return data


class BarrierStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=BarrierStatus.choices)
    note = forms.CharField(
        label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, barrier: Barrier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.barrier = barrier
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in BarrierStatus.choices if value != barrier.status
        ]
        self.fields["status"].error_messages["invalid_choice"] = _(
            "Choose a status other than the present one."
        )


class ActionForm(forms.ModelForm):
    """A new action on a barrier: what, who, and when to follow it up."""

    owner_clinician = ClinicianChoiceField(
        label=_("Clinician"),
        queryset=User.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a clinician of the patient's care team.")},
    )

    class Meta:
        model = BarrierAction
        fields = [
            "kind",
            "description",
            "owner_kind",
            "owner_clinician",
            "owner_name",
            "follow_up_on",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}),
            "owner_kind": forms.RadioSelect,
        }
        help_texts = {
            "description": _("Plain words: the patient sees this in the portal."),
            "owner_name": _("For another person: name and relation, e.g. “Maria (daughter)”."),
        }

    def __init__(
        self,
        *args: Any,
        barrier: Barrier,
        owners: QuerySet[User],
        today: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.suggestion = suggestion_for(barrier.kind)
        suggested = list(self.suggestion.action_kinds)
        # The usual actions for this barrier come first, then the rest.
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", "---------"),
            *[(k, ActionKind(k).label) for k in suggested],
            *[(k, label) for k, label in ActionKind.choices if k not in suggested],
        ]
        self.fields["owner_clinician"].queryset = owners  # type: ignore[attr-defined]

    def clean_follow_up_on(self) -> date:
        day: date = self.cleaned_data["follow_up_on"]
        if day < self.today:
            raise forms.ValidationError(_("The follow-up date cannot be in the past."))
        if day > self.today + timedelta(days=MAX_FOLLOW_UP_DAYS):
            raise forms.ValidationError(_("Choose a follow-up date within a year."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        owner_kind = data.get("owner_kind")
        if owner_kind == OwnerKind.CLINICIAN:
            if data.get("owner_clinician") is None and "owner_clinician" not in self.errors:
                self.add_error("owner_clinician", _("Choose the clinician who does it."))
            data["owner_name"] = ""
        elif owner_kind == OwnerKind.OTHER_PERSON:
            if not (data.get("owner_name") or "").strip():
                self.add_error("owner_name", _("Name the person who does it."))
            data["owner_clinician"] = None
        elif owner_kind == OwnerKind.PATIENT:
            data["owner_clinician"], data["owner_name"] = None, ""
        return data


class FollowUpForm(forms.Form):
    """Following an action up: done, not done, cancelled, or moved to a new date."""

    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    follow_up_on = forms.DateField(
        label=_("New follow-up date (to move it)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    outcome_note = forms.CharField(
        label=_("Outcome, or why it moved or stopped"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the care team; the patient sees only the status."),
    )

    def __init__(self, *args: Any, action: BarrierAction, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action, self.today = action, today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.action.status != ActionStatus.PLANNED:
            self.add_error(
                "status",
                _("This action is closed (%(status)s); open a new action instead.")
                % {"status": self.action.get_status_display()},
            )
            return data
        status, day = data.get("status"), data.get("follow_up_on")
        if status == ActionStatus.PLANNED:
            if day is None and "follow_up_on" not in self.errors:
                self.add_error("follow_up_on", _("Give the new date, or choose another status."))
            elif day is not None and day == self.action.follow_up_on:
                self.add_error("follow_up_on", _("This is already the follow-up date."))
        if day is not None and "follow_up_on" not in self.errors:
            if status != ActionStatus.PLANNED:
                self.add_error(
                    "follow_up_on", _("A new date is only for an action that stays planned.")
                )
            elif day < self.today:
                self.add_error("follow_up_on", _("The follow-up date cannot be in the past."))
            elif day > self.today + timedelta(days=MAX_FOLLOW_UP_DAYS):
                self.add_error("follow_up_on", _("Choose a follow-up date within a year."))
        return data
