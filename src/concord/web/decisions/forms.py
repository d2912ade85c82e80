"""The forms of a shared-decision version (one per part and per row) and the patient's form.

A clinician's submission is checked as a whole by
:class:`concord.web.decisions.submission.DecisionSubmission`; the patient changes only what
matters to them and their preference (:class:`PatientViewForm`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.web.accounts.models import User
from concord.web.decisions.drafts import DecisionDraft, draft_of
from concord.web.decisions.models import DecisionStatus, DecisionVersion, ParticipantRole

MAX_OPTIONS = 6
MAX_PARTICIPANTS = 8


def _option_number_choices(empty_label: str) -> list[tuple[str, str]]:
    return [("", empty_label)] + [
        (str(n), _("Option %(n)d") % {"n": n}) for n in range(1, MAX_OPTIONS + 1)
    ]


class DecisionForm(forms.Form):
    question = forms.CharField(
        label=gettext_lazy("The question, in plain words"),
        max_length=300,
        help_text=gettext_lazy("For example: “Should I start an antidepressant now, or wait?”"),
    )
    context = forms.CharField(
        label=gettext_lazy("Why a decision is needed now"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    what_matters = forms.CharField(
        label=gettext_lazy("What matters most to the patient, in their words"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preferred_option = forms.ChoiceField(label=gettext_lazy("The patient prefers"), required=False)
    preference_words = forms.CharField(
        label=gettext_lazy("The patient's preference, in their words"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=DecisionStatus.choices, widget=forms.RadioSelect
    )
    chosen_option = forms.ChoiceField(label=gettext_lazy("Option chosen"), required=False)
    revisit_on = forms.DateField(
        label=gettext_lazy("Revisit on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    change_note = forms.CharField(
        label=gettext_lazy("What changed and why (optional)"), required=False, max_length=500
    )
    based_on = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_option"].choices = _option_number_choices(  # type: ignore[attr-defined]
            _("No preference yet")
        )
        self.fields["chosen_option"].choices = _option_number_choices(_("—"))  # type: ignore[attr-defined]


class OptionForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Option"), required=False, max_length=200)
    benefits = forms.CharField(
        label=gettext_lazy("Benefits, as the patient was told them"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    risks = forms.CharField(
        label=gettext_lazy("Risks and side effects"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    burdens = forms.CharField(
        label=gettext_lazy("Burdens (time, effort, cost, practical)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    source = forms.CharField(
        label=gettext_lazy("Source or patient decision aid used (optional)"),
        required=False,
        max_length=300,
    )

    def is_empty(self) -> bool:
        return not any(str(self.data.get(self.add_prefix(f), "")).strip() for f in self.fields)


class ParticipantForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=200)
    role = forms.ChoiceField(label=gettext_lazy("Role"), required=False)
    user = forms.ChoiceField(label=gettext_lazy("Concord account"), required=False)

    def __init__(self, *args: Any, users: Sequence[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—"), *ParticipantRole.choices]  # type: ignore[attr-defined]
        self.fields["user"].choices = [("", _("— none —"))] + [  # type: ignore[attr-defined]
            (str(u.pk), f"{u} ({u.get_role_display()})") for u in users
        ]

    def is_empty(self) -> bool:
        return not any(str(self.data.get(self.add_prefix(f), "")).strip() for f in self.fields)


def stale_message(current: DecisionVersion) -> str:
    return _(
        "This decision was changed (version %(n)d, by %(who)s) while you were editing. "
        "Open it again to see the latest version before you change it."
    ) % {"n": current.number, "who": current.recorded_by_name}


class PatientViewForm(forms.Form):
    """What the patient may change from the portal: what matters to them and their preference."""

    what_matters = forms.CharField(
        label=gettext_lazy("What matters most to you"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    preferred_option = forms.ChoiceField(
        label=gettext_lazy("Which option do you prefer?"), required=False, widget=forms.RadioSelect
    )
    preference_words = forms.CharField(
        label=gettext_lazy("Anything you want to say about your choice"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    based_on = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, version: DecisionVersion, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "what_matters": version.what_matters,
                "preferred_option": str(version.preferred_option or ""),
                "preference_words": version.preference_words,
                "based_on": version.number,
            },
        )
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["preferred_option"].choices = [  # type: ignore[attr-defined]
            (str(o.position), o.label) for o in version.options.all()
        ] + [("", _("I am not sure yet"))]

    def clean_based_on(self) -> int:
        based_on = int(self.cleaned_data["based_on"])
        if based_on != self.version.number:
            raise forms.ValidationError(stale_message(self.version))
        return based_on

    def draft(self) -> DecisionDraft:
        """The current version with the patient's changes (call after ``is_valid()``)."""
        data = self.cleaned_data
        preferred = data["preferred_option"]
        return replace(
            draft_of(self.version),
            what_matters=data["what_matters"].strip(),
            preferred_option=int(preferred) if preferred else None,
            preference_words=data["preference_words"].strip(),
            change_note="",
        )
