"""The shared plan: goals, tasks in the JSON API (/api/v1), with the access rules of the pages.

Registered on the project's API in :mod:`concord.web.api.api` (``api.add_router``).
"""

# No ``from __future__ import annotations``: Ninja reads endpoint annotations through the
# ``api_roles`` wrapper, whose globals are those of concord.web.api.api.
from ninja import Router

router = Router(tags=["plans"])
