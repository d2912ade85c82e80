from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from concord.web.portal_nav import patient_nav

PORTAL_ROLES = frozenset({"patient", "supporter"})


def concord_context(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the mode, and for patients and supporters the portal's layout
    (``portal_page``) and, for patients, its navigation (``portal_nav``)."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    return {
        "concord_mode": settings.MODE,
        "portal_page": role in PORTAL_ROLES,
        "portal_nav": patient_nav(request) if role == "patient" else [],
    }
