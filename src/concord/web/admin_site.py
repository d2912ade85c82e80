"""The Django admin, for administrators only; everyone else gets 404."""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _


class ConcordAdminSite(admin.AdminSite):
    site_header = _("Concord administration")
    site_title = _("Concord administration")
    index_title = _("Organisation, people and teams")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active and user.is_staff and getattr(user, "role", "") == "administrator"
        )

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        guarded.access_rule = "roles:administrator"  # type: ignore[attr-defined]
        return update_wrapper(guarded, view)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in page for everyone (with lockout and two-factor).
        return redirect_to_login(request.GET.get("next", "/admin/"))
