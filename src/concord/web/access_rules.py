"""Access rules every view declares. A view without one fails the access-matrix test.

* ``public`` — anyone, signed in or not (sign-in page, health check);
* ``signed_in`` — any signed-in person; unknown people are sent to sign in;
* ``roles(...)`` — signed-in people of these roles; everyone else gets 404, never a hint
  that the page or record exists.

Record-level rules (which patient, which session) live in :mod:`concord.web.clinic.access`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def _tag(view: View, rule: str) -> View:
    view.access_rule = rule  # type: ignore[attr-defined]
    return view


def public(view: View) -> View:
    return _tag(view, "public")


def signed_in(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return _tag(wrapper, "signed_in")


def roles(*allowed: str) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request.user, "role", None) not in allowed:
                raise Http404
            return view(request, *args, **kwargs)

        return _tag(wrapper, "roles:" + ",".join(sorted(allowed)))

    return decorate
