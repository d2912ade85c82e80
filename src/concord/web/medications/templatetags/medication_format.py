"""Display helpers for adherence values (the engine returns unrounded fractions)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.8123 → "81 %"; a missing value → "—" (not defined, never 0 %)."""
    if value is None:
        return "—"
    return f"{round(float(value) * 100):d} %"


@register.filter
def amount(value: object) -> str:
    """A dose without trailing zeros, in the page's number format: 12.500 → "12.5" in
    English, "12,5" in Spanish; 50.000 → "50"; a missing value → ""."""
    if value is None or value == "":
        return ""
    try:
        text = f"{Decimal(str(value)):f}"
    except InvalidOperation:
        return str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return str(number_format(Decimal(text)))
