"""Forms shared by the medication pages and the JSON API, so both validate the same way."""

from __future__ import annotations

from datetime import time
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from concord.analytics.adherence.pdc import is_antiretroviral_atc
from concord.web.medications import rows
from concord.web.medications.models import MedicationRegimen

MAX_DOSES_PER_DAY = 8


class RegimenForm(forms.ModelForm):
    """A prescribed regimen; dose times are typed as ``08:00, 20:00``."""

    dose_times = forms.CharField(
        label=_("Dose times"),
        required=False,
        help_text=_(
            "Local clock times, separated by commas, e.g. 08:00, 20:00. "
            "Leave empty for medicines taken as needed."
        ),
        max_length=200,
    )

    class Meta:
        model = MedicationRegimen
        fields = [
            "medication_name",
            "atc_code",
            "medication_class",
            "daily_dose",
            "unit",
            "dose_times",
            "window_minutes",
            "started_on",
            "ended_on",
            "antiretroviral",
        ]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}),
            "ended_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["dose_times"] = ", ".join(self.instance.dose_times)

    def clean_dose_times(self) -> list[str]:
        text = self.cleaned_data.get("dose_times") or ""
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        times: list[time] = []
        for part in parts:
            try:
                moment = time.fromisoformat(part)
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s” is not a time like 08:00.") % {"value": part}
                ) from None
            times.append(moment.replace(second=0, microsecond=0, tzinfo=None))
        if len(set(times)) != len(times):
            raise forms.ValidationError(_("Each dose time may appear only once."))
        if len(times) > MAX_DOSES_PER_DAY:
            raise forms.ValidationError(_("At most %(n)d doses a day.") % {"n": MAX_DOSES_PER_DAY})
        return [t.strftime("%H:%M") for t in sorted(times)]

    def clean_atc_code(self) -> str:
        return str(self.cleaned_data.get("atc_code") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        started, ended = data.get("started_on"), data.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", _("The regimen cannot end before it starts."))
        if data.get("atc_code") and is_antiretroviral_atc(data["atc_code"]):
            data["antiretroviral"] = True
        return data


class UploadFileForm(forms.Form):
    """Step 1 of an upload: the file."""

    file = forms.FileField(label=_("CSV file"))


def column_choices(header: tuple[str, ...], optional: bool) -> list[tuple[str, str]]:
    first = str(_("— not in the file —") if optional else _("— choose —"))
    return [("", first)] + [(c, c) for c in header]


GUESSES = {
    "date": ("date", "dispensed", "fill", "datum", "fecha"),
    "days_supply": ("supply", "days", "duration", "perday", "dur"),
    "daily_dose": ("dose", "perday"),
    "medication_class": ("class", "atc", "category", "group"),
    "medication_name": ("medication", "drug", "medicine", "name", "product"),
}


def guess_mapping(header: tuple[str, ...]) -> dict[str, str]:
    """A first guess at which column holds which value, for the clinician to confirm."""
    guessed: dict[str, str] = {}
    for field, words in GUESSES.items():
        for column in header:
            name = column.lower().replace("_", "").replace(" ", "").replace(".", "")
            if column not in guessed.values() and any(w in name for w in words):
                guessed[field] = column
                break
    return guessed


class DispensingMappingForm(forms.Form):
    """Step 2: which column holds which value, and how dates are written."""

    date = forms.ChoiceField(label=_("Date dispensed"))
    days_supply = forms.ChoiceField(label=_("Days' supply (duration)"))
    daily_dose = forms.ChoiceField(label=_("Daily dose"), required=False)
    medication_class = forms.ChoiceField(label=_("Medication class"))
    medication_name = forms.ChoiceField(label=_("Medication"), required=False)
    date_format = forms.ChoiceField(
        label=_("Dates are written as"), choices=list(rows.DATE_FORMATS.items())
    )

    def __init__(self, *args: Any, header: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in rows.DISPENSING_FIELDS:
            field = cast(forms.ChoiceField, self.fields[name])
            field.choices = column_choices(header, optional=not field.required)


class MonitorMappingForm(forms.Form):
    column = forms.ChoiceField(label=_("Column with the time each dose was taken"))
    timestamp_format = forms.ChoiceField(
        label=_("Times are written as"), choices=list(rows.TIMESTAMP_FORMATS.items())
    )

    def __init__(self, *args: Any, header: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["column"])
        field.choices = column_choices(header, optional=False)
