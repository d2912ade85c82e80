"""Synthetic shared plan: goals, tasks for the demo clinic.

Deterministic: a fixed seed, relative to ``today``.
"""

from __future__ import annotations

import random
from datetime import date

from concord.web.accounts.models import User


def build_demo_plans(today: date, users: dict[str, User], seed: int) -> None:
    """Add the demo clinic's shared plan: goals, tasks."""
    random.Random(seed)
