"""Synthetic barriers and practical support for the demo clinic.

Deterministic: a fixed seed, relative to ``today``.
"""

from __future__ import annotations

import random
from datetime import date

from concord.web.accounts.models import User


def build_demo_barriers(today: date, users: dict[str, User], seed: int) -> None:
    """Add the demo clinic's barriers and practical support."""
    random.Random(seed)
