"""What changed between two versions of a shared decision, field by field.

Options are matched by name (ignoring case): an option whose name changed shows as one
removed and one added. Values are display text for the history page and the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concord.web.decisions.drafts import DecisionDraft, OptionDraft, draft_of
from concord.web.decisions.models import DecisionStatus, DecisionVersion, ParticipantRole

LABELS: dict[str, str | Promise] = {
    "question": gettext_lazy("Question"),
    "context": gettext_lazy("Why a decision is needed"),
    "option_added": gettext_lazy("Option added"),
    "option_removed": gettext_lazy("Option removed"),
    "option_benefits": gettext_lazy("Benefits"),
    "option_risks": gettext_lazy("Risks and side effects"),
    "option_burdens": gettext_lazy("Burdens"),
    "option_source": gettext_lazy("Source or decision aid"),
    "what_matters": gettext_lazy("What matters most to the patient"),
    "preferred_option": gettext_lazy("Preference"),
    "preference_words": gettext_lazy("Preference in the patient's words"),
    "decision": gettext_lazy("Decision"),
    "participants": gettext_lazy("Who took part"),
    "revisit_on": gettext_lazy("Revisit date"),
}
OPTION_PARTS = ("benefits", "risks", "burdens", "source")


@dataclass(frozen=True)
class Change:
    """One changed field; ``option`` names the option for option-level changes."""

    field: str
    before: str
    after: str
    option: str = ""

    @property
    def label(self) -> str:
        return str(LABELS[self.field])


def _option_label(draft: DecisionDraft, position: int | None) -> str:
    if position is None:
        return ""
    return draft.options[position - 1].label


def decision_text(draft: DecisionDraft) -> str:
    if draft.status == DecisionStatus.DEFERRED:
        return str(DecisionStatus.DEFERRED.label)
    return _option_label(draft, draft.chosen_option)


def preference_text(draft: DecisionDraft) -> str:
    return _option_label(draft, draft.preferred_option) or _("No preference yet")


def participants_text(draft: DecisionDraft) -> str:
    return "; ".join(f"{p.name} ({ParticipantRole(p.role).label})" for p in draft.participants)


def _options_by_name(draft: DecisionDraft) -> dict[str, OptionDraft]:
    return {o.label.casefold(): o for o in draft.options}


def changes_between(older: DecisionDraft, newer: DecisionDraft) -> list[Change]:
    """Every difference from ``older`` to ``newer``, in the order the record reads."""
    changes: list[Change] = []

    def text(field: str, before: str, after: str) -> None:
        if before != after:
            changes.append(Change(field, before, after))

    text("question", older.question, newer.question)
    text("context", older.context, newer.context)
    before_options, after_options = _options_by_name(older), _options_by_name(newer)
    for key, option in after_options.items():
        previous = before_options.get(key)
        if previous is None:
            changes.append(Change("option_added", "", option.label, option.label))
            continue
        for part in OPTION_PARTS:
            if getattr(previous, part) != getattr(option, part):
                changes.append(
                    Change(
                        f"option_{part}",
                        getattr(previous, part),
                        getattr(option, part),
                        option.label,
                    )
                )
    for key, option in before_options.items():
        if key not in after_options:
            changes.append(Change("option_removed", option.label, "", option.label))
    text("what_matters", older.what_matters, newer.what_matters)
    text("preferred_option", preference_text(older), preference_text(newer))
    text("preference_words", older.preference_words, newer.preference_words)
    text("decision", decision_text(older), decision_text(newer))
    text("participants", participants_text(older), participants_text(newer))
    if older.revisit_on != newer.revisit_on:
        changes.append(
            Change(
                "revisit_on",
                date_format(older.revisit_on, "j F Y"),
                date_format(newer.revisit_on, "j F Y"),
            )
        )
    return changes


@dataclass(frozen=True)
class HistoryEntry:
    version: DecisionVersion
    changes: list[Change]

    @property
    def is_first(self) -> bool:
        return self.version.number == 1

    @property
    def by_patient(self) -> bool:
        return self.version.recorded_by_role == "patient"

    @property
    def summary(self) -> str:
        """The changed fields' names, for the PDF's history table."""
        if self.is_first:
            return _("First recorded")
        names: list[str] = []
        for change in self.changes:
            if change.label not in names:
                names.append(change.label)
        return ", ".join(names)


def history_of(versions: list[DecisionVersion]) -> list[HistoryEntry]:
    """Every version, oldest first, each with what changed since the one before."""
    entries: list[HistoryEntry] = []
    previous: DecisionDraft | None = None
    for version in versions:
        draft = draft_of(version)
        entries.append(HistoryEntry(version, changes_between(previous, draft) if previous else []))
        previous = draft
    return entries
