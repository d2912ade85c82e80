"""Forms of the consent area. Services validate every input with these, so the pages and the
API give the same field-named messages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from concord.web.accounts.models import Role, User
from concord.web.clinic.models import Channel
from concord.web.consent.models import (
    STAFF_METHODS,
    ConsentKind,
    Decision,
    Scope,
    SupporterLink,
    TookMedicines,
)
from concord.web.consent.policy import MAX_RECONFIRM_MONTHS, MIN_RECONFIRM_MONTHS


def consent_key(kind: str, topic: str = "", link_id: int | None = None) -> str:
    """One string for one consent: "treatment", "channel:sms", "supporter:7:appointments"."""
    if kind == ConsentKind.SUPPORTER:
        return f"{kind}:{link_id}:{topic}"
    return f"{kind}:{topic}" if topic else kind


def split_consent_key(value: str) -> tuple[str, str, str]:
    """The (kind, topic, link id) of :func:`consent_key`'s string; blanks where absent."""
    parts = (value or "").split(":")
    if parts[0] == ConsentKind.SUPPORTER and len(parts) == 3:
        return parts[0], parts[2], parts[1]
    if len(parts) == 2:
        return parts[0], parts[1], ""
    return parts[0], "", ""


class StaffDecisionForm(forms.Form):
    """A clinician records the patient's decision (page and API).

    The page sends one ``consent`` key (a select of every consent); the API sends ``kind``,
    ``topic`` and ``supporter_link``. Either way the form checks the combination.
    """

    consent = forms.CharField(label=_("Consent"), required=False, max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=ConsentKind.choices, required=False)
    topic = forms.CharField(label=_("Channel or scope"), required=False, max_length=30)
    supporter_link = forms.IntegerField(label=_("Supporter"), required=False, min_value=1)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    method = forms.ChoiceField(
        label=_("How the patient told you"),
        choices=[(m.value, m.label) for m in STAFF_METHODS],
    )
    information_version = forms.CharField(
        label=_("Information given (wording or version)"),
        required=False,
        max_length=120,
        help_text=_(
            "For example the leaflet and its version. Leave empty for Concord's current "
            "wording of this consent."
        ),
    )
    reconfirm_months = forms.IntegerField(
        label=_("Re-confirm after (months)"),
        required=False,
        min_value=MIN_RECONFIRM_MONTHS,
        max_value=MAX_RECONFIRM_MONTHS,
        help_text=_("Leave empty for the usual period of this kind of consent."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        field = "kind"
        if data.get("consent"):
            field = "consent"
            kind, topic, link = split_consent_key(data["consent"])
            data["kind"], data["topic"] = kind, topic
            data["supporter_link"] = int(link) if link.isdigit() else None
            if kind not in ConsentKind.values:
                self.add_error("consent", _("Choose one of the consents listed."))
                return data
        kind, topic = data.get("kind") or "", (data.get("topic") or "").strip()
        data["topic"] = topic
        if not kind:
            self.add_error(field, _("Say which consent this is."))
        elif kind == ConsentKind.CHANNEL and topic not in Channel.values:
            self.add_error(
                "consent" if field == "consent" else "topic",
                _("Choose one of the channels: %(channels)s.")
                % {"channels": ", ".join(Channel.values)},
            )
        elif kind == ConsentKind.SUPPORTER and (
            topic not in Scope.values or not data.get("supporter_link")
        ):
            self.add_error(
                "consent" if field == "consent" else "topic",
                _("Name the supporter link and one of the scopes: %(scopes)s.")
                % {"scopes": ", ".join(Scope.values)},
            )
        elif kind in (ConsentKind.TREATMENT, ConsentKind.RESEARCH) and (
            topic or data.get("supporter_link")
        ):
            self.add_error(
                "consent" if field == "consent" else "topic",
                _("This kind of consent has no channel, scope or supporter."),
            )
        return data


class PortalDecisionForm(forms.Form):
    """The patient decides about one consent in the portal."""

    kind = forms.ChoiceField(choices=ConsentKind.choices)
    topic = forms.CharField(required=False, max_length=30)
    supporter_link = forms.IntegerField(required=False, min_value=1)
    decision = forms.ChoiceField(choices=Decision.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, topic = data.get("kind"), (data.get("topic") or "").strip()
        data["topic"] = topic
        if kind == ConsentKind.CHANNEL and topic not in Channel.values:
            self.add_error("topic", _("Choose one of the ways to contact you."))
        if kind == ConsentKind.SUPPORTER and (
            topic not in Scope.values or not data.get("supporter_link")
        ):
            self.add_error("topic", _("Choose one of the things you can share."))
        if kind in (ConsentKind.TREATMENT, ConsentKind.RESEARCH) and topic:
            self.add_error("topic", _("This consent has no choices inside it."))
        return data


class ScopeField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=Scope.choices,
            required=False,
            label=_("What they can see"),
            **kwargs,
        )


class InviteForm(forms.ModelForm):
    """The patient invites a supporter: who they are, how to reach them, what to share."""

    scopes = ScopeField()

    class Meta:
        model = SupporterLink
        fields = ["name", "relationship", "contact"]
        help_texts = {
            "contact": _("A phone number or an email address, so your care team can reach them.")
        }


class ScopesForm(forms.Form):
    scopes = ScopeField()


class EndLinkForm(forms.Form):
    """A clinician ends a supporter link on the patient's request."""

    method = forms.ChoiceField(
        label=_("How the patient asked"), choices=[(m.value, m.label) for m in STAFF_METHODS]
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class SupporterAccountForm(forms.Form):
    """The invited person creates their supporter account (the project's password rules)."""

    first_name = forms.CharField(label=_("Your first name"), max_length=150)
    last_name = forms.CharField(
        label=_("Your last name (optional)"), max_length=150, required=False
    )
    username = forms.CharField(
        label=_("Choose a user name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password, not only numbers."),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        try:
            User.username_validator(username)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken; choose another."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            candidate = User(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                role=Role.SUPPORTER,
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


OBSERVATION_MAX_AGE_DAYS = 28


class ObservationForm(forms.Form):
    week_ending = forms.DateField(
        label=_("The week ending on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    took_medicines = forms.ChoiceField(
        label=_("This week they took their medicines"),
        choices=TookMedicines.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Anything to add (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_week_ending(self) -> date:
        day: date = self.cleaned_data["week_ending"]
        if day > self.today:
            raise forms.ValidationError(_("The week cannot end after today."))
        if day < self.today - timedelta(days=OBSERVATION_MAX_AGE_DAYS):
            raise forms.ValidationError(
                _("Tell us about the last four weeks only (from %(day)s).")
                % {"day": (self.today - timedelta(days=OBSERVATION_MAX_AGE_DAYS)).isoformat()}
            )
        return day
