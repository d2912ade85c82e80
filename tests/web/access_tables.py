"""The shapes of the access matrix, shared by the test modules that list their own pages.

Each area's test module (``test_measures``, ``test_alerts``, ``test_plans`` …) lists its pages
as ``{url name: (kwargs from the cast, {person: status})}`` and its API operations as
``{(method, path template): (body, {person: status})}``; ``test_access_matrix`` collects them
all and fails on any URL or operation that no table lists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conftest import CAST_NAMES, Cast

ANON_PAGE = 302  # pages send unknown people to sign in
API_ANON = 401  # the API answers unknown people 401

# Who gets a page (200) in the usual shapes of the tables; everyone else gets the default.
STAFF_A = {"clin_a": 200, "colleague_a": 200, "sup_a": 200}  # team A's staff
CLINICIANS_A = {"clin_a": 200, "colleague_a": 200}  # team A's clinicians (writers)
ALL_STAFF = {"clin_a": 200, "colleague_a": 200, "clin_b": 200, "sup_a": 200, "sup_b": 200}
ALL_CLINICIANS = {"clin_a": 200, "colleague_a": 200, "clin_b": 200}
PATIENTS = {"patient_a": 200, "patient_b": 200}

PageTable = dict[str, tuple[Callable[[Cast], dict[str, Any]], dict[str, int]]]
ApiTable = dict[tuple[str, str], tuple[dict[str, Any] | None, dict[str, int]]]


def statuses(default: int, anonymous: int = ANON_PAGE, **overrides: int) -> dict[str, int]:
    """The expected status for every person of the cast: ``default`` unless overridden."""
    table = dict.fromkeys(CAST_NAMES, default)
    table["anonymous"] = anonymous
    table.update(overrides)
    return table
