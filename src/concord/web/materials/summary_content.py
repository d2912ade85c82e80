"""An after-visit summary's content: the sentences, in sections, in the patient's language.

The content is a plain JSON object, stored with each revision exactly as the patient will read
it, so a shared summary never changes when the records it came from do::

    {"title": "Your visit on 3 March 2026",
     "intro": ["You saw Adaeze Okafor in person.", "Here is what we talked about …"],
     "language_note": "",          # set when the patient's language has no translation
     "sections": [{"key": "goals", "heading": "What we talked about",
                   "items": [{"text": "Your goal: “…”", "details": ["…"]}]}, …]}

Sections, in order: ``goals``, ``tasks``, ``decisions``, ``barriers`` (only when the visit
had any), ``note`` (the clinician's note, added when shared), ``next``, ``contact``,
``worse``. :func:`summary_text` is the plain text the readability check scores and the PDF's
words: every title, heading, line and detail its own block.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from concord.web.materials.languages import language_name
from concord.web.materials.summary_plan_sentences import goal_item, still_in_plan, task_item
from concord.web.materials.summary_sentences import (
    appointment_item,
    barrier_item,
    contact_item,
    decision_item,
    intro_line,
    worse_items,
)
from concord.web.materials.summary_sources import SummarySources
from concord.web.materials.summary_words import Item, short_day

VISIT_SECTIONS = ("goals", "tasks", "decisions", "barriers")  # what the visit itself covered


def _section(key: str, heading: str, items: list[Item]) -> dict[str, Any]:
    return {"key": key, "heading": heading, "items": [i.as_json() for i in items]}


def _visit_sections(sources: SummarySources) -> list[dict[str, Any]]:
    session, window = sources.session, sources.window
    goals = [i for v in sources.goals if (i := goal_item(v, session, window)) is not None]
    listed: set[int] = set()
    tasks = []
    for view in sources.tasks:
        item = task_item(view, window, sources.has_portal)
        if item is not None:
            tasks.append(item)
            listed.add(view.task.pk)
    if tasks and (others := still_in_plan(sources.tasks, listed)) is not None:
        tasks.append(others)
    ordered = sorted(sources.decisions, key=lambda r: (r.decision.created_at, r.decision.pk))
    decisions = [i for r in ordered if (i := decision_item(r, window)) is not None]
    barriers = [i for b in sources.barriers if (i := barrier_item(b, window)) is not None]
    sections = [
        ("goals", _("What we talked about"), goals),
        ("tasks", _("What we agreed to do"), tasks),
        ("decisions", _("Decisions we made"), decisions),
        ("barriers", _("What makes things hard, and what we will do"), barriers),
    ]
    return [_section(key, heading, items) for key, heading, items in sections if items]


def compose(sources: SummarySources) -> dict[str, Any]:
    """The summary's content, its fixed sentences in the summary's language."""
    language = sources.language
    with translation.override(language.code):
        session, episode = sources.session, sources.episode
        crisis = sources.crisis
        language_note = ""
        if not language.translated:
            language_note = _(
                "This summary is in %(shown)s because it is not available in %(preferred)s "
                "yet. Ask your care team if you would like help to read it, or an interpreter."
            ) % {
                "shown": language_name(language.code),
                "preferred": language_name(language.preferred),
            }
        return {
            "title": _("Your visit on %(date)s") % {"date": short_day(session.scheduled_at)},
            "intro": [
                intro_line(session.modality, sources.clinician_name),
                _("Here is what we talked about and what we agreed."),
            ],
            "language_note": language_note,
            "sections": [
                *_visit_sections(sources),
                _section(
                    "next", _("Your next appointment"), [appointment_item(sources.next_appointment)]
                ),
                _section(
                    "contact",
                    _("Who to contact"),
                    [
                        contact_item(
                            episode.team.name, episode.team.clinic.name, sources.contact_name
                        )
                    ],
                ),
                _section(
                    "worse",
                    _("If things get worse"),
                    worse_items(
                        crisis.text if crisis else "",
                        crisis.language if crisis else "",
                        language.code,
                    ),
                ),
            ],
        }


def has_visit_content(content: dict[str, Any]) -> bool:
    """Whether anything from the visit itself is in it (goals, tasks, decisions, barriers)."""
    return any(s["key"] in VISIT_SECTIONS for s in content["sections"])


def with_note(content: dict[str, Any], note: str, author: str, language: str) -> dict[str, Any]:
    """The content with the clinician's note as its own section, before the next appointment."""
    note = note.strip()
    if not note:
        return content
    with translation.override(language):
        heading = _("A note from %(who)s") % {"who": author}
    section = _section("note", heading, [Item(note)])
    sections = list(content["sections"])
    position = next(
        (i for i, s in enumerate(sections) if s["key"] not in VISIT_SECTIONS), len(sections)
    )
    sections.insert(position, section)
    return {**content, "sections": sections}


def summary_blocks(content: dict[str, Any]) -> list[str]:
    """Every line a reader meets, in order: title, intro, note, headings, items, details."""
    blocks = [content["title"], *content["intro"]]
    if content.get("language_note"):
        blocks.append(content["language_note"])
    for section in content["sections"]:
        blocks.append(section["heading"])
        for item in section["items"]:
            blocks.append(item["text"])
            blocks.extend(item["details"])
    return [b.strip() for b in blocks if b.strip()]


def summary_text(content: dict[str, Any]) -> str:
    """The plain text: each block its own paragraph (so each counts as a sentence at least)."""
    return "\n\n".join(summary_blocks(content))
