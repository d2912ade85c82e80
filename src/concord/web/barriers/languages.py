"""Language codes of the directory ("languages served"): parsing, checking and naming.

Codes are lower-case BCP 47 primary tags with an optional region or script (``es``,
``pt-br``, ``bfi`` for British Sign Language), because the patient's preferred language is
stored the same way and the directory filter matches the two.
"""

from __future__ import annotations

import re

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
MAX_LANGUAGES = 20

# Community languages Django's own table does not name.
EXTRA_NAMES = {
    "am": _("Amharic"),
    "ase": _("American Sign Language"),
    "bfi": _("British Sign Language"),
    "gu": _("Gujarati"),
    "ha": _("Hausa"),
    "prs": _("Dari"),
    "ps": _("Pashto"),
    "si": _("Sinhala"),
    "so": _("Somali"),
    "ti": _("Tigrinya"),
    "tl": _("Tagalog"),
    "yo": _("Yoruba"),
    "yue": _("Cantonese"),
}


class LanguageListError(ValueError):
    pass


def parse_language_list(text: str) -> list[str]:
    """``"en, ES; pt-BR"`` → ``["en", "es", "pt-br"]`` (order kept, duplicates dropped)."""
    codes: list[str] = []
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        code = part.lower().replace("_", "-")
        if not CODE.match(code):
            raise LanguageListError(
                gettext("“%(value)s” is not a language code such as en, es or pt-br.")
                % {"value": part}
            )
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_LANGUAGES:
        raise LanguageListError(gettext("At most %(n)d languages.") % {"n": MAX_LANGUAGES})
    return codes


def stored(codes: list[str]) -> str:
    """The column value: ``",en,es,"`` (empty for no language)."""
    return "," + ",".join(codes) + "," if codes else ""


def language_name(code: str) -> str:
    if code in EXTRA_NAMES:
        return str(EXTRA_NAMES[code])
    info = LANG_INFO.get(code) or LANG_INFO.get(code.split("-")[0])
    if info and "name" in info:
        return gettext(info["name"])
    return code
