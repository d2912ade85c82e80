"""The plan form. Instrument answers are validated by the registry (see submission.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from concord.analytics.instruments import all_instruments
from concord.web.measures.models import MeasurementPlan


def instrument_choices() -> list[tuple[str, str]]:
    """Only what the registry holds: instruments Concord never includes cannot be offered."""
    return [(i.code, f"{i.name} ({i.rater})") for i in all_instruments()]


class PlanForm(forms.ModelForm):
    instrument_code = forms.ChoiceField(choices=instrument_choices, label=_("Instrument"))

    class Meta:
        model = MeasurementPlan
        fields = ["instrument_code", "rater", "schedule", "interval_days", "starts_on"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interval_days"].help_text = _("Only for the 'every N days' schedule.")
