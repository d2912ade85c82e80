"""The languages the clinic writes material in, and which version a patient is shown.

The clinic's languages are those a patient can choose as their preferred language
(:data:`concord.web.clinic.forms.LANGUAGE_CHOICES`); a material version in any other code is
refused. The clinic's default language is the site's ``LANGUAGE_CODE`` (English unless
configured otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from concord.web.clinic.forms import LANGUAGE_CHOICES
from concord.web.materials.models import MaterialVersion

MATERIAL_LANGUAGES: dict[str, str] = dict(LANGUAGE_CHOICES)
RIGHT_TO_LEFT = frozenset({"ar", "ur", "fa", "he"})

# Why a patient sees a version other than their preferred language.
SHOWN_IN_PREFERRED = ""
SHOWN_IN_DEFAULT = "default_language"  # no version in their language: the clinic's default
SHOWN_IN_OTHER = "other_language"  # neither: the material's first language


def default_language() -> str:
    return str(settings.LANGUAGE_CODE).split("-")[0]


def language_name(code: str) -> str:
    """The language's own name (``"es"`` → ``"Español"``), or the code if unknown."""
    return MATERIAL_LANGUAGES.get(code, code)


def direction(code: str) -> str:
    """``"rtl"`` for right-to-left scripts (Arabic, Urdu …), else ``"ltr"``."""
    return "rtl" if code.split("-")[0] in RIGHT_TO_LEFT else "ltr"


@dataclass(frozen=True)
class Resolution:
    """The version a patient is shown, and why if it is not in their language."""

    version: MaterialVersion
    reason: str
    preferred_language: str

    @property
    def in_preferred_language(self) -> bool:
        return self.reason == SHOWN_IN_PREFERRED


def resolve(versions: Sequence[MaterialVersion], preferred_language: str) -> Resolution | None:
    """The patient's language if there is a version in it (``pt-br`` falls back to ``pt``),
    else the clinic's default language, else the material's first language."""
    if not versions:
        return None
    by_language = {v.language: v for v in versions}
    wanted = preferred_language.lower()
    for code in (wanted, wanted.split("-")[0]):
        if code in by_language:
            return Resolution(by_language[code], SHOWN_IN_PREFERRED, preferred_language)
    default = default_language()
    if default in by_language:
        return Resolution(by_language[default], SHOWN_IN_DEFAULT, preferred_language)
    first = min(versions, key=lambda v: (v.created_at, v.pk))
    return Resolution(first, SHOWN_IN_OTHER, preferred_language)
