"""The Spanish catalogue stays complete for everything a patient, a supporter or a person with
a link can see, and in step with its compiled form.

"Patient-facing" is everything except :data:`STAFF_ONLY_TEMPLATES` (a way to leave staff
pages for a later pass; empty now that every page is translated): every Python module of
the interface (model choices, form labels and help, validation messages are shared by staff
and patient pages) and every template not on that list. The list is kept honest from both
sides: a template on it must never be rendered for any page a patient, supporter or link
holder opens (the pages are derived from the access matrix, so a new portal page is checked
without being added here), nor be included by a patient-facing template; and a new template
is patient-facing until someone decides otherwise, so its strings fail
:func:`test_every_patient_facing_string_has_a_spanish_translation` until they are
translated. The strings are read from the source by ``i18n_support`` (the same strings as
``makemessages``, in Python only), so a string added to a template without running
``make messages`` is caught too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import polib
import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from concord.web.i18n_catalogue import compiled_entries

from .conftest import Cast
from .i18n_support import (
    CATALOGUE,
    COMPILED,
    Message,
    calls_in_fstrings,
    catalogue,
    interface_modules,
    interface_templates,
    placeholders,
    python_messages,
    tags,
    template_messages,
    template_name,
    unknown_aliases,
)
from .portal_fixtures import fill_portal, portal_pages

# Staff templates left untranslated for a later pass (docs/translations.md): none at present,
# every template is translated. A template put here is exempt from the completeness test, and
# the tests below make sure nothing a patient, supporter or link holder sees is on the list.
STAFF_ONLY_TEMPLATES: frozenset[str] = frozenset()
INCLUDE = re.compile(r"""\{%\s*(?:include|extends)\s+["']([^"']+)["']""")


def patient_facing_messages() -> Iterator[Message]:
    for path in interface_templates():
        if template_name(path) not in STAFF_ONLY_TEMPLATES:
            yield from template_messages(path)
    for path in interface_modules():
        yield from python_messages(path)


def _problem(message: Message, index: dict[tuple[str | None, str], polib.POEntry]) -> str:
    entry = index.get(message.key)
    if entry is None or entry.obsolete:
        return "not in the catalogue (run make messages)"
    if (entry.msgid_plural or None) != message.plural:
        return "its plural differs in the catalogue (run make messages)"
    if "fuzzy" in entry.flags:
        return "marked fuzzy: review the translation"
    if not entry.translated():
        return "no translation"
    return ""


def test_makemessages_finds_every_translation_function() -> None:
    """A translation function under another name (``gettext_lazy as _lazy``), or called
    inside an f-string, is invisible to makemessages: its strings would never reach the
    catalogue."""
    assert [p for path in interface_modules() for p in unknown_aliases(path)] == []
    assert [p for path in interface_modules() for p in calls_in_fstrings(path)] == []


def test_every_patient_facing_string_has_a_spanish_translation() -> None:
    index = {(e.msgctxt, e.msgid): e for e in catalogue()}
    problems = sorted(
        {
            f"{m.where}: {m.msgid!r}: {problem}"
            for m in patient_facing_messages()
            if (problem := _problem(m, index))
        }
    )
    assert problems == [], "\n".join(problems)


def test_translations_keep_the_placeholders_and_the_markup() -> None:
    """``%(name)s``, ``%s`` and ``{name}`` are filled in by the code; a translation that
    drops or renames one breaks the page (or hides a value). Markup stays the same too."""
    problems = []
    for entry in catalogue():
        if entry.obsolete or not entry.translated():
            continue
        pairs = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            pairs = [(entry.msgid, forms[0])] + [(entry.msgid_plural, forms[i]) for i in forms if i]
        for english, spanish in pairs:
            if placeholders(english) != placeholders(spanish):
                problems.append(f"{english!r} → {spanish!r}: placeholders differ")
            if tags(english) != tags(spanish):
                problems.append(f"{english!r} → {spanish!r}: markup differs")
    assert problems == [], "\n".join(problems)


def test_the_compiled_catalogue_is_in_step_with_the_po() -> None:
    """The committed .mo holds exactly the translated, reviewed entries of the .po
    (recompile with ``make compile-messages``: no GNU gettext needed)."""
    po = catalogue()
    mo = polib.mofile(str(COMPILED))
    assert compiled_entries(mo) == compiled_entries(po)
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


def test_the_catalogue_has_only_strings_that_are_still_in_the_source() -> None:
    """An entry no source uses any more is a translation nobody sees; ``make messages``
    marks such entries obsolete."""
    found = {m.key for path in interface_templates() for m in template_messages(path)}
    found |= {m.key for path in interface_modules() for m in python_messages(path)}
    stale = [
        e.msgid
        for e in catalogue()
        if not e.obsolete and e.msgid and (e.msgctxt, e.msgid) not in found
    ]
    assert stale == []


def test_the_spanish_plural_rule_is_the_one_django_uses() -> None:
    """Django keeps a catalogue with another plural rule apart from its own; the same rule
    as Django's Spanish catalogue (three forms, the second for millions) keeps one."""
    rule = catalogue().metadata["Plural-Forms"]
    assert rule == "nplurals=3; plural=n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;"
    assert CATALOGUE.is_file() and COMPILED.is_file()


def test_the_staff_only_list_names_real_templates_only_included_by_staff_pages() -> None:
    names = {template_name(p) for p in interface_templates()}
    assert sorted(STAFF_ONLY_TEMPLATES - names) == []  # no stale names
    problems = []
    for path in interface_templates():
        name = template_name(path)
        if name in STAFF_ONLY_TEMPLATES:
            continue
        for used in INCLUDE.findall(path.read_text(encoding="utf-8")):
            if used in STAFF_ONLY_TEMPLATES:
                problems.append(f"{name} includes the untranslated {used}")
    assert problems == []


# ---------------------------------------------------------------- every page, rendered


@contextmanager
def recorded_lookups() -> Iterator[list[tuple[str, str]]]:
    """Every translation lookup made meanwhile, as (what was looked up, what came back)."""
    seen: list[tuple[str, str]] = []
    trans = translation._trans  # type: ignore[attr-defined]
    originals = {n: getattr(trans, n) for n in ("gettext", "ngettext", "pgettext", "npgettext")}

    def wrap(name: str, function: Callable[..., str]) -> Callable[..., str]:
        def recording(*args: Any) -> str:
            result = function(*args)
            if name == "gettext":
                key = str(args[0])
            elif name == "ngettext":
                key = f"{args[0]}\x00{args[1]}"
            elif name == "pgettext":
                key = f"{args[0]}\x04{args[1]}"
            else:
                key = f"{args[0]}\x04{args[1]}\x00{args[2]}"
            seen.append((name, key))
            return result

        return recording

    for name, function in originals.items():
        setattr(trans, name, wrap(name, function))
    try:
        yield seen
    finally:
        for name, function in originals.items():
            setattr(trans, name, function)


def _translated(kind: str, key: str) -> bool:
    """Whether the Spanish catalogues (Concord's and Django's) hold this lookup."""
    spanish = trans_real.translation("es")._catalog
    if kind in ("ngettext", "npgettext"):
        singular = key.split("\x00")[0]
        return (singular, 0) in spanish
    return key in spanish


@pytest.mark.django_db
def test_every_portal_page_is_in_spanish_for_a_spanish_speaking_patient(cast: Cast) -> None:
    """Each page a patient, supporter or link holder opens (from the access matrix), shown
    in Spanish: ``lang="es"``, no untranslated template, and every string it looked up has
    a Spanish translation (the Python strings a page shows included)."""
    fill_portal(cast)
    cast.patient_a.preferred_language = "es"
    cast.patient_a.save()
    pages = portal_pages(cast)
    assert {"clinic:portal", "plans:portal", "consent:supported_patient", "measures:signed"} <= {
        p.url_name for p in pages
    }
    problems = []
    for page in pages:
        client = Client(headers={"accept-language": "es"})
        if page.person != "anonymous":
            client.force_login(cast.users[page.person])
        with recorded_lookups() as lookups:
            response = client.get(page.url)
        assert response.status_code == 200, page.key
        used = {t.name for t in response.templates if t.name}
        problems += [f"{page.key}: untranslated template {n}" for n in used & STAFF_ONLY_TEMPLATES]
        html = response["Content-Type"].startswith("text/html")
        if html and '<html lang="es">' not in response.content.decode():
            problems.append(f"{page.key}: not in Spanish")
        problems += [
            f"{page.key}: no Spanish for {key.replace(chr(4), ' | ')!r}"
            for kind, key in dict.fromkeys(lookups)
            if key and not _translated(kind, key)
        ]
    assert problems == [], "\n".join(problems)
