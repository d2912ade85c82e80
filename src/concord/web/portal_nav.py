"""The patient portal's one navigation, shown on every page a signed-in patient opens.

Each entry is a page of the portal and the views that belong to it (view names that begin so),
so that the sub-pages of an area mark their area as the current one: the link to the page
itself carries ``aria-current="page"``, the link to the area of a sub-page
``aria-current="true"``. Supporters have one page of their own (the people they support,
linked from the header), so they get the portal's layout and styles but no menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: Promise
    views: tuple[str, ...]  # the area's view names, or their beginnings


PATIENT_NAV: tuple[NavEntry, ...] = (
    # Questionnaires and decisions are listed on the home page, so they belong to it.
    NavEntry(
        "clinic:portal",
        _("Home"),
        ("clinic:portal", "measures:administration", "decisions:portal_"),
    ),
    NavEntry("plans:portal", _("My plan"), ("plans:portal",)),
    NavEntry("materials:portal_list", _("Things to read"), ("materials:portal_",)),
    NavEntry("barriers:my_barriers", _("What makes it hard"), ("barriers:my_",)),
    NavEntry("consent:my_supporters", _("My supporters"), ("consent:my_supporter",)),
    NavEntry("consent:my_consents", _("What I agree to"), ("consent:my_consent",)),
    NavEntry(
        "consent:my_access_history",
        _("Who has looked at my information"),
        ("consent:my_access_history",),
    ),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: str  # "page", "true" (a page of this area) or "" (elsewhere)


def patient_nav(request: HttpRequest) -> list[NavLink]:
    """The portal's links with the current one marked (empty for anyone but a patient)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "role", None) != "patient":
        return []
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    links = []
    for entry in PATIENT_NAV:
        url = reverse(entry.url_name)
        if request.path == url:
            current = "page"
        elif view_name.startswith(entry.views):
            current = "true"
        else:
            current = ""
        links.append(NavLink(str(entry.label), url, current))
    return links
