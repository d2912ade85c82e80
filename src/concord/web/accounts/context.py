from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def concord_context(request: HttpRequest) -> dict[str, Any]:
    return {"concord_mode": settings.MODE}
