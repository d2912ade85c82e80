"""The building blocks of after-visit summary sentences: an item (a line and its details),
quotation of someone's own words, dates and times in the active language, counts in words.

Called inside ``translation.override(language)`` like the sentence builders
(:mod:`.summary_plan_sentences`, :mod:`.summary_sentences`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from concord.web.clinic.models import Modality


@dataclass(frozen=True)
class Item:
    """One point of a section: a line and the short lines under it."""

    text: str
    details: list[str] = field(default_factory=list)
    lang: str = ""  # set when the text is in another language than the summary

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text, "details": self.details}
        if self.lang:
            data["lang"] = self.lang
        return data


# ------------------------------------------------------------------ words and dates


def quoted(words: str) -> str:
    return "“" + words.strip() + "”"


def without_full_stop(text: str) -> str:
    return text.strip().rstrip(".")


def long_day(day: date | datetime) -> str:
    """``Tuesday 3 March 2026`` in the active language."""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    # Translators: a date format (Django's "date" filter letters): weekday, day, month, year.
    return formats.date_format(day, pgettext("summary date with weekday", "l j F Y"))


def short_day(day: date | datetime) -> str:
    """``3 March 2026`` in the active language."""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    # Translators: a date format (Django's "date" filter letters): day, month, year.
    return formats.date_format(day, pgettext("summary date", "j F Y"))


def clock(moment: datetime) -> str:
    return formats.time_format(timezone.localtime(moment).time(), "H:i")


def and_join(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(list)s and %(last)s") % {"list": ", ".join(parts[:-1]), "last": parts[-1]}


def times_a_day(n: int) -> str:
    return ngettext("once a day", "%(n)d times a day", n) % {"n": n}


def days_a_week(n: int) -> str:
    if n == 7:
        return _("every day")
    return ngettext("%(n)d day a week", "%(n)d days a week", n) % {"n": n}


def how_we_meet(modality: str) -> str:
    if modality == Modality.TELEHEALTH:
        return _("by video")
    if modality == Modality.PHONE:
        return _("by phone")
    return _("in person")
