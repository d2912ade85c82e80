"""The form a clinician shares an after-visit summary with."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from concord.web.materials.summary_models import NOTE_MAX


class ShareForm(forms.Form):
    note = forms.CharField(
        label=_("A note for the patient (optional)"),
        help_text=_(
            "In plain words, as you would say it: short sentences, “you” and “we”. "
            "It is added to the summary under your name."
        ),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
