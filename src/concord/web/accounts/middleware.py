"""Staff must complete two-factor sign-in when CONCORD_REQUIRE_2FA is on (production)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz")


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.REQUIRE_TWO_FACTOR
            and user.is_authenticated
            and getattr(user, "is_staff_member", False)
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not request.path.startswith("/api/")  # the API uses tokens, not sign-in
        ):
            return redirect(reverse("accounts:two_factor") + "?next=" + request.path)
        return self.get_response(request)
