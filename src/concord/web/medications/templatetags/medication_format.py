"""Display helpers for adherence values (the engine returns unrounded fractions)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.8123 → "81 %"; a missing value → "—" (not defined, never 0 %)."""
    if value is None:
        return "—"
    return f"{round(float(value) * 100):d} %"
