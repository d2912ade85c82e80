from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user


class SignInForm(forms.Form):
    """User name, password and — when the person has an authenticator — the 6-digit code."""

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Staff with an authenticator app enter its 6-digit code."),
    )

    error_messages = {
        "invalid_login": _("The user name or password is not right, or the code is wrong."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: Any = None
        self.device: Any = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if not username or not password:
            return data
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        devices = [d for d in devices_for_user(user, confirmed=True)]
        if devices:
            token = (data.get("otp_token") or "").strip()
            matched = next((d for d in devices if token and d.verify_token(token)), None)
            if matched is None:
                # A wrong code counts as a failed sign-in for the lockout.
                user_login_failed.send(
                    sender=__name__, credentials={"username": username}, request=self.request
                )
                raise forms.ValidationError(
                    self.error_messages["invalid_login"], code="invalid_login"
                )
            self.device = matched
        self.user = user
        return data


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
