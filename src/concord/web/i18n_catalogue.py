"""Compile the translation catalogues without GNU gettext.

Django reads the compiled ``.mo`` files beside each ``django.po`` under ``LOCALE_PATHS``.
Both are committed, so an installation needs no gettext tools at all. Translators edit the
``.po`` (``make messages`` refreshes it from the source with GNU gettext's ``xgettext``) and
then compile it with this module, which uses ``polib`` (a development dependency)::

    .venv/bin/python -m concord.web.i18n_catalogue          # or: make compile-messages

Only translated entries that are not marked fuzzy are compiled, as ``msgfmt`` does, so a
string still waiting for review shows in English rather than in a doubtful translation.
``tests/web/test_translations.py`` fails when a committed ``.mo`` is not in step with its
``.po``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every ``<language>/LC_MESSAGES/*.po`` under ``locale_dir``."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def compiled_entries(catalogue: Any) -> dict[tuple[str | None, str], tuple[str, ...]]:
    """What a compiled catalogue holds: (context, msgid) → the translation (one form, or
    every plural form), for the translated, non-fuzzy, non-obsolete entries."""
    found: dict[tuple[str | None, str], tuple[str, ...]] = {}
    for entry in catalogue:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        if entry.msgid_plural:
            forms = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            if all(forms):
                found[(entry.msgctxt, entry.msgid)] = forms
        elif entry.msgstr:
            found[(entry.msgctxt, entry.msgid)] = (entry.msgstr,)
    return found


def compile_catalogue(po_path: Path) -> Path:
    """Write ``po_path``'s ``.mo`` beside it; return its path."""
    import polib

    mo_path = po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def main(argv: list[str] | None = None) -> int:
    paths = [Path(a) for a in (argv if argv is not None else sys.argv[1:])] or catalogues()
    for po_path in paths:
        mo_path = compile_catalogue(po_path)
        print(f"compiled {po_path} -> {mo_path.name}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
