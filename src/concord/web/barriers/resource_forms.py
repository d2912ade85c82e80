"""Forms for the community directory and referrals (pages and JSON API alike)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from concord.web.barriers.languages import LanguageListError, parse_language_list, stored
from concord.web.barriers.models import (
    BarrierAction,
    CommunityResource,
    ReferralStatus,
    ResourceCategory,
)
from concord.web.barriers.suggestions import PATIENT_REFERRAL_STATUSES, PORTAL_REFERRAL_ANSWERS
from concord.web.clinic.models import Clinic

PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{4,30}$")
MIN_PHONE_DIGITS = 6


class ResourceForm(forms.ModelForm):
    """A directory entry. At least one way to contact it; the web address must be http(s)."""

    website = forms.URLField(
        label=_("Web address"),
        required=False,
        max_length=300,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        error_messages={"invalid": _("Enter a full web address, e.g. https://example.org/.")},
    )
    languages = forms.CharField(
        label=_("Languages served"),
        required=False,
        max_length=200,
        help_text=_("Language codes separated by commas, e.g. en, es, pl, bfi (sign language)."),
    )

    class Meta:
        model = CommunityResource
        fields = [
            "clinic",
            "name",
            "category",
            "description",
            "phone",
            "email",
            "website",
            "address",
            "area",
            "opening_hours",
            "languages",
            "eligibility",
            "last_verified_on",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "address": forms.Textarea(attrs={"rows": 2}),
            "eligibility": forms.Textarea(attrs={"rows": 2}),
            "last_verified_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "phone": _("Give at least one of phone, email and web address."),
            "last_verified_on": _(
                "The day someone checked these details with the service; entries not checked "
                "for 12 months are flagged."
            ),
        }

    def __init__(self, *args: Any, clinics: QuerySet[Clinic], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["clinic"].queryset = clinics  # type: ignore[attr-defined]
        self.fields["clinic"].error_messages["invalid_choice"] = _(
            "Choose the clinic of one of your care teams."
        )
        if self.instance.pk and not self.is_bound:
            self.initial["languages"] = ", ".join(self.instance.language_codes)

    def clean_name(self) -> str:
        return str(self.cleaned_data.get("name") or "").strip()

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data.get("phone") or "").strip()
        digits = sum(c.isdigit() for c in phone)
        if phone and (not PHONE.match(phone) or digits < MIN_PHONE_DIGITS):
            raise forms.ValidationError(
                _("Enter a phone number of digits, spaces and + ( ) - only, e.g. +44 1632 960123.")
            )
        return phone

    def clean_languages(self) -> str:
        try:
            return stored(parse_language_list(str(self.cleaned_data.get("languages") or "")))
        except LanguageListError as problem:
            raise forms.ValidationError(str(problem)) from None

    def clean_last_verified_on(self) -> date | None:
        day: date | None = self.cleaned_data.get("last_verified_on")
        if day is not None and day > self.today:
            raise forms.ValidationError(
                _("The date the details were checked cannot be in the future.")
            )
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        contact_fields = ("phone", "email", "website")
        if not any(data.get(f) for f in contact_fields) and not any(
            f in self.errors for f in contact_fields
        ):
            self.add_error(
                "phone", _("Give at least one way to get in touch: phone, email or web address.")
            )
        return data


class ResourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        languages = ", ".join(obj.language_codes)
        return f"{obj.name} ({obj.get_category_display()}{'; ' + languages if languages else ''})"


class ActionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        barrier, action = obj.barrier.get_kind_display(), obj.get_kind_display()
        return f"{barrier}: {action} ({obj.follow_up_on:%Y-%m-%d})"


class ReferralForm(forms.Form):
    resource = ResourceChoiceField(
        label=_("Community resource"),
        queryset=CommunityResource.objects.none(),
        error_messages={
            "invalid_choice": _("Choose a listed resource of this patient's clinic directory.")
        },
    )
    action = ActionChoiceField(
        label=_("For the barrier action"),
        queryset=BarrierAction.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a planned action of this patient.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (ReferralStatus.SUGGESTED, ReferralStatus.SUGGESTED.label),
            (ReferralStatus.REFERRED, ReferralStatus.REFERRED.label),
        ],
        initial=ReferralStatus.SUGGESTED,
        help_text=_("Suggested: the patient contacts them. Referred: the clinic has sent it."),
    )
    reason = forms.CharField(
        label=_("What it is for"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Plain words: the patient sees this in the portal."),
    )

    def __init__(
        self,
        *args: Any,
        resources: QuerySet[CommunityResource],
        actions: QuerySet[BarrierAction],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources  # type: ignore[attr-defined]
        self.fields["action"].queryset = actions  # type: ignore[attr-defined]


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ReferralStatus.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the care team."),
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in ReferralStatus.choices if value != current
        ]
        self.fields["status"].error_messages["invalid_choice"] = _(
            "Choose a status other than the present one."
        )


class PortalReferralForm(forms.Form):
    """What a patient may tell the care team about their own referral."""

    status = forms.ChoiceField(
        label=_("What happened?"),
        choices=[(s, PORTAL_REFERRAL_ANSWERS[s]) for s in PATIENT_REFERRAL_STATUSES],
    )


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *ResourceCategory.choices],
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    archived = forms.BooleanField(label=_("Include archived entries"), required=False)

    def __init__(self, *args: Any, languages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [  # type: ignore[attr-defined]
            ("", _("Any language")),
            *[(code, f"{name} ({code})") for code, name in languages],
        ]
